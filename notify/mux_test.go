package notify

import (
	"bytes"
	"context"
	"crypto/rand"
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

	"github.com/dokukit/dokukit/client"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/syncbuf"
	"github.com/dokukit/dokukit/internal/testkit"
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
	logs    *syncbuf.Buffer
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

// muxSecrets are the SNAP, non-SNAP and Kirim secret sets of the test
// merchant's Mux: muxClient's two secrets and the Kirim agent's key.
func muxSecrets(t *testing.T) (snap, nonSNAP, kirim verify.Secrets) {
	t.Helper()
	var err error
	snap, err = verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	nonSNAP, err = verify.SecretsFor(muxClient, []byte(nsSecret))
	require.NoError(t, err)
	return snap, nonSNAP, kirimKeys(t)
}

// kirimKeys is the Kirim agent's key set the Kirim channels verify with.
func kirimKeys(t *testing.T) verify.Secrets {
	t.Helper()
	keys, err := verify.SecretsFor(kirimAgent, []byte(kirimSecret))
	require.NoError(t, err)
	return keys
}

func newMerchant(t *testing.T, clock func() time.Time, rsaNotify bool) *merchant {
	t.Helper()
	doku, mkey, _ := keys(t)
	m := &merchant{effects: map[string]*atomic.Int32{}, logs: &syncbuf.Buffer{}, reg: prometheus.NewPedanticRegistry(), fail: map[string][]string{}}
	for _, c := range []string{"snap-debit", "snap-va", "nonsnap", "kirim-unpaid", "kirim-refund"} {
		m.effects[c] = &atomic.Int32{}
	}
	snapSet, nsSet, kSet := muxSecrets(t)
	var err error
	m.mux, err = NewMux(MuxConfig{
		Common: Common{
			Logger:     slog.New(slog.NewJSONHandler(m.logs, nil)),
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
// merchantWithDOKU starts the test merchant's Mux on a loopback server
// with the clock at now, and a DOKU holding a fresh access token for it.
func merchantWithDOKU(t *testing.T) (*merchant, *doku, string) {
	t.Helper()
	clock := testkit.NewClock(time.Now())
	m := newMerchant(t, clock.Now, false)
	dokuKey, _, _ := keys(t)
	d := &doku{t: t, url: newTestServer(t, m.mux), clock: clock, key: dokuKey}
	return m, d, d.fetchToken()
}

type doku struct {
	t      *testing.T
	offset time.Duration // DOKU's clock minus the merchant's
	url    string
	clock  *fakeClock
	key    *rsa.PrivateKey
}

func (d *doku) snapTS() string {
	return sign.FormatTimestamp(d.now())
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
	c := &http.Client{Transport: &client.SNAPTransport{Base: base, Secret: []byte(snapSecret), PartnerID: muxClient, ChannelID: "DOKU",
		Token: client.StaticToken(token), Now: d.now}}
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
	clock := testkit.NewClock(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
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
	d := &doku{t: t, url: srv.URL, clock: testkit.NewClock(time.Now()), key: dokuKey}
	tok := d.fetchToken()
	vaBody := []byte(`{"partnerServiceId":"   88899","customerNo":"1","virtualAccountNo":"   888991","virtualAccountName":"Jane",` +
		`"trxId":"INV-1","paymentRequestId":"P1","paidAmount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{}}`)
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-SHARED", debitBody("INV-1"), tok, nil).status)
	assert.Equal(t, 200, d.notify(DefaultSNAPVAPath, "EXT-SHARED", vaBody, tok, nil).status, "not a conflict with the debit channel's key")
	assert.Equal(t, 200, d.notify(DefaultSNAPVAPath, "EXT-SHARED", vaBody, tok, nil).status)
	assert.EqualValues(t, 1, debit.Load())
	assert.EqualValues(t, 1, va.Load(), "the VA retry is a replay")
}

// rsaNotify sends an RSA-signed SNAP debit notification as DOKU does
// (SHA256withRSA, no Authorization), or with authz when it is not empty.
func rsaNotify(t *testing.T, h http.Handler, key *rsa.PrivateKey, externalID, authz string) (int, string) {
	t.Helper()
	ts := sign.FormatTimestamp(time.Now())
	body := debitBody("INV-" + externalID)
	sig, err := sign.SignSNAPRSA(key, http.MethodPost, DefaultSNAPDebitPath, body, ts)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, DefaultSNAPDebitPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	req.Header.Set("X-PARTNER-ID", muxClient)
	req.Header.Set("X-EXTERNAL-ID", externalID)
	req.Header.Set("CHANNEL-ID", "DOKU")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// DOKU's RSA-signed SNAP notifications carry no bearer token: in SNAPRSA
// mode NewMux accepts one without Authorization, still checks a token that
// is there, and keeps the token endpoint mounted.
func TestMuxRSAModeNeedsNoToken(t *testing.T) {
	dokuKey, mkey, _ := keys(t)
	var ran atomic.Int32
	for name, keys := range map[string]MuxConfig{
		"map":    {DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&dokuKey.PublicKey}}},
		"keyset": {DOKUPublicKeySet: mustKeySet(t, &dokuKey.PublicKey)},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := keys
			cfg.TokenKey, cfg.SNAPRSA = mkey, true
			cfg.SNAPDebit = func(context.Context, *schemas.SNAPDebitNotify) error { ran.Add(1); return nil }
			m, err := NewMux(cfg)
			require.NoError(t, err)
			assert.Contains(t, m.Mounts(), Mount{Path: TokenPath, Channel: "token"}, "DOKU may still ask for a token")

			before := ran.Load()
			st, body := rsaNotify(t, m, dokuKey, "EXT-NO-TOKEN-"+name, "")
			assert.Equal(t, 200, st, body)
			assert.Equal(t, before+1, ran.Load())

			tok, _, err := m.TokenIssuer().Issue(muxClient)
			require.NoError(t, err)
			st, body = rsaNotify(t, m, dokuKey, "EXT-TOKEN-"+name, "Bearer "+tok)
			assert.Equal(t, 200, st, body)

			st, body = rsaNotify(t, m, dokuKey, "EXT-FORGED-"+name, "Bearer not.a.token")
			assert.Equal(t, 401, st)
			assert.JSONEq(t, `{"responseCode":"4015601","responseMessage":"Invalid Token (B2B)"}`, body, "a token that is present is validated")
			other, _, err := m.TokenIssuer().Issue("ANOTHER-CLIENT")
			require.NoError(t, err)
			st, _ = rsaNotify(t, m, dokuKey, "EXT-OTHER-"+name, "Bearer "+other)
			assert.Equal(t, 401, st, "a token issued to another client is refused")
			assert.Equal(t, before+2, ran.Load())
		})
	}
	// In HMAC mode the token stays required.
	hmac := newMerchant(t, nil, false)
	st, _ := rsaNotify(t, hmac.mux, dokuKey, "EXT-HMAC", "")
	assert.Equal(t, 400, st)
}

func mustKeySet(t *testing.T, keys ...*rsa.PublicKey) verify.PublicKeySet {
	t.Helper()
	set, err := verify.PublicKeysFor(muxClient, keys...)
	require.NoError(t, err)
	return set
}

// The token endpoint takes a verify.PublicKeySet (a vault) in place of the
// raw map.
func TestTokenEndpointTakesAPublicKeySet(t *testing.T) {
	dokuKey, mkey, other := keys(t)
	iss, err := NewTokenIssuer(mkey, TokenIssuerConfig{})
	require.NoError(t, err)
	set, err := verify.PublicKeysFor(clientID, &other.PublicKey, &dokuKey.PublicKey)
	require.NoError(t, err)
	e, err := NewTokenEndpoint(TokenEndpointConfig{PublicKeys: set, Issuer: iss, Timestamps: verify.Timestamps{Now: func() time.Time { return t0 }}})
	require.NoError(t, err)
	r := signedReq(t, dokuKey, clientID, "2020-12-21T14:56:11+07:00")
	req := httptest.NewRequest(r.method, TokenPath, bytes.NewReader([]byte(r.body)))
	req.Header = r.header
	tr, err := e.Verify(req)
	require.NoError(t, err)
	assert.Equal(t, "1", tr.KeyID)
	assert.Equal(t, -1, tr.KeyIndex)
	r = signedReq(t, dokuKey, "BRN-UNKNOWN", "2020-12-21T14:56:11+07:00")
	req = httptest.NewRequest(r.method, TokenPath, bytes.NewReader([]byte(r.body)))
	req.Header = r.header
	_, err = e.Verify(req)
	assert.ErrorIs(t, err, verify.ErrUnknownClient)
}

// Configuration errors keep their cause through every layer: a short DOKU
// key is sign.ErrKeyTooShort after NewMux, in either SNAP mode.
func TestMuxKeepsTheCause(t *testing.T) {
	_, mkey, _ := keys(t)
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	set, err := verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	fn := func(context.Context, *schemas.SNAPDebitNotify) error { return nil }
	for _, rsaMode := range []bool{false, true} {
		cfg := MuxConfig{TokenKey: mkey, DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&short.PublicKey}}, SNAPRSA: rsaMode, SNAPDebit: fn}
		if !rsaMode {
			cfg.SNAPSecrets = set
		}
		_, err := NewMux(cfg)
		assert.ErrorIs(t, err, ErrConfig)
		assert.ErrorIs(t, err, verify.ErrConfig)
		assert.ErrorIs(t, err, sign.ErrKeyTooShort, "rsa=%v: %v", rsaMode, err)
	}
	_, err = NewMux(MuxConfig{TokenKey: short, DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&mkey.PublicKey}}, SNAPSecrets: set, SNAPDebit: fn})
	assert.ErrorIs(t, err, sign.ErrKeyTooShort, "the token key too")
}

// headerVerifier is a custom callback scheme: a shared header, for a
// channel a proxy authenticates.
type headerVerifier struct{}

func (headerVerifier) Scheme() verify.Scheme { return verify.SchemeKirim }
func (headerVerifier) Limit() int64          { return 0 }
func (v headerVerifier) Verify(r *http.Request) (verify.Result, error) {
	res, _, err := verify.VerifyRequest(v, r, nil)
	return res, err
}
func (headerVerifier) VerifyMessage(_ context.Context, m verify.Message) (verify.Result, error) {
	if m.Header.Get("X-Proxy-Auth") != "let-me-in" {
		return verify.Result{}, &verify.Error{Scheme: verify.SchemeKirim, Check: verify.CheckSignature, Field: "X-Proxy-Auth",
			Status: http.StatusUnauthorized, Err: verify.ErrSignatureMismatch}
	}
	return verify.Result{Scheme: verify.SchemeKirim, ClientID: m.Header.Get("agentKey"), RequestID: m.Header.Get("requestId")}, nil
}

// The Kirim callback scheme is the channel's choice: a verify.Verifier on
// MuxConfig (or KirimConfig) replaces the default AES signature.
func TestKirimCustomVerifier(t *testing.T) {
	var ran atomic.Int32
	m, err := NewMux(MuxConfig{
		KirimVerifier:  headerVerifier{},
		KirimTransfers: awaits([]conformance.KirimTransfer{{TransactionID: "DK0018353"}}),
		KirimUnpaid:    func(context.Context, *schemas.KirimNotification) error { ran.Add(1); return nil },
	})
	require.NoError(t, err)
	call := func(auth, rid string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, DefaultKirimUnpaidPath, bytes.NewReader([]byte(kirimBody)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("agentKey", kirimAgent)
		req.Header.Set("requestId", rid)
		req.Header.Set("signature", signed(t, rid)) // a valid AES signature is not what this channel checks
		if auth != "" {
			req.Header.Set("X-Proxy-Auth", auth)
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	st, body := call("let-me-in", "rid-1")
	assert.Equal(t, 200, st, body)
	assert.EqualValues(t, 1, ran.Load())
	st, body = call("", "rid-2")
	assert.Equal(t, 401, st)
	assert.JSONEq(t, `{"status":false,"transactionId":"","responseCode":"401","responseMessage":"signature mismatch: X-Proxy-Auth"}`, body)
	assert.EqualValues(t, 1, ran.Load())

	// Keys and a Verifier at once is a wiring mistake.
	keys := kirimKeys(t)
	_, err = NewKirimUnpaid(KirimConfig{Keys: keys, Verifier: headerVerifier{}, InsecureSkipTransferCheck: true},
		func(context.Context, *schemas.KirimNotification) error { return nil })
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewMux(MuxConfig{KirimVerifier: headerVerifier{}})
	assert.ErrorIs(t, err, ErrConfig, "a verifier no channel uses")
}

// A constructor that returns an error never panics: a user collector that
// holds one of the kit's metric names on the Registerer is an error from
// NewMux and from each channel constructor.
func TestConstructorsReportMetricCollisions(t *testing.T) {
	dokuKey, mkey, _ := keys(t)
	set, err := verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	for _, name := range []string{"dokukit_token_requests_total", "dokukit_notifications_total", "dokukit_verifications_total",
		"dokukit_idempotency_requests_total", "dokukit_idempotency_evictions_total", "dokukit_verify_duration_seconds"} {
		t.Run(name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			require.NoError(t, reg.Register(prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "the user's own"})))
			var err error
			assert.NotPanics(t, func() {
				_, err = NewMux(MuxConfig{Common: Common{Registerer: reg}, TokenKey: mkey,
					DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&dokuKey.PublicKey}}, SNAPSecrets: set,
					SNAPDebit: func(context.Context, *schemas.SNAPDebitNotify) error { return nil }})
			})
			assert.ErrorIs(t, err, ErrConfig)
		})
	}
}

// The 2007300 body keeps its bytes now that it is schemas.SNAPTokenResponse.
func TestTokenEndpointSuccessBytes(t *testing.T) {
	f := newFixture(t, nil)
	r := f.valid(t)
	req := httptest.NewRequest(r.method, TokenPath, bytes.NewReader([]byte(r.body)))
	req.Header = r.header
	rec := httptest.NewRecorder()
	f.endpoint.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code)
	var resp schemas.SNAPTokenResponse
	require.NoError(t, schemas.Decode(rec.Body.Bytes(), &resp, false), "valid for the route table's schema")
	assert.Equal(t, `{"responseCode":"2007300","responseMessage":"Successful","accessToken":"`+resp.AccessToken+
		`","tokenType":"Bearer","expiresIn":"900","additionalInfo":{}}`, rec.Body.String())
}
