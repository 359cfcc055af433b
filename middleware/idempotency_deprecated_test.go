package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/verify"
)

// The guard moved to dedupe; these tests prove the deprecated wrappers
// still configure it as their options say (the guard's behaviour itself is
// tested in dedupe).

func snapReq(ext, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1.0/debit/notify", strings.NewReader(body))
	r.Header.Set("X-PARTNER-ID", "P1")
	r.Header.Set("X-EXTERNAL-ID", ext)
	return r
}

func serveGuard(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestIdempotencyWrapperOptionsReachTheGuard(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	var runs atomic.Int32
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		_, _ = w.Write([]byte(`{"responseCode":"2005400"}`))
	})
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencyOptions(
		middleware.IdempotencySNAP(54), middleware.IdempotencyStrict(), middleware.IdempotencyMetrics(reg),
		middleware.IdempotencyTTL(time.Hour), middleware.IdempotencyLease(time.Minute), middleware.IdempotencyWait(time.Second),
		middleware.IdempotencyKeyPrefix("a:"), middleware.IdempotencyMaxBody(64),
		middleware.IdempotencyReplayTTL(middleware.IdempotencyReplayTTLFor(verify.Timestamps{})),
		middleware.IdempotencyBusinessKeyJSON("partnerReferenceNo"), middleware.IdempotencyLogger(nil)))(ok)
	assert.Equal(t, 200, serveGuard(h, snapReq("E1", `{"partnerReferenceNo":"R1"}`)).Code)
	w := serveGuard(h, snapReq("E1", `{"partnerReferenceNo":"R1"}`))
	assert.Equal(t, `{"responseCode":"4095400","responseMessage":"Conflict"}`, w.Body.String(), "strict, service 54")
	w = serveGuard(h, snapReq("E2", `{"partnerReferenceNo":"R1","x":1}`))
	assert.Equal(t, `{"responseCode":"4095401","responseMessage":"Duplicate partnerReferenceNo"}`, w.Body.String(), "business key")
	assert.Equal(t, 413, serveGuard(h, snapReq("E3", `{"pad":"`+strings.Repeat("x", 64)+`"}`)).Code, "max body")
	assert.EqualValues(t, 1, runs.Load())
	assert.Equal(t, 1.0, testutil.ToFloat64(counter(t, reg, "new")))

	open := middleware.Idempotency(failing{}, middleware.IdempotencyNonSNAP(), middleware.IdempotencyFailOpen())(ok)
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	r.Header.Set("Client-Id", "C")
	r.Header.Set("Request-Id", "R")
	assert.Equal(t, 200, serveGuard(open, r).Code, "fail open")
	assert.Equal(t, dedupe.DefaultTTL, middleware.IdempotencyDefaultTTL)
	assert.Equal(t, dedupe.DefaultReplayTTL, middleware.IdempotencyDefaultReplayTTL)
}

// The wrappers keep refusing at setup what they refused before dedupe
// (where ≤ 0 means the default): a panic, as Idempotency always did.
func TestIdempotencyInvalidOptionsPanicAtSetup(t *testing.T) {
	s := idempotency.NewMemory()
	for name, o := range map[string]middleware.IdempotencyOption{
		"svc":    middleware.IdempotencySNAP(100),
		"ttl":    middleware.IdempotencyTTL(0),
		"lease":  middleware.IdempotencyLease(-1),
		"wait":   middleware.IdempotencyWait(-1),
		"body":   middleware.IdempotencyMaxBody(0),
		"biz":    middleware.IdempotencyBusinessKey(nil),
		"path":   middleware.IdempotencyBusinessKeyJSON(""),
		"replay": middleware.IdempotencyReplayTTL(0),
		"bundle": middleware.IdempotencyOptions(middleware.IdempotencySNAP(56), middleware.IdempotencySNAP(100)),
	} {
		assert.Panics(t, func() { middleware.Idempotency(s, o) }, name)
	}
	assert.Panics(t, func() { middleware.Idempotency(nil) })
	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_idempotency_requests_total", Help: "the user's own"}))
	assert.Panics(t, func() { middleware.Idempotency(s, middleware.IdempotencyMetrics(clash)) }, "dedupe.New's error, as the panic it always was here")
}

// failing is a store that is down.
type failing struct{}

func (failing) Reserve(context.Context, string, idempotency.Fingerprint, time.Duration) (idempotency.Reservation, error) {
	return idempotency.Reservation{}, errors.New("down")
}
func (failing) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return errors.New("down")
}
func (failing) Release(context.Context, string, string) error { return errors.New("down") }

func counter(t *testing.T, reg *prometheus.Registry, outcome string) prometheus.Collector {
	t.Helper()
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() == "dokukit_idempotency_requests_total" {
			cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.GetName(), Help: f.GetHelp()}, []string{"outcome"})
			err := reg.Register(cv)
			var are prometheus.AlreadyRegisteredError
			require.ErrorAs(t, err, &are)
			return are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues(outcome)
		}
	}
	t.Fatal("no dokukit_idempotency_requests_total")
	return nil
}
