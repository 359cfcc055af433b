package notify

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/syncbuf"
	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// --- fixtures ---

// readShared returns one of the known-answer files in internal/testvectors
// (the test DOKU key pair among them).
func readShared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testvectors.Read(name)
	require.NoError(t, err)
	return b
}

var (
	keysOnce             sync.Once
	dokuKey, merchantKey *rsa.PrivateKey
	otherKey             *rsa.PrivateKey // neither DOKU's nor the merchant's
)

// keys returns DOKU's key (the shared RSA test key) and two fresh 2048-bit
// keys, generated once per test binary to keep the package fast.
func keys(t testing.TB) (doku, merchant, other *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		dokuKey, err = sign.ParsePrivateKey(readShared(t, "test_rsa_private_pkcs8.pem"))
		if err != nil {
			panic(err)
		}
		if merchantKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	require.NotNil(t, dokuKey)
	return dokuKey, merchantKey, otherKey
}

// shortKey is a fresh 1024-bit RSA key: under sign.MinRSABits, a key every
// constructor must refuse.
func shortKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	return k
}

// fakeClock is an injectable clock tests move by hand; nothing sleeps.
type fakeClock = testkit.Clock

// t0 is the DOKU Wallet SNAP page's X-TIMESTAMP 2020-12-21T14:56:11+07:00.
var t0 = time.Date(2020, 12, 21, 7, 56, 11, 0, time.UTC)

const clientID = "BRN-0001-1700000000000"

type fixture struct {
	clock    *fakeClock
	issuer   *TokenIssuer
	endpoint *TokenEndpoint
	srv      *httptest.Server
	reg      *prometheus.Registry
	logs     *syncbuf.Buffer
}

func newFixture(t *testing.T, mod func(*TokenEndpointConfig)) *fixture {
	t.Helper()
	doku, merchant, _ := keys(t)
	f := &fixture{clock: testkit.NewClock(t0), reg: prometheus.NewPedanticRegistry(), logs: &syncbuf.Buffer{}}
	var err error
	f.issuer, err = NewTokenIssuer(merchant, TokenIssuerConfig{Now: f.clock.Now})
	require.NoError(t, err)
	cfg := TokenEndpointConfig{
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}},
		Issuer:         f.issuer,
		Now:            f.clock.Now,
		Registerer:     f.reg,
		Logger:         slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	f.endpoint, err = NewTokenEndpoint(cfg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(TokenPath, f.endpoint)
	f.srv = httptest.NewServer(mux) // binds 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

// tokenReq is one token call as DOKU makes it.
type tokenReq struct {
	method string
	header http.Header
	body   string
	noCLen bool // send chunked, without Content-Length
}

// signedReq returns DOKU's call: headers signed with key for clientKey at ts.
func signedReq(t testing.TB, key *rsa.PrivateKey, clientKey, ts string) tokenReq {
	t.Helper()
	sig, err := sign.SignSNAPToken(key, clientKey, ts)
	require.NoError(t, err)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-CLIENT-KEY", clientKey)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	return tokenReq{method: http.MethodPost, header: h, body: `{"grantType":"client_credentials"}`}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (f *fixture) do(t testing.TB, r tokenReq) answer {
	t.Helper()
	var body io.Reader = strings.NewReader(r.body)
	if r.noCLen {
		body = io.MultiReader(strings.NewReader(r.body)) // unknown length: chunked
	}
	req, err := http.NewRequest(r.method, f.srv.URL+TokenPath, body)
	require.NoError(t, err)
	req.Header = r.header
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	require.NoError(t, json.Unmarshal(raw, &a.body), "answer must be JSON: %s", raw)
	return a
}

func (f *fixture) valid(t testing.TB) tokenReq {
	doku, _, _ := keys(t)
	return signedReq(t, doku, clientID, "2020-12-21T14:56:11+07:00")
}

// --- end to end: success ---

func TestTokenEndpointIssuesValidToken(t *testing.T) {
	f := newFixture(t, nil)
	for _, ts := range []string{"2020-12-21T14:56:11+07:00", "2020-12-21T07:56:11.000Z", "2020-12-21T07:56:11Z"} {
		t.Run(ts, func(t *testing.T) {
			doku, _, _ := keys(t)
			a := f.do(t, signedReq(t, doku, clientID, ts))
			require.Equal(t, http.StatusOK, a.status, a.raw)
			assert.Equal(t, "application/json", a.header.Get("Content-Type"))
			assert.Equal(t, "2007300", a.body["responseCode"])
			assert.Equal(t, "Successful", a.body["responseMessage"])
			assert.Equal(t, "Bearer", a.body["tokenType"])
			assert.Equal(t, "900", a.body["expiresIn"], `the DOKU Wallet SNAP page spells expiresIn as the string "900"`)
			assert.Equal(t, map[string]any{}, a.body["additionalInfo"])
			assert.Len(t, a.body, 6)
			tok, _ := a.body["accessToken"].(string)
			require.NotEmpty(t, tok)
			assert.Equal(t, 2, strings.Count(tok, "."), "a compact JWS")

			c, err := f.issuer.Validate(tok)
			require.NoError(t, err)
			assert.Equal(t, clientID, c.ClientID)
			assert.Equal(t, DefaultTokenIssuer, c.Issuer)
			assert.Equal(t, DefaultTokenAudience, c.Audience)
			assert.Equal(t, t0, c.IssuedAt.UTC())
			assert.Equal(t, t0.Add(900*time.Second), c.ExpiresAt.UTC())
			assert.Len(t, c.ID, 22, "16 random bytes, base64url")
		})
	}
}

func TestTokenEndpointTokensAreUnique(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.do(t, f.valid(t)), f.do(t, f.valid(t))
	require.Equal(t, 200, a.status)
	require.Equal(t, 200, b.status)
	assert.NotEqual(t, a.body["accessToken"], b.body["accessToken"], "jti makes every token distinct")
}

func TestTokenEndpointLowercaseHeaderNames(t *testing.T) {
	f := newFixture(t, nil)
	r := f.valid(t)
	h := http.Header{}
	for k, v := range r.header {
		h[strings.ToLower(k)] = v // as a proxy may pass them on
	}
	r.header = h
	a := f.do(t, r)
	assert.Equal(t, 200, a.status, a.raw)
}

// --- end to end: every rejection gets its exact SNAP answer ---

func TestTokenEndpointRejections(t *testing.T) {
	doku, _, other := keys(t)
	ts := "2020-12-21T14:56:11+07:00"
	type tc struct {
		name    string
		mod     func(*TokenEndpointConfig)
		req     func(t *testing.T, f *fixture) tokenReq
		status  int
		code    string
		message string
		err     error
	}
	withHeader := func(k, v string) func(*testing.T, *fixture) tokenReq {
		return func(t *testing.T, f *fixture) tokenReq {
			r := f.valid(t)
			if v == "" {
				r.header.Del(k)
			} else {
				r.header.Set(k, v)
			}
			return r
		}
	}
	withBody := func(b string) func(*testing.T, *fixture) tokenReq {
		return func(t *testing.T, f *fixture) tokenReq { r := f.valid(t); r.body = b; return r }
	}
	at := func(d time.Duration) func(*testing.T, *fixture) tokenReq {
		return func(t *testing.T, f *fixture) tokenReq {
			return signedReq(t, doku, clientID, t0.Add(d).Format(time.RFC3339))
		}
	}
	flipped := func(t *testing.T, f *fixture) tokenReq {
		r := f.valid(t)
		raw, err := base64.StdEncoding.DecodeString(r.header.Get("X-SIGNATURE"))
		require.NoError(t, err)
		raw[len(raw)/2] ^= 1
		r.header.Set("X-SIGNATURE", base64.StdEncoding.EncodeToString(raw))
		return r
	}
	cases := []tc{
		{"signature/flipped-byte", nil, flipped, 401, "4017300", "Unauthorized. Invalid Signature", ErrInvalidSignature},
		{"signature/not-base64", nil, withHeader("X-SIGNATURE", "%%%not base64%%%"), 401, "4017300", "Unauthorized. Invalid Signature", sign.ErrBadSignatureEncoding},
		{"signature/another-key", nil, func(t *testing.T, f *fixture) tokenReq { return signedReq(t, other, clientID, ts) },
			401, "4017300", "Unauthorized. Invalid Signature", sign.ErrSignatureMismatch},
		{"signature/made-for-another-client-key", nil, func(t *testing.T, f *fixture) tokenReq {
			r := signedReq(t, doku, clientID+"-OTHER", ts)
			r.header.Set("X-CLIENT-KEY", clientID)
			return r
		}, 401, "4017300", "Unauthorized. Invalid Signature", ErrInvalidSignature},
		{"signature/made-for-another-timestamp", nil, func(t *testing.T, f *fixture) tokenReq {
			r := f.valid(t)
			r.header.Set("X-TIMESTAMP", "2020-12-21T14:56:12+07:00")
			return r
		}, 401, "4017300", "Unauthorized. Invalid Signature", ErrInvalidSignature},
		{"signature/timestamp-respelled", nil, func(t *testing.T, f *fixture) tokenReq {
			// Same instant, other spelling: the signature covers the string as received.
			r := f.valid(t)
			r.header.Set("X-TIMESTAMP", "2020-12-21T07:56:11Z")
			return r
		}, 401, "4017300", "Unauthorized. Invalid Signature", ErrInvalidSignature},
		{"client/unknown", nil, func(t *testing.T, f *fixture) tokenReq { return signedReq(t, doku, "BRN-UNKNOWN", ts) },
			401, "4017300", "Unauthorized. Invalid Signature", ErrUnknownClient}, // answered as a bad signature: client keys cannot be enumerated
		{"client/key-rotated-out", func(c *TokenEndpointConfig) {
			c.DOKUPublicKeys = map[string][]*rsa.PublicKey{clientID: {&other.PublicKey}}
		}, func(t *testing.T, f *fixture) tokenReq { return f.valid(t) }, 401, "4017300", "Unauthorized. Invalid Signature", ErrInvalidSignature},
		{"timestamp/stale", nil, at(-5*time.Minute - time.Second), 401, "4017300", "Unauthorized. Invalid Timestamp", ErrTimestampSkew},
		{"timestamp/future", nil, at(5*time.Minute + time.Second), 401, "4017300", "Unauthorized. Invalid Timestamp", ErrTimestampSkew},
		{"timestamp/stale-custom-skew", func(c *TokenEndpointConfig) { c.MaxSkewPast = time.Minute }, at(-61 * time.Second),
			401, "4017300", "Unauthorized. Invalid Timestamp", ErrTimestampSkew},
		{"timestamp/no-zone", nil, withHeader("X-TIMESTAMP", "2020-12-21T14:56:11"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/space", nil, withHeader("X-TIMESTAMP", "2020-12-21 14:56:11+07:00"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/basic-format", nil, withHeader("X-TIMESTAMP", "20201221T145611+0700"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/unix", nil, withHeader("X-TIMESTAMP", "1608537371"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/month-13", nil, withHeader("X-TIMESTAMP", "2020-13-21T14:56:11+07:00"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/one-digit-hour", nil, withHeader("X-TIMESTAMP", "2020-12-21T7:56:11Z"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"timestamp/zone-without-colon", nil, withHeader("X-TIMESTAMP", "2020-12-21T14:56:11+0700"), 400, "4007301", "Invalid Field Format {X-TIMESTAMP}", ErrTimestampFormat},
		{"header/missing-X-CLIENT-KEY", nil, withHeader("X-CLIENT-KEY", ""), 400, "4007302", "Invalid Mandatory Field {X-CLIENT-KEY}", ErrMissingHeader},
		{"header/missing-X-TIMESTAMP", nil, withHeader("X-TIMESTAMP", ""), 400, "4007302", "Invalid Mandatory Field {X-TIMESTAMP}", ErrMissingHeader},
		{"header/missing-X-SIGNATURE", nil, withHeader("X-SIGNATURE", ""), 400, "4007302", "Invalid Mandatory Field {X-SIGNATURE}", ErrMissingHeader},
		{"body/grantType-password", nil, withBody(`{"grantType":"password"}`), 400, "4007301", "Invalid Field Format {grantType}", ErrGrantType},
		{"body/grantType-case", nil, withBody(`{"grantType":"CLIENT_CREDENTIALS"}`), 400, "4007301", "Invalid Field Format {grantType}", ErrGrantType},
		{"body/grantType-number", nil, withBody(`{"grantType":5}`), 400, "4007301", "Invalid Field Format {grantType}", ErrGrantType},
		{"body/grantType-missing", nil, withBody(`{"grant_type":"client_credentials"}`), 400, "4007302", "Invalid Mandatory Field {grantType}", ErrMissingGrantType},
		{"body/grantType-key-case", nil, withBody(`{"GRANTTYPE":"client_credentials"}`), 400, "4007302", "Invalid Mandatory Field {grantType}", ErrMissingGrantType},
		{"body/grantType-null", nil, withBody(`{"grantType":null}`), 400, "4007302", "Invalid Mandatory Field {grantType}", ErrMissingGrantType},
		{"body/grantType-empty", nil, withBody(`{"grantType":""}`), 400, "4007302", "Invalid Mandatory Field {grantType}", ErrMissingGrantType},
		{"body/empty", nil, withBody(``), 400, "4007302", "Invalid Mandatory Field {grantType}", ErrMissingGrantType},
		{"body/invalid-json", nil, withBody(`{"grantType":`), 400, "4007300", "Bad Request", ErrBodyMalformed},
		{"body/trailing-garbage", nil, withBody(`{"grantType":"client_credentials"}x`), 400, "4007300", "Bad Request", ErrBodyMalformed},
		{"body/array", nil, withBody(`["client_credentials"]`), 400, "4007300", "Bad Request", ErrBodyMalformed},
		{"body/oversized", func(c *TokenEndpointConfig) { c.MaxBodyBytes = 64 },
			withBody(`{"grantType":"client_credentials","pad":"` + strings.Repeat("x", 64) + `"}`), 413, "4137300", "Request Entity Too Large", ErrBodyTooLarge},
		{"body/oversized-chunked", func(c *TokenEndpointConfig) { c.MaxBodyBytes = 64 }, func(t *testing.T, f *fixture) tokenReq {
			r := f.valid(t)
			r.body = `{"grantType":"client_credentials","pad":"` + strings.Repeat("x", 64) + `"}`
			r.noCLen = true
			return r
		}, 413, "4137300", "Request Entity Too Large", ErrBodyTooLarge},
		{"method/GET", nil, func(t *testing.T, f *fixture) tokenReq {
			r := f.valid(t)
			r.method = http.MethodGet
			r.body = ""
			return r
		},
			405, "4057300", "Method Not Allowed", ErrMethodNotAllowed},
		{"method/PUT", nil, func(t *testing.T, f *fixture) tokenReq { r := f.valid(t); r.method = http.MethodPut; return r },
			405, "4057300", "Method Not Allowed", ErrMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.mod)
			r := c.req(t, f)
			a := f.do(t, r)
			assert.Equal(t, c.status, a.status, a.raw)
			assert.Equal(t, map[string]any{"responseCode": c.code, "responseMessage": c.message}, a.body)
			if c.status == 405 {
				assert.Equal(t, "POST", a.header.Get("Allow"))
			}

			// The pure check agrees, with a typed error.
			req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
			req.Header = r.header
			if r.noCLen {
				req.ContentLength = -1
			}
			_, err := f.endpoint.Check(req)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.err)
			var re *verify.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, c.code, re.SNAPResponseCode(tokenService))
			assert.Equal(t, c.status, re.Status)
			assert.Equal(t, c.message, re.SNAPMessage())
			assert.Equal(t, verify.SchemeSNAPToken, re.Scheme)
			if sig := r.header.Get("X-SIGNATURE"); sig != "" {
				assert.NotContains(t, err.Error(), sig)
			}
		})
	}
}

func TestTokenEndpointSkewSaysWhy(t *testing.T) {
	doku, _, _ := keys(t)
	f := newFixture(t, nil)
	check := func(d time.Duration) error {
		r := signedReq(t, doku, clientID, t0.Add(d).Format(time.RFC3339))
		req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
		req.Header = r.header
		_, err := f.endpoint.Check(req)
		return err
	}
	err := check(-10 * time.Minute)
	require.ErrorIs(t, err, ErrTimestampSkew)
	require.ErrorIs(t, err, verify.ErrStale)
	assert.Contains(t, err.Error(), "age 10m0s, allowed 5m0s")
	err = check(6 * time.Minute)
	require.ErrorIs(t, err, ErrTimestampSkew)
	require.ErrorIs(t, err, verify.ErrFuture)
	assert.Contains(t, err.Error(), "6m0s ahead, allowed 5m0s")
	var re *verify.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "future_timestamp", TokenOutcome(re))

	// The bounds themselves are inside.
	assert.NoError(t, check(-5*time.Minute))
	assert.NoError(t, check(5*time.Minute))
}

func TestTokenEndpointKeyRotation(t *testing.T) {
	doku, _, other := keys(t)
	f := newFixture(t, func(c *TokenEndpointConfig) {
		c.DOKUPublicKeys = map[string][]*rsa.PublicKey{clientID: {&other.PublicKey, &doku.PublicKey}}
	})
	for i, k := range []*rsa.PrivateKey{other, doku} {
		r := signedReq(t, k, clientID, "2020-12-21T14:56:11+07:00")
		req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
		req.Header = r.header
		tr, err := f.endpoint.Verify(req)
		require.NoError(t, err)
		assert.Equal(t, i, tr.KeyIndex, "Verify reports which configured key matched")
		assert.Equal(t, clientID, tr.ClientID)
		assert.True(t, t0.Equal(tr.Timestamp))
		body, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		assert.Equal(t, r.body, string(body), "Verify restores the body it read")
		assert.Equal(t, 200, f.do(t, r).status)
	}
	assert.Contains(t, f.logs.String(), `"key_index":1`)
	assert.Contains(t, f.logs.String(), `"key_fingerprint":"`+KeyID(&doku.PublicKey)+`"`)
}

// --- issuer ---

func mustIssuer(t testing.TB, key *rsa.PrivateKey, clock *fakeClock, mod func(*TokenIssuerConfig)) *TokenIssuer {
	t.Helper()
	cfg := TokenIssuerConfig{Now: clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	i, err := NewTokenIssuer(key, cfg)
	require.NoError(t, err)
	return i
}

func TestTokenExpires(t *testing.T) {
	iss, clock := newIssuerAt(t, t0.Add(700*time.Millisecond), nil)
	tok, ttl, err := iss.Issue(clientID)
	require.NoError(t, err)
	assert.Equal(t, 900*time.Second, ttl)

	clock.Advance(ttl - time.Second)
	_, err = iss.Validate(tok)
	require.NoError(t, err, "valid one second before exp")

	clock.Advance(300 * time.Millisecond) // t0+900s: exp was computed from the truncated iat
	_, err = iss.Validate(tok)
	require.ErrorIs(t, err, ErrTokenExpired)
	assert.NotErrorIs(t, err, ErrTokenInvalid)
	assert.ErrorIs(t, err, jwt.ErrTokenExpired)
	assert.Equal(t, "notify: token expired: expired", err.Error())

	clock.Advance(24 * time.Hour)
	_, err = iss.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenExpired)
}

func TestTokenLeeway(t *testing.T) {
	iss, clock := newIssuer(t, func(c *TokenIssuerConfig) { c.Leeway = 10 * time.Second; c.TTL = 60 * time.Second })
	tok, ttl, err := iss.Issue(clientID)
	require.NoError(t, err)
	assert.Equal(t, time.Minute, ttl)
	clock.Advance(69 * time.Second)
	_, err = iss.Validate(tok)
	assert.NoError(t, err)
	clock.Advance(time.Second)
	_, err = iss.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenExpired)
}

// forge signs claims with any method and key, as an attacker would.
func forge(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	require.NoError(t, err)
	return s
}

func TestTokenRejectsForeignTokens(t *testing.T) {
	_, merchant, other := keys(t)
	clock := testkit.NewClock(t0)
	iss := mustIssuer(t, merchant, clock, nil)
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": DefaultTokenIssuer, "aud": DefaultTokenAudience, "sub": clientID, "jti": "x",
			"iat": t0.Unix(), "exp": t0.Add(time.Minute).Unix()}
	}
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&merchant.PublicKey))})
	pubDER := x509.MarshalPKCS1PublicKey(&merchant.PublicKey)

	// The control: the same claims signed properly are accepted, so each
	// rejection below is due to the one thing that differs.
	_, err := iss.Validate(forge(t, jwt.SigningMethodRS256, merchant, good()))
	require.NoError(t, err)

	issued, _, err := iss.Issue(clientID)
	require.NoError(t, err)
	parts := strings.Split(issued, ".")
	otherPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"dokukit","aud":"doku-snap-notify","sub":"ATTACKER","jti":"x","iat":1608537371,"exp":1608538271}`))

	cases := []struct {
		name, token string
		cause       error
		reason      string
	}{
		{"another-key", forge(t, jwt.SigningMethodRS256, other, good()), jwt.ErrTokenSignatureInvalid, "bad signature"},
		{"alg-none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good()), jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"alg-none-with-stolen-signature", strings.Join([]string{
			base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)), parts[1], parts[2]}, "."),
			jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"HS256-public-key-PEM-as-secret", forge(t, jwt.SigningMethodHS256, pubPEM, good()), jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"HS256-public-key-DER-as-secret", forge(t, jwt.SigningMethodHS256, pubDER, good()), jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"RS512-same-key", forge(t, jwt.SigningMethodRS512, merchant, good()), jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"PS256-same-key", forge(t, jwt.SigningMethodPS256, merchant, good()), jwt.ErrTokenSignatureInvalid, "unsupported algorithm"},
		{"another-issuer", forge(t, jwt.SigningMethodRS256, merchant, with("iss", "someone-else")), jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{"another-audience", forge(t, jwt.SigningMethodRS256, merchant, with("aud", "merchant-admin-api")), jwt.ErrTokenInvalidAudience, "wrong audience"},
		{"no-issuer", forge(t, jwt.SigningMethodRS256, merchant, without("iss")), jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{"no-audience", forge(t, jwt.SigningMethodRS256, merchant, without("aud")), jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{"no-exp", forge(t, jwt.SigningMethodRS256, merchant, without("exp")), jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{"no-sub", forge(t, jwt.SigningMethodRS256, merchant, without("sub")), jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{"no-jti", forge(t, jwt.SigningMethodRS256, merchant, without("jti")), jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{"iat-in-future", forge(t, jwt.SigningMethodRS256, merchant, with("iat", t0.Add(time.Hour).Unix())), jwt.ErrTokenUsedBeforeIssued, "issued in the future"},
		{"expired-and-another-issuer", forge(t, jwt.SigningMethodRS256, merchant, with("iss", "x")), jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{"exp-a-string", forge(t, jwt.SigningMethodRS256, merchant, with("exp", "tomorrow")), jwt.ErrTokenMalformed, "malformed"},
		{"payload-swapped", parts[0] + "." + otherPayload + "." + parts[2], jwt.ErrTokenSignatureInvalid, "bad signature"},
		{"signature-dropped", parts[0] + "." + parts[1] + ".", jwt.ErrTokenSignatureInvalid, "bad signature"},
		{"bearer-prefix-kept", "Bearer " + issued, jwt.ErrTokenMalformed, "malformed"},
		{"padded", issued + "=", jwt.ErrTokenMalformed, "malformed"},
		{"empty", "", jwt.ErrTokenMalformed, "malformed"},
		{"garbage", "not.a.jwt", jwt.ErrTokenMalformed, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := iss.Validate(c.token)
			require.ErrorIs(t, err, ErrTokenInvalid)
			assert.NotErrorIs(t, err, ErrTokenExpired)
			assert.ErrorIs(t, err, c.cause)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, c.reason, te.Reason)
			for _, p := range strings.Split(c.token, ".") {
				if len(p) > 3 {
					assert.NotContains(t, err.Error(), p, "no part of the token in the error")
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTokenIssuerWithAnotherIssuerOrAudienceRejects(t *testing.T) {
	_, merchant, _ := keys(t)
	clock := testkit.NewClock(t0)
	a := mustIssuer(t, merchant, clock, nil)
	b := mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.Issuer = "shop-b" })
	c := mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.Audience = "admin" })
	tok, _, err := a.Issue(clientID)
	require.NoError(t, err)
	_, err = a.Validate(tok)
	require.NoError(t, err)
	_, err = b.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenInvalid)
	_, err = c.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenInvalid)
}

func TestNewTokenIssuerFailsClosed(t *testing.T) {
	_, merchant, _ := keys(t)
	_, err := NewTokenIssuer(nil, TokenIssuerConfig{})
	assert.Error(t, err)
	_, err = NewTokenIssuer(shortKey(t), TokenIssuerConfig{})
	assert.ErrorIs(t, err, sign.ErrKeyTooShort)
	for _, ttl := range []time.Duration{-time.Second, time.Millisecond, 1500 * time.Millisecond} {
		_, err = NewTokenIssuer(merchant, TokenIssuerConfig{TTL: ttl})
		assert.Error(t, err, ttl)
	}
	_, err = NewTokenIssuer(merchant, TokenIssuerConfig{Leeway: -1})
	assert.Error(t, err)
	iss, err := NewTokenIssuer(merchant, TokenIssuerConfig{})
	require.NoError(t, err)
	assert.Equal(t, DefaultTokenTTL, iss.TTL())
	assert.Equal(t, &merchant.PublicKey, iss.PublicKey())
	_, _, err = iss.Issue("")
	assert.Error(t, err)
}

func TestNewTokenEndpointFailsClosed(t *testing.T) {
	doku, merchant, _ := keys(t)
	iss, err := NewTokenIssuer(merchant, TokenIssuerConfig{})
	require.NoError(t, err)
	short := shortKey(t)
	ok := map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}}
	bad := []TokenEndpointConfig{
		{DOKUPublicKeys: ok},
		{Issuer: iss},
		{Issuer: iss, DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: nil}},
		{Issuer: iss, DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {nil}}},
		{Issuer: iss, DOKUPublicKeys: map[string][]*rsa.PublicKey{"": {&doku.PublicKey}}},
		{Issuer: iss, DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&short.PublicKey}}},
		{Issuer: iss, DOKUPublicKeys: ok, PublicKeys: verify.PublicKeys{}},
	}
	for i, c := range bad {
		_, err := NewTokenEndpoint(c)
		assert.Error(t, err, "case %d", i)
		assert.ErrorIs(t, err, ErrConfig, "case %d", i)
	}
	_, err = NewTokenEndpoint(TokenEndpointConfig{Issuer: iss, DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&short.PublicKey}}})
	assert.ErrorIs(t, err, sign.ErrKeyTooShort, "sign's error is kept under ErrConfig")
	// A negative skew or body limit means the default, as everywhere in
	// the kit (it was an error before the options were made one idiom).
	for _, c := range []TokenEndpointConfig{
		{Issuer: iss, DOKUPublicKeys: ok, MaxSkewPast: -1, Now: func() time.Time { return t0 }},
		{Issuer: iss, DOKUPublicKeys: ok, MaxBodyBytes: -1, Now: func() time.Time { return t0 }},
		{Issuer: iss, DOKUPublicKeys: ok, Timestamps: verify.Timestamps{MaxPast: -1, Now: func() time.Time { return t0 }}},
	} {
		e, err := NewTokenEndpoint(c)
		require.NoError(t, err)
		r := signedReq(t, doku, clientID, t0.Add(-verify.DefaultSkew).Format(time.RFC3339))
		req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
		req.Header = r.header
		_, err = e.Check(req)
		assert.NoError(t, err, "the default skew and body limit apply")
	}
	// Later changes to the caller's map do not reach the endpoint.
	m := map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}}
	e, err := NewTokenEndpoint(TokenEndpointConfig{Issuer: iss, DOKUPublicKeys: m, Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	m[clientID][0] = nil
	r := signedReq(t, doku, clientID, "2020-12-21T14:56:11+07:00")
	req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
	req.Header = r.header
	_, err = e.Check(req)
	assert.NoError(t, err)
}

// --- properties ---

// Issued tokens validate until exp and never after, for any TTL, issue time
// and validation time.
func TestPropertyTokenValidUntilExpOnly(t *testing.T) {
	_, merchant, _ := keys(t)
	params := gopter.DefaultTestParametersWithSeed(20201221)
	params.MinSuccessfulTests = 60
	props := gopter.NewProperties(params)
	props.Property("valid iff now < exp; exp <= issue time + TTL", prop.ForAll(
		func(ttlSec int64, startNanos int64, afterMillis int64) bool {
			clock := testkit.NewClock(time.Unix(0, startNanos).UTC())
			iss, err := NewTokenIssuer(merchant, TokenIssuerConfig{TTL: time.Duration(ttlSec) * time.Second, Now: clock.Now})
			if err != nil {
				return false
			}
			start := clock.Now()
			tok, ttl, err := iss.Issue(clientID)
			if err != nil || ttl != time.Duration(ttlSec)*time.Second {
				return false
			}
			exp := start.Truncate(time.Second).Add(ttl)
			clock.Advance(time.Duration(afterMillis) * time.Millisecond)
			c, err := iss.Validate(tok)
			if clock.Now().Before(exp) {
				return err == nil && c.ClientID == clientID && c.ExpiresAt.Equal(exp) && !c.ExpiresAt.After(start.Add(ttl))
			}
			return errors.Is(err, ErrTokenExpired)
		},
		gen.Int64Range(1, 3600),
		gen.Int64Range(t0.UnixNano(), t0.Add(365*24*time.Hour).UnixNano()),
		gen.Int64Range(0, 2*3600*1000+1000),
	))
	props.TestingRun(t)
}

// DOKU's signature verifies with DOKU's key for any client key and
// timestamp within the skew, and a one-byte change of the signed client key
// is always rejected.
func TestPropertyEndpointSignature(t *testing.T) {
	doku, _, _ := keys(t)
	f := newFixture(t, func(c *TokenEndpointConfig) { c.Registerer = nil; c.Logger = nil })
	params := gopter.DefaultTestParametersWithSeed(73)
	params.MinSuccessfulTests = 40
	props := gopter.NewProperties(params)
	props.Property("accepted iff signed with DOKU's key over the exact header values", prop.ForAll(
		func(offsetSec int64, zoneMin int, flip bool) bool {
			ts := t0.Add(time.Duration(offsetSec) * time.Second).In(time.FixedZone("", zoneMin*60)).Format(time.RFC3339)
			signedFor := clientID
			if flip {
				signedFor = clientID[:len(clientID)-1] + "1"
			}
			r := signedReq(t, doku, signedFor, ts)
			r.header.Set("X-CLIENT-KEY", clientID)
			req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
			req.Header = r.header
			id, err := f.endpoint.Check(req)
			if flip {
				return errors.Is(err, ErrInvalidSignature)
			}
			return err == nil && id == clientID
		},
		gen.Int64Range(-300, 300),
		gen.IntRange(-12*60, 14*60),
		gen.Bool(),
	))
	props.TestingRun(t)
}

// --- fuzz ---

// FuzzTokenValidate: Validate never panics and never accepts a token this
// issuer did not issue (the issued ones are the only strings it may accept).
func FuzzTokenValidate(f *testing.F) {
	_, merchant, other := keys(f)
	clock := testkit.NewClock(t0)
	iss := mustIssuer(f, merchant, clock, nil)
	issued := map[string]bool{}
	for range 3 {
		tok, _, err := iss.Issue(clientID)
		require.NoError(f, err)
		issued[tok] = true
		f.Add(tok)
		f.Add("Bearer " + tok)
		f.Add(tok[:len(tok)-1])
	}
	good := jwt.MapClaims{"iss": DefaultTokenIssuer, "aud": DefaultTokenAudience, "sub": clientID, "jti": "x",
		"iat": t0.Unix(), "exp": t0.Add(time.Minute).Unix()}
	f.Add(forge(f, jwt.SigningMethodRS256, other, good))
	f.Add(forge(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good))
	f.Add(forge(f, jwt.SigningMethodHS256, x509.MarshalPKCS1PublicKey(&merchant.PublicKey), good))
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzb21lb25lLWVsc2UifQ.bm90LWEtc2lnbmF0dXJl")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := iss.Validate(token)
		if err == nil {
			if !issued[token] {
				t.Fatalf("accepted a token the issuer never issued (sub %q)", c.ClientID)
			}
			return
		}
		var te *TokenError
		if !errors.As(err, &te) || !(errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenExpired)) {
			t.Fatalf("untyped error %T", err)
		}
		if len(token) > 8 && strings.Contains(err.Error(), token) {
			t.Fatal("error quotes the token")
		}
	})
}

// FuzzTokenEndpointBody: for a correctly signed call, any body is answered
// without a panic, 2007300 exactly when it is a JSON object whose grantType is
// "client_credentials", and otherwise with a 400 SNAP code.
func FuzzTokenEndpointBody(f *testing.F) {
	doku, merchant, _ := keys(f)
	iss, err := NewTokenIssuer(merchant, TokenIssuerConfig{Now: func() time.Time { return t0 }})
	require.NoError(f, err)
	e, err := NewTokenEndpoint(TokenEndpointConfig{
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}},
		Issuer:         iss, Now: func() time.Time { return t0 }, MaxBodyBytes: 256,
	})
	require.NoError(f, err)
	r := signedReq(f, doku, clientID, "2020-12-21T14:56:11+07:00")
	for _, s := range []string{r.body, `{}`, `{"grantType":null}`, `{"grantType":5}`, `[]`, `{"grantType":"client_credentials","x":[1,2]}`, ` `, `{"grantType":"\u0063lient_credentials"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, TokenPath, bytes.NewReader(body))
		req.Header = r.header.Clone()
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		var ans map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body.String())
		}
		var oracle map[string]any
		wantOK := len(body) <= 256 && json.Unmarshal(body, &oracle) == nil && oracle != nil && oracle["grantType"] == GrantTypeClientCredentials
		switch {
		case wantOK:
			if rec.Code != 200 || ans["responseCode"] != "2007300" {
				t.Fatalf("valid body %q answered %d %v", body, rec.Code, ans)
			}
		case len(body) > 256:
			if rec.Code != 413 {
				t.Fatalf("oversized body answered %d", rec.Code)
			}
		default:
			code, _ := ans["responseCode"].(string)
			if rec.Code != 400 || !strings.HasPrefix(code, "40073") {
				t.Fatalf("invalid body %q answered %d %v", body, rec.Code, ans)
			}
		}
	})
}

// --- secrets never leak ---

func TestTokenEndpointNeverLogsSecrets(t *testing.T) {
	doku, _, other := keys(t)
	f := newFixture(t, nil)
	var secrets []string
	var errs []string

	ok := f.valid(t)
	a := f.do(t, ok)
	require.Equal(t, 200, a.status)
	tok := a.body["accessToken"].(string)
	secrets = append(secrets, tok, ok.header.Get("X-SIGNATURE"))

	for _, r := range []tokenReq{
		signedReq(t, other, clientID, "2020-12-21T14:56:11+07:00"),
		signedReq(t, doku, "BRN-UNKNOWN", "2020-12-21T14:56:11+07:00"),
		signedReq(t, doku, clientID, "2020-12-21T13:56:11+07:00"),
		func() tokenReq { r := f.valid(t); r.body = `{"grantType":"password"}`; return r }(),
		func() tokenReq { r := f.valid(t); r.body = `{"grantType":x}`; return r }(),
	} {
		secrets = append(secrets, r.header.Get("X-SIGNATURE"))
		a := f.do(t, r)
		require.NotEqual(t, 200, a.status)
		req := httptest.NewRequest(r.method, TokenPath, strings.NewReader(r.body))
		req.Header = r.header
		_, err := f.endpoint.Check(req)
		require.Error(t, err)
		errs = append(errs, err.Error())
	}
	// The merchant validates the token (as the notification handler will)
	// and gets an error for a tampered one: that error must not echo it.
	_, err := f.issuer.Validate(tok + "x")
	require.Error(t, err)
	errs = append(errs, err.Error())
	f.clock.Advance(time.Hour)
	_, err = f.issuer.Validate(tok)
	require.ErrorIs(t, err, ErrTokenExpired)
	errs = append(errs, err.Error())

	logs := f.logs.String()
	require.Contains(t, logs, "snap token issued", "the log was captured")
	require.Contains(t, logs, "snap token request rejected")
	require.Equal(t, 6, strings.Count(logs, "\n"), "one line per request")
	for _, s := range secrets {
		for _, part := range append(strings.Split(s, "."), s) {
			if len(part) < 16 {
				continue
			}
			assert.NotContains(t, logs, part)
			for _, e := range errs {
				assert.NotContains(t, e, part)
			}
		}
	}
	assert.NotContains(t, logs, "password", "no body value in the log")
	assert.NotContains(t, logs, "\\n", "one-line reasons")
}

// --- metrics ---

func TestTokenEndpointMetrics(t *testing.T) {
	doku, _, other := keys(t)
	f := newFixture(t, nil)
	require.Equal(t, 200, f.do(t, f.valid(t)).status)
	require.Equal(t, 200, f.do(t, f.valid(t)).status)
	require.Equal(t, 401, f.do(t, signedReq(t, other, clientID, "2020-12-21T14:56:11+07:00")).status)
	require.Equal(t, 401, f.do(t, signedReq(t, doku, clientID, "2020-12-21T13:56:11+07:00")).status)
	r := f.valid(t)
	r.header.Del("X-TIMESTAMP")
	require.Equal(t, 400, f.do(t, r).status)

	want := tokenRequestsWant(map[string]int{"bad_signature": 1, "issued": 2, "missing_header": 1, "stale_timestamp": 1})
	require.NoError(t, testutil.GatherAndCompare(f.reg, strings.NewReader(want), "dokukit_token_requests_total"))
	problems, err := testutil.GatherAndLint(f.reg)
	require.NoError(t, err)
	assert.Empty(t, problems)

	// A second endpoint on the same registry shares the counter instead of failing.
	_, err = NewTokenEndpoint(TokenEndpointConfig{Issuer: f.issuer, Registerer: f.reg,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}}})
	require.NoError(t, err)
	// A clashing metric of another type is an error, not a panic.
	clash := prometheus.NewPedanticRegistry()
	require.NoError(t, clash.Register(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_token_requests_total", Help: "x"})))
	_, err = NewTokenEndpoint(TokenEndpointConfig{Issuer: f.issuer, Registerer: clash,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{clientID: {&doku.PublicKey}}})
	assert.Error(t, err)
}

// --- reading token responses in every spelling DOKU documents ---

func TestTokenResponseReadsEverySpelling(t *testing.T) {
	for _, c := range []struct{ name, body, expiresIn string }{
		{"wallet-page", `{"responseCode":"2007300","responseMessage":"Successful","accessToken":"a.b.c","tokenType":"Bearer","expiresIn":"900","additionalInfo":""}`, "900"},
		{"number-and-object", `{"responseCode":"2007300","responseMessage":"Successful","accessToken":"a.b.c","tokenType":"Bearer","expiresIn":900,"additionalInfo":{}}`, "900"},
		{"null-and-absent", `{"responseCode":"2007300","responseMessage":"Successful","accessToken":"a.b.c","tokenType":"Bearer","expiresIn":null}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r TokenResponse
			require.NoError(t, json.Unmarshal([]byte(c.body), &r))
			assert.Equal(t, TokenResponse{ResponseCode: "2007300", ResponseMessage: "Successful", AccessToken: "a.b.c",
				TokenType: "Bearer", ExpiresIn: c.expiresIn, AdditionalInfo: r.AdditionalInfo}, r)
			assert.Empty(t, r.AdditionalInfo)
		})
	}
	var r TokenResponse
	require.NoError(t, json.Unmarshal([]byte(`{"expiresIn":"900","additionalInfo":{"k":"v"}}`), &r))
	assert.Equal(t, map[string]any{"k": "v"}, r.AdditionalInfo)
	assert.Error(t, json.Unmarshal([]byte(`{"expiresIn":true}`), &r))
	assert.Error(t, json.Unmarshal([]byte(`{"additionalInfo":[1]}`), &r))
	assert.Error(t, json.Unmarshal([]byte(`{"expiresIn":"900"`), &r))

	// What the endpoint writes reads back unchanged.
	b, err := json.Marshal(TokenResponse{ResponseCode: "2007300", ExpiresIn: "900", AdditionalInfo: map[string]any{}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"responseCode":"2007300","responseMessage":"","accessToken":"","tokenType":"","expiresIn":"900","additionalInfo":{}}`, string(b))
}

// FuzzTokenResponseUnmarshal: reading any bytes never panics, and a
// response that reads back re-encodes to one that reads back the same.
func FuzzTokenResponseUnmarshal(f *testing.F) {
	f.Add([]byte(`{"responseCode":"2007300","expiresIn":"900","additionalInfo":""}`))
	f.Add([]byte(`{"expiresIn":900,"additionalInfo":{}}`))
	f.Add([]byte(`{"expiresIn":9e2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r TokenResponse
		if json.Unmarshal(b, &r) != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var again TokenResponse
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("re-encoded response does not read back: %v", err)
		}
		if again.ExpiresIn != r.ExpiresIn || again.AccessToken != r.AccessToken || again.ResponseCode != r.ResponseCode {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}

// --- the kit's own conformance suite, acting as DOKU ---

func TestTokenEndpointPassesConformance(t *testing.T) {
	doku, _, _ := keys(t)
	f := newFixture(t, func(c *TokenEndpointConfig) {
		c.DOKUPublicKeys = map[string][]*rsa.PublicKey{"DOKU-TEST-CLIENT": {&doku.PublicKey}}
		c.Now = time.Now // the suite signs with its own clock
	})
	f.issuer.now = time.Now
	conformance.Run(t, f.endpoint, conformance.Config{
		Channel:        conformance.SNAPToken,
		DOKUPrivateKey: doku,
	})
}

// Rotating the merchant's signing key: tokens of the old key stay valid
// while its public half is in PreviousKeys, and only then.
func TestTokenIssuerKeyRotation(t *testing.T) {
	_, oldKey, newKey := keys(t)
	old, clock, tok := issuedToken(t, nil) // the merchant key is oldKey

	rotated := mustIssuer(t, newKey, clock, func(c *TokenIssuerConfig) { c.PreviousKeys = []*rsa.PublicKey{&oldKey.PublicKey} })
	got, err := rotated.Validate(tok)
	require.NoError(t, err, "an old key's token is accepted during the rotation")
	assert.Equal(t, clientID, got.ClientID)
	fresh, _, err := rotated.Issue(clientID)
	require.NoError(t, err)
	_, err = rotated.Validate(fresh)
	require.NoError(t, err)

	done := mustIssuer(t, newKey, clock, nil)
	_, err = done.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenInvalid, "after the rotation the old key's tokens are refused")
	_, err = old.Validate(fresh)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a kid the issuer does not know is refused")

	_, err = NewTokenIssuer(newKey, TokenIssuerConfig{PreviousKeys: []*rsa.PublicKey{nil}})
	assert.Error(t, err)
}

// newIssuer is the merchant-key issuer on a fake clock at t0 that most token
// tests start from; mod adjusts its config (nil for the defaults).
func newIssuer(t testing.TB, mod func(*TokenIssuerConfig)) (*TokenIssuer, *fakeClock) {
	t.Helper()
	return newIssuerAt(t, t0, mod)
}

// newIssuerAt is newIssuer with the clock starting at start.
func newIssuerAt(t testing.TB, start time.Time, mod func(*TokenIssuerConfig)) (*TokenIssuer, *fakeClock) {
	t.Helper()
	_, merchant, _ := keys(t)
	clock := testkit.NewClock(start)
	return mustIssuer(t, merchant, clock, mod), clock
}

// issuedToken is newIssuer plus one token issued to clientID at t0.
func issuedToken(t testing.TB, mod func(*TokenIssuerConfig)) (*TokenIssuer, *fakeClock, string) {
	t.Helper()
	iss, clock := newIssuer(t, mod)
	tok, _, err := iss.Issue(clientID)
	require.NoError(t, err)
	return iss, clock, tok
}

// wantTokenOutcomes are the outcome values of dokukit_token_requests_total
// that dashboards and alerts rely on, in exposition order, written out here
// on their own (not read from tokenOutcomes) so that a dropped or renamed
// label fails the comparison; every one is exported from the start.
var wantTokenOutcomes = []string{"bad_grant_type", "bad_signature", "body_too_large", "future_timestamp", "issue_failed", "issued",
	"malformed_body", "malformed_timestamp", "method_not_allowed", "missing_grant_type", "missing_header", "stale_timestamp", "unknown_client"}

// tokenRequestsWant is the exposition of dokukit_token_requests_total with
// the given counts and every other outcome at 0, for GatherAndCompare.
func tokenRequestsWant(counts map[string]int) string {
	var b strings.Builder
	b.WriteString("\n# HELP dokukit_token_requests_total SNAP B2B token requests received from DOKU, by outcome.\n" +
		"# TYPE dokukit_token_requests_total counter\n")
	for _, o := range wantTokenOutcomes {
		fmt.Fprintf(&b, "dokukit_token_requests_total{outcome=%q} %d\n", o, counts[o])
	}
	for o := range counts {
		if !slices.Contains(wantTokenOutcomes, o) {
			panic("tokenRequestsWant: no outcome " + o)
		}
	}
	return b.String()
}
