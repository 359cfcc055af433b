package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/dokukit/dokukit/conformance"
)

const sendSynopsis = `send --url URL --channel CHANNEL [--doku-private-key FILE] [--body FILE] [--repeat N] [--tamper KIND]
                 [--secret-file FILE] [--client-id ID] [--agent-key K] [--kirim-transfers FILE] [--token-url URL] [--token TOKEN] [--rsa]

Channels: snap-token, snap-debit, snap-va, nonsnap, kirim-unpaid, kirim-refund.
--tamper: body, signature, timestamp, path, token, secret, header (drops the
signature header). SNAP notifications first fetch a bearer token from
--token-url (default: the same host, /authorization/v1/access-token/b2b),
signing the token request with --doku-private-key, unless --token is given.
Exit 0 when every answer is what DOKU expects (the ack, or a rejection for a
tampered notification), 1 otherwise, 2 on usage errors.`

const sendExample = `  # a merchant on 127.0.0.1:8080: the README's quick start (go doc ./examples/quickstart)
  $ DOKU_SECRET=SK-snap-secret-123 doku-verify send --url http://127.0.0.1:8080 --channel snap-debit \
      --doku-private-key internal/testvectors/test_rsa_private_pkcs8.pem --repeat 2
  delivery 1: HTTP 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
    ok: the ack DOKU expects: DOKU marks the notification delivered and stops retrying
  delivery 2: HTTP 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
    ok: the ack DOKU expects: DOKU marks the notification delivered and stops retrying
  $ DOKU_SECRET=SK-snap-secret-123 doku-verify send --url http://127.0.0.1:8080 --channel snap-debit \
      --doku-private-key internal/testvectors/test_rsa_private_pkcs8.pem --tamper body
  delivery 1: HTTP 401 {"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}
    ok: rejected as it should be: DOKU never sends this, and a 4xx makes a forger give up`

// dokuFlags are the flags send and conformance share: where the merchant is
// and what DOKU signs with.
type dokuFlags struct {
	url, channel, privateKey, secretFile, clientID, agentKey, tokenURL, token, tokenFile string
	kirimTransfers                                                                       string
	rsa                                                                                  bool
}

func (f *dokuFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "the merchant's endpoint for this channel, e.g. http://127.0.0.1:8080/v1.0/debit/notify; a bare host uses the channel's default path")
	fs.StringVar(&f.channel, "channel", "", "snap-token, snap-debit, snap-va, nonsnap, kirim-unpaid or kirim-refund")
	fs.StringVar(&f.privateKey, "doku-private-key", "", "test DOKU RSA private key (token requests; --rsa notifications); the merchant trusts its public half")
	fs.StringVar(&f.secretFile, "secret-file", "", "file holding the shared secret / Kirim key (else env DOKU_SECRET)")
	fs.StringVar(&f.clientID, "client-id", "", "X-CLIENT-KEY / X-PARTNER-ID / Client-Id the merchant expects (default DOKU-TEST-CLIENT)")
	fs.StringVar(&f.agentKey, "agent-key", "", "Kirim DOKU agentKey (default A41418)")
	fs.StringVar(&f.tokenURL, "token-url", "", "SNAP: the merchant's token endpoint, same host as --url (default path "+conformance.DefaultTokenPath+")")
	fs.StringVar(&f.token, "token", "", "SNAP: send this bearer token instead of fetching one (a throw-away value only: visible in ps; else --token-file or "+tokenEnv+")")
	fs.StringVar(&f.tokenFile, "token-file", "", "SNAP: file holding the bearer token to send")
	fs.StringVar(&f.kirimTransfers, "kirim-transfers", "", `Kirim DOKU: file with the transfers the merchant awaits, a JSON array of {"transactionId","invoiceNumber","sendTrxId"} (default DKTEST0001…DKTEST0016)`)
	fs.BoolVar(&f.rsa, "rsa", false, "SNAP: sign notifications with --doku-private-key (SHA256withRSA) instead of the HMAC secret")
}

// target is the URL the notifications go to, for messages.
func (f *dokuFlags) target(cfg conformance.Config, base string) string {
	if cfg.Path != "" {
		return base + cfg.Path
	}
	return base + conformance.DefaultPath(cfg.Channel)
}

// errUnreachable is a merchant that does not accept connections: one clear
// line and exit 2, not a list of failed cases.
var errUnreachable = errors.New("cannot connect to the merchant")

// reachable dials base's host once, so a server that is not running is
// reported as such before any case runs.
func reachable(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
		}
		return fmt.Errorf("%w at %s: %v (is the merchant server running?)", errUnreachable, host, err)
	}
	return c.Close()
}

// unauthorizedHint explains a valid notification refused as unauthorized:
// almost always the client id or the secret differs from the merchant's.
func unauthorizedHint(cfg conformance.Config) string {
	id := cfg.ClientID
	if id == "" {
		id = conformance.DefaultClientID
	}
	hint := fmt.Sprintf("hint: the valid notification was refused as unauthorized: check that --client-id (%s) is the client id the merchant expects, and that DOKU_SECRET / --secret-file holds the merchant's secret for it", id)
	if (cfg.Channel == conformance.KirimUnpaid || cfg.Channel == conformance.KirimRefund) && len(cfg.KirimTransfers) == 0 {
		hint += "; a Kirim DOKU merchant also refuses a callback about a transfer it did not make: pass the transfers it awaits with --kirim-transfers FILE (without it the callbacks are about DKTEST0001…DKTEST0016)"
	}
	return hint
}

// config turns the flags into a conformance.Config plus the base URL.
func (f *dokuFlags) config(e *env) (conformance.Config, string, error) {
	if err := requireFlags("url", f.url, "channel", f.channel); err != nil {
		return conformance.Config{}, "", err
	}
	var err error
	if f.token, err = loadToken(e, "token", f.token, f.tokenFile); err != nil {
		return conformance.Config{}, "", err
	}
	ch := conformance.Channel(f.channel)
	known := false
	for _, c := range conformance.Channels() {
		known = known || c == ch
	}
	if !known {
		return conformance.Config{}, "", fmt.Errorf("unknown --channel %q (want snap-token, snap-debit, snap-va, nonsnap, kirim-unpaid or kirim-refund)", f.channel)
	}
	u, err := url.Parse(f.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return conformance.Config{}, "", fmt.Errorf("--url must be an http(s) URL with a host, got %q", f.url)
	}
	if u.RawQuery != "" {
		return conformance.Config{}, "", errors.New("--url must not carry a query string (DOKU calls the bare notification path)")
	}
	// A bare host means the channel's default path (where notify.NewMux
	// mounts it).
	cfg := conformance.Config{Channel: ch, Path: u.EscapedPath(), ClientID: f.clientID, AgentKey: f.agentKey, AccessToken: f.token, RSASignature: f.rsa}
	if f.tokenURL != "" {
		t, err := url.Parse(f.tokenURL)
		if err != nil {
			return cfg, "", fmt.Errorf("--token-url %q is not a URL", f.tokenURL)
		}
		if t.Host != "" && t.Host != u.Host {
			return cfg, "", errors.New("--token-url must be on the same host as --url")
		}
		cfg.TokenPath = t.EscapedPath()
	}
	if f.kirimTransfers != "" {
		if cfg.KirimTransfers, err = loadKirimTransfers(f.kirimTransfers, ch); err != nil {
			return cfg, "", err
		}
	}
	if f.privateKey != "" {
		if cfg.DOKUPrivateKey, err = loadPrivateKey(f.privateKey); err != nil {
			return cfg, "", err
		}
	}
	snapNotify := ch == conformance.SNAPDebit || ch == conformance.SNAPVA
	if cfg.DOKUPrivateKey == nil && (ch == conformance.SNAPToken || (snapNotify && (f.token == "" || f.rsa))) {
		return cfg, "", fmt.Errorf("channel %s needs --doku-private-key FILE (the test DOKU key whose public half the merchant trusts)", ch)
	}
	if ch != conformance.SNAPToken && !(snapNotify && f.rsa) {
		if cfg.Secret, err = loadSecret(e, f.secretFile); err != nil {
			return cfg, "", err
		}
	}
	return cfg, u.Scheme + "://" + u.Host, nil
}

func runSend(e *env, args []string) int {
	var (
		f      dokuFlags
		body   optionalFile
		repeat int
		tamper string
	)
	fs := newFlagSet(e, "send", sendSynopsis, sendExample)
	f.register(fs)
	fs.Var(&body, "body", "notification body file (- for stdin); default: the channel's sample body")
	fs.IntVar(&repeat, "repeat", 1, "deliver the same notification N times (DOKU's retries)")
	fs.StringVar(&tamper, "tamper", "", "break the notification: body, signature, timestamp, path, token, secret or header")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	fail := func(err error) int {
		return e.fail("send", exitUsage, err)
	}
	if repeat < 1 || repeat > 100 {
		return fail(errors.New("--repeat must be between 1 and 100"))
	}
	cfg, base, err := f.config(e)
	if err != nil {
		return fail(err)
	}
	if body.set {
		if cfg.Body, err = readInput(e, body.path); err != nil {
			return fail(fmt.Errorf("cannot read --body: %w", err))
		}
	}
	d, err := conformance.ClientDoer(nil, base)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ds, err := conformance.Send(ctx, d, cfg, conformance.Tamper(tamper), repeat)
	if err != nil {
		return fail(err)
	}
	allOK := true
	for _, dl := range ds {
		allOK = allOK && dl.AsExpected
	}
	if !allOK {
		if err := reachable(base); err != nil {
			return fail(err) // not a list of failed deliveries
		}
	}
	for i, dl := range ds {
		if dl.Err != nil {
			fmt.Fprintf(e.stdout, "delivery %d: no answer: %v\n", i+1, dl.Err)
		} else {
			fmt.Fprintf(e.stdout, "delivery %d: HTTP %d %s\n", i+1, dl.Status, oneLine(dl.Body))
		}
		mark := "ok"
		if !dl.AsExpected {
			mark = "NOT WHAT DOKU EXPECTS"
		}
		fmt.Fprintf(e.stdout, "  %s: %s\n", mark, dl.Verdict)
	}
	if !allOK && tamper == "" && len(ds) > 0 && (ds[0].Status == 401 || ds[0].Status == 403) {
		fmt.Fprintln(e.stderr, unauthorizedHint(cfg))
	}
	if !allOK {
		return exitFailed
	}
	return exitOK
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
