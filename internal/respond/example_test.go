package respond_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
)

// The three answer shapes: SNAP, non-SNAP and Kirim DOKU.
func Example() {
	w := httptest.NewRecorder()
	respond.WriteSNAP(w, respond.SNAPCode{HTTP: 401, Service: 56, Case: 0}, "Unauthorized. Invalid Signature")
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	respond.WriteNonSNAP(w, 400, "invalid_notification", "the notification does not match its schema",
		[]respond.FieldError{{Field: "order.invoice_number", Message: "is required"}})
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	respond.WriteJSON(w, 200, schemas.NewKirimNotificationAck("DK1"))
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 401 {"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}
	// 400 {"error":{"code":"invalid_notification","message":"the notification does not match its schema","type":"invalid_request_error","fields":[{"field":"order.invoice_number","message":"is required"}]}}
	// 200 {"status":true,"transactionId":"DK1","responseCode":"00","responseMessage":"Successfully processed"}
}
