package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/verify"
)

// The ten lines a merchant adds: build a verifier with the secret DOKU
// shares, wrap the existing notification handler, done. The client side
// uses the matching transport; here it plays DOKU.
func Example() {
	secrets, _ := verify.SecretsFor("PARTNER-1", []byte("SK-snap-secret-123"))
	v, _ := verify.NewSNAP(verify.SNAPConfig{Secrets: secrets})
	notify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.Verified(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("handler: partner %s sent %s\n", id.ClientID, body)
		io.WriteString(w, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /v1.0/debit/notify", middleware.Verify(v, middleware.WithServiceCode(56))(notify))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	doku := &http.Client{Transport: &middleware.SNAPTransport{Secret: []byte("SK-snap-secret-123"), PartnerID: "PARTNER-1", Token: middleware.StaticToken("tok")}}
	resp, _ := doku.Post(srv.URL+"/v1.0/debit/notify", "application/json", strings.NewReader(`{"latestTransactionStatus": "00"}`))
	fmt.Println(resp.StatusCode)

	forged, _ := http.Post(srv.URL+"/v1.0/debit/notify", "application/json", strings.NewReader(`{"latestTransactionStatus":"00"}`))
	b, _ := io.ReadAll(forged.Body)
	fmt.Println(forged.StatusCode, string(b))
	// Output:
	// handler: partner PARTNER-1 sent {"latestTransactionStatus": "00"}
	// 200
	// 400 {"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}
}

// New takes the whole configuration as one struct whose zero value is safe,
// the kit's idiom; Verify's options are shorthand for its fields. Metrics go
// to the Registerer given, here a fresh one.
func ExampleNew() {
	secrets, _ := verify.SecretsFor("PARTNER-1", []byte("SK-snap-secret-123"))
	v, _ := verify.NewSNAP(verify.SNAPConfig{Secrets: secrets})
	reg := prometheus.NewRegistry()
	m, err := middleware.New(v, middleware.Config{ServiceCode: 56, Registerer: reg})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(m.Handler(http.NotFoundHandler()))
	defer srv.Close()

	forged, _ := http.Post(srv.URL+"/v1.0/debit/notify", "application/json", strings.NewReader(`{}`))
	b, _ := io.ReadAll(forged.Body)
	fmt.Println(forged.StatusCode, string(b))
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() == "dokukit_verifications_total" {
			for _, c := range f.GetMetric() {
				fmt.Println(f.GetName(), c.GetLabel()[0].GetValue(), c.GetLabel()[1].GetValue(), c.GetCounter().GetValue())
			}
		}
	}
	// Output:
	// 400 {"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}
	// dokukit_verifications_total missing_header snap 1
}
