// Command merchant is a runnable merchant server with every DOKU
// notification channel wired through dokukit's notify.Mux: the SNAP token
// endpoint, SNAP debit and VA notifications, non-SNAP notifications and
// Kirim DOKU callbacks. It is what the README's integration section shows,
// as a program.
//
//	go run ./examples/merchant -selftest     # start on a free loopback port and let a DOKU simulator run the conformance suite against it
//	go run ./examples/merchant -addr 127.0.0.1:8080   # serve; keys from the environment (below)
//	go run ./examples/merchant -h            # every flag and environment variable
//
// Serving needs, from the environment (never flags: they land in shell
// history), the variables listed in envVars below (-h prints them).
// Missing settings stop the server at start-up: it never runs unverified.
// It prints every mounted path at start, serves with the timeouts newServer
// documents, and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// settings are a merchant's DOKU keys.
type settings struct {
	clientID, agentKey                  string
	snapSecret, nonSNAPSecret, kirimKey []byte
	dokuPublic                          *rsa.PublicKey
	merchantKey                         *rsa.PrivateKey
}

// shop counts what the merchant's business code did, so the self-test can
// show each notification ran exactly once.
type shop struct {
	paid, vaPaid, cards, transfers, refunds atomic.Int32
	kirim                                   transfers
}

// transfers is the merchant's record of the Kirim DOKU transfers it made,
// by DOKU's transactionId. A real merchant keeps it in its database and
// records each transfer (as pending) before it calls DOKU's transfer API,
// so no callback can arrive before the record.
type transfers struct {
	mu    sync.Mutex
	state map[string]string // transactionId → "pending", "paid", "failed", "refunded"
}

// record notes a transfer the merchant asked DOKU to make.
func (t *transfers) record(transactionID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]string{}
	}
	t.state[transactionID] = "pending"
}

// awaited is the Kirim channels' transfer check: a callback is acted on
// only when it is about a transfer made here that still awaits that news.
// Anyone who has seen two Kirim DOKU callbacks can forge a third, so this
// is what keeps a forger from inventing transfers or refunds.
func (t *transfers) awaited(_ context.Context, n *schemas.KirimNotification) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state[string(n.TransactionID)] {
	case "pending":
		return true, nil
	case "paid":
		return n.IsRefund(), nil // a paid-out transfer can still come back
	}
	return false, nil // unknown, failed or already refunded
}

// settle records the news. A real merchant would first confirm it with
// DOKU's status call (route kirim.qr_mpm_status; see notify's
// ExampleNewKirimUnpaid) and update the row only if it is still in the
// state awaited saw.
func (t *transfers) settle(n *schemas.KirimNotification) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case n.IsRefund():
		t.state[string(n.TransactionID)] = "refunded"
	case string(n.TransactionStatus) == schemas.KirimStatusSuccess:
		t.state[string(n.TransactionID)] = "paid"
	case string(n.TransactionStatus) == schemas.KirimStatusFailed:
		t.state[string(n.TransactionID)] = "failed"
	}
}

func (s *shop) mux(st settings, log *slog.Logger) (*notify.Mux, error) {
	snap, err := verify.SecretsFor(st.clientID, st.snapSecret)
	if err != nil {
		return nil, err
	}
	nonSNAP, err := verify.SecretsFor(st.clientID, st.nonSNAPSecret)
	if err != nil {
		return nil, err
	}
	kirim, err := verify.SecretsFor(st.agentKey, st.kirimKey)
	if err != nil {
		return nil, err
	}
	return notify.NewMux(notify.MuxConfig{
		Common:         notify.Common{Logger: log},
		TokenKey:       st.merchantKey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{st.clientID: {st.dokuPublic}},
		SNAPSecrets:    snap,
		NonSNAPSecrets: nonSNAP,
		KirimKeys:      kirim,
		KirimTransfers: s.kirim.awaited,
		SNAPDebit: func(ctx context.Context, n *schemas.SNAPDebitNotify) error {
			if n.Status() == schemas.SNAPStatusSuccess {
				s.paid.Add(1) // mark order n.OriginalPartnerReferenceNo paid
			}
			return nil
		},
		SNAPVA: func(ctx context.Context, n *schemas.SNAPVANotify) error {
			s.vaPaid.Add(1)
			return nil
		},
		NonSNAP: func(ctx context.Context, n *schemas.NonSNAPNotification) error {
			if n.Transaction.Status == "SUCCESS" {
				s.cards.Add(1)
			}
			return nil
		},
		KirimUnpaid: func(ctx context.Context, n *schemas.KirimNotification) error {
			s.kirim.settle(n)
			s.transfers.Add(1)
			return nil
		},
		KirimRefund: func(ctx context.Context, n *schemas.KirimNotification) error {
			s.kirim.settle(n)
			s.refunds.Add(1)
			return nil
		},
	})
}

// envVars is every environment variable the server reads, with what it is.
var envVars = [][2]string{
	{"DOKU_CLIENT_ID", "your client id at DOKU: X-CLIENT-KEY / X-PARTNER-ID (SNAP) and Client-Id (non-SNAP)"},
	{"DOKU_AGENT_KEY", "the Kirim DOKU agentKey"},
	{"DOKU_SNAP_SECRET", "the SNAP client secret (HMAC-SHA512 notifications)"},
	{"DOKU_NONSNAP_SECRET", "the non-SNAP secret key (HMACSHA256 notifications)"},
	{"DOKU_KIRIM_KEY", "the Kirim DOKU encryption key: 16, 24 or 32 bytes"},
	{"DOKU_PUBLIC_KEY_FILE", "file with DOKU's RSA public key (PEM or bare base64): checks DOKU's token requests"},
	{"MERCHANT_KEY_FILE", "file with your RSA private key (PEM PKCS#1/PKCS#8): signs the tokens issued to DOKU"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// newServer is the http.Server a merchant should run DOKU's notifications
// on; each limit is there for a reason.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler: h,
		// A client that trickles its headers holds a connection and a
		// goroutine: DOKU sends its headers at once.
		ReadHeaderTimeout: 5 * time.Second,
		// The whole request, body included: notifications are a few KiB,
		// so a slow body is a slow-loris, not DOKU.
		ReadTimeout: 15 * time.Second,
		// Longer than the slowest handler you accept (the duplicate guard
		// renews its lease while one runs); DOKU gives up and retries
		// after its own timeout anyway.
		WriteTimeout: 30 * time.Second,
		// Keep-alive connections DOKU does not reuse are closed, freeing
		// file descriptors.
		IdleTimeout: 60 * time.Second,
		// DOKU's headers are a few hundred bytes; 64 KiB bounds what one
		// request can make the server hold before any check runs.
		MaxHeaderBytes: 64 << 10,
	}
}

// shutdownGrace is how long in-flight notifications get to finish after
// SIGINT/SIGTERM; DOKU retries whatever is cut off.
const shutdownGrace = 10 * time.Second

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("merchant", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	selftest := fs.Bool("selftest", false, "serve on a free loopback port with throw-away keys and run the conformance suite against every channel")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: merchant [-addr HOST:PORT] [-selftest]\n\nServes every DOKU notification channel through notify.NewMux.\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(w, "\nenvironment (all required to serve; never flags, they land in shell history):")
		for _, v := range envVars {
			fmt.Fprintf(w, "  %-22s %s\n", v[0], v[1])
		}
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *selftest {
		return selfTest(stdout, stderr)
	}
	st, err := fromEnv(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 2
	}
	var s shop
	m, err := s.mux(st, log)
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	}
	srv := newServer(m)
	fmt.Fprintf(stdout, "merchant: DOKU notifications on http://%s\n", ln.Addr())
	for _, mt := range m.Mounts() {
		fmt.Fprintf(stdout, "  POST %s\n", mt)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "merchant: shutting down (in-flight notifications get", shutdownGrace, "to finish)")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "merchant: shutdown:", err)
		return 1
	}
	return 0
}

func fromEnv(getenv func(string) string) (settings, error) {
	var st settings
	need := func(name string) (string, error) {
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s is not set (merchant -h lists every variable)", name)
		}
		return v, nil
	}
	var err error
	var v string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"DOKU_CLIENT_ID", &st.clientID}, {"DOKU_AGENT_KEY", &st.agentKey}} {
		if *f.dst, err = need(f.name); err != nil {
			return st, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"DOKU_SNAP_SECRET", &st.snapSecret}, {"DOKU_NONSNAP_SECRET", &st.nonSNAPSecret}, {"DOKU_KIRIM_KEY", &st.kirimKey}} {
		if v, err = need(f.name); err != nil {
			return st, err
		}
		*f.dst = []byte(v)
	}
	if v, err = need("DOKU_PUBLIC_KEY_FILE"); err != nil {
		return st, err
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return st, err
	}
	if st.dokuPublic, err = sign.ParsePublicKey(b); err != nil {
		return st, fmt.Errorf("DOKU_PUBLIC_KEY_FILE: %w", err)
	}
	if v, err = need("MERCHANT_KEY_FILE"); err != nil {
		return st, err
	}
	if b, err = os.ReadFile(v); err != nil {
		return st, err
	}
	if st.merchantKey, err = sign.ParsePrivateKey(b); err != nil {
		return st, fmt.Errorf("MERCHANT_KEY_FILE: %w", err)
	}
	return st, nil
}

// selfTest serves the merchant on a loopback port with throw-away keys and
// plays DOKU against it: every channel's conformance cases, over HTTP.
func selfTest(stdout, stderr io.Writer) int {
	dokuKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	}
	merchantKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	}
	st := settings{clientID: "DOKU-TEST-CLIENT", agentKey: "A41418",
		snapSecret: []byte("SK-demo-snap"), nonSNAPSecret: []byte("SK-demo-nonsnap"), kirimKey: []byte("0123456789abcdef"),
		dokuPublic: &dokuKey.PublicKey, merchantKey: merchantKey}
	var s shop
	// The transfers the simulator's Kirim DOKU callbacks are about.
	for _, tr := range conformance.DefaultKirimTransfers() {
		s.kirim.record(tr.TransactionID)
	}
	m, err := s.mux(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "merchant:", err)
		return 1
	}
	srv := newServer(m)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "merchant listening on %s; DOKU simulator running the conformance suite:\n\n", base)
	failed := 0
	for _, ch := range conformance.Channels() {
		cfg := conformance.Config{Channel: ch, DOKUPrivateKey: dokuKey, ClientID: st.clientID, AgentKey: st.agentKey}
		switch ch {
		case conformance.SNAPDebit, conformance.SNAPVA:
			cfg.Secret = st.snapSecret
		case conformance.NonSNAP:
			cfg.Secret = st.nonSNAPSecret
		case conformance.KirimUnpaid, conformance.KirimRefund:
			cfg.Secret = st.kirimKey
		}
		results, err := conformance.RunURL(context.Background(), nil, base, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "merchant:", err)
			return 1
		}
		pass := 0
		for _, r := range results {
			if r.Pass {
				pass++
			} else {
				failed++
				fmt.Fprintf(stdout, "  FAIL %s %s: %s\n", ch, r.Case, r.Message)
			}
		}
		fmt.Fprintf(stdout, "  %-13s %2d/%2d cases pass\n", ch, pass, len(results))
	}
	fmt.Fprintf(stdout, "\nside effects: %d debit, %d VA, %d cards, %d transfers, %d refunds (one per distinct valid notification; duplicates answered from the store)\n",
		s.paid.Load(), s.vaPaid.Load(), s.cards.Load(), s.transfers.Load(), s.refunds.Load())
	if failed > 0 {
		fmt.Fprintf(stdout, "%d case(s) failed\n", failed)
		return 1
	}
	fmt.Fprintln(stdout, "all channels conform")
	return 0
}
