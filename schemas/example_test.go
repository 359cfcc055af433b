package schemas_test

import (
	"errors"
	"fmt"

	"github.com/dokukit/dokukit/schemas"
)

func Example() {
	route, _ := schemas.Lookup("POST", "/credit-card/v1/payment-page")
	body := []byte(`{
	  "order": {"invoice_number": "INV-1", "amount": 90000, "auto_redirect": "true",
	            "line_items": [{"name": "Shirt", "price": 30000, "quantity": 2}]},
	  "customer": {"name": "Jotaro"},
	  "payment": {"type": "INSTALLMENT"}
	}`)
	req := route.NewRequest().(*schemas.CardsPaymentRequest)
	err := schemas.Decode(body, req, route.Strict())

	var ve *schemas.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Printf("%s %s missing=%v\n", f.Path, f.Rule, f.Missing)
		}
	}
	// Output:
	// order.callback_url required_if missing=true
	// order.line_items sum missing=false
	// customer.email required_without missing=true
	// customer.phone required_without missing=true
	// payment.acquirer required_if missing=true
	// payment.tenor required_if missing=true
}

func ExampleParseTime() {
	t, _ := schemas.ParseTime("2024-01-12'T'07:30:12") // Kirim DOKU's processDate
	fmt.Println(t.UTC())
	// Output: 2024-01-12 00:30:12 +0000 UTC
}

func ExampleFlexString() {
	var tok schemas.SNAPTokenResponse
	_ = schemas.Decode([]byte(`{"responseCode":"2007300","responseMessage":"Successful",
	  "accessToken":"eyJ.x.y","tokenType":"Bearer","expiresIn":900,"additionalInfo":""}`), &tok, false)
	secs, _ := tok.ExpiresIn.Int64()
	fmt.Println(secs, tok.AdditionalInfo.Empty())
	// Output: 900 true
}
