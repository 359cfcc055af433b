package dokutest_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/dokukit/dokukit/client"

	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/sign"
)

// A merchant's test against a simulated DOKU: get a B2B token, pay with
// DANA through the kit's signing transport, complete the payment as the
// customer would, and read its status.
func ExampleNewServer() {
	merchantKey, _ := rsa.GenerateKey(rand.Reader, 2048) // in a real test: your test key pair
	doku, err := dokutest.NewServer(dokutest.Config{
		ClientID: "BRN-0001-1700000000001", MerchantPublicKey: &merchantKey.PublicKey,
		SNAPSecret: []byte("SK-snap-test-secret"),
	})
	if err != nil {
		panic(err)
	}
	defer doku.Close()

	// B2B token: SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP.
	ts := time.Now().Format(time.RFC3339)
	sig, _ := sign.SignSNAPToken(merchantKey, "BRN-0001-1700000000001", ts)
	req, _ := http.NewRequest("POST", doku.URL+"/authorization/v1/access-token/b2b", bytes.NewBufferString(`{"grantType":"client_credentials"}`))
	req.Header.Set("X-CLIENT-KEY", "BRN-0001-1700000000001")
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var token struct{ ResponseCode, AccessToken string }
	json.NewDecoder(resp.Body).Decode(&token)
	resp.Body.Close()
	fmt.Println("token:", token.ResponseCode)

	// A DANA payment, signed by the kit's SNAPTransport.
	client := &http.Client{Transport: &client.SNAPTransport{Secret: []byte("SK-snap-test-secret"),
		PartnerID: "BRN-0001-1700000000001", Token: client.StaticToken(token.AccessToken)}}
	body := `{"partnerReferenceNo":"INV-1","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`
	req, _ = http.NewRequest("POST", doku.URL+"/direct-debit/core/v1/debit/payment-host-to-host", bytes.NewBufferString(body))
	req.Header.Set("X-DEVICE-ID", "device-1")
	resp, err = client.Do(req)
	if err != nil {
		panic(err)
	}
	var paid struct{ ResponseCode, PartnerReferenceNo string }
	json.NewDecoder(resp.Body).Decode(&paid)
	resp.Body.Close()
	fmt.Println("payment:", paid.ResponseCode, paid.PartnerReferenceNo)

	p, _ := doku.Payment("INV-1")
	fmt.Println("status:", p.Status)
	if err := doku.Complete("INV-1", dokutest.StatusSuccess); err != nil {
		panic(err)
	}
	p, _ = doku.Payment("INV-1")
	fmt.Println("status:", p.Status, p.Amount)
	// Output:
	// token: 2007300
	// payment: 2000500 INV-1
	// status: 03
	// status: 00 10000.00
}

// The simulator in a merchant's own test: point the DOKU client at
// doku.URL instead of DOKU's sandbox.
func Example_localTest() {
	// README:local-test
	merchantKey, _ := rsa.GenerateKey(rand.Reader, 2048) // your test key pair
	doku, err := dokutest.NewServer(dokutest.Config{
		ClientID:          "BRN-0001-1700000000001",
		MerchantPublicKey: &merchantKey.PublicKey,
		SNAPSecret:        []byte("SK-snap-test-secret"),
		AutoComplete:      true,
	})
	if err != nil {
		panic(err)
	}
	defer doku.Close()
	// Point your DOKU client at doku.URL instead of https://api-sandbox.doku.com.
	// README:end
	fmt.Println(len(doku.Payments()), "payments so far")
	// Output: 0 payments so far
}
