package middleware

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dokukit/dokukit/schemas"
)

func ExampleSchema() {
	// The handler gets the decoded, validated request from the context.
	pay := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := DecodedAs[*schemas.DANAPaymentRequest](r.Context())
		fmt.Fprintf(w, "paying %s %s", req.Amount.Value, req.Amount.Currency)
	})
	h := Schema()(pay)

	send := func(body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/direct-debit/core/v1/debit/payment-host-to-host", strings.NewReader(body)))
		b, _ := io.ReadAll(rec.Body)
		fmt.Println(rec.Code, string(b))
	}
	send(`{"partnerReferenceNo":"INV-1","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`)
	send(`{"amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`)
	send(`{"partnerReferenceNo":"INV-1","amount":{"value":"10000","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`)
	// Output:
	// 200 paying 10000.00 IDR
	// 400 {"responseCode":"4005402","responseMessage":"Invalid Mandatory Field {partnerReferenceNo}"}
	// 400 {"responseCode":"4005401","responseMessage":"Invalid Field Format {amount.value}"}
}

func ExampleSchemaChecker_Check() {
	c, _ := NewSchemaChecker()
	r := httptest.NewRequest("POST", "/cancellation/credit-card/refund",
		strings.NewReader(`{"order":{"invoice_number":"INV-1"},"payment":{},"refund":{"amount":1.5}}`))
	_, err := c.Check(r)
	fmt.Println(err)
	// Output:
	// schemas: invalid message: refund.amount: has the wrong JSON type, expected integer; payment.original_request_id: is mandatory
}
