// Package conformance checks a merchant's DOKU notification endpoint the way
// DOKU will exercise it: a valid signed notification must get the ack DOKU
// expects, every tampered or malformed one must be rejected with the
// protocol's status and code, and a repeated delivery must be answered
// identically with the merchant's side effect run once.
//
// Use Run in a Go test against an http.Handler, or RunHandler / RunURL (what
// `doku-verify conformance` uses) to get the results as data. All three run
// the same case table, Cases, so a CI job and a black-box check against a
// staging server agree. Every failure message says what DOKU would do next
// (retry, or give up) because that is what the failure costs.
//
// The suite acts as DOKU: it needs the secret DOKU shares with the merchant
// (Config.Secret) and, for SNAP token calls, a test DOKU private key whose
// public half the handler under test trusts (Config.DOKUPrivateKey).
package conformance

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Channel names a kind of DOKU notification (or, for SNAPToken, the
// merchant's token endpoint DOKU calls first).
type Channel string

// The channels the suite knows. Their names are the CLI's --channel values.
const (
	SNAPToken   Channel = "snap-token"   // merchant's B2B access-token endpoint (service 73)
	SNAPDebit   Channel = "snap-debit"   // SNAP direct debit / e-wallet payment notify (service 56)
	SNAPVA      Channel = "snap-va"      // SNAP virtual-account payment notify (service 25)
	NonSNAP     Channel = "nonsnap"      // non-SNAP (Jokul) notification: Cards, Checkout, VA, Akulaku
	KirimUnpaid Channel = "kirim-unpaid" // Kirim DOKU unpaid → paid/failed notification
	KirimRefund Channel = "kirim-refund" // Kirim DOKU refund notification
)

// Channels lists every channel in a stable order.
func Channels() []Channel {
	return []Channel{SNAPToken, SNAPDebit, SNAPVA, NonSNAP, KirimUnpaid, KirimRefund}
}

// channelRoutes ties each channel to its route in schemas.Routes(), the one
// source of its path, SNAP service code and success code.
var channelRoutes = map[Channel]string{
	SNAPToken:   "notify.snap_token",
	SNAPDebit:   "notify.snap_debit",
	SNAPVA:      "notify.snap_va_payment",
	NonSNAP:     "notify.nonsnap",
	KirimUnpaid: "kirim.unpaid_notification",
	KirimRefund: "kirim.refund_notification",
}

// examplePaths are the suite's defaults where the route's path is the
// merchant's choice (a {placeholder} in the route table).
var examplePaths = map[Channel]string{
	NonSNAP:     "/payments/notifications",
	KirimUnpaid: "/kirim/unpaid",
	KirimRefund: "/kirim/refund",
}

// channelRoute is c's route; the zero Route for an unknown channel.
func channelRoute(c Channel) schemas.Route {
	r, _ := schemas.RouteByName(channelRoutes[c])
	return r
}

// DefaultPath is where each channel is mounted when Config.Path is empty:
// the route table's path, or for a merchant-chosen one an example path
// ("/payments/notifications", "/kirim/unpaid", "/kirim/refund"). "" for an
// unknown channel.
func DefaultPath(c Channel) string {
	if p, ok := examplePaths[c]; ok {
		return p
	}
	return channelRoute(c).Path
}

// DefaultTokenPath is the merchant's B2B token endpoint DOKU calls before a
// SNAP notification: the path of route "notify.snap_token".
const DefaultTokenPath = "/authorization/v1/access-token/b2b"

// DefaultClientID is the client id (X-CLIENT-KEY / X-PARTNER-ID /
// Client-Id) the suite sends when Config.ClientID is empty.
const DefaultClientID = "DOKU-TEST-CLIENT"

// DefaultAgentKey is the Kirim DOKU agentKey the suite sends when
// Config.AgentKey is empty.
const DefaultAgentKey = "A41418"

// Config describes the endpoint under test and the keys DOKU would use.
// The zero value of every optional field is a safe default.
type Config struct {
	// Channel selects the case table. Required.
	Channel Channel
	// Path is the notification path (with the sub-directory DOKU is
	// configured to call); DefaultPath(Channel) when empty.
	Path string
	// Secret is what DOKU signs with: the SNAP client secret, the non-SNAP
	// secret key or the Kirim DOKU encryption key. Required except for
	// SNAPToken and RSA-signed SNAP notifications.
	Secret []byte
	// DOKUPrivateKey signs token requests (SNAPToken, and the token call
	// before SNAP notifications) and, with RSASignature, the notifications.
	DOKUPrivateKey *rsa.PrivateKey
	// ClientID is X-CLIENT-KEY / X-PARTNER-ID (SNAP) or Client-Id (non-SNAP)
	// the handler expects from DOKU. Default "DOKU-TEST-CLIENT".
	ClientID string
	// AgentKey is the Kirim DOKU agentKey header. Default "A41418".
	AgentKey string
	// KirimTransfers are the transfers the Kirim DOKU cases' callbacks are
	// about, handed out one per callback in turn (from the start again
	// when the table needs more). A handler that checks callbacks against
	// the transfers it awaits (notify.KirimConfig.Transfers) must know
	// these; the "unknown-transfer" case sends one about a transfer that is
	// not among them and expects 401. Default DefaultKirimTransfers().
	KirimTransfers []KirimTransfer
	// TokenPath is where SNAP notification cases get their bearer token
	// first (DefaultTokenPath when empty). Ignored when AccessToken is set,
	// and for SNAPToken, whose endpoint under test is Path.
	TokenPath string
	// AccessToken, when set, is sent as the bearer token instead of
	// calling TokenPath.
	AccessToken string
	// RSASignature signs SNAP notifications with DOKUPrivateKey (SNAP
	// asymmetric) instead of HMAC-SHA512 with Secret.
	RSASignature bool
	// Body replaces the channel's sample notification body. It must be valid
	// for the channel's schema; cases that need distinct notifications still
	// vary the headers, so a handler deduplicating on a business key in the
	// body may see conflicts. On the Kirim DOKU channels the transfer ids in
	// it (transactionId, and invoiceNumber and sendTrxId where present) are
	// replaced by each case's KirimTransfers entry.
	Body []byte
	// MaxBodyBytes is the handler's body limit; the oversized case sends one
	// byte more. Default verify.DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Skew is the handler's allowed timestamp skew; the stale and future
	// cases send timestamps twice as far off. Default verify.DefaultSkew
	// (5 minutes).
	Skew time.Duration
	// Now is the suite's clock. Default time.Now.
	Now func() time.Time
	// NotificationID, when set, is the X-EXTERNAL-ID (SNAP), Request-Id
	// (non-SNAP) or requestId (Kirim DOKU) of the notification Send builds,
	// instead of a fresh one. DOKU keeps it across the retries of one
	// notification (each re-signed with a fresh timestamp), which is how a
	// merchant's duplicate guard recognises them: call Send once per try
	// with the same NotificationID. The case table ignores it.
	NotificationID string
	// Probe, when set, returns how many times the merchant's side effect has
	// run so far; the duplicate case checks it grew by exactly one. Only an
	// in-process run can observe it.
	Probe func() int
}

// KirimTransfer is a transfer the merchant made, as a Kirim DOKU callback
// names it: what a handler's transfer check matches against its records.
type KirimTransfer struct {
	// TransactionID is DOKU's transactionId for the transfer, in both
	// callbacks. Required.
	TransactionID string
	// InvoiceNumber and SendTrxID are the unpaid callback's invoiceNumber
	// and sendTrxId (the refund callback carries neither).
	InvoiceNumber, SendTrxID string
}

// DefaultKirimTransfers returns the transfers the Kirim DOKU cases use when
// Config.KirimTransfers is empty: one for every callback of the table, so a
// check that settles a transfer on its first callback still passes. Teach a
// test handler's transfer check these (or set Config.KirimTransfers to
// transfers the test created). Each call returns a new slice.
func DefaultKirimTransfers() []KirimTransfer {
	out := make([]KirimTransfer, 16)
	for i := range out {
		n := fmt.Sprintf("%04d", i+1)
		out[i] = KirimTransfer{TransactionID: "DKTEST" + n, InvoiceNumber: "INV-KIRIM-TEST-" + n, SendTrxID: "TRX-KIRIM-TEST-" + n}
	}
	return out
}

// ErrConfig reports a Config the suite cannot run with.
var ErrConfig = errors.New("conformance: invalid config")

func (c Config) withDefaults() (Config, error) {
	if c.Path == "" {
		c.Path = DefaultPath(c.Channel)
	}
	if c.Path == "" {
		return c, fmt.Errorf("%w: unknown channel %q", ErrConfig, c.Channel)
	}
	if c.Path[0] != '/' {
		return c, fmt.Errorf("%w: Path must start with /", ErrConfig)
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.AgentKey == "" {
		c.AgentKey = DefaultAgentKey
	}
	if len(c.KirimTransfers) == 0 {
		c.KirimTransfers = DefaultKirimTransfers()
	}
	for _, tr := range c.KirimTransfers {
		if tr.TransactionID == "" {
			return c, fmt.Errorf("%w: every KirimTransfers entry needs a TransactionID", ErrConfig)
		}
	}
	if c.Channel == SNAPToken {
		// The endpoint under test is the token endpoint itself.
		c.TokenPath = c.Path
	}
	if c.TokenPath == "" {
		c.TokenPath = DefaultTokenPath
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = verify.DefaultMaxBodyBytes
	}
	if c.Skew <= 0 {
		c.Skew = verify.DefaultSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	needKey := c.Channel == SNAPToken || (isSNAPNotify(c.Channel) && (c.AccessToken == "" || c.RSASignature))
	if needKey && c.DOKUPrivateKey == nil {
		return c, fmt.Errorf("%w: channel %s needs DOKUPrivateKey (the test DOKU key whose public half the handler trusts)", ErrConfig, c.Channel)
	}
	needSecret := c.Channel != SNAPToken && !(isSNAPNotify(c.Channel) && c.RSASignature)
	if needSecret && len(c.Secret) == 0 {
		return c, fmt.Errorf("%w: channel %s needs Secret", ErrConfig, c.Channel)
	}
	if (c.Channel == KirimUnpaid || c.Channel == KirimRefund) && len(c.Secret) != 16 && len(c.Secret) != 24 && len(c.Secret) != 32 {
		return c, fmt.Errorf("%w: the Kirim DOKU key must be 16, 24 or 32 bytes", ErrConfig)
	}
	return c, nil
}

func isSNAPNotify(c Channel) bool { return c == SNAPDebit || c == SNAPVA }

// Result is the outcome of one case.
type Result struct {
	Case string // the case name, e.g. "tamper/body-byte"
	Doc  string // what the case checks
	Pass bool
	// Message explains a failure: what was expected, what came back, and
	// what DOKU would do next. Empty when Pass.
	Message  string
	Status   int // HTTP status of the (last) answer, 0 if none
	Duration time.Duration
}

// RunHandler runs every case of cfg.Channel against h in process and returns
// the results in table order. The error is for a Config the suite cannot
// use; case failures are in the results.
func RunHandler(ctx context.Context, h http.Handler, cfg Config) ([]Result, error) {
	return runAll(ctx, HandlerDoer(h), cfg)
}

// RunURL runs every case against a live server: baseURL is the scheme and
// host ("http://127.0.0.1:8080"); cfg.Path and cfg.TokenPath are requested
// on it. client nil means a client with a 10 s timeout.
func RunURL(ctx context.Context, client *http.Client, baseURL string, cfg Config) ([]Result, error) {
	d, err := ClientDoer(client, baseURL)
	if err != nil {
		return nil, err
	}
	return runAll(ctx, d, cfg)
}

func runAll(ctx context.Context, d Doer, cfg Config) ([]Result, error) {
	cases, err := Cases(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(cases))
	for _, c := range cases {
		out = append(out, c.Run(ctx, d))
	}
	return out, nil
}

// TB is the part of *testing.T that Run uses. It is generic over the
// test type itself because (*testing.T).Run hands its subtests a
// *testing.T: with T = *testing.T the constraint is exactly what *testing.T
// provides (so does *testing.B), and this package need not import testing
// — a program that uses RunURL, such as doku-verify, does not link the
// testing package and its flags.
type TB[T any] interface {
	Helper()
	Errorf(format string, args ...any)
	Run(name string, f func(T)) bool
	Context() context.Context
}

// Run runs every case of cfg.Channel against h, each as a subtest named
// after the case; a failing case reports what was expected, what the
// handler answered, and what DOKU would do next. An unusable Config fails
// the test. Call it with the test's t: conformance.Run(t, h, cfg).
func Run[T TB[T]](t T, h http.Handler, cfg Config) {
	t.Helper()
	cases, err := Cases(cfg)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	d := HandlerDoer(h)
	for _, c := range cases {
		t.Run(c.Name, func(t T) {
			r := c.Run(t.Context(), d)
			if !r.Pass {
				t.Errorf("%s: %s", c.Name, r.Message)
			}
		})
	}
}
