package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
)

// What DOKU sends to the merchant (docs/protocol.md §8, Kirim DOKU page) and the
// merchant's answers. Everything DOKU writes is read leniently: unknown
// fields are ignored, scalars may come as numbers or strings, and only what
// a handler cannot work without is mandatory.

// SNAPTokenResponse is the answer to a SNAP access token request (B2B
// 2007300, B2B2C 2007400) — what DOKU answers the merchant, and what the
// merchant's token endpoint answers DOKU before a SNAP notification.
// expiresIn is read from "900" or 900, additionalInfo from "" or {}.
type SNAPTokenResponse struct {
	ResponseCode           FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage        FlexString `json:"responseMessage" validate:"required"`
	AccessToken            string     `json:"accessToken" validate:"required"`
	TokenType              FlexString `json:"tokenType" validate:"required"`
	ExpiresIn              FlexString `json:"expiresIn,omitempty" validate:"omitempty,numeric"`
	AccessTokenExpiryTime  FlexString `json:"accessTokenExpiryTime,omitempty" validate:"omitempty,dokutime"`
	RefreshToken           string     `json:"refreshToken,omitempty"`
	RefreshTokenExpiryTime FlexString `json:"refreshTokenExpiryTime,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo         FlexObject `json:"additionalInfo"`
}

// SNAPDebitNotify is the debit / e-wallet payment notification (service 56,
// POST /v1.0/debit/notify on the merchant).
type SNAPDebitNotify struct {
	OriginalPartnerReferenceNo FlexString   `json:"originalPartnerReferenceNo" validate:"required"`
	OriginalReferenceNo        FlexString   `json:"originalReferenceNo,omitempty"`
	OriginalExternalID         FlexString   `json:"originalExternalId,omitempty"`
	LatestTransactionStatus    FlexString   `json:"latestTransactionStatus" validate:"required,oneof=00 01 02 03 04 05 06 07 0 1 2 3 4 5 6 7"`
	TransactionStatusDesc      FlexString   `json:"transactionStatusDesc,omitempty"`
	Amount                     LenientMoney `json:"amount"`
	AdditionalInfo             struct {
		CustIDMerchant FlexString `json:"custIdMerchant,omitempty"`
		// AccountType is DIRECT_DEBIT or WALLET in DOKU's samples.
		AccountType FlexString `json:"accountType,omitempty"`
		Channel     FlexString `json:"channel,omitempty"`
	} `json:"additionalInfo"`
}

// SNAP transaction status codes (latestTransactionStatus).
const (
	SNAPStatusSuccess   = "00"
	SNAPStatusInitiated = "01"
	SNAPStatusPaying    = "02"
	SNAPStatusPending   = "03"
	SNAPStatusRefunded  = "04"
	SNAPStatusCanceled  = "05"
	SNAPStatusFailed    = "06"
	SNAPStatusNotFound  = "07"
)

// Status returns latestTransactionStatus in two-digit form ("0" → "00").
func (n *SNAPDebitNotify) Status() string { return normalizeStatus(string(n.LatestTransactionStatus)) }

// SNAPDebitNotifyAck is the merchant's answer to SNAPDebitNotify
// (responseCode 2005600).
type SNAPDebitNotifyAck struct {
	ResponseCode    string `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage string `json:"responseMessage" validate:"required"`
	ApprovalCode    string `json:"approvalCode,omitempty"`
}

// SNAPVANotify is the virtual account payment notification (service 25).
type SNAPVANotify struct {
	PartnerServiceID   FlexString   `json:"partnerServiceId,omitempty"`
	CustomerNo         FlexString   `json:"customerNo,omitempty"`
	VirtualAccountNo   FlexString   `json:"virtualAccountNo" validate:"required"`
	VirtualAccountName FlexString   `json:"virtualAccountName,omitempty"`
	TrxID              FlexString   `json:"trxId,omitempty"`
	PaymentRequestID   FlexString   `json:"paymentRequestId,omitempty"`
	PaidAmount         LenientMoney `json:"paidAmount"`
	TrxDateTime        FlexString   `json:"trxDateTime,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo     FlexObject   `json:"additionalInfo"`
}

// SNAPVANotifyAck is the merchant's answer to SNAPVANotify (2002500).
type SNAPVANotifyAck struct {
	ResponseCode       string             `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    string             `json:"responseMessage" validate:"required"`
	VirtualAccountData VirtualAccountData `json:"virtualAccountData"`
}

// VirtualAccountData echoes the paid virtual account in SNAPVANotifyAck.
type VirtualAccountData struct {
	PartnerServiceID   string         `json:"partnerServiceId,omitempty"`
	CustomerNo         string         `json:"customerNo,omitempty"`
	VirtualAccountNo   string         `json:"virtualAccountNo" validate:"required"`
	VirtualAccountName string         `json:"virtualAccountName,omitempty"`
	PaymentRequestID   string         `json:"paymentRequestId,omitempty"`
	PaidAmount         *Money         `json:"paidAmount,omitempty"`
	AdditionalInfo     map[string]any `json:"additionalInfo,omitempty"`
}

// NonSNAPNotification is the HTTP notification DOKU's non-SNAP channels
// (Cards, Checkout, VA, Akulaku, …) send. Only order.invoice_number and
// transaction.status are mandatory; every channel block is optional.
type NonSNAPNotification struct {
	Service     IDOnly       `json:"service"`
	Acquirer    IDOnly       `json:"acquirer"`
	Channel     IDOnly       `json:"channel"`
	Order       LenientOrder `json:"order"`
	Transaction struct {
		// Status is SUCCESS or FAILED (Checkout integrations must ignore
		// FAILED); other values are passed through, not rejected.
		Status            FlexString `json:"status" validate:"required"`
		Date              FlexString `json:"date,omitempty"`
		OriginalRequestID FlexString `json:"original_request_id,omitempty"`
	} `json:"transaction"`
	Customer              *NotificationCustomer  `json:"customer,omitempty"`
	VirtualAccountInfo    *VirtualAccountInfo    `json:"virtual_account_info,omitempty"`
	VirtualAccountPayment *VirtualAccountPayment `json:"virtual_account_payment,omitempty"`
	PeerToPeerInfo        *PeerToPeerInfo        `json:"peer_to_peer_info,omitempty"`
	CardPayment           *CardPayment           `json:"card_payment,omitempty"`
	Payment               *NotificationPayment   `json:"payment,omitempty"`
}

// IDOnly is a {"id": …} block (service, acquirer, channel).
type IDOnly struct {
	ID FlexString `json:"id,omitempty"`
}

// NotificationCustomer is the customer block some notifications carry.
type NotificationCustomer struct {
	ID    FlexString `json:"id,omitempty"`
	Name  FlexString `json:"name,omitempty"`
	Email FlexString `json:"email,omitempty"`
	Phone FlexString `json:"phone,omitempty"`
}

// VirtualAccountInfo is the VA block of a non-SNAP notification.
type VirtualAccountInfo struct {
	VirtualAccountNumber FlexString `json:"virtual_account_number,omitempty"`
	HowToPayPage         FlexString `json:"how_to_pay_page,omitempty"`
	HowToPayAPI          FlexString `json:"how_to_pay_api,omitempty"`
	CreatedDate          FlexString `json:"created_date,omitempty"`
	ExpiredDate          FlexString `json:"expired_date,omitempty"`
}

// VirtualAccountPayment is the VA payment block. DOKU spells its list
// "identifier", and one BCA sample "identifer": both are read into
// Identifier.
type VirtualAccountPayment struct {
	Date       FlexString  `json:"date,omitempty"`
	SystraceNo FlexString  `json:"systrace_number,omitempty"`
	ChannelID  FlexString  `json:"channel_code,omitempty"`
	Identifier []NameValue `json:"identifier,omitempty"`
}

type virtualAccountPaymentPlain VirtualAccountPayment

// virtualAccountPaymentWire is what VirtualAccountPayment reads: its own
// fields and the "identifer" spelling.
type virtualAccountPaymentWire struct {
	virtualAccountPaymentPlain
	Identifer []NameValue `json:"identifer"`
}

// wireType tells the key check (strict.go) which keys UnmarshalJSON reads.
func (VirtualAccountPayment) wireType() reflect.Type {
	return reflect.TypeFor[virtualAccountPaymentWire]()
}

// UnmarshalJSON reads both spellings of the identifier list.
func (p *VirtualAccountPayment) UnmarshalJSON(b []byte) error {
	var aux virtualAccountPaymentWire
	if err := json.Unmarshal(b, &aux); err != nil {
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[VirtualAccountPayment]()}
	}
	*p = VirtualAccountPayment(aux.virtualAccountPaymentPlain)
	p.Identifier = append(p.Identifier, aux.Identifer...)
	return nil
}

// PeerToPeerInfo is the paylater (Akulaku) block of a notification.
type PeerToPeerInfo struct {
	VirtualAccountNumber    FlexString  `json:"virtual_account_number,omitempty"`
	CreatedDate             FlexString  `json:"created_date,omitempty"`
	ExpiredDate             FlexString  `json:"expired_date,omitempty"`
	Status                  FlexString  `json:"status,omitempty"`
	MerchantUniqueReference FlexString  `json:"merchant_unique_reference,omitempty"`
	Identifier              []NameValue `json:"identifier,omitempty"`
}

// CardPayment is the Cards block of a notification (shape seen in
// integrations, not in an official sample).
type CardPayment struct {
	MaskedCardNumber FlexString `json:"masked_card_number,omitempty"`
	ApprovalCode     FlexString `json:"approval_code,omitempty"`
	ResponseCode     FlexString `json:"response_code,omitempty"`
	ResponseMessage  FlexString `json:"response_message,omitempty"`
	Issuer           FlexString `json:"issuer,omitempty"`
	AuthorizeID      FlexString `json:"authorize_id,omitempty"`
}

// NotificationPayment is the payment block (Akulaku, Cards authorize).
type NotificationPayment struct {
	MerchantUniqueReference FlexString  `json:"merchant_unique_reference,omitempty"`
	AuthorizeID             FlexString  `json:"authorize_id,omitempty"`
	Identifier              []NameValue `json:"identifier,omitempty"`
}

// Kirim DOKU transactionStatus values.
const (
	KirimStatusSuccess  = "50"
	KirimStatusFailed   = "35"
	KirimStatusUnpaid   = "20"
	KirimStatusRefunded = "40"
)

// KirimNotification is a Kirim DOKU callback: the unpaid notification
// (with invoiceNumber and transactionStatus) or the refund notification
// (without them). processDate is kept as sent (the DOKU page shows
// "2024-01-12'T'07:30:12"); use ParseTime to read it.
type KirimNotification struct {
	SendTrxID         FlexString `json:"sendTrxId,omitempty"`
	TransactionID     FlexString `json:"transactionId" validate:"required,max=64"`
	InvoiceNumber     FlexString `json:"invoiceNumber,omitempty"`
	TransactionStatus FlexString `json:"transactionStatus,omitempty" validate:"omitempty,oneof=50 35 20 40"`
	ActivityCode      FlexString `json:"activityCode,omitempty"`
	Message           FlexString `json:"message,omitempty"`
	ProcessDate       FlexString `json:"processDate,omitempty" validate:"omitempty,dokutime"`
	// CreatedTime is epoch milliseconds, as a string or a number.
	CreatedTime FlexString `json:"createdTime,omitempty" validate:"omitempty,numeric"`
}

// IsRefund reports whether this is a refund notification: status 40, or no
// status at all (the refund callback carries none).
func (n *KirimNotification) IsRefund() bool {
	s := strings.TrimSpace(string(n.TransactionStatus))
	return s == KirimStatusRefunded || s == ""
}

// KirimNotificationAck is the body Kirim DOKU needs to stop retrying.
type KirimNotificationAck struct {
	Status          bool   `json:"status"`
	TransactionID   string `json:"transactionId" validate:"required"`
	ResponseCode    string `json:"responseCode" validate:"required,eq=00"`
	ResponseMessage string `json:"responseMessage" validate:"required"`
}

// NewKirimNotificationAck returns the success answer for transactionID.
func NewKirimNotificationAck(transactionID string) KirimNotificationAck {
	return KirimNotificationAck{Status: true, TransactionID: transactionID, ResponseCode: "00", ResponseMessage: "Successfully processed"}
}
