package schemas

// Akulaku paylater : generate order, cancel, refund.

// AkulakuOrderRequest is POST /akulaku-peer-to-peer/v2/generate-order.
// Every line item field is mandatory and the items must add up to the
// amount.
type AkulakuOrderRequest struct {
	Order struct {
		InvoiceNumber string `json:"invoice_number" validate:"required,max=64,printascii"`
		// Amount is IDR without decimals, at most 12 digits.
		Amount      int64             `json:"amount" validate:"required,gt=0,lte=999999999999"`
		LineItems   []AkulakuLineItem `json:"line_items" validate:"required,min=1,dive"`
		CallbackURL string            `json:"callback_url" validate:"required,url"`
	} `json:"order"`
	Payment struct {
		MerchantUniqueReference string `json:"merchant_unique_reference" validate:"required,max=64"`
	} `json:"payment"`
	Customer struct {
		ID      string `json:"id" validate:"required,max=50"`
		Name    string `json:"name" validate:"required,max=64"`
		Phone   string `json:"phone" validate:"required,numeric,max=16"`
		Address string `json:"address,omitempty" validate:"max=400"`
		City    string `json:"city" validate:"max=64"`
		State   string `json:"state" validate:"max=64"`
		// Postcode is a digit string (see testdata/README.md).
		Postcode string `json:"postcode" validate:"omitempty,numeric,max=64"`
	} `json:"customer"`
	AdditionalInfo *struct {
		OverrideNotificationURL string `json:"override_notification_url,omitempty" validate:"omitempty,url"`
	} `json:"additional_info,omitempty"`
}

// AkulakuLineItem is one product; all five fields are mandatory.
type AkulakuLineItem struct {
	Name     string `json:"name" validate:"required,max=255"`
	Price    int64  `json:"price" validate:"required,gt=0,lte=999999999999"`
	Quantity int64  `json:"quantity" validate:"required,gt=0,lte=9999"`
	SKU      string `json:"sku" validate:"required"`
	Category string `json:"category" validate:"required"`
}

// AkulakuOrderResponse is DOKU's answer to generate order.
type AkulakuOrderResponse struct {
	Order   LenientOrderWithAmount `json:"order"`
	Payment struct {
		MerchantUniqueReference FlexString  `json:"merchant_unique_reference" validate:"required"`
		URL                     FlexString  `json:"url" validate:"required_if=Status PENDING,omitempty,url"`
		Status                  FlexString  `json:"status" validate:"required"`
		Identifier              []NameValue `json:"identifier,omitempty"`
	} `json:"payment"`
	AdditionalInfo FlexObject `json:"additional_info"`
}

// AkulakuCancelRequest is POST /akulaku-peer-to-peer/v2/cancel.
type AkulakuCancelRequest struct {
	Order   OrderRef `json:"order"`
	Payment struct {
		MerchantUniqueReference string       `json:"merchant_unique_reference" validate:"required,max=64"`
		Identifier              []Identifier `json:"identifier,omitempty" validate:"omitempty,dive"`
	} `json:"payment"`
}

// AkulakuCancelResponse is DOKU's answer to a cancellation.
type AkulakuCancelResponse struct {
	Order   LenientOrder `json:"order"`
	Payment struct {
		Status                  FlexString  `json:"status,omitempty"`
		Date                    FlexString  `json:"date,omitempty" validate:"omitempty,dokutime"`
		MerchantUniqueReference FlexString  `json:"merchant_unique_reference,omitempty"`
		Identifier              []NameValue `json:"identifier,omitempty"`
	} `json:"payment"`
	Cancel struct {
		Status FlexString `json:"status" validate:"required,oneof=SUCCESS FAILED"`
		Date   FlexString `json:"date,omitempty" validate:"omitempty,dokutime"`
	} `json:"cancel"`
	Error *struct {
		Message FlexString `json:"message,omitempty"`
	} `json:"error,omitempty"`
}

// AkulakuRefundRequest is POST /akulaku-peer-to-peer/v2/refund. Akulaku
// refunds the full amount only, so the request carries no amount; an
// amount sent anyway is rejected rather than silently ignored.
type AkulakuRefundRequest struct {
	Order   OrderRef `json:"order"`
	Payment struct {
		MerchantUniqueReference string       `json:"merchant_unique_reference" validate:"required,max=64"`
		Identifier              []Identifier `json:"identifier" validate:"required,min=1,dive"`
	} `json:"payment"`
	Refund struct {
		MerchantUniqueReference string `json:"merchant_unique_reference" validate:"required,max=64"`
		// Amount must be absent: Akulaku only refunds the full amount.
		Amount *float64 `json:"amount,omitempty" validate:"isdefault"`
	} `json:"refund"`
}

// AkulakuRefundResponse is DOKU's answer to a refund.
type AkulakuRefundResponse struct {
	Order   LenientOrderWithAmount `json:"order"`
	Payment struct {
		Date                    FlexString  `json:"date,omitempty" validate:"omitempty,dokutime"`
		Status                  FlexString  `json:"status" validate:"required"`
		MerchantUniqueReference FlexString  `json:"merchant_unique_reference,omitempty"`
		Identifier              []NameValue `json:"identifier,omitempty"`
	} `json:"payment"`
	Refund struct {
		Date                    FlexString  `json:"date,omitempty" validate:"omitempty,dokutime"`
		Status                  FlexString  `json:"status" validate:"required,oneof=SUCCESS FAILED"`
		MerchantUniqueReference FlexString  `json:"merchant_unique_reference,omitempty"`
		Identifier              []NameValue `json:"identifier,omitempty"`
	} `json:"refund"`
}
