package schemas

// Cards payment page : payment page, capture, refund and delete
// tokenization. Requests follow the page's field tables; responses are read
// leniently (amounts as number or string).

// MandiriInvoiceMax is the order.invoice_number limit when the acquirer is
// Bank Mandiri (64 otherwise).
const MandiriInvoiceMax = 27

// CardsPaymentRequest is POST /credit-card/v1/payment-page.
type CardsPaymentRequest struct {
	Order                 CardsOrder                  `json:"order"`
	Card                  *CardsCard                  `json:"card,omitempty"`
	Customer              CardsCustomer               `json:"customer"`
	Payment               *CardsPayment               `json:"payment,omitempty"`
	OverrideConfiguration *CardsOverrideConfiguration `json:"override_configuration,omitempty"`
	AdditionalInfo        *CardsAdditionalInfo        `json:"additional_info,omitempty"`
}

// CardsOrder is the order of a Cards payment page request. Line items, when
// given, must add up (price × quantity) to Amount.
type CardsOrder struct {
	InvoiceNumber string `json:"invoice_number" validate:"required,max=64,printascii"`
	// Amount is in IDR without decimals.
	Amount    int64           `json:"amount" validate:"required,gt=0"`
	LineItems []CardsLineItem `json:"line_items,omitempty" validate:"omitempty,dive"`
	// CallbackURL is mandatory when AutoRedirect is "true".
	CallbackURL string `json:"callback_url,omitempty" validate:"required_if=AutoRedirect true,omitempty,url"`
	FailedURL   string `json:"failed_url,omitempty" validate:"omitempty,url"`
	// AutoRedirect is the string "true" or "false": the field table types it
	// as a mandatory string (see testdata/README.md for the slip).
	AutoRedirect string `json:"auto_redirect" validate:"required,oneof=true false"`
	Descriptor   string `json:"descriptor,omitempty"`
	// PaymentDueDate (minutes) appears in DOKU's signature example body.
	PaymentDueDate int64 `json:"payment_due_date,omitempty" validate:"gte=0"`
}

// CardsLineItem is one product; price and quantity are conditional on
// line items being sent at all, so both are mandatory inside an item.
type CardsLineItem struct {
	Name     string `json:"name,omitempty" validate:"max=255"`
	Price    int64  `json:"price" validate:"required,gt=0"`
	Quantity int64  `json:"quantity" validate:"required,gt=0"`
}

// CardsCard pre-fills or saves the customer's card.
type CardsCard struct {
	Token string `json:"token,omitempty"`
	Save  bool   `json:"save,omitempty"`
}

// CardsCustomer needs an e-mail or a phone; the id is mandatory for
// tokenization (card.save true or card.token sent).
type CardsCustomer struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty" validate:"required_without=Phone,omitempty,email"`
	Phone   string `json:"phone,omitempty" validate:"required_without=Email,omitempty,numeric,min=8,max=16"`
	Address string `json:"address,omitempty"`
	Country string `json:"country,omitempty" validate:"omitempty,iso3166_1_alpha2"`
}

// CardsPayment selects the payment type; INSTALLMENT needs acquirer and
// tenor.
type CardsPayment struct {
	Type string `json:"type,omitempty" validate:"omitempty,oneof=INSTALLMENT AUTHORIZE SALE MOTO RECURRING"`
	// AutoCapture is the string "true" or "false" (typed string on the page).
	AutoCapture string `json:"auto_capture,omitempty" validate:"omitempty,oneof=true false"`
	Acquirer    string `json:"acquirer,omitempty" validate:"required_if=Type INSTALLMENT,omitempty,oneof=BNI BRI BANK_CIMB BANK_MANDIRI BCA BANK_PERMATA DANAMON BUKOPIN HSBC OCBC_NISP"`
	Tenor       int64  `json:"tenor,omitempty" validate:"required_if=Type INSTALLMENT,omitempty,gt=0"`
}

// CardsOverrideConfiguration overrides the page's look, promos, BINs and
// tenors.
type CardsOverrideConfiguration struct {
	Themes *CardsThemes `json:"themes,omitempty"`
	Promo  []CardsPromo `json:"promo,omitempty" validate:"omitempty,dive"`
	// AllowBin holds BINs as digit strings (leading zeros matter).
	AllowBin   []string `json:"allow_bin,omitempty" validate:"omitempty,dive,numeric,min=6,max=8"`
	AllowTenor []int64  `json:"allow_tenor,omitempty" validate:"omitempty,dive,gte=0"`
}

// CardsThemes are the page colours (hex without '#') and language.
type CardsThemes struct {
	Language              string `json:"language,omitempty" validate:"omitempty,oneof=EN ID"`
	BackgroundColor       string `json:"background_color,omitempty" validate:"omitempty,hexadecimal,len=6"`
	FontColor             string `json:"font_color,omitempty" validate:"omitempty,hexadecimal,len=6"`
	ButtonBackgroundColor string `json:"button_background_color,omitempty" validate:"omitempty,hexadecimal,len=6"`
	ButtonFontColor       string `json:"button_font_color,omitempty" validate:"omitempty,hexadecimal,len=6"`
}

// CardsPromo discounts cards of one BIN.
type CardsPromo struct {
	Bin            string `json:"bin" validate:"required,numeric,min=6,max=8"`
	DiscountAmount int64  `json:"discount_amount" validate:"required,gt=0"`
}

// CardsAdditionalInfo overrides the notification URL and carries the
// payment disclaimer.
type CardsAdditionalInfo struct {
	OverrideNotificationURL string           `json:"override_notification_url,omitempty" validate:"omitempty,url"`
	Disclaimer              *CardsDisclaimer `json:"disclaimer,omitempty"`
}

// CardsDisclaimer is the disclaimer text in Indonesian and English.
type CardsDisclaimer struct {
	ID string `json:"id,omitempty"`
	EN string `json:"en,omitempty"`
}

// CardsPaymentResponse is DOKU's answer to the payment page request.
type CardsPaymentResponse struct {
	Order struct {
		InvoiceNumber FlexString        `json:"invoice_number" validate:"required"`
		Amount        FlexString        `json:"amount,omitempty" validate:"omitempty,flexnum"`
		LineItems     []LenientLineItem `json:"line_items,omitempty"`
		SessionID     FlexString        `json:"session_id,omitempty"`
	} `json:"order"`
	CreditCardPaymentPage struct {
		URL FlexString `json:"url" validate:"required,url"`
	} `json:"credit_card_payment_page"`
	AdditionalInfo FlexObject `json:"additional_info"`
}

// LenientLineItem is a line item as DOKU echoes it back.
type LenientLineItem struct {
	Name     FlexString `json:"name,omitempty"`
	Price    FlexString `json:"price,omitempty" validate:"omitempty,flexnum"`
	Quantity FlexString `json:"quantity,omitempty" validate:"omitempty,flexnum"`
	SKU      FlexString `json:"sku,omitempty"`
	Category FlexString `json:"category,omitempty"`
}

// CardsCaptureRequest is POST /credit-card/capture.
type CardsCaptureRequest struct {
	Payment struct {
		AuthorizeID string `json:"authorize_id" validate:"required"`
		// CaptureAmount is typed string on the page; digits only. Absent
		// captures the full amount.
		CaptureAmount string `json:"capture_amount,omitempty" validate:"omitempty,numeric"`
	} `json:"payment"`
}

// CardsCaptureResponse is DOKU's answer to a capture.
type CardsCaptureResponse struct {
	Order    LenientOrderWithAmount `json:"order"`
	Customer struct {
		ID FlexString `json:"id,omitempty"`
	} `json:"customer"`
	Payment struct {
		Type            FlexString  `json:"type" validate:"required"`
		Identifier      []NameValue `json:"identifier,omitempty"`
		RequestID       FlexString  `json:"request_id" validate:"required"`
		AuthorizeID     FlexString  `json:"authorize_id,omitempty"`
		ResponseCode    FlexString  `json:"response_code" validate:"required"`
		ResponseMessage FlexString  `json:"response_message" validate:"required"`
		ECI             FlexString  `json:"eci,omitempty"`
		Status          FlexString  `json:"status" validate:"required,oneof=SUCCESS FAILED PENDING"`
		ApprovalCode    FlexString  `json:"approval_code,omitempty"`
	} `json:"payment"`
	ThreeDSecure struct {
		AuthenticationID FlexString `json:"authentication_id,omitempty"`
	} `json:"three_dsecure"`
	Card struct {
		Masked FlexString `json:"masked,omitempty"`
		Type   FlexString `json:"type,omitempty"`
		Issuer FlexString `json:"issuer,omitempty"`
		Brand  FlexString `json:"brand,omitempty"`
		Token  FlexString `json:"token,omitempty"`
	} `json:"card"`
}

// CardsRefundRequest is POST /cancellation/credit-card/refund.
type CardsRefundRequest struct {
	Order   OrderRef `json:"order"`
	Payment struct {
		OriginalRequestID string `json:"original_request_id" validate:"required,max=128"`
	} `json:"payment"`
	Refund struct {
		Amount int64 `json:"amount" validate:"required,gt=0"`
	} `json:"refund"`
}

// Cards refund types (CardsRefundResponse.Refund.Type).
const (
	RefundVoid          = "VOID"
	RefundPartial       = "PARTIAL_REFUND"
	RefundFull          = "FULL_REFUND"
	RefundManualPartial = "MANUAL_PARTIAL_REFUND"
	RefundManualFull    = "MANUAL_FULL_REFUND"
)

// CardsRefundResponse is DOKU's answer to a refund.
type CardsRefundResponse struct {
	Order struct {
		InvoiceNumber FlexString `json:"invoice_number" validate:"required"`
	} `json:"order"`
	Payment struct {
		OriginalRequestID FlexString `json:"original_request_id" validate:"required"`
	} `json:"payment"`
	Refund struct {
		Amount       FlexString `json:"amount" validate:"required,flexnum"`
		Type         FlexString `json:"type" validate:"required,oneof=VOID PARTIAL_REFUND FULL_REFUND MANUAL_PARTIAL_REFUND MANUAL_FULL_REFUND"`
		Status       FlexString `json:"status" validate:"required,oneof=SUCCESS FAILED"`
		Message      FlexString `json:"message,omitempty"`
		ApprovalCode FlexString `json:"approval_code,omitempty"`
	} `json:"refund"`
}

// CheckRefundType applies the page's amount rule for a refund type, given
// the refunded amount and the original order amount (the refund response
// does not carry the latter): VOID and the full refunds must equal the
// order amount, the partial ones must be less. It returns nil or a
// *ValidationError naming refund.amount.
func CheckRefundType(refundType string, refundAmount, orderAmount int64) error {
	ok := false
	switch refundType {
	case RefundVoid, RefundFull, RefundManualFull:
		ok = refundAmount == orderAmount
	case RefundPartial, RefundManualPartial:
		ok = refundAmount > 0 && refundAmount < orderAmount
	default:
		return &ValidationError{Fields: []FieldError{{Path: "refund.type", Rule: "oneof",
			Param:   "VOID PARTIAL_REFUND FULL_REFUND MANUAL_PARTIAL_REFUND MANUAL_FULL_REFUND",
			Message: ruleMessage("oneof", "VOID PARTIAL_REFUND FULL_REFUND MANUAL_PARTIAL_REFUND MANUAL_FULL_REFUND")}}}
	}
	if ok {
		return nil
	}
	return &ValidationError{Fields: []FieldError{{Path: "refund.amount", Rule: "refund_type_amount", Param: refundType,
		Message: "refund amount does not fit refund type " + refundType}}}
}

// CheckCardsMandiri applies the Mandiri limit (order.invoice_number at
// most MandiriInvoiceMax characters) for merchants whose Cards acquirer is
// Bank Mandiri by configuration, where the request itself does not name the
// acquirer. (Validate already applies it when payment.acquirer is
// BANK_MANDIRI.) It returns nil or a *ValidationError.
func CheckCardsMandiri(r *CardsPaymentRequest) error {
	if r == nil || len(r.Order.InvoiceNumber) <= MandiriInvoiceMax {
		return nil
	}
	return &ValidationError{Fields: []FieldError{{Path: "order.invoice_number", Rule: "max", Param: "27", Message: ruleMessage("max", "27")}}}
}

// CardsDeleteTokenRequest is POST /credit-card/delete-tokenization.
type CardsDeleteTokenRequest struct {
	TokenID    string `json:"token_id" validate:"required"`
	CustomerID string `json:"customer_id,omitempty"`
}

// CardsDeleteTokenResponse is DOKU's answer to a token deletion.
type CardsDeleteTokenResponse struct {
	Status FlexString `json:"status" validate:"required,oneof='DELETE SUCCESS' 'DELETE FAILED'"`
}
