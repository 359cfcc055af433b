package notify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

const (
	muxClient   = "DOKU-TEST-CLIENT" // conformance's default X-CLIENT-KEY / X-PARTNER-ID / Client-Id
	snapSecret  = "SK-snap-secret-123"
	nsSecret    = "SK-hCJ42G28TA0MKG9LE2E"
	kirimSecret = "0123456789abcdef"
	kirimAgent  = "A41418"
)

// merchant is a Mux with a side-effect counter per channel.
type merchant struct {
	mux     *Mux
	effects map[string]*atomic.Int32
	logs    *bytes.Buffer
	reg     *prometheus.Registry
	// fail makes the next n calls of a channel's func fail (error) or panic.
	mu   sync.Mutex
	fail map[string][]string
}

func (m *merchant) run(channel string) error {
	m.mu.Lock()
	var mode string
	if q := m.fail[channel]; len(q) > 0 {
		mode, m.fail[channel] = q[0], q[1:]
	}
	m.mu.Unlock()
	switch mode {
	case "error":
		return errors.New("database is down; order INV-1 for SK-snap-secret-123") // must not leak
	case "panic":
		panic("boom " + snapSecret)
	}
	m.effects[channel].Add(1)
	return nil
}

func newMerchant(t *testing.T, clock func() time.Time, rsaNotify bool) *merchant {
	t.Helper()
	doku, mkey, _ := keys(t)
	m := &merchant{effects: map[string]*atomic.Int32{}, logs: &bytes.Buffer{}, reg: prometheus.NewPedanticRegistry(), fail: map[string][]string{}}
	for _, c := range []string{"snap-debit", "snap-va", "nonsnap", "kirim-unpaid", "kirim-refund"} {
		m.effects[c] = &atomic.Int32{}
	}
	snapSet, err := verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	nsSet, err := verify.SecretsFor(muxClient, []byte(nsSecret))
	require.NoError(t, err)
	kSet, err := verify.SecretsFor(kirimAgent, []byte(kirimSecret))
	require.NoError(t, err)
	m.mux, err = NewMux(MuxConfig{
		Common: Common{
			Logger:     slog.New(slog.NewJSONHandler(&lockedWriter{w: m.logs}, nil)),
			Registerer: m.reg,
			Timestamps: verify.Timestamps{Now: clock},
		},
		TokenKey:       mkey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&doku.PublicKey}},
		SNAPSecrets:    snapSet,
		SNAPRSA:        rsaNotify,
		NonSNAPSecrets: nsSet,
		KirimKeys:      kSet,
		KirimTransfers: awaits(conformance.DefaultKirimTransfers()),
		SNAPDebit:      func(ctx context.Context, n *schemas.SNAPDebitNotify) error { return m.run("snap-debit") },
		SNAPVA:         func(ctx context.Context, n *schemas.SNAPVANotify) error { return m.run("snap-va") },
		NonSNAP:        func(ctx context.Context, n *schemas.NonSNAPNotification) error { return m.run("nonsnap") },
		KirimUnpaid:    func(ctx context.Context, n *schemas.KirimNotification) error { return m.run("kirim-unpaid") },
		KirimRefund:    func(ctx context.Context, n *schemas.KirimNotification) error { return m.run("kirim-refund") },
	})
	require.NoError(t, err)
	return m
}

// The kit's own handlers pass the conformance suite DOKU-side tools run,
// on every channel, with the side effect observed exactly once for a
// duplicate delivery.
func TestMuxPassesConformance(t *testing.T) {
	doku, _, _ := keys(t)
	for _, rsaNotify := range []bool{false, true} {
		m := newMerchant(t, nil, rsaNotify)
		for _, ch := range conformance.Channels() {
			if rsaNotify && ch != conformance.SNAPDebit && ch != conformance.SNAPVA {
				continue
			}
			cfg := conformance.Config{Channel: ch, DOKUPrivateKey: doku, RSASignature: rsaNotify}
			switch ch {
			case conformance.SNAPDebit, conformance.SNAPVA:
				cfg.Secret = []byte(snapSecret)
			case conformance.NonSNAP:
				cfg.Secret = []byte(nsSecret)
			case conformance.KirimUnpaid, conformance.KirimRefund:
				cfg.Secret = []byte(kirimSecret)
			}
			if c := m.effects[string(ch)]; c != nil {
				cfg.Probe = func() int { return int(c.Load()) }
			}
			name := string(ch)
			if rsaNotify {
				name += "/rsa"
			}
			t.Run(name, func(t *testing.T) { conformance.Run(t, m.mux, cfg) })
		}
	}
}

// doku is a DOKU simulator built from the kit's own signers.
type doku struct {
	t      *testing.T
	offset time.Duration // DOKU's clock minus the merchant's
	url    string
	clock  *fakeClock
	key    *rsa.PrivateKey
	token  string
}

func (d *doku) snapTS() string {
	return d.now().In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02T15:04:05-07:00")
}

func (d *doku) fetchToken() string {
	ts := d.snapTS()
	sig, err := sign.SignSNAPToken(d.key, muxClient, ts)
	require.NoError(d.t, err)
	req, _ := http.NewRequest("POST", d.url+TokenPath, strings.NewReader(`{"grantType":"client_credentials"}`))
	req.Header.Set("X-CLIENT-KEY", muxClient)
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	var body struct{ ResponseCode, AccessToken string }
	require.NoError(d.t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(d.t, "2007300", body.ResponseCode)
	return body.AccessToken
}

func (d *doku) now() time.Time { return d.clock.Now().Add(d.offset) }

type reply struct {
	status int
	code   string
	raw    string
}

// notify sends a SNAP debit notification; edit may change the signed
// request on the wire.
func (d *doku) notify(path, externalID string, body []byte, token string, edit func(*http.Request)) reply {
	h := http.Header{}
	h.Set("X-EXTERNAL-ID", externalID)
	var base http.RoundTripper = http.DefaultTransport
	if edit != nil {
		base = editor{edit}
	}
	c := &http.Client{Transport: &middleware.SNAPTransport{Base: base, Secret: []byte(snapSecret), PartnerID: muxClient, ChannelID: "DOKU",
		Token: middleware.StaticToken(token), Now: d.now}}
	req, _ := http.NewRequest("POST", d.url+path, bytes.NewReader(body))
	req.Header = h
	resp, err := c.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b struct{ ResponseCode string }
	json.Unmarshal(raw, &b)
	return reply{resp.StatusCode, b.ResponseCode, string(raw)}
}

type editor struct{ edit func(*http.Request) }

func (e editor) RoundTrip(r *http.Request) (*http.Response, error) {
	e.edit(r)
	return http.DefaultTransport.RoundTrip(r)
}

func debitBody(ref string) []byte {
	return []byte(`{"originalPartnerReferenceNo":"` + ref + `","originalReferenceNo":"R1","originalExternalId":"E1","latestTransactionStatus":"00",` +
		`"transactionStatusDesc":"SUCCESS","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"accountType":"WALLET"}}`)
}

func TestDOKUSimulatorEndToEnd(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	m := newMerchant(t, clock.Now, false)
	srv := httptest.NewServer(m.mux)
	defer srv.Close()
	dokuKey, _, otherKey := keys(t)
	d := &doku{t: t, url: srv.URL, clock: clock, key: dokuKey}
	tok := d.fetchToken()
	effects := m.effects["snap-debit"]

	// First delivery and DOKU's retry: same ack, one side effect.
	a1 := d.notify(DefaultSNAPDebitPath, "EXT-1", debitBody("INV-1"), tok, nil)
	clock.Advance(time.Second)
	a2 := d.notify(DefaultSNAPDebitPath, "EXT-1", debitBody("INV-1"), tok, nil)
	assert.Equal(t, reply{200, "2005600", a1.raw}, a1)
	assert.Equal(t, a1, a2, "a retry gets the stored ack")
	assert.EqualValues(t, 1, effects.Load())

	// Same X-EXTERNAL-ID, different body: conflict, no side effect.
	a := d.notify(DefaultSNAPDebitPath, "EXT-1", debitBody("INV-2"), tok, nil)
	assert.Equal(t, 409, a.status)
	assert.Equal(t, "4095600", a.code)

	// Token issued by someone else (another key, same claims shape).
	foreign, err := NewTokenIssuer(otherKey, TokenIssuerConfig{Now: clock.Now})
	require.NoError(t, err)
	ftok, _, err := foreign.Issue(muxClient)
	require.NoError(t, err)
	assert.Equal(t, "4015601", d.notify(DefaultSNAPDebitPath, "EXT-2", debitBody("INV-3"), ftok, nil).code)

	// Bad signature, wrong path, stale timestamp, malformed body.
	assert.Equal(t, "4015600", d.notify(DefaultSNAPDebitPath, "EXT-3", debitBody("INV-3"), tok, func(r *http.Request) {
		r.Header.Set("X-SIGNATURE", strings.Repeat("A", 86)+"==")
	}).code)
	assert.Equal(t, "4015600", d.notify(DefaultSNAPDebitPath, "EXT-3", debitBody("INV-3"), tok, func(r *http.Request) {
		r.URL.RawQuery = "via=proxy" // signed without the query
	}).code)
	d.offset = -10 * time.Minute
	stale := d.notify(DefaultSNAPDebitPath, "EXT-3", debitBody("INV-3"), tok, nil)
	d.offset = 0
	assert.Equal(t, reply{401, "4015600", stale.raw}, stale)
	bad := d.notify(DefaultSNAPDebitPath, "EXT-4", debitBody("INV-4"), tok, func(r *http.Request) {
		b := debitBody("INV-4")
		b = b[:len(b)-1] // truncated on the way
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	})
	assert.Equal(t, 400, bad.status)
	assert.Equal(t, "4005601", bad.code)
	missing := d.notify(DefaultSNAPDebitPath, "EXT-5", []byte(`{"latestTransactionStatus":"00","amount":{"value":"1.00","currency":"IDR"}}`), tok, nil)
	assert.Equal(t, "4005602", missing.code)
	assert.Contains(t, missing.raw, "originalPartnerReferenceNo")
	assert.EqualValues(t, 1, effects.Load(), "no rejected notification ran the side effect")

	// The merchant's func fails, then panics: DOKU gets 500 each time, and
	// its retry is processed once.
	m.fail["snap-debit"] = []string{"error", "panic"}
	assert.Equal(t, reply{500, "5005600", `{"responseCode":"5005600","responseMessage":"General Error"}`}, d.notify(DefaultSNAPDebitPath, "EXT-6", debitBody("INV-6"), tok, nil))
	assert.Equal(t, 500, d.notify(DefaultSNAPDebitPath, "EXT-6", debitBody("INV-6"), tok, nil).status)
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-6", debitBody("INV-6"), tok, nil).status)
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-6", debitBody("INV-6"), tok, nil).status)
	assert.EqualValues(t, 2, effects.Load())

	// The token expires after 900 s; DOKU fetches a new one.
	clock.Advance(901 * time.Second)
	assert.Equal(t, "4015601", d.notify(DefaultSNAPDebitPath, "EXT-7", debitBody("INV-7"), tok, nil).code)
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-7", debitBody("INV-7"), d.fetchToken(), nil).status)

	// Nothing secret reached the logs: no secret, token, signature, or the
	// merchant func's error text and panic value.
	logs := m.logs.String()
	for _, s := range []string{snapSecret, tok, ftok, "database is down", "boom"} {
		assert.NotContains(t, logs, s)
	}
	assert.Contains(t, logs, `"outcome":"panic"`)
	assert.Contains(t, logs, `"outcome":"handler_error"`)
	fams, err := m.reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	for _, n := range []string{"dokukit_notifications_total", "dokukit_verifications_total", "dokukit_token_requests_total"} {
		assert.True(t, names[n], n)
	}
}

func TestMuxFailsClosed(t *testing.T) {
	_, mkey, _ := keys(t)
	fn := func(context.Context, *schemas.SNAPDebitNotify) error { return nil }
	_, err := NewMux(MuxConfig{SNAPDebit: fn})
	assert.ErrorIs(t, err, ErrConfig, "no token key")
	_, err = NewMux(MuxConfig{SNAPDebit: fn, TokenKey: mkey})
	assert.ErrorIs(t, err, ErrConfig, "no DOKU public keys")
	_, err = NewMux(MuxConfig{SNAPDebit: fn, TokenKey: mkey, DOKUPublicKeys: map[string][]*rsa.PublicKey{"c": {&mkey.PublicKey}}})
	assert.ErrorIs(t, err, ErrConfig, "no SNAP secrets")
	_, err = NewMux(MuxConfig{NonSNAP: func(context.Context, *schemas.NonSNAPNotification) error { return nil }})
	assert.ErrorIs(t, err, ErrConfig, "no non-SNAP secrets")
	_, err = NewMux(MuxConfig{KirimUnpaid: func(context.Context, *schemas.KirimNotification) error { return nil }})
	assert.ErrorIs(t, err, ErrConfig)
	set, _ := verify.SecretsFor("c", []byte("s"))
	_, err = NewSNAPDebit(SNAPConfig{Secrets: set}, fn)
	assert.ErrorIs(t, err, ErrConfig, "HMAC notifications without a token issuer would accept any token")
	_, err = NewSNAPDebit(SNAPConfig{Secrets: set, Tokens: &TokenIssuer{}}, nil)
	assert.ErrorIs(t, err, ErrConfig)
}

// Keys given for channels no func serves are a wiring mistake caught at
// start-up: without the check the Mux would mount nothing there and DOKU
// would get 404s.
func TestMuxRefusesKeysNoChannelUses(t *testing.T) {
	_, mkey, _ := keys(t)
	set, err := verify.SecretsFor("c", []byte("s"))
	require.NoError(t, err)
	for name, cfg := range map[string]MuxConfig{
		"KirimKeys":      {KirimKeys: set, NonSNAPSecrets: set, NonSNAP: func(context.Context, *schemas.NonSNAPNotification) error { return nil }},
		"NonSNAPSecrets": {NonSNAPSecrets: set},
		"SNAPSecrets":    {SNAPSecrets: set},
		"TokenKey":       {TokenKey: mkey},
		"DOKUPublicKeys": {DOKUPublicKeys: map[string][]*rsa.PublicKey{"c": {&mkey.PublicKey}}},
	} {
		_, err := NewMux(cfg)
		assert.ErrorIs(t, err, ErrConfig, name)
		assert.ErrorContains(t, err, name, "the error names the unused setting")
	}
}

// Mounts lists exactly what is served, in order, so a start-up line can
// print it; a channel without its func is absent.
func TestMuxMounts(t *testing.T) {
	m := newMerchant(t, nil, false)
	var got []string
	for _, mt := range m.mux.Mounts() {
		got = append(got, mt.String())
	}
	assert.Equal(t, []string{
		"/authorization/v1/access-token/b2b (token)", "/v1.0/debit/notify (snap-debit)", "/v1.0/transfer-va/payment (snap-va)",
		"/payments/notifications (nonsnap)", "/kirim/unpaid (kirim-unpaid)", "/kirim/refund (kirim-refund)",
	}, got)

	set, err := verify.SecretsFor("c", []byte("s"))
	require.NoError(t, err)
	only, err := NewMux(MuxConfig{NonSNAPSecrets: set, NonSNAP: func(context.Context, *schemas.NonSNAPNotification) error { return nil }})
	require.NoError(t, err)
	assert.Equal(t, []Mount{{Path: DefaultNonSNAPPath, Channel: "nonsnap"}}, only.Mounts())
}

// Channels sharing one store keep their keys apart: the same X-EXTERNAL-ID
// on the debit and the VA channel are two deliveries, each processed.
func TestChannelsSharingAStoreDoNotCollide(t *testing.T) {
	dokuKey, mkey, _ := keys(t)
	secrets, err := verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	var debit, va atomic.Int32
	m, err := NewMux(MuxConfig{
		Common:         Common{Store: idempotency.NewMemory()},
		TokenKey:       mkey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&dokuKey.PublicKey}},
		SNAPSecrets:    secrets,
		SNAPDebit:      func(context.Context, *schemas.SNAPDebitNotify) error { debit.Add(1); return nil },
		SNAPVA:         func(context.Context, *schemas.SNAPVANotify) error { va.Add(1); return nil },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	defer srv.Close()
	d := &doku{t: t, url: srv.URL, clock: &fakeClock{t: time.Now()}, key: dokuKey}
	tok := d.fetchToken()
	vaBody := []byte(`{"partnerServiceId":"   88899","customerNo":"1","virtualAccountNo":"   888991","virtualAccountName":"Jane",` +
		`"trxId":"INV-1","paymentRequestId":"P1","paidAmount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{}}`)
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-SHARED", debitBody("INV-1"), tok, nil).status)
	assert.Equal(t, 200, d.notify(DefaultSNAPVAPath, "EXT-SHARED", vaBody, tok, nil).status, "not a conflict with the debit channel's key")
	assert.Equal(t, 200, d.notify(DefaultSNAPVAPath, "EXT-SHARED", vaBody, tok, nil).status)
	assert.EqualValues(t, 1, debit.Load())
	assert.EqualValues(t, 1, va.Load(), "the VA retry is a replay")
}
