// Package dokusim plays DOKU, and sets up the merchant, in the framework
// examples' tests. It builds everything from the kit itself: requests are
// signed by middleware.SNAPTransport or sent by conformance.Send, and the
// merchant side is verify.NewSNAP and a notify.MuxConfig, so the tests
// exercise the signing and checking a real integration runs, through each
// framework's router, over loopback.
package dokusim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// The identity and secret DOKU and the merchant share in the tests.
// ClientID is conformance's default X-CLIENT-KEY / X-PARTNER-ID.
const (
	ClientID   = "DOKU-TEST-CLIENT"
	SNAPSecret = "SK-snap-secret-123"
	// DebitPath is where the tests mount the middleware-guarded handler
	// and where notify mounts its SNAP debit channel.
	DebitPath = notify.DefaultSNAPDebitPath
	// DebitBody is the notification the middleware tests send. Its first
	// digit is the byte TamperBody changes.
	DebitBody = `{"originalPartnerReferenceNo":"INV-1001","latestTransactionStatus":"00"}`
)

// keys are generated once per test binary: 2048-bit generation is the
// slowest step of a test, and no test depends on a fresh key.
var keys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var k [2]*rsa.PrivateKey
	for i := range k {
		var err error
		if k[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return k, fmt.Errorf("dokusim: generating an RSA key: %w", err)
		}
	}
	return k, nil
})

// Keys returns DOKU's private key (it signs the token requests) and the
// merchant's (it signs the bearer tokens the merchant issues to DOKU),
// 2048 bits each, the same pair for every call in one process.
func Keys() (doku, merchant *rsa.PrivateKey, err error) {
	k, err := keys()
	return k[0], k[1], err
}

// SNAPVerifier is the merchant's verifier for HMAC-signed SNAP requests
// from ClientID with SNAPSecret.
func SNAPVerifier() (verify.Verifier, error) {
	secrets, err := verify.SecretsFor(ClientID, []byte(SNAPSecret))
	if err != nil {
		return nil, err
	}
	return verify.NewSNAP(verify.SNAPConfig{Secrets: secrets})
}

// MuxConfig is a merchant's notify.MuxConfig with the SNAP debit channel
// (and so the token endpoint) running fn.
func MuxConfig(fn notify.Func[schemas.SNAPDebitNotify]) (notify.MuxConfig, error) {
	doku, merchant, err := Keys()
	if err != nil {
		return notify.MuxConfig{}, err
	}
	secrets, err := verify.SecretsFor(ClientID, []byte(SNAPSecret))
	if err != nil {
		return notify.MuxConfig{}, err
	}
	return notify.MuxConfig{
		TokenKey:       merchant,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{ClientID: {&doku.PublicKey}},
		SNAPSecrets:    secrets,
		SNAPDebit:      fn,
	}, nil
}

// SNAPClient returns a client that signs each request as DOKU does
// (middleware.SNAPTransport, HMAC-SHA512 with SNAPSecret and a static
// bearer token). With tamper, one byte of the body is changed after
// signing, on its way to the wire.
func SNAPClient(tamper bool) *http.Client {
	var base http.RoundTripper = http.DefaultTransport
	if tamper {
		base = flipBody{base}
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &middleware.SNAPTransport{Base: base, Secret: []byte(SNAPSecret), PartnerID: ClientID, Token: middleware.StaticToken("token-from-the-merchant")},
	}
}

// flipBody changes the first digit 1–8 of a signed request's body to the
// next digit: still valid JSON of the same length, so only the signature
// can tell.
type flipBody struct{ base http.RoundTripper }

func (f flipBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		return nil, errors.New("dokusim: nothing to tamper with: the request has no body")
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	i := bytes.IndexAny(b, "12345678")
	if i < 0 {
		return nil, errors.New("dokusim: nothing to tamper with: the body has no digit 1-8")
	}
	b[i]++
	out := r.Clone(r.Context())
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return f.base.RoundTrip(out)
}

// conformanceConfig is how DOKU calls the merchant of MuxConfig.
func conformanceConfig() (conformance.Config, error) {
	doku, _, err := Keys()
	if err != nil {
		return conformance.Config{}, err
	}
	return conformance.Config{Channel: conformance.SNAPDebit, Secret: []byte(SNAPSecret), DOKUPrivateKey: doku}, nil
}

// SendSNAPDebit acts as DOKU against the server at baseURL: it fetches a
// bearer token from the token endpoint, then delivers one SNAP debit
// notification repeat times, tampered as tamper says.
func SendSNAPDebit(ctx context.Context, baseURL string, tamper conformance.Tamper, repeat int) ([]conformance.Delivery, error) {
	cfg, err := conformanceConfig()
	if err != nil {
		return nil, err
	}
	d, err := conformance.ClientDoer(nil, baseURL)
	if err != nil {
		return nil, err
	}
	return conformance.Send(ctx, d, cfg, tamper, repeat)
}

// RunConformance runs the whole SNAP debit conformance suite against the
// server at baseURL; probe, when set, counts the merchant's side effects.
func RunConformance(ctx context.Context, baseURL string, probe func() int) ([]conformance.Result, error) {
	cfg, err := conformanceConfig()
	if err != nil {
		return nil, err
	}
	cfg.Probe = probe
	return conformance.RunURL(ctx, nil, baseURL, cfg)
}

// PostSignedThenUnsigned plays DOKU, then a forger, against h over
// loopback, for the packages' Examples: it posts DebitBody to DebitPath
// signed as DOKU signs (SNAPClient), then unsigned, and prints each
// answer's status and body (less a trailing newline, which echo's c.JSON
// adds).
func PostSignedThenUnsigned(h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, c := range []*http.Client{SNAPClient(false), http.DefaultClient} {
		resp, err := c.Post(srv.URL+DebitPath, "application/json", strings.NewReader(DebitBody))
		if err != nil {
			fmt.Println(err)
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(resp.StatusCode, strings.TrimSuffix(string(b), "\n"))
	}
}

// DeliverThenTamper plays DOKU against h, a router with MuxConfig's
// channels mounted, over loopback, for the packages' Examples: it fetches
// a bearer token, delivers a SNAP debit notification, then the same
// notification with one body byte changed after signing, and prints each
// answer's status and body.
func DeliverThenTamper(h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tamper := range []conformance.Tamper{conformance.TamperNone, conformance.TamperBody} {
		ds, err := SendSNAPDebit(context.Background(), srv.URL, tamper, 1)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ds[0].Status, string(ds[0].Body))
	}
}
