// Package frameworktest is the test suite every framework package runs:
// the same requests, sent as DOKU would (internal/dokusim), and the same
// expected answers, through each router over loopback. A package's test
// supplies only what differs per router in a Suite — its Verify and
// MountNotify, how its router is built, how a route is registered on it and
// the router's own answers — and calls Suite.Run.
package frameworktest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/examples/frameworks/internal/dokusim"
	"github.com/dokukit/dokukit/examples/frameworks/internal/notifyroutes"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

const (
	// Ack is notify's answer to a SNAP debit notification it processed,
	// and what a Guard handler writes.
	Ack          = `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`
	badSignature = `{"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}`
	noTimestamp  = `{"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}`
)

// AckJSON is Ack as a value, for routers whose handlers write JSON with
// their own encoder (c.JSON).
var AckJSON = schemas.SNAPDebitNotifyAck{ResponseCode: "2005600", ResponseMessage: "Request has been processed successfully"}

// Suite is one framework package under test: R is its router type, M the
// middleware type its Verify returns. Every field is required.
type Suite[R http.Handler, M any] struct {
	// Verify and MountNotify are the package's own functions.
	Verify      func(verify.Verifier, ...middleware.Option) (M, error)
	MountNotify func(R, notify.MuxConfig) (*notify.Mux, error)

	// New returns an empty router.
	New func() R
	// Guard registers a POST route for path on r, guarded by mw, whose
	// handler, written in the router's own style, passes the request as the
	// router hands it over to serve; it answers 500 when serve returns an
	// error, otherwise 200 with Ack (or AckJSON).
	Guard func(r R, mw M, path string, serve func(*http.Request) error)
	// Route registers an unguarded route for method and path on r that
	// answers 200 with body as text.
	Route func(r R, method, path, body string)

	// GuardedAck is the body a client gets from a Guard handler: Ack as the
	// router's JSON writer writes it.
	GuardedAck string
	// NotFoundBody is the router's own answer to a path it has no route for.
	NotFoundBody string
	// WrongMethodStatus is the router's answer to a GET on a POST-only path.
	WrongMethodStatus int
	// BadPath is a notify path the router would read as a parameter or a
	// wildcard, which MountNotify must refuse.
	BadPath string
}

// Run runs the whole suite, each test a subtest of t.
func (s Suite[R, M]) Run(t *testing.T) {
	t.Helper()
	require.False(t, s.Verify == nil || s.MountNotify == nil || s.New == nil || s.Guard == nil || s.Route == nil,
		"frameworktest: Suite needs Verify, MountNotify, New, Guard and Route")
	require.False(t, s.GuardedAck == "" || s.NotFoundBody == "" || s.WrongMethodStatus == 0 || s.BadPath == "",
		"frameworktest: Suite needs GuardedAck, NotFoundBody, WrongMethodStatus and BadPath")
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"VerifySignedReachesHandler", s.verifySignedReachesHandler},
		{"VerifyTamperedBodyRejected", s.verifyTamperedBodyRejected},
		{"VerifyUnsignedRejected", s.verifyUnsignedRejected},
		{"VerifyNilVerifier", s.verifyNilVerifier},
		{"MountNotifyAcksSignedNotification", s.mountNotifyAcksSignedNotification},
		{"MountNotifyRejectsTamperedBody", s.mountNotifyRejectsTamperedBody},
		{"MountNotifyConformance", s.mountNotifyConformance},
		{"MountNotifyLeavesOtherRoutes", s.mountNotifyLeavesOtherRoutes},
		{"MountNotifyRefusesBadWiring", s.mountNotifyRefusesBadWiring},
	} {
		t.Run(tc.name, tc.test)
	}
}

// seen records how often the guarded handler ran and what it got.
type seen struct {
	mu     sync.Mutex
	calls  int
	client string
	body   string
}

// serve is the guarded handler's work: it counts the call and records the
// verified sender from the request context and the body as read.
func (s *seen) serve(r *http.Request) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	id, ok := middleware.Verified(r.Context())
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("frameworktest: no verified sender in the request context")
	}
	s.mu.Lock()
	s.client, s.body = id.ClientID, string(b)
	s.mu.Unlock()
	return nil
}

func (s *seen) get() (calls int, client, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.client, s.body
}

// verifiedServer is a router with the SNAP debit path guarded by the
// package's Verify, on loopback.
func (s Suite[R, M]) verifiedServer(t *testing.T) (*httptest.Server, *seen) {
	t.Helper()
	v, err := dokusim.SNAPVerifier()
	require.NoError(t, err)
	mw, err := s.Verify(v, middleware.WithServiceCode(notify.ServiceDebitNotify))
	require.NoError(t, err)
	sn := &seen{}
	r := s.New()
	s.Guard(r, mw, dokusim.DebitPath, sn.serve)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, sn
}

// send sends method url with body (JSON when there is one) through c and
// returns the answer's status and body.
func send(t *testing.T, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func (s Suite[R, M]) verifySignedReachesHandler(t *testing.T) {
	srv, sn := s.verifiedServer(t)
	status, body := send(t, dokusim.SNAPClient(false), http.MethodPost, srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, s.GuardedAck, body)
	calls, client, got := sn.get()
	assert.Equal(t, 1, calls)
	assert.Equal(t, dokusim.ClientID, client, "the verified partner is in the request context")
	assert.Equal(t, dokusim.DebitBody, got, "the handler reads the body as sent")
}

func (s Suite[R, M]) verifyTamperedBodyRejected(t *testing.T) {
	srv, sn := s.verifiedServer(t)
	status, body := send(t, dokusim.SNAPClient(true), http.MethodPost, srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, badSignature, body)
	calls, _, _ := sn.get()
	assert.Equal(t, 0, calls, "a tampered request never reaches the handler")
}

func (s Suite[R, M]) verifyUnsignedRejected(t *testing.T) {
	srv, sn := s.verifiedServer(t)
	status, body := send(t, http.DefaultClient, http.MethodPost, srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, noTimestamp, body)
	calls, _, _ := sn.get()
	assert.Equal(t, 0, calls, "an unsigned request never reaches the handler")
}

func (s Suite[R, M]) verifyNilVerifier(t *testing.T) {
	var mw M
	var err error
	assert.NotPanics(t, func() { mw, err = s.Verify(nil) })
	assert.Error(t, err)
	assert.Nil(t, mw)
}

// notifyServer is a router with the merchant's own route and the notify
// channels mounted beside it, on loopback; paid counts the merchant's
// SNAP debit func's runs.
func (s Suite[R, M]) notifyServer(t *testing.T) (srv *httptest.Server, paid *atomic.Int32) {
	t.Helper()
	paid = new(atomic.Int32)
	cfg, err := dokusim.MuxConfig(func(context.Context, *schemas.SNAPDebitNotify) error {
		paid.Add(1)
		return nil
	})
	require.NoError(t, err)
	r := s.New()
	s.Route(r, http.MethodGet, "/health", "ok")
	m, err := s.MountNotify(r, cfg)
	require.NoError(t, err)
	require.NotNil(t, m.TokenIssuer())
	srv = httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, paid
}

func (s Suite[R, M]) mountNotifyAcksSignedNotification(t *testing.T) {
	srv, paid := s.notifyServer(t)
	ds, err := dokusim.SendSNAPDebit(t.Context(), srv.URL, conformance.TamperNone, 2)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	for _, d := range ds {
		require.NoError(t, d.Err)
		assert.Equal(t, http.StatusOK, d.Status)
		assert.Equal(t, Ack, string(d.Body))
		assert.True(t, d.AsExpected, d.Verdict)
	}
	assert.Equal(t, int32(1), paid.Load(), "a retried notification runs the merchant's func once")
}

func (s Suite[R, M]) mountNotifyRejectsTamperedBody(t *testing.T) {
	srv, paid := s.notifyServer(t)
	ds, err := dokusim.SendSNAPDebit(t.Context(), srv.URL, conformance.TamperBody, 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.NoError(t, ds[0].Err)
	assert.Equal(t, http.StatusUnauthorized, ds[0].Status)
	assert.Equal(t, badSignature, string(ds[0].Body))
	assert.Equal(t, int32(0), paid.Load())
}

// The whole conformance suite passes through the router: it changes
// nothing DOKU can see.
func (s Suite[R, M]) mountNotifyConformance(t *testing.T) {
	srv, paid := s.notifyServer(t)
	results, err := dokusim.RunConformance(t.Context(), srv.URL, func() int { return int(paid.Load()) })
	require.NoError(t, err)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Pass, "%s: %s", r.Case, r.Message)
	}
}

func (s Suite[R, M]) mountNotifyLeavesOtherRoutes(t *testing.T) {
	srv, _ := s.notifyServer(t)
	status, body := send(t, http.DefaultClient, http.MethodPost, srv.URL+"/elsewhere", "{}")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, s.NotFoundBody, body, "the router's own 404")
	status, body = send(t, http.DefaultClient, http.MethodGet, srv.URL+"/health", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", body)
	status, _ = send(t, http.DefaultClient, http.MethodGet, srv.URL+dokusim.DebitPath, "")
	assert.Equal(t, s.WrongMethodStatus, status, "DOKU's paths take POST only")
}

func (s Suite[R, M]) mountNotifyRefusesBadWiring(t *testing.T) {
	cfg, err := dokusim.MuxConfig(func(context.Context, *schemas.SNAPDebitNotify) error { return nil })
	require.NoError(t, err)
	// mount reports MountNotify's error; it must never panic (gin panics
	// on a duplicate or malformed route).
	mount := func(r R, cfg notify.MuxConfig) (err error) {
		assert.NotPanics(t, func() { _, err = s.MountNotify(r, cfg) })
		return err
	}

	r := s.New()
	s.Route(r, http.MethodPost, dokusim.DebitPath, "merchant")
	assert.ErrorIs(t, mount(r, cfg), notifyroutes.ErrTaken, "the merchant's own handler is not replaced")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, dokusim.DebitPath, strings.NewReader("{}")))
	assert.Equal(t, "merchant", rec.Body.String(), "the merchant's own handler still answers")

	bad := cfg
	bad.Paths.SNAPDebit = s.BadPath
	assert.ErrorIs(t, mount(s.New(), bad), notifyroutes.ErrPath)

	noKey := cfg
	noKey.TokenKey = nil
	assert.ErrorIs(t, mount(s.New(), noKey), notify.ErrConfig)
}
