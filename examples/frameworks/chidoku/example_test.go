package chidoku_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/examples/frameworks/chidoku"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// The merchant's existing chi handler, guarded by the verification
// middleware on its one route.
func ExampleVerify() {
	secrets, err := verify.SecretsFor("PARTNER-1", []byte("SK-snap-secret-123"))
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := verify.NewSNAP(verify.SNAPConfig{Secrets: secrets})
	if err != nil {
		fmt.Println(err)
		return
	}
	mw, err := chidoku.Verify(v, middleware.WithServiceCode(notify.ServiceDebitNotify))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := chi.NewRouter()
	r.With(mw).Post("/v1.0/debit/notify", func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.Verified(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("handler: %s sent %s\n", id.ClientID, body)
		_, _ = io.WriteString(w, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	// DOKU's side signs with the kit's transport; a forger cannot.
	doku := &http.Client{Transport: &middleware.SNAPTransport{Secret: []byte("SK-snap-secret-123"), PartnerID: "PARTNER-1", Token: middleware.StaticToken("tok")}}
	for _, c := range []*http.Client{doku, http.DefaultClient} {
		resp, err := c.Post(srv.URL+"/v1.0/debit/notify", "application/json",
			strings.NewReader(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00"}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b))
	}
	// Output:
	// handler: PARTNER-1 sent {"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00"}
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 400 {"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}
}

// notify's SNAP debit channel and the token endpoint DOKU calls first,
// mounted beside the merchant's own routes.
func ExampleMountNotify() {
	// In production: dokuKey's public half from DOKU's published key
	// (sign.ParsePublicKey), merchantKey from the merchant's key file.
	dokuKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	merchantKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	secrets, err := verify.SecretsFor("DOKU-TEST-CLIENT", []byte("SK-snap-secret-123"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := chi.NewRouter()
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	_, err = chidoku.MountNotify(r, notify.MuxConfig{
		TokenKey:       merchantKey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{"DOKU-TEST-CLIENT": {&dokuKey.PublicKey}},
		SNAPSecrets:    secrets,
		SNAPDebit: func(ctx context.Context, n *schemas.SNAPDebitNotify) error {
			fmt.Println("paid:", n.LatestTransactionStatus)
			return nil // mark the order paid here
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(r)
	defer srv.Close()

	// DOKU's side: fetch a token, send the notification, then the same
	// notification with one body byte changed after signing.
	d, _ := conformance.ClientDoer(nil, srv.URL)
	cfg := conformance.Config{Channel: conformance.SNAPDebit, Secret: []byte("SK-snap-secret-123"), DOKUPrivateKey: dokuKey}
	for _, tamper := range []conformance.Tamper{conformance.TamperNone, conformance.TamperBody} {
		ds, err := conformance.Send(context.Background(), d, cfg, tamper, 1)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ds[0].Status, string(ds[0].Body))
	}
	// Output:
	// paid: 00
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 401 {"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}
}
