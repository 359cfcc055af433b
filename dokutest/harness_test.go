package dokutest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/sign"
)

// Test keys are generated once per test binary: the merchant's (token
// requests) and DOKU's (the simulator's token requests to the merchant).
var (
	keysOnce             sync.Once
	merchantKey, dokuKey *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if merchantKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if dokuKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return merchantKey, dokuKey
}

const (
	testClient   = "BRN-0001-1700000000001"
	testSecret   = "SK-snap-secret-for-tests"
	testNonSNAP  = "SK-nonsnap-secret-for-tests"
	testKirimKey = "0123456789abcdef"
)

// newTestServer starts a simulator with every product configured.
func newTestServer(t testing.TB, edit func(*Config)) *Server {
	t.Helper()
	mk, dk := keys(t)
	cfg := Config{ClientID: testClient, MerchantPublicKey: &mk.PublicKey, SNAPSecret: []byte(testSecret),
		NonSNAPSecret: []byte(testNonSNAP), KirimKey: []byte(testKirimKey), DOKUPrivateKey: dk, RetryScale: 1e-6}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// client plays the merchant with hand-built signatures (the kit's own
// transports are exercised in transport_test.go).
type client struct {
	t        testing.TB
	s        *Server
	b2b      string
	customer string
	ext      atomic.Int64
	now      func() time.Time // the merchant's clock (default time.Now)
}

func (c *client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func newClient(t testing.TB, s *Server) *client {
	c := &client{t: t, s: s}
	c.ext.Store(time.Now().UnixNano() % 1e12)
	return c
}

type reply struct {
	status int
	header http.Header
	body   []byte
	code   string
}

func (c *client) do(method, path string, h http.Header, body []byte) reply {
	c.t.Helper()
	req, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	var rc struct {
		ResponseCode json.RawMessage `json:"responseCode"`
		Error        struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &rc)
	code := string(bytes.Trim(rc.ResponseCode, `"`))
	if code == "" {
		code = rc.Error.Code
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b, code: code}
}

// tokenHeaders signs a token request with key for clientID.
func (c *client) tokenHeaders(key *rsa.PrivateKey, clientID string) http.Header {
	ts := sign.FormatTimestamp(c.clock())
	sig, err := sign.SignSNAPToken(key, clientID, ts)
	require.NoError(c.t, err)
	return http.Header{"X-Client-Key": {clientID}, "X-Timestamp": {ts}, "X-Signature": {sig}}
}

func (c *client) tokenB2B() string {
	c.t.Helper()
	mk, _ := keys(c.t)
	r := c.do("POST", "/authorization/v1/access-token/b2b", c.tokenHeaders(mk, testClient), []byte(`{"grantType":"client_credentials"}`))
	require.Equal(c.t, 200, r.status, string(r.body))
	var tok struct{ AccessToken string }
	require.NoError(c.t, json.Unmarshal(r.body, &tok))
	c.b2b = tok.AccessToken
	return tok.AccessToken
}

// snapOpts vary one SNAP call.
type snapOpts struct {
	secret   string
	token    string // bearer token (default c.b2b)
	drop     string // header left out
	customer string // Authorization-Customer (default c.customer)
	extID    string
	partner  string // X-PARTNER-ID (default testClient)
}

func (c *client) snap(path string, body []byte, o snapOpts) reply {
	c.t.Helper()
	if o.secret == "" {
		o.secret = testSecret
	}
	if o.token == "" {
		o.token = c.b2b
	}
	if o.customer == "" {
		o.customer = c.customer
	}
	if o.extID == "" {
		o.extID = strconv.FormatInt(c.ext.Add(1), 10)
	}
	ts := sign.FormatTimestamp(c.clock())
	signer, err := sign.NewSNAPSymmetric([]byte(o.secret))
	require.NoError(c.t, err)
	sig, err := signer.Sign("POST", path, o.token, body, ts)
	if err != nil { // a malformed body cannot be minified: sign anything
		sig = "AAAA"
	}
	h := http.Header{}
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	if o.partner == "" {
		o.partner = testClient
	}
	h.Set("X-PARTNER-ID", o.partner)
	h.Set("X-EXTERNAL-ID", o.extID)
	h.Set("X-DEVICE-ID", "DEVICE1")
	h.Set("Authorization", "Bearer "+o.token)
	if o.customer != "" {
		h.Set("Authorization-Customer", o.customer) // bare, as DOKU's Node SDK sends it
	}
	if o.drop != "" {
		h.Del(o.drop)
	}
	return c.do("POST", path, h, body)
}

// nsOpts vary one non-SNAP call.
type nsOpts struct {
	secret, clientID, drop, requestID string
}

func (c *client) nonSNAP(path string, body []byte, o nsOpts) reply {
	c.t.Helper()
	if o.secret == "" {
		o.secret = testNonSNAP
	}
	if o.clientID == "" {
		o.clientID = testClient
	}
	if o.requestID == "" {
		o.requestID = fmt.Sprintf("req-%d", c.ext.Add(1))
	}
	ts := c.clock().UTC().Format("2006-01-02T15:04:05Z")
	signer, err := sign.NewNonSNAP([]byte(o.secret))
	require.NoError(c.t, err)
	h := http.Header{}
	h.Set("Client-Id", o.clientID)
	h.Set("Request-Id", o.requestID)
	h.Set("Request-Timestamp", ts)
	h.Set("Signature", signer.Sign(sign.Components{ClientID: o.clientID, RequestID: o.requestID, Timestamp: ts, Target: path, Body: body}))
	if o.drop != "" {
		h.Del(o.drop)
	}
	return c.do("POST", path, h, body)
}

// The shared fixtures: a route's sample request, a value as JSON and a
// member of a JSON body.
var (
	sample      = testkit.Sample
	mustMarshal = testkit.JSON
	field       = testkit.Field
)

// bindCustomer runs binding → binding inquiry → B2B2C token and keeps the
// customer token; it returns the account id and link id.
func (c *client) bindCustomer(account string) (string, string) {
	c.t.Helper()
	bind := sample(c.t, "wallet.binding")
	bind["partnerReferenceNo"] = fmt.Sprintf("BIND-%d", c.ext.Add(1))
	bind["successParams"] = map[string]any{"accountId": account}
	r := c.snap("/snap-adapter/b2b/v1.0/registration-account-binding", mustMarshal(c.t, bind), snapOpts{})
	require.Equal(c.t, 200, r.status, string(r.body))
	link := field(c.t, r.body, "linkId")
	inq := map[string]any{"partnerReferenceNo": fmt.Sprintf("INQ-%d", c.ext.Add(1)), "additionalInfo": map[string]any{"accountId": account}}
	r = c.snap("/snap-adapter/b2b/v1.0/registration-account-inquiry", mustMarshal(c.t, inq), snapOpts{})
	require.Equal(c.t, 200, r.status, string(r.body))
	auth := field(c.t, r.body, "additionalInfo", "authCode")
	require.NotEmpty(c.t, auth)
	mk, _ := keys(c.t)
	r = c.do("POST", "/authorization/v1/access-token/b2b2c", c.tokenHeaders(mk, testClient),
		mustMarshal(c.t, map[string]string{"grantType": "authorization_code", "authCode": auth}))
	require.Equal(c.t, 200, r.status, string(r.body))
	c.customer = field(c.t, r.body, "accessToken")
	return account, link
}

func nopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
