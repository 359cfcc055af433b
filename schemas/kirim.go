package schemas

// Kirim DOKU : bank account inquiry, balance inquiry, transfer
// bank and QR MPM status (SNAP calls the merchant makes). The unpaid and
// refund callbacks Kirim DOKU sends are in notifications.go.

// KirimAdditionalInfo is the additionalInfo of Kirim DOKU inquiry and
// transfer requests.
type KirimAdditionalInfo struct {
	ChannelCode            string `json:"channelCode,omitempty" validate:"omitempty,numeric,max=4"`
	BeneficiaryBankCode    string `json:"beneficiaryBankCode,omitempty" validate:"max=16"`
	BeneficiaryAccountName string `json:"beneficiaryAccountName,omitempty" validate:"max=128"`
	BeneficiaryFirstName   string `json:"beneficiaryFirstName,omitempty" validate:"max=64"`
	BeneficiaryLastName    string `json:"beneficiaryLastName,omitempty" validate:"max=64"`
	BeneficiaryPhoneNumber string `json:"beneficiaryPhoneNumber,omitempty" validate:"omitempty,numeric,max=16"`
	BeneficiaryBankName    string `json:"beneficiaryBankName,omitempty" validate:"max=128"`
	SenderCountryCode      string `json:"senderCountryCode,omitempty" validate:"omitempty,iso3166_1_alpha2"`
	SenderFirstName        string `json:"senderFirstName,omitempty" validate:"max=64"`
	SenderLastName         string `json:"senderLastName,omitempty" validate:"max=64"`
	SenderPersonalID       string `json:"senderPersonalId,omitempty" validate:"max=64"`
	SenderPersonalIDType   string `json:"senderPersonalIdType,omitempty" validate:"max=16"`
	Remark                 string `json:"remark,omitempty" validate:"max=256"`
	// Origin is what DOKU's SDKs add (see SDKOrigin).
	Origin *SDKOrigin `json:"origin,omitempty"`
}

// KirimBankAccountInquiryRequest is POST /v1.0/emoney/bank-account-inquiry.
type KirimBankAccountInquiryRequest struct {
	PartnerReferenceNo       string               `json:"partnerReferenceNo" validate:"required,max=64"`
	CustomerNumber           string               `json:"customerNumber" validate:"required,max=32"`
	Amount                   *Money               `json:"amount,omitempty"`
	BeneficiaryAccountNumber string               `json:"beneficiaryAccountNumber" validate:"required,max=32"`
	AdditionalInfo           *KirimAdditionalInfo `json:"additionalInfo,omitempty"`
}

// KirimBankAccountInquiryResponse is DOKU's answer (2004200 on its DOKU page,
// sent as a number).
type KirimBankAccountInquiryResponse struct {
	ResponseCode             FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage          FlexString    `json:"responseMessage" validate:"required"`
	ReferenceNo              FlexString    `json:"referenceNo,omitempty"`
	PartnerReferenceNo       FlexString    `json:"partnerReferenceNo,omitempty"`
	BeneficiaryAccountNumber FlexString    `json:"beneficiaryAccountNumber,omitempty"`
	BeneficiaryAccountName   FlexString    `json:"beneficiaryAccountName,omitempty"`
	BeneficiaryBankCode      FlexString    `json:"beneficiaryBankCode,omitempty"`
	BeneficiaryBankShortName FlexString    `json:"beneficiaryBankShortName,omitempty"`
	BeneficiaryBankName      FlexString    `json:"beneficiaryBankName,omitempty"`
	Amount                   *LenientMoney `json:"amount,omitempty"`
	SessionID                FlexString    `json:"sessionId,omitempty"`
	AdditionalInfo           FlexObject    `json:"additionalInfo"`
}

// KirimBalanceInquiryRequest is POST /v1.0/balance-inquiry.
type KirimBalanceInquiryRequest struct {
	PartnerReferenceNo string `json:"partnerReferenceNo,omitempty" validate:"max=64"`
	AccountNo          string `json:"accountNo" validate:"required,max=16"`
	// AdditionalInfo is on no field table; only DOKU's SDKs' origin is accepted.
	AdditionalInfo *SNAPOriginInfo `json:"additionalInfo,omitempty"`
}

// KirimBalanceInquiryResponse is DOKU's answer (2001100 on its DOKU page). The
// DOKU page spells the available balance "avaliableBalance"; both spellings are
// read (see AvailableBalance).
type KirimBalanceInquiryResponse struct {
	ResponseCode    FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage FlexString `json:"responseMessage" validate:"required"`
	AccountNo       FlexString `json:"accountNo,omitempty"`
	Name            FlexString `json:"name,omitempty"`
	AccountInfos    *struct {
		HoldAmount *LenientMoney `json:"holdAmount,omitempty"`
		// Avaliable is the DOKU page's spelling, Available the correct one.
		Avaliable *LenientMoney `json:"avaliableBalance,omitempty"`
		Available *LenientMoney `json:"availableBalance,omitempty"`
	} `json:"accountInfos,omitempty"`
	AdditionalInfo FlexObject `json:"additionalInfo"`
}

// AvailableBalance returns the available balance under either spelling.
func (r *KirimBalanceInquiryResponse) AvailableBalance() (LenientMoney, bool) {
	if r.AccountInfos == nil {
		return LenientMoney{}, false
	}
	if m := r.AccountInfos.Available; m != nil {
		return *m, true
	}
	if m := r.AccountInfos.Avaliable; m != nil {
		return *m, true
	}
	return LenientMoney{}, false
}

// KirimTransferBankRequest is POST /v1.0/emoney/transfer-bank.
type KirimTransferBankRequest struct {
	PartnerReferenceNo       string `json:"partnerReferenceNo" validate:"required,max=64"`
	CustomerNumber           string `json:"customerNumber" validate:"required,max=32"`
	BeneficiaryAccountNumber string `json:"beneficiaryAccountNumber" validate:"required,max=32"`
	BeneficiaryBankCode      string `json:"beneficiaryBankCode" validate:"required,max=16"`
	// Amount is mandatory although the table omits it: a transfer needs one.
	Amount         Money                `json:"amount"`
	SessionID      string               `json:"sessionId,omitempty" validate:"max=25"`
	FeeType        string               `json:"feeType,omitempty" validate:"max=25"`
	AdditionalInfo *KirimAdditionalInfo `json:"additionalInfo,omitempty"`
}

// KirimTransferBankResponse is DOKU's answer (2004300 on its DOKU page),
// the SNAP transfer-bank answer DOKU Wallet gives too.
type KirimTransferBankResponse SNAPTransferBankResponse

// KirimStatusRequest is POST /v1.0/qr/qr-mpm-status (Kirim DOKU's check
// status).
type KirimStatusRequest struct {
	OriginalPartnerReferenceNo string `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	OriginalReferenceNo        string `json:"originalReferenceNo,omitempty" validate:"max=64"`
	OriginalExternalID         string `json:"originalExternalId,omitempty" validate:"max=32"`
	ServiceCode                string `json:"serviceCode" validate:"required,numeric,max=2"`
	// AdditionalInfo is on no field table; only DOKU's SDKs' origin is accepted.
	AdditionalInfo *SNAPOriginInfo `json:"additionalInfo,omitempty"`
}
