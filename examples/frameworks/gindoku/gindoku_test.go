package gindoku_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/examples/frameworks/gindoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/dokusim"
	"github.com/dokukit/dokukit/examples/frameworks/internal/notifyroutes"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
)

const (
	ack          = `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`
	badSignature = `{"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}`
)

// TestMain keeps gin's debug route listing out of the test output.
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// seen records how often the guarded handler ran and what it got.
type seen struct {
	mu     sync.Mutex
	calls  int
	client string
	body   string
}

// verifiedServer is a gin engine with the SNAP debit path guarded by
// gindoku.Verify, on loopback.
func verifiedServer(t *testing.T) (*httptest.Server, *seen) {
	t.Helper()
	v, err := dokusim.SNAPVerifier()
	require.NoError(t, err)
	mw, err := gindoku.Verify(v, middleware.WithServiceCode(notify.ServiceDebitNotify))
	require.NoError(t, err)
	s := &seen{}
	r := gin.New()
	r.POST(dokusim.DebitPath, mw, func(c *gin.Context) {
		s.mu.Lock()
		s.calls++
		s.mu.Unlock()
		id, ok := middleware.Verified(c.Request.Context())
		b, err := io.ReadAll(c.Request.Body)
		if !ok || err != nil {
			c.String(http.StatusInternalServerError, "unverified")
			return
		}
		s.mu.Lock()
		s.client, s.body = id.ClientID, string(b)
		s.mu.Unlock()
		c.JSON(http.StatusOK, schemas.SNAPDebitNotifyAck{ResponseCode: "2005600", ResponseMessage: "Request has been processed successfully"})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, s
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestVerifySignedReachesHandler(t *testing.T) {
	srv, s := verifiedServer(t)
	status, body := post(t, dokusim.SNAPClient(false), srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, ack, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, 1, s.calls)
	assert.Equal(t, dokusim.ClientID, s.client, "the verified partner is in the request context")
	assert.Equal(t, dokusim.DebitBody, s.body, "the handler reads the body as sent")
}

func TestVerifyTamperedBodyRejected(t *testing.T) {
	srv, s := verifiedServer(t)
	status, body := post(t, dokusim.SNAPClient(true), srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, badSignature, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, 0, s.calls, "a tampered request never reaches the handler")
}

func TestVerifyUnsignedRejected(t *testing.T) {
	srv, s := verifiedServer(t)
	status, body := post(t, http.DefaultClient, srv.URL+dokusim.DebitPath, dokusim.DebitBody)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, `{"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}`, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, 0, s.calls)
}

func TestVerifyNilVerifier(t *testing.T) {
	mw, err := gindoku.Verify(nil)
	assert.Error(t, err)
	assert.Nil(t, mw)
}

// notifyServer is a gin engine with the merchant's own route and the notify
// channels mounted beside it, on loopback.
func notifyServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var paid atomic.Int32
	cfg, err := dokusim.MuxConfig(func(_ context.Context, n *schemas.SNAPDebitNotify) error {
		paid.Add(1)
		return nil
	})
	require.NoError(t, err)
	r := gin.New()
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	m, err := gindoku.MountNotify(r, cfg)
	require.NoError(t, err)
	require.NotNil(t, m.TokenIssuer())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, &paid
}

func TestMountNotifyAcksSignedNotification(t *testing.T) {
	srv, paid := notifyServer(t)
	ds, err := dokusim.SendSNAPDebit(t.Context(), srv.URL, conformance.TamperNone, 2)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	for _, d := range ds {
		require.NoError(t, d.Err)
		assert.Equal(t, http.StatusOK, d.Status)
		assert.Equal(t, ack, string(d.Body))
		assert.True(t, d.AsExpected, d.Verdict)
	}
	assert.Equal(t, int32(1), paid.Load(), "a retried notification runs the merchant's func once")
}

func TestMountNotifyRejectsTamperedBody(t *testing.T) {
	srv, paid := notifyServer(t)
	ds, err := dokusim.SendSNAPDebit(t.Context(), srv.URL, conformance.TamperBody, 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.NoError(t, ds[0].Err)
	assert.Equal(t, http.StatusUnauthorized, ds[0].Status)
	assert.Equal(t, badSignature, string(ds[0].Body))
	assert.Equal(t, int32(0), paid.Load())
}

// The whole conformance suite passes through gin: the router changes
// nothing DOKU can see.
func TestMountNotifyConformance(t *testing.T) {
	srv, paid := notifyServer(t)
	results, err := dokusim.RunConformance(t.Context(), srv.URL, func() int { return int(paid.Load()) })
	require.NoError(t, err)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Pass, "%s: %s", r.Case, r.Message)
	}
}

func TestMountNotifyLeavesOtherRoutes(t *testing.T) {
	srv, _ := notifyServer(t)
	status, body := post(t, http.DefaultClient, srv.URL+"/elsewhere", "{}")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "404 page not found", body, "gin's own 404")
	resp, err := http.Get(srv.URL + "/health")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", string(b))
	resp, err = http.Get(srv.URL + dokusim.DebitPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "DOKU's paths take POST only (gin answers 404 unless HandleMethodNotAllowed)")
}

func TestMountNotifyRefusesBadWiring(t *testing.T) {
	cfg, err := dokusim.MuxConfig(func(context.Context, *schemas.SNAPDebitNotify) error { return nil })
	require.NoError(t, err)

	r := gin.New()
	r.POST(dokusim.DebitPath, func(*gin.Context) {})
	assert.NotPanics(t, func() { _, err = gindoku.MountNotify(r, cfg) })
	assert.ErrorIs(t, err, notifyroutes.ErrTaken, "gin would panic on the duplicate route")

	bad := cfg
	bad.Paths.SNAPDebit = "/v1.0/*channel"
	assert.NotPanics(t, func() { _, err = gindoku.MountNotify(gin.New(), bad) })
	assert.ErrorIs(t, err, notifyroutes.ErrPath)

	noKey := cfg
	noKey.TokenKey = nil
	_, err = gindoku.MountNotify(gin.New(), noKey)
	assert.ErrorIs(t, err, notify.ErrConfig)
}
