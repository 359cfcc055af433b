// Package snippets holds the README's Go snippets as compiled, tested code:
// each region between a "README:name" and a "README:end" comment stands
// verbatim (less its indentation) in README.md, and readme_test.go fails
// when the two drift apart. The first snippet, a whole program, lives in
// examples/quickstart.
package snippets

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// VerifyOnly is the README's middleware.Verify snippet: signature and
// timestamp checks in front of a handler the merchant already has.
func VerifyOnly(clientID string, yourHandler http.Handler) (http.Handler, error) {
	// README:middleware
	secrets, err := verify.SecretsFor(clientID, []byte(os.Getenv("DOKU_SNAP_SECRET")))
	if err != nil {
		return nil, err // an empty secret fails closed
	}
	v, err := verify.NewSNAP(verify.SNAPConfig{Secrets: secrets})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v1.0/debit/notify", middleware.Verify(v, middleware.WithServiceCode(56))(yourHandler))
	// inside yourHandler: id, _ := middleware.Verified(r.Context()); r.Body reads as usual
	// README:end
	return mux, nil
}

// Shop stands for the merchant's business code in the NewMux snippet.
type Shop interface {
	MarkPaid(ctx context.Context, orderID string) error
	TransferSettled(ctx context.Context, transactionID string, ok bool) error
	// AwaitsTransfer reports whether transactionID is a Kirim transfer the
	// shop made and still awaits news of (a Kirim signature can be forged
	// from earlier ones, so only such callbacks are acted on).
	AwaitsTransfer(ctx context.Context, transactionID string) (bool, error)
}

// EveryChannel is the README's NewMux snippet: every DOKU notification
// channel, every secret and key loaded, duplicates shared through Redis.
func EveryChannel(shop Shop, stdout io.Writer, logger *slog.Logger) (*notify.Mux, error) {
	// README:mux
	clientID := os.Getenv("DOKU_CLIENT_ID")                    // X-PARTNER-ID / Client-Id DOKU sends
	agentKey := os.Getenv("DOKU_KIRIM_AGENT")                  // Kirim DOKU's agentKey header
	pem, err := os.ReadFile(os.Getenv("DOKU_PUBLIC_KEY_FILE")) // DOKU's RSA public key: PEM or bare base64
	if err != nil {
		return nil, err
	}
	dokuKey, err := sign.ParsePublicKey(pem)
	if err != nil {
		return nil, err
	}
	if pem, err = os.ReadFile(os.Getenv("MERCHANT_PRIVATE_KEY_FILE")); err != nil { // your RSA key: signs DOKU's tokens
		return nil, err
	}
	merchantKey, err := sign.ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	// One secret set per scheme, keyed by the id DOKU sends; pass two
	// secrets while rotating (verify.SecretsFor(id, newSecret, oldSecret)).
	snapSecrets, err := verify.SecretsFor(clientID, []byte(os.Getenv("DOKU_SNAP_SECRET")))
	if err != nil {
		return nil, err
	}
	nonSNAPSecrets, err := verify.SecretsFor(clientID, []byte(os.Getenv("DOKU_NONSNAP_SECRET")))
	if err != nil {
		return nil, err
	}
	kirimKeys, err := verify.SecretsFor(agentKey, []byte(os.Getenv("DOKU_KIRIM_KEY"))) // AES key: 16, 24 or 32 bytes
	if err != nil {
		return nil, err
	}
	// rdb is a go-redis client (github.com/redis/go-redis/v9): every replica
	// shares the duplicate guard's records through it.
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	m, err := notify.NewMux(notify.MuxConfig{
		Common:         notify.Common{Logger: logger, Registerer: prometheus.DefaultRegisterer, Store: idempotency.NewRedis(rdb)},
		TokenKey:       merchantKey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {dokuKey}},
		SNAPSecrets:    snapSecrets,
		NonSNAPSecrets: nonSNAPSecrets,
		KirimKeys:      kirimKeys,
		SNAPDebit: func(ctx context.Context, n *schemas.SNAPDebitNotify) error {
			return shop.MarkPaid(ctx, string(n.OriginalPartnerReferenceNo)) // once per notification
		},
		NonSNAP: func(ctx context.Context, n *schemas.NonSNAPNotification) error {
			return shop.MarkPaid(ctx, string(n.Order.InvoiceNumber))
		},
		KirimRefund: func(ctx context.Context, n *schemas.KirimNotification) error {
			return shop.TransferSettled(ctx, string(n.TransactionID), false)
		},
		KirimTransfers: func(ctx context.Context, n *schemas.KirimNotification) (bool, error) {
			return shop.AwaitsTransfer(ctx, string(n.TransactionID)) // unknown or settled: 401, func not run
		},
	})
	if err != nil {
		return nil, err // a missing key, or a key no channel uses
	}
	for _, mt := range m.Mounts() {
		fmt.Fprintln(stdout, "DOKU calls POST", mt) // configure exactly these paths at DOKU
	}
	// README:end
	return m, nil
}
