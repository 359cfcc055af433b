package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/notify"
)

const simulateSynopsis = `simulate --addr 127.0.0.1:PORT --client-id ID --merchant-public-key FILE [--doku-private-key FILE]
                     [--token-ttl 900s] [--notify-url BASEURL] [--retry-scale F] [--auto-complete=true]
                     [--agent-key KEY]

Secrets: the SNAP client secret from DOKU_SNAP_SECRET or --secret-file
(DOKU_SECRET is accepted when DOKU_SNAP_SECRET is unset); the non-SNAP
secret key from DOKU_NONSNAP_SECRET or --nonsnap-secret-file; the Kirim
DOKU AES key from DOKU_KIRIM_KEY or --kirim-key-file. Without the non-SNAP
secret or the Kirim key the simulator still starts and those routes refuse
every call.

The first line on stdout is "simulate: listening on http://HOST:PORT" with
the port actually bound (also for :0); logs go to stderr. It serves until
SIGINT or SIGTERM (or for --for), then exits 0. Exit 2: bad flags, no SNAP secret,
--notify-url without --doku-private-key. Exit 1: cannot listen.

Controls on the same server: POST /_dokutest/faults, POST /_dokutest/complete,
GET /_dokutest/requests (see docs/simulator.md).`

const simulateExample = `  # a simulated DOKU for a minute, notifying the README's quick-start merchant on 127.0.0.1:8080
  # (then: POST /_dokutest/complete {"reference":"INV-1","status":"00"} completes a payment)
  $ DOKU_SNAP_SECRET=SK-snap-secret-123 doku-verify simulate --addr 127.0.0.1:0 --client-id DOKU-TEST-CLIENT \
      --merchant-public-key internal/testvectors/test_rsa_public_spki.pem \
      --doku-private-key internal/testvectors/test_rsa_private_pkcs8.pem \
      --notify-url http://127.0.0.1:8080 --retry-scale 0.001 --for 1s
  simulate: listening on http://127.0.0.1:…
  simulate: stopping`

func runSimulate(e *env, args []string) int {
	fs := newFlagSet(e, "simulate", simulateSynopsis, simulateExample)
	var (
		addr, clientID, merchantKey, dokuKey, notifyURL, agentKey string
		secretFile, nonSNAPFile, kirimFile                        string
		paths                                                     notify.Paths
		ttl                                                       time.Duration
		retryScale                                                float64
		autoComplete                                              bool
		serveFor                                                  time.Duration
	)
	fs.StringVar(&addr, "addr", "", "loopback address to listen on, e.g. 127.0.0.1:8089 (127.0.0.1:0 picks a free port)")
	fs.StringVar(&clientID, "client-id", "", "the merchant's DOKU client id (X-CLIENT-KEY, X-PARTNER-ID, Client-Id)")
	fs.StringVar(&merchantKey, "merchant-public-key", "", "the merchant's RSA public key, which verifies its token requests")
	fs.StringVar(&dokuKey, "doku-private-key", "", "test DOKU RSA private key that signs the token requests before SNAP notifications")
	fs.DurationVar(&ttl, "token-ttl", dokutest.DefaultTokenTTL, "access-token lifetime without activity (whole seconds)")
	fs.StringVar(&notifyURL, "notify-url", "", "the merchant's base URL; completed payments are notified on notify.Mux's default paths under it")
	fs.Float64Var(&retryScale, "retry-scale", 1, "multiplies DOKU's retry schedule (30 min, 6 h, 12 h); 0.001 makes 30 min 1.8 s")
	fs.BoolVar(&autoComplete, "auto-complete", false, "complete every payment at once instead of waiting for POST /_dokutest/complete")
	fs.DurationVar(&serveFor, "for", 0, "serve this long, then stop as on SIGTERM (default: until a signal)")
	fs.StringVar(&agentKey, "agent-key", "", "Kirim DOKU agentKey on callbacks (default "+dokutest.DefaultAgentKey+")")
	fs.StringVar(&paths.Token, "notify-token-path", notify.TokenPath, "the merchant's token endpoint under --notify-url")
	fs.StringVar(&paths.SNAPDebit, "notify-debit-path", notify.DefaultSNAPDebitPath, "the merchant's SNAP debit notification path")
	fs.StringVar(&paths.NonSNAP, "notify-nonsnap-path", notify.DefaultNonSNAPPath, "the merchant's non-SNAP notification path")
	fs.StringVar(&paths.KirimUnpaid, "notify-kirim-unpaid-path", notify.DefaultKirimUnpaidPath, "the merchant's Kirim DOKU unpaid callback path")
	fs.StringVar(&paths.KirimRefund, "notify-kirim-refund-path", notify.DefaultKirimRefundPath, "the merchant's Kirim DOKU refund callback path")
	fs.StringVar(&secretFile, "secret-file", "", "file holding the SNAP client secret (else env DOKU_SNAP_SECRET, then DOKU_SECRET)")
	fs.StringVar(&nonSNAPFile, "nonsnap-secret-file", "", "file holding the non-SNAP secret key (else env DOKU_NONSNAP_SECRET)")
	fs.StringVar(&kirimFile, "kirim-key-file", "", "file holding the Kirim DOKU AES key (else env DOKU_KIRIM_KEY)")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	usage := func(err error) int {
		return e.fail("simulate", exitUsage, err)
	}
	if err := requireFlags("addr", addr, "client-id", clientID, "merchant-public-key", merchantKey); err != nil {
		return usage(err)
	}
	if notifyURL != "" && dokuKey == "" {
		return usage(errors.New("--notify-url needs --doku-private-key: SNAP notifications start with a token request signed with DOKU's key"))
	}
	snapSecret, err := secretFromFileOrEnv(e, secretFile, "--secret-file", "DOKU_SNAP_SECRET", "DOKU_SECRET")
	if err != nil {
		return usage(err)
	}
	if snapSecret == nil {
		return usage(errors.New("missing SNAP client secret: set DOKU_SNAP_SECRET (or DOKU_SECRET) or pass --secret-file PATH"))
	}
	nonSNAP, err := secretFromFileOrEnv(e, nonSNAPFile, "--nonsnap-secret-file", "DOKU_NONSNAP_SECRET")
	if err != nil {
		return usage(err)
	}
	kirim, err := secretFromFileOrEnv(e, kirimFile, "--kirim-key-file", "DOKU_KIRIM_KEY")
	if err != nil {
		return usage(err)
	}
	pub, err := loadPublicKey(merchantKey)
	if err != nil {
		return usage(err)
	}
	cfg := dokutest.Config{Addr: addr, ClientID: clientID, MerchantPublicKey: pub, SNAPSecret: snapSecret, NonSNAPSecret: nonSNAP,
		KirimKey: kirim, AgentKey: agentKey, TokenTTL: ttl, NotifyURL: notifyURL, NotifyPaths: paths, RetryScale: retryScale, AutoComplete: autoComplete,
		Logger: slog.New(slog.NewTextHandler(e.stderr, nil))}
	if dokuKey != "" {
		if cfg.DOKUPrivateKey, err = loadPrivateKey(dokuKey); err != nil {
			return usage(err)
		}
	}
	// The signal handler is in place before the address is printed: a
	// caller may send SIGTERM as soon as it has read the first line.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if serveFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, serveFor)
		defer cancel()
	}
	srv, err := dokutest.NewServer(cfg)
	switch {
	case errors.Is(err, dokutest.ErrConfig):
		return usage(err)
	case err != nil:
		return e.fail("simulate", exitFailed, err)
	}
	if nonSNAP == nil {
		fmt.Fprintln(e.stderr, "simulate: no non-SNAP secret (DOKU_NONSNAP_SECRET or --nonsnap-secret-file): the Cards and Akulaku routes refuse every call")
	}
	if kirim == nil {
		fmt.Fprintln(e.stderr, "simulate: no Kirim DOKU key (DOKU_KIRIM_KEY or --kirim-key-file): the Kirim DOKU routes refuse every call")
	}
	fmt.Fprintf(e.stdout, "simulate: listening on %s\n", srv.URL)
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "simulate: stopping")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(e.stderr, "doku-verify simulate: closing: %v\n", err)
	}
	return exitOK
}

// secretFromFileOrEnv reads a secret from path (one trailing newline
// stripped), else from the first of envs that is set; nil when none is.
func secretFromFileOrEnv(e *env, path, flagName string, envs ...string) ([]byte, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", flagName, unwrapPathErr(err))
		}
		b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
		if len(b) == 0 {
			return nil, fmt.Errorf("%s %s is empty", flagName, path)
		}
		return b, nil
	}
	for _, name := range envs {
		if v := e.getenv(name); v != "" {
			return []byte(v), nil
		}
	}
	return nil, nil
}
