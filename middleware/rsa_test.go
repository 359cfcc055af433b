package middleware

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// SNAP asymmetric notifications and token requests through the middleware,
// signed with docs/protocol.md's RSA test key.
func TestRSASchemesEndToEnd(t *testing.T) {
	pem, err := testvectors.Read(testvectors.PrivatePKCS8)
	require.NoError(t, err)
	priv, err := sign.ParsePrivateKey(pem)
	require.NoError(t, err)
	keys, err := verify.PublicKeysFor(partner, &priv.PublicKey)
	require.NoError(t, err)
	rv, err := verify.NewSNAPRSA(verify.SNAPRSAConfig{PublicKeys: keys, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	tv, err := verify.NewSNAPToken(verify.SNAPTokenConfig{PublicKeys: keys, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/v1.0/debit/notify", Verify(rv, WithServiceCode(56))(rec))
	mux.Handle("/authorization/v1/access-token/b2b", Verify(tv, WithServiceCode(73))(rec))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ts := sign.FormatTimestamp(clock)
	body := debitBody(t)
	send := func(path string, h http.Header, b []byte) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(b))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	sig, err := sign.SignSNAPRSA(priv, "POST", notifyURL, body, ts)
	require.NoError(t, err)
	h := http.Header{"X-Timestamp": {ts}, "X-Signature": {sig}, "X-Partner-Id": {partner}, "X-External-Id": {"E-1"}}
	st, _ := send(notifyURL, h, body)
	assert.Equal(t, 200, st, "no bearer token needed: the RSA signature covers none")
	assert.Equal(t, body, rec.body.Load())
	st, raw := send(notifyURL, h, bytes.Replace(body, []byte("5000.00"), []byte("5000.01"), 1))
	assert.Equal(t, 401, st)
	assert.JSONEq(t, `{"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}`, raw)
	h.Set("X-TIMESTAMP", sign.FormatTimestamp(clock.Add(-time.Hour)))
	st, _ = send(notifyURL, h, body)
	assert.Equal(t, 401, st)

	tsig, err := sign.SignSNAPToken(priv, partner, ts)
	require.NoError(t, err)
	th := http.Header{"X-Client-Key": {partner}, "X-Timestamp": {ts}, "X-Signature": {tsig}}
	st, _ = send("/authorization/v1/access-token/b2b", th, []byte(`{"grantType":"client_credentials"}`))
	assert.Equal(t, 200, st)
	th.Set("X-CLIENT-KEY", "OTHER")
	st, raw = send("/authorization/v1/access-token/b2b", th, []byte(`{"grantType":"client_credentials"}`))
	assert.Equal(t, 401, st)
	assert.Contains(t, raw, `"4017300"`)
}
