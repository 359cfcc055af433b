package client_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/client/routes"
	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// exampleSim is a simulated DOKU with the TEST-ONLY key; the examples call
// it instead of DOKU's sandbox.
func exampleSim() (*dokutest.Server, *rsa.PrivateKey) {
	key, err := sign.ParsePrivateKey(testvectors.MustRead(testvectors.PrivatePKCS8))
	if err != nil {
		log.Fatal(err)
	}
	sim, err := dokutest.NewServer(dokutest.Config{ClientID: "BRN-0001-1700000000001", MerchantPublicKey: &key.PublicKey,
		SNAPSecret: []byte("SK-snap-secret"), NonSNAPSecret: []byte("SK-nonsnap-secret")})
	if err != nil {
		log.Fatal(err)
	}
	return sim, key
}

func payDANA(ctx context.Context, baseURL, clientID string, merchantKey *rsa.PrivateKey, snapSecret []byte, store client.TokenStore, reg prometheus.Registerer) error {
	// README:client
	c, err := client.New(client.Config{
		BaseURL:    baseURL, // client.Sandbox or client.Production: there is no default
		ClientID:   clientID,
		PrivateKey: merchantKey, // signs the B2B token request; the token is cached and shared
		SNAPSecret: snapSecret,
		Store:      store, // client.NewRedisStore(rdb): one token for all replicas
		Registerer: reg,
	})
	if err != nil {
		return err
	}
	resp, err := client.Call(ctx, c, routes.DANAPayment, &schemas.DANAPaymentRequest{
		PartnerReferenceNo: "INV-0001",
		Amount:             schemas.Money{Value: "10000.00", Currency: "IDR"},
		AdditionalInfo:     schemas.DANAPaymentAdditional{Channel: "EMONEY_DANA_SNAP"},
	}, client.WithDeviceID("device-1")) // X-DEVICE-ID: the DANA page requires it
	var unknown *client.UnknownOutcomeError
	switch {
	case errors.As(err, &unknown):
		// It reached DOKU but the answer was lost: not resent (it could
		// pay twice). Ask unknown.StatusRoute, or wait for the notification.
		return err
	case err != nil:
		return err // *client.APIError: DOKU's status, responseCode and body
	}
	fmt.Println(resp.ResponseCode, resp.WebRedirectURL != "")
	// README:end
	return nil
}

// A DANA payment: the client fetches the B2B token, signs the call, sets
// X-DEVICE-ID, validates the body first and checks the answer's
// responseCode.
func Example() {
	sim, key := exampleSim()
	defer sim.Close()
	err := payDANA(context.Background(), sim.URL, "BRN-0001-1700000000001", key, []byte("SK-snap-secret"),
		client.NewMemoryStore(), prometheus.NewRegistry())
	fmt.Println(err)
	// Output:
	// 2000500 true
	// <nil>
}

// A payment whose answer is lost is not resent; Status asks its status
// route.
func ExampleClient_Status() {
	sim, key := exampleSim()
	defer sim.Close()
	c, err := client.New(client.Config{BaseURL: sim.URL, ClientID: "BRN-0001-1700000000001", PrivateKey: key, SNAPSecret: []byte("SK-snap-secret")})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// Bind a DOKU Wallet account and take its authCode for the customer.
	if _, err := c.Do(ctx, "wallet.binding", []byte(`{"partnerReferenceNo":"BIND-1","redirectUrl":"https://merchant.example/done","successParams":{"accountId":"1120340010"}}`)); err != nil {
		log.Fatal(err)
	}
	inq, err := c.Do(ctx, "wallet.binding_inquiry", []byte(`{"partnerReferenceNo":"INQ-1","additionalInfo":{"accountId":"1120340010"}}`))
	if err != nil {
		log.Fatal(err)
	}
	authCode, _ := schemas.ValueAt(inq.Body, "additionalInfo", "authCode")
	if err := c.Authorize(ctx, "customer-42", authCode); err != nil {
		log.Fatal(err)
	}
	sim.InjectFault(dokutest.Fault{Route: "wallet.debit_payment", Status: 504})
	_, err = c.Do(ctx, "wallet.debit_payment", []byte(`{"partnerReferenceNo":"WP-1","chargeToken":"CT-1","amount":{"value":"5000.00","currency":"IDR"}}`),
		client.WithCustomer("customer-42"))
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) {
		fmt.Println("unknown; ask", unknown.StatusRoute)
		_, err := c.Status(ctx, unknown)
		var api *client.APIError
		if errors.As(err, &api) {
			fmt.Println("status:", api.ResponseCode, "(never processed: safe to pay again)")
		}
	}
	// Output:
	// unknown; ask wallet.debit_status
	// status: 4045501 (never processed: safe to pay again)
}
