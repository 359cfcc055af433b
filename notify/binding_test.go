package notify

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dokukit/dokukit/client"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// snapSend sends a SNAP debit notification signed (HMAC, with the kit's
// own client transport) as partner with token; it returns status and body.
func snapSend(t *testing.T, url, partner, secret, externalID, token string, body []byte) (int, string) {
	t.Helper()
	c := &http.Client{Transport: &client.SNAPTransport{Secret: []byte(secret), PartnerID: partner, ChannelID: "DOKU",
		Token: client.StaticToken(token)}}
	req, err := http.NewRequest(http.MethodPost, url+DefaultSNAPDebitPath, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-EXTERNAL-ID", externalID)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// bindingServer is a SNAP debit channel for two partners, A and B, each
// with its own secret, and the tokens the merchant's issuer made.
func bindingServer(t *testing.T, clients map[string]string) (url string, issuer *TokenIssuer, effects *atomic.Int32) {
	t.Helper()
	_, mkey, _ := keys(t)
	issuer, err := NewTokenIssuer(mkey, TokenIssuerConfig{})
	require.NoError(t, err)
	secrets := verify.Secrets{}
	for _, p := range []string{"PARTNER-A", "PARTNER-B"} {
		s, err := verify.NewSecret("1", []byte("secret-of-"+p))
		require.NoError(t, err)
		secrets[p] = []*verify.Secret{s}
	}
	effects = &atomic.Int32{}
	h, err := NewSNAPDebit(SNAPConfig{Secrets: secrets, Tokens: issuer, TokenClients: clients},
		func(context.Context, *schemas.SNAPDebitNotify) error { effects.Add(1); return nil })
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, issuer, effects
}

const invalidTokenBody = `{"responseCode":"4015601","responseMessage":"Invalid Token (B2B)"}`

// A token the merchant issued to client B (X-CLIENT-KEY B at the token
// endpoint) is not accepted on a notification signed as partner A: the
// token is bound to its sub by default.
func TestSNAPTokenBoundToPartner(t *testing.T) {
	url, issuer, effects := bindingServer(t, nil)
	tokA, _, err := issuer.Issue("PARTNER-A")
	require.NoError(t, err)
	tokB, _, err := issuer.Issue("PARTNER-B")
	require.NoError(t, err)

	status, raw := snapSend(t, url, "PARTNER-A", "secret-of-PARTNER-A", "EXT-1", tokB, debitBody("INV-1"))
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, invalidTokenBody, raw)
	assert.EqualValues(t, 0, effects.Load(), "another client's token runs nothing")

	status, _ = snapSend(t, url, "PARTNER-A", "secret-of-PARTNER-A", "EXT-2", tokA, debitBody("INV-2"))
	assert.Equal(t, http.StatusOK, status, "its own token is accepted")
	status, _ = snapSend(t, url, "PARTNER-B", "secret-of-PARTNER-B", "EXT-3", tokB, debitBody("INV-3"))
	assert.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 2, effects.Load())
}

// TokenClients binds a partner id to another client key, for a DOKU setup
// whose X-PARTNER-ID and X-CLIENT-KEY differ: the mapped key's tokens are
// accepted, and only those.
func TestSNAPTokenClientsMapsPartnerToClientKey(t *testing.T) {
	url, issuer, effects := bindingServer(t, map[string]string{"PARTNER-A": "CLIENT-KEY-A"})
	tokKeyA, _, err := issuer.Issue("CLIENT-KEY-A")
	require.NoError(t, err)
	tokA, _, err := issuer.Issue("PARTNER-A")
	require.NoError(t, err)

	status, _ := snapSend(t, url, "PARTNER-A", "secret-of-PARTNER-A", "EXT-1", tokKeyA, debitBody("INV-1"))
	assert.Equal(t, http.StatusOK, status)
	status, raw := snapSend(t, url, "PARTNER-A", "secret-of-PARTNER-A", "EXT-2", tokA, debitBody("INV-2"))
	assert.Equal(t, http.StatusUnauthorized, status, "mapped: only the mapped client key's tokens")
	assert.Equal(t, invalidTokenBody, raw)
	status, raw = snapSend(t, url, "PARTNER-B", "secret-of-PARTNER-B", "EXT-3", tokKeyA, debitBody("INV-3"))
	assert.Equal(t, http.StatusUnauthorized, status, "B is not mapped: bound to itself")
	assert.Equal(t, invalidTokenBody, raw)
	assert.EqualValues(t, 1, effects.Load())
}

func TestTokenIssuerValidateFor(t *testing.T) {
	_, mkey, _ := keys(t)
	clock := testkit.NewClock(t0)
	issuer, err := NewTokenIssuer(mkey, TokenIssuerConfig{Now: clock.Now})
	require.NoError(t, err)
	tok, _, err := issuer.Issue("CLIENT-1")
	require.NoError(t, err)

	c, err := issuer.ValidateFor(tok, "CLIENT-1")
	require.NoError(t, err)
	assert.Equal(t, "CLIENT-1", c.ClientID)

	_, err = issuer.ValidateFor(tok, "CLIENT-2")
	assert.ErrorIs(t, err, ErrTokenInvalid)
	assert.ErrorIs(t, err, ErrTokenWrongClient)
	assert.EqualError(t, err, "notify: invalid token: wrong client")
	assert.NotContains(t, err.Error(), "CLIENT-1")

	clock.Advance(901 * time.Second)
	_, err = issuer.ValidateFor(tok, "CLIENT-2")
	assert.ErrorIs(t, err, ErrTokenExpired, "Validate's failures come first")
	assert.NotErrorIs(t, err, ErrTokenWrongClient)
}
