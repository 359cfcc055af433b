package schemas

// DOKU Wallet SNAP : tokens, account registration and binding,
// balance, bank transfer, top-up, debit payment/status/cancel/refund and
// transaction history. Requests are strict; responses lenient (the DOKU page's
// response samples send codes, ids and amounts as numbers).

// SNAPTokenRequest is the B2B token request body
// (POST /authorization/v1/access-token/b2b), also what DOKU sends to the
// merchant's token endpoint before a SNAP notification.
type SNAPTokenRequest struct {
	GrantType      string         `json:"grantType" validate:"required,eq=client_credentials"`
	AdditionalInfo map[string]any `json:"additionalInfo,omitempty"`
}

// SNAPB2B2CTokenRequest is POST /authorization/v1/access-token/b2b2c: an
// authorization code (from account binding) or a refresh token.
type SNAPB2B2CTokenRequest struct {
	GrantType      string         `json:"grantType" validate:"required,oneof=authorization_code refresh_token"`
	AuthCode       string         `json:"authCode,omitempty" validate:"required_if=GrantType authorization_code"`
	RefreshToken   string         `json:"refreshToken,omitempty" validate:"required_if=GrantType refresh_token"`
	AdditionalInfo map[string]any `json:"additionalInfo,omitempty"`
}

// WalletDeviceInfo is the additionalInfo most DOKU Wallet calls accept.
type WalletDeviceInfo struct {
	DeviceID string `json:"deviceId,omitempty" validate:"max=64"`
	Channel  string `json:"channel,omitempty" validate:"max=64"`
	// Origin is what DOKU's SDKs add (see SDKOrigin).
	Origin *SDKOrigin `json:"origin,omitempty"`
}

// WalletAccountCreationRequest is POST /snap-adapter/b2b/v1.0/registration-account-creation.
type WalletAccountCreationRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	Name               string `json:"name" validate:"required,max=128"`
	// PhoneNo is a digit string (the table's type; the DOKU page's sample sends a number).
	PhoneNo        string         `json:"phoneNo" validate:"required,numeric,max=16"`
	Email          string         `json:"email" validate:"required,email"`
	RedirectURL    string         `json:"redirectUrl" validate:"required,url"`
	AdditionalInfo map[string]any `json:"additionalInfo,omitempty"`
}

// WalletAccountCreationResponse is DOKU's answer (2000600 on its DOKU page).
type WalletAccountCreationResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletOTPVerificationRequest is POST /snap-adapter/b2b/v1.0/otp-verification.
type WalletOTPVerificationRequest struct {
	OriginalPartnerReferenceNo string         `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	OriginalReferenceNo        string         `json:"originalReferenceNo" validate:"required,max=64"`
	OTP                        string         `json:"otp" validate:"required,max=16"`
	AdditionalInfo             map[string]any `json:"additionalInfo,omitempty"`
}

// WalletOTPVerificationResponse is DOKU's answer (2000400 on its DOKU page).
type WalletOTPVerificationResponse struct {
	ResponseCode               FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage            FlexString `json:"responseMessage" validate:"required"`
	OriginalPartnerReferenceNo FlexString `json:"originalPartnerReferenceNo,omitempty"`
	OriginalReferenceNo        FlexString `json:"originalReferenceNo,omitempty"`
	Email                      FlexString `json:"email,omitempty"`
	PhoneNo                    FlexString `json:"phoneNo,omitempty"`
	SendOTPFlag                FlexString `json:"sendOtpFlag,omitempty"`
	AdditionalInfo             FlexObject `json:"additionalInfo"`
	QparamsURL                 FlexString `json:"qparamsURL,omitempty"`
	Qparams                    FlexObject `json:"qparams"`
}

// WalletBindingRequest is POST /snap-adapter/b2b/v1.0/registration-account-binding.
type WalletBindingRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	RedirectURL        string `json:"redirectUrl" validate:"required,url"`
	SuccessParams      *struct {
		AccountID string `json:"accountId,omitempty"`
	} `json:"successParams,omitempty"`
	AdditionalInfo map[string]any `json:"additionalInfo,omitempty"`
}

// WalletBindingResponse is DOKU's answer (2000700 on its DOKU page).
type WalletBindingResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	LinkID             FlexString `json:"linkId,omitempty"`
	NextAction         FlexString `json:"nextAction,omitempty"`
	RedirectURL        FlexString `json:"redirectUrl,omitempty"`
	UserInfo           FlexObject `json:"userInfo"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletBindingInquiryRequest is POST /snap-adapter/b2b/v1.0/registration-account-inquiry.
type WalletBindingInquiryRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	AdditionalInfo     *struct {
		AccountID string     `json:"accountId,omitempty"`
		Origin    *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo,omitempty"`
}

// WalletBindingInquiryResponse is DOKU's answer (2000800 on its DOKU page).
type WalletBindingInquiryResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	AccountNo          FlexString `json:"accountNo,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletUnbindingRequest is POST /snap-adapter/b2b/v1.0/registration-account-unbinding.
type WalletUnbindingRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	LinkID             string `json:"linkId" validate:"required,max=64"`
	MerchantID         string `json:"merchantId" validate:"required,max=64"`
	AdditionalInfo     *struct {
		DeviceID string     `json:"deviceId,omitempty"`
		Channel  string     `json:"channel,omitempty"`
		PhoneNo  string     `json:"phoneNo,omitempty" validate:"omitempty,numeric,max=16"`
		Origin   *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo,omitempty"`
}

// WalletUnbindingResponse is DOKU's answer (2000900 on its DOKU page).
type WalletUnbindingResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	MerchantID         FlexString `json:"merchantId,omitempty"`
	LinkID             FlexString `json:"linkId,omitempty"`
	UnlinkResult       FlexString `json:"unlinkResult,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletBalanceInquiryRequest is POST /snap-adapter/b2b2c/v1.0/balance-inquiry.
type WalletBalanceInquiryRequest struct {
	PartnerReferenceNo string            `json:"partnerReferenceNo" validate:"required,max=64"`
	AdditionalInfo     *WalletDeviceInfo `json:"additionalInfo,omitempty"`
}

// WalletBalanceInquiryResponse is DOKU's answer (2001100 on its DOKU page).
type WalletBalanceInquiryResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	AccountNo          FlexString `json:"accountNo,omitempty"`
	Name               FlexString `json:"name,omitempty"`
	AccountInfo        *struct {
		BalanceType FlexString    `json:"balanceType,omitempty"`
		Amount      *LenientMoney `json:"amount,omitempty"`
	} `json:"accountInfo,omitempty"`
	AdditionalInfo FlexObject `json:"additionalInfo"`
}

// WalletBankAccountInquiryRequest is POST /snap-adapter/b2b2c/v1.0/emoney/bank-account-inquiry.
type WalletBankAccountInquiryRequest struct {
	PartnerReferenceNo       string `json:"partnerReferenceNo" validate:"required,max=64"`
	CustomerNumber           string `json:"customerNumber" validate:"required,max=32"`
	Amount                   *Money `json:"amount,omitempty"`
	BeneficiaryAccountNumber string `json:"beneficiaryAccountNumber" validate:"required,max=32"`
	AdditionalInfo           *struct {
		BankCode string     `json:"bankCode,omitempty" validate:"max=16"`
		Origin   *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo,omitempty"`
}

// WalletBankAccountInquiryResponse is DOKU's answer (service 42).
type WalletBankAccountInquiryResponse struct {
	ResponseCode             FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage          FlexString    `json:"responseMessage" validate:"required"`
	ReferenceNo              FlexString    `json:"referenceNo,omitempty"`
	PartnerReferenceNo       FlexString    `json:"partnerReferenceNo,omitempty"`
	BeneficiaryAccountNumber FlexString    `json:"beneficiaryAccountNumber,omitempty"`
	BeneficiaryAccountName   FlexString    `json:"beneficiaryAccountName,omitempty"`
	BeneficiaryBankCode      FlexString    `json:"beneficiaryBankCode,omitempty"`
	Amount                   *LenientMoney `json:"amount,omitempty"`
	AdditionalInfo           FlexObject    `json:"additionalInfo"`
}

// WalletTransferBankRequest is POST /snap-adapter/b2b2c/v1.0/emoney/transfer-bank.
type WalletTransferBankRequest struct {
	PartnerReferenceNo       string `json:"partnerReferenceNo" validate:"required,max=64"`
	CustomerNumber           string `json:"customerNumber" validate:"required,max=32"`
	AccountType              string `json:"accountType" validate:"required,max=32"`
	BeneficiaryAccountNumber string `json:"beneficiaryAccountNumber" validate:"required,max=32"`
	BeneficiaryBankCode      string `json:"beneficiaryBankCode" validate:"required,max=16"`
	// Amount is mandatory although the table omits it: a transfer needs one.
	Amount         Money `json:"amount"`
	AdditionalInfo *struct {
		ReferenceNo string     `json:"referenceNo,omitempty"`
		Origin      *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo,omitempty"`
}

// SNAPTransferBankResponse is DOKU's answer to a SNAP transfer to a bank
// account (service 43, 2004300), which the DOKU Wallet SNAP and Kirim DOKU
// pages give the same fields: WalletTransferBankResponse and
// KirimTransferBankResponse are this struct under their pages' names.
type SNAPTransferBankResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	TransactionDate    FlexString `json:"transactionDate,omitempty" validate:"omitempty,dokutime"`
	ReferenceNumber    FlexString `json:"referenceNumber,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletTransferBankResponse is DOKU's answer (service 43), the SNAP
// transfer-bank answer Kirim DOKU gives too.
type WalletTransferBankResponse SNAPTransferBankResponse

// WalletTopUpRequest is POST /snap-adapter/b2b2c/v1.0/emoney/topup.
type WalletTopUpRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	CustomerNumber     string `json:"customerNumber" validate:"required,max=32"`
	// Amount is mandatory although the table omits it: a top-up needs one.
	Amount         Money             `json:"amount"`
	SessionID      string            `json:"sessionId" validate:"required,max=64"`
	Notes          string            `json:"notes" validate:"required,max=256"`
	AdditionalInfo *WalletDeviceInfo `json:"additionalInfo,omitempty"`
}

// WalletTopUpResponse is DOKU's answer (service 38).
type WalletTopUpResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	SessionID          FlexString `json:"sessionId,omitempty"`
	CustomerNumber     FlexString `json:"customerNumber,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletTopUpStatusRequest is POST /snap-adapter/b2b2c/v1.0/emoney/topup-status.
type WalletTopUpStatusRequest struct {
	OriginalPartnerReferenceNo string            `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	OriginalReferenceNo        string            `json:"originalReferenceNo,omitempty" validate:"max=64"`
	OriginalExternalID         string            `json:"originalExternalId" validate:"required,max=64"`
	ServiceCode                string            `json:"serviceCode" validate:"required,numeric,len=2"`
	AdditionalInfo             *WalletDeviceInfo `json:"additionalInfo,omitempty"`
}

// SNAPStatusResponse is a SNAP transaction status answer as DOKU sends it
// (top-up status, debit status, Kirim QR MPM status).
type SNAPStatusResponse struct {
	ResponseCode               FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage            FlexString    `json:"responseMessage" validate:"required"`
	OriginalPartnerReferenceNo FlexString    `json:"originalPartnerReferenceNo,omitempty"`
	OriginalReferenceNo        FlexString    `json:"originalReferenceNo,omitempty"`
	OriginalExternalID         FlexString    `json:"originalExternalId,omitempty"`
	ServiceCode                FlexString    `json:"serviceCode,omitempty"`
	ApprovalCode               FlexString    `json:"approvalCode,omitempty"`
	LatestTransactionStatus    FlexString    `json:"latestTransactionStatus,omitempty" validate:"omitempty,numeric,max=2"`
	TransactionStatusDesc      FlexString    `json:"transactionStatusDesc,omitempty"`
	OriginalResponseCode       FlexString    `json:"originalResponseCode,omitempty"`
	OriginalResponseMessage    FlexString    `json:"originalResponseMessage,omitempty"`
	SessionID                  FlexString    `json:"sessionId,omitempty"`
	Amount                     *LenientMoney `json:"amount,omitempty"`
	TransAmount                *LenientMoney `json:"transAmount,omitempty"`
	TransactionDate            FlexString    `json:"transactionDate,omitempty" validate:"omitempty,dokutime"`
	PaidTime                   FlexString    `json:"paidTime,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo             FlexObject    `json:"additionalInfo"`
}

// Status returns latestTransactionStatus in its two-digit SNAP form ("0"
// and 0 read as "00").
func (r *SNAPStatusResponse) Status() string {
	return normalizeStatus(string(r.LatestTransactionStatus))
}

// WalletDebitPaymentRequest is POST /snap-adapter/b2b2c/v1.0/debit/payment-host-to-host.
type WalletDebitPaymentRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	ChargeToken        string `json:"chargeToken" validate:"required,max=64"`
	// Amount is SNAP money (the DOKU page's sample says "Detail amount").
	Amount         Money         `json:"amount"`
	URLParam       *SNAPURLParam `json:"urlParam,omitempty"`
	AdditionalInfo *struct {
		Basket    any        `json:"basket,omitempty"`
		PromoCode string     `json:"promoCode,omitempty"`
		Origin    *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo,omitempty"`
}

// WalletDebitPaymentResponse is DOKU's answer (2005400 on its DOKU page).
//
// ReferenceNo and PartnerReferenceNo are also read from "ReferenceNo" and
// "PartnerReferenceNo", the DOKU Wallet SNAP page's spelling (aliases:
// both spellings in one body are a duplicate key).
type WalletDebitPaymentResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty" alias:"ReferenceNo"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty" alias:"PartnerReferenceNo"`
	WebRedirectURL     FlexString `json:"webRedirectUrl,omitempty" validate:"omitempty,url"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// WalletDebitStatusRequest is POST /snap-adapter/b2b2c/v1.0/debit/status.
type WalletDebitStatusRequest struct {
	PartnerReferenceNo string            `json:"partnerReferenceNo" validate:"required,max=64"`
	ServiceCode        string            `json:"serviceCode" validate:"required,numeric,len=2"`
	TransactionDate    string            `json:"transactionDate" validate:"required,iso8601"`
	Amount             *Money            `json:"amount,omitempty"`
	AdditionalInfo     *WalletDeviceInfo `json:"additionalInfo,omitempty"`
}

// WalletDebitCancelRequest is POST /snap-adapter/b2b2c/v1.0/debit/cancel.
type WalletDebitCancelRequest struct {
	OriginalPartnerReferenceNo string         `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	Reason                     string         `json:"reason" validate:"required,max=256"`
	AdditionalInfo             map[string]any `json:"additionalInfo,omitempty"`
}

// WalletDebitCancelResponse is DOKU's answer (2005700 on its DOKU page).
//
// OriginalReferenceNo and OriginalPartnerReferenceNo are also read from
// "OriginalReferenceNo" and "OriginalPartnerReferenceNo", the DOKU Wallet
// SNAP page's spelling (aliases: both spellings in one body are a
// duplicate key).
type WalletDebitCancelResponse struct {
	ResponseCode               FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage            FlexString `json:"responseMessage" validate:"required"`
	OriginalReferenceNo        FlexString `json:"originalReferenceNo,omitempty" alias:"OriginalReferenceNo"`
	OriginalPartnerReferenceNo FlexString `json:"originalPartnerReferenceNo,omitempty" alias:"OriginalPartnerReferenceNo"`
	CancelTime                 FlexString `json:"cancelTime,omitempty" validate:"omitempty,dokutime"`
	TransactionDate            FlexString `json:"transactionDate,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo             FlexObject `json:"additionalInfo"`
}

// WalletDebitRefundRequest is POST /snap-adapter/b2b2c/v1.0/debit/refund.
type WalletDebitRefundRequest struct {
	OriginalPartnerReferenceNo string         `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	Reason                     string         `json:"reason" validate:"required,max=256"`
	PartnerRefundNo            string         `json:"partnerRefundNo" validate:"required,max=64"`
	RefundAmount               *Money         `json:"refundAmount,omitempty"`
	AdditionalInfo             map[string]any `json:"additionalInfo,omitempty"`
}

// WalletDebitRefundResponse is DOKU's answer (2005800 on its DOKU page).
//
// OriginalReferenceNo and OriginalPartnerReferenceNo are also read from
// "OriginalReferenceNo" and "OriginalPartnerReferenceNo", the DOKU Wallet
// SNAP page's spelling (aliases: both spellings in one body are a
// duplicate key).
type WalletDebitRefundResponse struct {
	ResponseCode               FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage            FlexString    `json:"responseMessage" validate:"required"`
	OriginalReferenceNo        FlexString    `json:"originalReferenceNo,omitempty" alias:"OriginalReferenceNo"`
	OriginalPartnerReferenceNo FlexString    `json:"originalPartnerReferenceNo,omitempty" alias:"OriginalPartnerReferenceNo"`
	RefundNo                   FlexString    `json:"refundNo,omitempty"`
	PartnerRefundNo            FlexString    `json:"partnerRefundNo,omitempty"`
	RefundAmount               *LenientMoney `json:"refundAmount,omitempty"`
	RefundTime                 FlexString    `json:"refundTime,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo             FlexObject    `json:"additionalInfo"`
}

// WalletHistoryListRequest is POST /snap-adapter/b2b2c/v1.0/transaction-history-list.
type WalletHistoryListRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo" validate:"required,max=64"`
	FromDateTime       string `json:"fromDateTime" validate:"required,iso8601"`
	ToDateTime         string `json:"toDateTime" validate:"required,iso8601"`
	// PageSize and PageNumber are digit strings (typed string on the page).
	PageSize       string         `json:"pageSize" validate:"required,numeric,max=4"`
	PageNumber     string         `json:"pageNumber" validate:"required,numeric,max=6"`
	AdditionalInfo map[string]any `json:"additionalInfo,omitempty"`
}

// WalletHistoryEntry is one transaction in a history answer.
type WalletHistoryEntry struct {
	DateTime FlexString    `json:"dateTime,omitempty" validate:"omitempty,dokutime"`
	Amount   *LenientMoney `json:"amount,omitempty"`
	Remark   FlexString    `json:"remark,omitempty"`
	Status   FlexString    `json:"status,omitempty"`
	Type     FlexString    `json:"type,omitempty"`
}

// WalletHistoryListResponse is DOKU's answer (2001200 on its DOKU page, whose
// detailData is one object; SNAP specifies a list: both are accepted).
type WalletHistoryListResponse struct {
	ResponseCode    FlexString                    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage FlexString                    `json:"responseMessage" validate:"required"`
	DetailData      OneOrMany[WalletHistoryEntry] `json:"detailData,omitempty" validate:"omitempty,dive"`
	AdditionalInfo  FlexObject                    `json:"additionalInfo"`
}

// WalletHistoryDetailRequest is POST /snap-adapter/b2b2c/v1.0/transaction-history-detail.
type WalletHistoryDetailRequest struct {
	PartnerReferenceNo string         `json:"partnerReferenceNo" validate:"required,max=64"`
	AdditionalInfo     map[string]any `json:"additionalInfo,omitempty"`
}

// WalletHistoryDetailResponse is DOKU's answer (2001300 on its DOKU page).
type WalletHistoryDetailResponse struct {
	ResponseCode       FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString    `json:"responseMessage" validate:"required"`
	ReferenceNo        FlexString    `json:"referenceNo,omitempty"`
	PartnerReferenceNo FlexString    `json:"partnerReferenceNo,omitempty"`
	Amount             *LenientMoney `json:"amount,omitempty"`
	DateTime           FlexString    `json:"dateTime,omitempty" validate:"omitempty,dokutime"`
	Remark             FlexString    `json:"remark,omitempty"`
	Status             FlexString    `json:"status,omitempty"`
	Type               FlexString    `json:"type,omitempty"`
	AdditionalInfo     FlexObject    `json:"additionalInfo"`
}
