package schemas

// DANA SNAP direct debit : payment host-to-host and refund.

// DANAPaymentRequest is POST /direct-debit/core/v1/debit/payment-host-to-host.
type DANAPaymentRequest struct {
	PartnerReferenceNo string        `json:"partnerReferenceNo" validate:"required,max=64"`
	ValidUpto          string        `json:"validUpto,omitempty" validate:"omitempty,iso8601"`
	PointOfInitiation  string        `json:"pointOfInitiation,omitempty" validate:"omitempty,max=20,oneof=app pc mweb"`
	URLParam           *SNAPURLParam `json:"urlParam,omitempty"`
	// Amount is mandatory although the page's table omits it: a payment
	// without an amount cannot be made (see testdata/README.md).
	Amount         Money                 `json:"amount"`
	AdditionalInfo DANAPaymentAdditional `json:"additionalInfo"`
}

// SNAPURLParam is where DOKU sends the customer back after paying.
type SNAPURLParam struct {
	URL        string `json:"url" validate:"required,url"`
	Type       string `json:"type,omitempty" validate:"omitempty,oneof=PAY_RETURN PAY_NOTIFY"`
	IsDeepLink string `json:"isDeepLink,omitempty" validate:"omitempty,oneof=Y N"`
	MerchantID string `json:"merchantId,omitempty"`
}

// DANAPaymentAdditional selects the DANA channel on the shared direct
// debit endpoint.
type DANAPaymentAdditional struct {
	Channel                    string `json:"channel" validate:"required,eq=EMONEY_DANA_SNAP"`
	OrderTitle                 string `json:"orderTitle,omitempty" validate:"max=255"`
	SupportDeepLinkCheckoutURL string `json:"supportDeepLinkCheckoutUrl,omitempty" validate:"omitempty,oneof=true false"`
	// SuccessPaymentURL and FailedPaymentURL are not in the DANA page's
	// table but are fields of DOKU's shared direct-debit payment endpoint
	// that DOKU's Node SDK requires on every channel, DANA included (and
	// DOKU accepts them): optional, and absolute URLs when sent.
	SuccessPaymentURL string `json:"successPaymentUrl,omitempty" validate:"omitempty,url"`
	FailedPaymentURL  string `json:"failedPaymentUrl,omitempty" validate:"omitempty,url"`
	// Origin is what DOKU's SDKs add (see SDKOrigin).
	Origin *SDKOrigin `json:"origin,omitempty"`
}

// DANAPaymentResponse is DOKU's answer to a DANA payment (2000500 on its DOKU page).
type DANAPaymentResponse struct {
	ResponseCode       FlexString `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage    FlexString `json:"responseMessage" validate:"required"`
	WebRedirectURL     FlexString `json:"webRedirectUrl" validate:"required,url"`
	PartnerReferenceNo FlexString `json:"partnerReferenceNo,omitempty"`
	ReferenceNo        FlexString `json:"referenceNo,omitempty"`
	AdditionalInfo     FlexObject `json:"additionalInfo"`
}

// DANARefundRequest is POST /direct-debit/core/v1/debit/refund.
type DANARefundRequest struct {
	OriginalPartnerReferenceNo string `json:"originalPartnerReferenceNo" validate:"required,max=64"`
	OriginalExternalID         string `json:"originalExternalId,omitempty" validate:"max=64"`
	Reason                     string `json:"reason,omitempty" validate:"max=255"`
	PartnerRefundNo            string `json:"partnerRefundNo" validate:"required,max=64"`
	// RefundAmount is mandatory although the table omits it: DOKU cannot
	// tell a partial from a full refund without it.
	RefundAmount   Money `json:"refundAmount"`
	AdditionalInfo struct {
		Channel string     `json:"channel" validate:"required,eq=EMONEY_DANA_SNAP"`
		Origin  *SDKOrigin `json:"origin,omitempty"`
	} `json:"additionalInfo"`
}

// DANARefundResponse is DOKU's answer to a DANA refund (2000700 on its DOKU page).
type DANARefundResponse struct {
	ResponseCode               FlexString    `json:"responseCode" validate:"required,snapcode"`
	ResponseMessage            FlexString    `json:"responseMessage" validate:"required"`
	OriginalPartnerReferenceNo FlexString    `json:"originalPartnerReferenceNo,omitempty"`
	OriginalReferenceNo        FlexString    `json:"originalReferenceNo,omitempty"`
	RefundNo                   FlexString    `json:"refundNo,omitempty"`
	PartnerRefundNo            FlexString    `json:"partnerRefundNo,omitempty"`
	RefundAmount               *LenientMoney `json:"refundAmount,omitempty"`
	RefundTime                 FlexString    `json:"refundTime,omitempty" validate:"omitempty,dokutime"`
	AdditionalInfo             FlexObject    `json:"additionalInfo"`
}
