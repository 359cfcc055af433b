package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// rsaNotify sends an RSA-signed SNAP debit notification as DOKU does
// (SHA256withRSA, no Authorization), or with authz when it is not empty.
func rsaNotify(t *testing.T, h http.Handler, key *rsa.PrivateKey, externalID, authz string) (int, string) {
	t.Helper()
	ts := time.Now().In(sign.WIB).Format(sign.TimestampLayout)
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
	keys, err := verify.SecretsFor(kirimAgent, []byte(kirimSecret))
	require.NoError(t, err)
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
