package notify_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dokukit/dokukit/client"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// A non-SNAP notification channel: the merchant's func runs once per
// notification, and DOKU's retry of the same Request-Id is answered from
// the duplicate guard without running it again.
func ExampleNewNonSNAP() {
	secrets, _ := verify.SecretsFor("MCH-0001", []byte("SK-hCJ42G28TA0MKG9LE2E"))
	h, err := notify.NewNonSNAP(notify.NonSNAPConfig{Secrets: secrets},
		func(ctx context.Context, n *schemas.NonSNAPNotification) error {
			fmt.Println("paid:", n.Order.InvoiceNumber, n.Transaction.Status)
			return nil
		})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// DOKU's side, signed with the kit's own transport.
	doku := &http.Client{Transport: &client.NonSNAPTransport{ClientID: "MCH-0001", Secret: []byte("SK-hCJ42G28TA0MKG9LE2E"),
		RequestID: func() string { return "cc682442-6c22-493e-8121-b9ef6b3fa728" }}}
	body := `{"order":{"invoice_number":"INV-1","amount":150000},"transaction":{"status":"SUCCESS"}}`
	for range 2 { // delivered twice
		resp, err := doku.Post(srv.URL+"/payments/notifications", "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b))
	}
	// A forged one never reaches the func.
	resp, _ := http.Post(srv.URL+"/payments/notifications", "application/json", strings.NewReader(body))
	fmt.Println(resp.StatusCode)
	// Output:
	// paid: INV-1 SUCCESS
	// 200 {"status":"OK"}
	// 200 {"status":"OK"}
	// 400
}
