package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
)

func b2bTokens(s *dokutest.Server) int {
	n := 0
	for _, tok := range s.Tokens() {
		if tok.Kind == dokutest.TokenB2B {
			n++
		}
	}
	return n
}

// 401xx01 once: one token refresh, one retry, with the same X-EXTERNAL-ID
// (the request was refused before processing).
func TestInvalidTokenOnceRefreshesAndRetriesWithSameExternalID(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	require.Equal(t, 1, b2bTokens(s))
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "wallet.debit_payment", Status: 401, ResponseCode: "4015401"}))
	bind(t, c, "1120340011")
	before := len(routeRequests(s, "wallet.debit_payment"))
	resp, err := c.Do(context.Background(), "wallet.debit_payment", with(t, "wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = uniq("WP") }), opts()...)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, 2, b2bTokens(s), "exactly one refresh")
	seen := routeRequests(s, "wallet.debit_payment")[before:]
	require.Len(t, seen, 2, "one retry")
	assert.Equal(t, 401, seen[0].Status)
	assert.Equal(t, 200, seen[1].Status)
	assert.Equal(t, seen[0].Header.Get("X-EXTERNAL-ID"), seen[1].Header.Get("X-EXTERNAL-ID"))

	// Refused twice: no second refresh, DOKU's answer is returned.
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Status: 401, ResponseCode: "4011101", Times: 2}))
	_, err = c.Do(context.Background(), "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "4011101", ae.ResponseCode)
	assert.Equal(t, 3, b2bTokens(s))
}

// Another instance sharing the store already replaced the token DOKU
// refused: the refused instance re-reads the store and does not fetch.
func TestRejectedTokenReadsTheStoreFirst(t *testing.T) {
	s := newSim(t, nil)
	store := client.NewMemoryStore()
	c1 := newClient(t, s, func(cfg *client.Config) { cfg.Store = store })
	c2 := newClient(t, s, func(cfg *client.Config) { cfg.Store = store })
	body := with(t, "kirim.balance_inquiry", nil)
	must(t, c1, "kirim.balance_inquiry", body)
	must(t, c2, "kirim.balance_inquiry", body)
	require.Equal(t, 1, b2bTokens(s), "c2 found c1's token in the store")
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Status: 401, ResponseCode: "4011101"}))
	must(t, c1, "kirim.balance_inquiry", body) // refreshes: DOKU revokes the first token
	require.Equal(t, 2, b2bTokens(s))
	r := must(t, c2, "kirim.balance_inquiry", body) // sends the revoked token, is refused, re-reads
	assert.Equal(t, 2, r.Attempts)
	assert.Equal(t, 2, b2bTokens(s), "c2 took c1's new token from the store instead of fetching a third")
}

// 500 once on a payment: not resent; the error says the outcome is
// unknown and names the status route, and the status helper finds it.
func TestServerErrorOnPaymentIsNotResent(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	bind(t, c, "1120340012")
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "wallet.debit_payment", Status: 500}))
	ref := uniq("WP")
	_, err := c.Do(context.Background(), "wallet.debit_payment", with(t, "wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = ref }), opts()...)
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)
	var u *client.UnknownOutcomeError
	require.ErrorAs(t, err, &u)
	assert.Equal(t, "wallet.debit_status", u.StatusRoute)
	assert.Equal(t, 500, u.Status)
	assert.Contains(t, err.Error(), "outcome UNKNOWN")
	assert.Contains(t, err.Error(), "wallet.debit_status")
	assert.Len(t, routeRequests(s, "wallet.debit_payment"), 1, "no resend")

	// The faulted call was not processed: the status route says so.
	_, err = c.Status(context.Background(), u)
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "4045501", ae.ResponseCode)

	// A call that was processed but whose answer was lost (dropped after
	// a delay) is found by the status route.
	ref = uniq("WP")
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "wallet.debit_payment", Status: 504}))
	_, err = c.Do(context.Background(), "wallet.debit_payment", with(t, "wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = ref }), opts()...)
	require.ErrorAs(t, err, &u)
	// Pay it for real, as if the first had gone through, then ask.
	must(t, c, "wallet.debit_payment", with(t, "wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = ref }))
	st, err := c.Status(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, ref, string(st.OriginalPartnerReferenceNo))
	assert.Equal(t, "03", st.Status(), "pending until DOKU completes it")
}

// A dropped connection on a money-moving call: unknown, not resent.
func TestDroppedPaymentIsUnknown(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "dana.payment", Drop: true}))
	_, err := c.Do(context.Background(), "dana.payment", with(t, "dana.payment", func(m map[string]any) { m["partnerReferenceNo"] = uniq("INV") }), opts()...)
	var u *client.UnknownOutcomeError
	require.ErrorAs(t, err, &u)
	assert.Empty(t, u.StatusRoute, "the DANA page has no status route")
	assert.Contains(t, err.Error(), "no status route")
	assert.Len(t, routeRequests(s, "dana.payment"), 1)
}

// 500 once on a balance inquiry (read-only): retried, with a new
// X-EXTERNAL-ID; a dropped one too.
func TestServerErrorOnInquiryIsRetried(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Status: 500}))
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Drop: true}))
	r := must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	assert.Equal(t, 3, r.Attempts)
	seen := routeRequests(s, "kirim.balance_inquiry")
	require.Len(t, seen, 3)
	ids := map[string]bool{}
	for _, q := range seen {
		ids[q.Header.Get("X-EXTERNAL-ID")] = true
	}
	assert.Len(t, ids, 3, "each resend has a new X-EXTERNAL-ID")

	// Bounded: MaxAttempts 500s give DOKU's last answer.
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Status: 503, Times: 3}))
	_, err := c.Do(context.Background(), "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.Status)
}

// A wrongly signed non-SNAP answer is an APIError wrapping ErrResponse.
func TestBadResponseSignature(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "cards.payment_page", BadSignature: true}))
	resp, err := c.Do(context.Background(), "cards.payment_page", with(t, "cards.payment_page", nil))
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, client.ErrResponse)
	assert.Equal(t, 200, ae.Status)
	assert.Contains(t, ae.Reason, "Signature")
	assert.NotEmpty(t, ae.Body, "DOKU's body is kept")
	require.NotNil(t, resp)
	assert.NotContains(t, err.Error(), resp.Header.Get("Signature"), "no signature in errors")
}

// Failures before sending send nothing.
func TestNothingSentOnBadInput(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	ctx := context.Background()
	_, err := c.Do(ctx, "dana.payment", with(t, "dana.payment", nil))
	assert.ErrorIs(t, err, client.ErrMissingHeader, "the DANA page requires X-DEVICE-ID")
	assert.Contains(t, err.Error(), "X-DEVICE-ID")
	_, err = c.Do(ctx, "wallet.balance_inquiry", with(t, "wallet.balance_inquiry", nil))
	assert.ErrorIs(t, err, client.ErrMissingHeader, "Authorization-Customer on a B2B2C route")
	_, err = c.Do(ctx, "wallet.balance_inquiry", with(t, "wallet.balance_inquiry", nil), client.WithCustomer("never-bound"))
	assert.ErrorIs(t, err, client.ErrNoCustomerToken)
	_, err = c.Do(ctx, "kirim.balance_inquiry", []byte(`{"unexpectedField":1}`))
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	for _, r := range []string{"wallet.token_b2b", "wallet.token_b2b2c", "notify.snap_debit", "nope"} {
		_, err = c.Do(ctx, r, []byte(`{}`))
		assert.ErrorIs(t, err, client.ErrNotCallable, r)
	}
	for _, q := range s.Requests() {
		assert.NotEqual(t, "dana.payment", q.Route)
		assert.NotEqual(t, "kirim.balance_inquiry", q.Route)
	}
}

// A dial failure sent nothing: retried (bounded) and reported as not sent.
func TestDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := client.New(client.Config{BaseURL: "http://" + addr, ClientID: testClient, NonSNAPSecret: []byte(testNonSNAP), Backoff: 1})
	require.NoError(t, err)
	_, err = c.Do(context.Background(), "cards.payment_page", with(t, "cards.payment_page", nil))
	assert.ErrorIs(t, err, client.ErrNotSent)
	assert.False(t, errors.Is(err, client.ErrOutcomeUnknown), "nothing was sent: the outcome is known")
}

// A context that ends bounds the whole call.
func TestOverallTimeout(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Delay: dokutest.Duration(10e9), Times: 5}))
	ctx, cancel := context.WithTimeout(context.Background(), 100e6)
	defer cancel()
	_, err := c.Do(ctx, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// New fails closed.
func TestNewFailsClosed(t *testing.T) {
	for name, cfg := range map[string]client.Config{
		"no base URL":  {ClientID: "x", SNAPSecret: []byte("s")},
		"bad base URL": {BaseURL: "ftp://x", ClientID: "x", SNAPSecret: []byte("s")},
		"no client":    {BaseURL: client.Sandbox, SNAPSecret: []byte("s")},
		"no secret":    {BaseURL: client.Sandbox, ClientID: "x"},
		"negative":     {BaseURL: client.Sandbox, ClientID: "x", SNAPSecret: []byte("s"), MaxAttempts: -1},
	} {
		_, err := client.New(cfg)
		assert.ErrorIs(t, err, client.ErrConfig, name)
	}
	c, err := client.New(client.Config{BaseURL: client.Sandbox, ClientID: "x", NonSNAPSecret: []byte("s")})
	require.NoError(t, err)
	_, err = c.Do(context.Background(), "kirim.balance_inquiry", []byte(`{}`))
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	_ = http.StatusOK
}

// A read-only call that never gets an answer: bounded retries, then
// ErrNoAnswer (it was sent, so not ErrNotSent).
func TestReadOnlyNoAnswer(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.balance_inquiry", Drop: true, Times: 3}))
	_, err := c.Do(context.Background(), "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	assert.ErrorIs(t, err, client.ErrNoAnswer)
	assert.False(t, errors.Is(err, client.ErrNotSent))
	assert.Len(t, routeRequests(s, "kirim.balance_inquiry"), 3)
}

// A caller that gives up while the token is being fetched does not fail
// the refresh for the callers after it: they join it, and one token
// request serves all.
func TestCanceledCallerDoesNotFailTheRefresh(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "wallet.token_b2b", Delay: dokutest.Duration(400e6)}))
	ctx, cancel := context.WithTimeout(context.Background(), 50e6)
	defer cancel()
	_, err := c.Do(ctx, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	r := must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil)) // joins the refresh in flight
	assert.Equal(t, 1, r.Attempts)
	assert.Len(t, routeRequests(s, "wallet.token_b2b"), 1)
}
