// Command quickstart is the README's first snippet as a program: the
// smallest merchant server that passes `doku-verify conformance --channel
// snap-debit`. It serves DOKU's SNAP direct-debit payment notification and,
// because DOKU asks for a bearer token before every SNAP notification, the
// merchant's token endpoint:
//
//	POST /authorization/v1/access-token/b2b   DOKU gets a token (RSA-signed with DOKU's key)
//	POST /v1.0/debit/notify                   the notification (HMAC-signed over that token)
//
// It reads, from the environment: DOKU_CLIENT_ID (your client id at DOKU,
// sent as X-CLIENT-KEY / X-PARTNER-ID), DOKU_SNAP_SECRET (the SNAP client
// secret), DOKU_PUBLIC_KEY_FILE (DOKU's RSA public key, PEM or bare base64)
// and MERCHANT_PRIVATE_KEY_FILE (your RSA private key that signs the tokens
// you issue to DOKU), and ADDR (default 127.0.0.1:8080).
//
// Try it against the kit's DOKU simulator with the test-only keys shipped in
// the repository:
//
//	DOKU_CLIENT_ID=DOKU-TEST-CLIENT DOKU_SNAP_SECRET=SK-snap-secret-123 \
//	DOKU_PUBLIC_KEY_FILE=internal/testvectors/test_rsa_public_spki.pem \
//	MERCHANT_PRIVATE_KEY_FILE=internal/testvectors/test_rsa_private_pkcs1.pem \
//	go run ./examples/quickstart &
//	DOKU_SECRET=SK-snap-secret-123 go run ./cmd/doku-verify conformance --url http://127.0.0.1:8080 \
//	  --channel snap-debit --doku-private-key internal/testvectors/test_rsa_private_pkcs8.pem
package main

import (
	"context"
	"crypto/rsa"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

func main() {
	h, err := newHandler(markPaid)
	if err != nil {
		log.Fatal(err)
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	log.Printf("serving DOKU SNAP notifications on http://%s", addr)
	log.Fatal(srv.ListenAndServe())
}

// markPaid stands for the merchant's business code.
func markPaid(ctx context.Context, orderID string) error {
	log.Printf("order %s paid", orderID)
	return nil
}

// newHandler is the README's first snippet, verbatim between the markers.
func newHandler(markPaid func(ctx context.Context, orderID string) error) (http.Handler, error) {
	// README:quickstart
	clientID := os.Getenv("DOKU_CLIENT_ID") // X-CLIENT-KEY / X-PARTNER-ID DOKU sends
	dokuPEM, err := os.ReadFile(os.Getenv("DOKU_PUBLIC_KEY_FILE"))
	if err != nil {
		return nil, err
	}
	dokuKey, err := sign.ParsePublicKey(dokuPEM) // checks DOKU's token requests
	if err != nil {
		return nil, err
	}
	merchantPEM, err := os.ReadFile(os.Getenv("MERCHANT_PRIVATE_KEY_FILE"))
	if err != nil {
		return nil, err
	}
	merchantKey, err := sign.ParsePrivateKey(merchantPEM) // signs the tokens you issue DOKU
	if err != nil {
		return nil, err
	}
	secrets, err := verify.SecretsFor(clientID, []byte(os.Getenv("DOKU_SNAP_SECRET"))) // empty: error
	if err != nil {
		return nil, err
	}
	return notify.NewMux(notify.MuxConfig{
		TokenKey:       merchantKey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {dokuKey}},
		SNAPSecrets:    secrets,
		SNAPDebit: func(ctx context.Context, n *schemas.SNAPDebitNotify) error {
			if n.Status() != schemas.SNAPStatusSuccess {
				return nil // acked; nothing to do for a failed payment
			}
			return markPaid(ctx, string(n.OriginalPartnerReferenceNo)) // runs once per notification
		},
	})
	// README:end
}
