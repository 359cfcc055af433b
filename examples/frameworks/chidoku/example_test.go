package chidoku_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dokukit/dokukit/examples/frameworks/chidoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/dokusim"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
)

// The merchant's existing chi handler, guarded by the verification
// middleware on its one route.
func ExampleVerify() {
	r := chi.NewRouter()

	// v is verify.NewSNAP with the SNAP secret the merchant shares with
	// DOKU (dokusim.SNAPVerifier).
	v, _ := dokusim.SNAPVerifier()
	mw, err := chidoku.Verify(v, middleware.WithServiceCode(notify.ServiceDebitNotify))
	if err != nil {
		fmt.Println(err)
		return
	}
	r.With(mw).Post(notify.DefaultSNAPDebitPath, func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.Verified(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("handler: %s sent %s\n", id.ClientID, body)
		_, _ = io.WriteString(w, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`)
	})

	// DOKU signs with the kit's middleware.SNAPTransport; a forger cannot.
	dokusim.PostSignedThenUnsigned(r)
	// Output:
	// handler: DOKU-TEST-CLIENT sent {"originalPartnerReferenceNo":"INV-1001","latestTransactionStatus":"00"}
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 400 {"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}
}

// notify's SNAP debit channel and the token endpoint DOKU calls first,
// mounted beside the merchant's own routes.
func ExampleMountNotify() {
	// cfg is the merchant's notify.MuxConfig (dokusim.MuxConfig): its key
	// for the bearer tokens it issues, DOKU's public key, the SNAP secret
	// and, here, the func each verified SNAP debit notification runs.
	cfg, _ := dokusim.MuxConfig(func(_ context.Context, n *schemas.SNAPDebitNotify) error {
		fmt.Println("paid:", n.LatestTransactionStatus)
		return nil // mark the order paid here
	})
	r := chi.NewRouter()
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	if _, err := chidoku.MountNotify(r, cfg); err != nil {
		fmt.Println(err)
		return
	}

	// DOKU fetches a token and sends the notification, then the same
	// notification with one body byte changed after signing.
	dokusim.DeliverThenTamper(r)
	// Output:
	// paid: 00
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 401 {"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}
}
