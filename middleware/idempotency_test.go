package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// merchant is a notification handler with an observable side effect (an
// order shipped per key). Its answer contains a per-run serial, so a
// response that was regenerated instead of replayed shows.
type merchant struct {
	mu       sync.Mutex
	runs     map[string]int // X-EXTERNAL-ID / Request-Id → times the side effect ran
	attempts map[string]int // → times the handler was entered
	serial   atomic.Int64
	// behave decides the outcome of a run (nil: 200).
	behave func(id string, run int) int
	delay  time.Duration
}

func newMerchant() *merchant { return &merchant{runs: map[string]int{}, attempts: map[string]int{}} }

func (m *merchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || (r.ContentLength > 0 && int64(len(body)) != r.ContentLength) {
		http.Error(w, "body not restored", 500)
		return
	}
	id := r.Header.Get("X-EXTERNAL-ID") + r.Header.Get("Request-Id") + r.Header.Get("requestId")
	m.mu.Lock()
	m.runs[id]++
	m.attempts[id]++
	run := m.attempts[id]
	m.mu.Unlock()
	if m.delay > 0 {
		time.Sleep(m.delay)
	}
	status := 200
	if m.behave != nil {
		status = m.behave(id, run)
	}
	if status != 200 {
		m.mu.Lock()
		m.runs[id]-- // a failed run has no side effect
		m.mu.Unlock()
	}
	if status == -1 {
		panic("merchant handler bug")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Serial", fmt.Sprint(m.serial.Add(1)))
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"responseCode":"%d5600","approvalCode":"%d","len":%d}`, status, m.serial.Load(), len(body))
}

func (m *merchant) count(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[id]
}

func (m *merchant) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.runs {
		n += v
	}
	return n
}

func snapReq(ext, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1.0/debit/notify", strings.NewReader(body))
	r.Header.Set("X-PARTNER-ID", "P1")
	r.Header.Set("X-EXTERNAL-ID", ext)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func nonSNAPReq(id, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/payments/notifications", strings.NewReader(body))
	r.Header.Set("Client-Id", "MCH-1")
	r.Header.Set("Request-Id", id)
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func responseCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct {
		ResponseCode string `json:"responseCode"`
		Error        struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, jsonUnmarshal(w.Body.Bytes(), &v), w.Body.String())
	if v.ResponseCode != "" {
		return v.ResponseCode
	}
	return v.Error.Code
}

const body1 = `{"originalPartnerReferenceNo":"INV-1","amount":{"value":"10000.00","currency":"IDR"}}`
const body2 = `{"originalPartnerReferenceNo":"INV-1","amount":{"value":"99999.00","currency":"IDR"}}`

func TestIdempotencyReplaysSameBytesWithoutRunning(t *testing.T) {
	m := newMerchant()
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(56))(m)

	first := serve(h, snapReq("E1", body1))
	require.Equal(t, 200, first.Code)
	// Whitespace-only differences are the same body (minified fingerprint).
	pretty := strings.ReplaceAll(strings.ReplaceAll(body1, ",", ",\n  "), "{", "{ ")
	for _, b := range []string{body1, pretty} {
		again := serve(h, snapReq("E1", b))
		assert.Equal(t, first.Code, again.Code)
		assert.Equal(t, first.Header(), again.Header())
		assert.Equal(t, first.Body.Bytes(), again.Body.Bytes())
	}
	assert.Equal(t, 1, m.count("E1"))
	assert.Contains(t, first.Body.String(), fmt.Sprintf(`"len":%d`, len(body1)), "handler saw the restored body")
}

func TestIdempotencySameKeyDifferentBodyConflicts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opt    middleware.IdempotencyOption
		req    func(string, string) *http.Request
		status int
		code   string
	}{
		{"snap", middleware.IdempotencySNAP(56), snapReq, 409, "4095600"},
		{"snap-auto", nil, snapReq, 409, "4090000"},
		{"nonsnap", middleware.IdempotencyNonSNAP(), nonSNAPReq, 409, "idempotency_key_reused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMerchant()
			var opts []middleware.IdempotencyOption
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			h := middleware.Idempotency(idempotency.NewMemory(), opts...)(m)
			require.Equal(t, 200, serve(h, tc.req("K1", body1)).Code)
			w := serve(h, tc.req("K1", body2))
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.code, responseCode(t, w))
			assert.Equal(t, 1, m.total(), "handler not called for the conflicting body")
		})
	}
}

func TestIdempotencyBusinessKey(t *testing.T) {
	m := newMerchant()
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(56),
		middleware.IdempotencyBusinessKeyJSON("originalPartnerReferenceNo"))(m)
	first := serve(h, snapReq("E1", body1))
	require.Equal(t, 200, first.Code)

	// Reused reference, different body, new X-EXTERNAL-ID: 409 01.
	w := serve(h, snapReq("E2", body2))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "4095601", responseCode(t, w))
	// The conflicting request's own key was released: E2 with its own new
	// reference is processed.
	w = serve(h, snapReq("E2", `{"originalPartnerReferenceNo":"INV-2"}`))
	assert.Equal(t, 200, w.Code)

	// Same body under a new X-EXTERNAL-ID: the stored answer, once more
	// under E3 too.
	for range 2 {
		w = serve(h, snapReq("E3", body1))
		assert.Equal(t, first.Body.String(), w.Body.String())
	}
	assert.Equal(t, 1, m.count("E1"))
	assert.Equal(t, 0, m.count("E3"))
	assert.Equal(t, 2, m.total())
}

func TestIdempotencyStrict(t *testing.T) {
	m := newMerchant()
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(54), middleware.IdempotencyStrict())(m)
	require.Equal(t, 200, serve(h, snapReq("E1", body1)).Code)
	w := serve(h, snapReq("E1", body1))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "4095400", responseCode(t, w))
	assert.Equal(t, 1, m.total())
}

func TestIdempotencyPanicReleasesAndRepanics(t *testing.T) {
	m := newMerchant()
	m.behave = func(_ string, run int) int {
		if run == 1 {
			return -1
		}
		return 200
	}
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(56))(m)
	assert.PanicsWithValue(t, "merchant handler bug", func() { serve(h, snapReq("E1", body1)) })
	w := serve(h, snapReq("E1", body1))
	assert.Equal(t, 200, w.Code)
	again := serve(h, snapReq("E1", body1))
	assert.Equal(t, w.Body.String(), again.Body.String())
	assert.Equal(t, 1, m.count("E1"), "processed once after the panic")
}

func TestIdempotency5xxReleases4xxStored(t *testing.T) {
	m := newMerchant()
	m.behave = func(id string, run int) int {
		switch {
		case id == "E5" && run == 1:
			return 503
		case id == "E4":
			return 400
		}
		return 200
	}
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(56))(m)
	assert.Equal(t, 503, serve(h, snapReq("E5", body1)).Code)
	assert.Equal(t, 200, serve(h, snapReq("E5", body1)).Code, "retry after a 5xx is processed")
	assert.Equal(t, 200, serve(h, snapReq("E5", body1)).Code)
	assert.Equal(t, 1, m.count("E5"))

	w := serve(h, snapReq("E4", body1))
	assert.Equal(t, 400, w.Code)
	again := serve(h, snapReq("E4", body1))
	assert.Equal(t, w.Body.String(), again.Body.String(), "4xx replayed")
	assert.Equal(t, w.Header().Get("X-Serial"), again.Header().Get("X-Serial"))
	m.mu.Lock()
	assert.Equal(t, 1, m.attempts["E4"], "the 4xx handler ran once")
	m.mu.Unlock()
}

func TestIdempotencyCancelledContextReleases(t *testing.T) {
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	h := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(56))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			cancel() // the client goes away while the handler runs
			<-r.Context().Done()
			return // nothing written: an implicit 200 that must not be stored
		}
		w.WriteHeader(200)
	}))
	serve(h, snapReq("E1", body1).WithContext(ctx))
	assert.Equal(t, 200, serve(h, snapReq("E1", body1)).Code)
	serve(h, snapReq("E1", body1))
	assert.Equal(t, int32(2), runs.Load(), "retry after cancellation ran, the third was replayed")
}

func TestIdempotencyInFlight(t *testing.T) {
	for _, wait := range []bool{false, true} {
		t.Run(fmt.Sprint("wait=", wait), func(t *testing.T) {
			release := make(chan struct{})
			entered := make(chan struct{}, 1)
			var runs atomic.Int32
			opts := []middleware.IdempotencyOption{middleware.IdempotencySNAP(56)}
			if wait {
				opts = append(opts, middleware.IdempotencyWait(5*time.Second))
			}
			h := middleware.Idempotency(idempotency.NewMemory(), opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				runs.Add(1)
				entered <- struct{}{}
				<-release
				io.WriteString(w, `{"responseCode":"2005600"}`)
			}))
			done := make(chan *httptest.ResponseRecorder)
			go func() { done <- serve(h, snapReq("E1", body1)) }()
			<-entered
			second := make(chan *httptest.ResponseRecorder)
			go func() { second <- serve(h, snapReq("E1", body1)) }()
			if !wait {
				w := <-second
				assert.Equal(t, 409, w.Code)
				assert.Equal(t, "4095600", responseCode(t, w))
				assert.Equal(t, "1", w.Header().Get("Retry-After"))
				close(release)
				assert.Equal(t, 200, (<-done).Code)
			} else {
				time.Sleep(30 * time.Millisecond) // the second is polling
				close(release)
				first, w := <-done, <-second
				assert.Equal(t, 200, w.Code)
				assert.Equal(t, first.Body.String(), w.Body.String())
			}
			assert.Equal(t, int32(1), runs.Load())
		})
	}
}

// failingStore fails every call, like a Redis that is down.
type failingStore struct{}

var errDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (failingStore) Reserve(context.Context, string, idempotency.Fingerprint, time.Duration) (idempotency.Reservation, error) {
	return idempotency.Reservation{}, &idempotency.StoreError{Op: "reserve", Err: errDown}
}
func (failingStore) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return &idempotency.StoreError{Op: "complete", Err: errDown}
}
func (failingStore) Release(context.Context, string, string) error {
	return &idempotency.StoreError{Op: "release", Err: errDown}
}

func TestIdempotencyStoreErrors(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := newMerchant()
	closed := middleware.Idempotency(failingStore{}, middleware.IdempotencySNAP(56), middleware.IdempotencyMetrics(reg))(m)
	w := serve(closed, snapReq("E1", body1))
	assert.Equal(t, 500, w.Code)
	assert.Equal(t, "5005600", responseCode(t, w))
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.NotContains(t, w.Body.String(), "6379", "no internals in the answer")

	ns := middleware.Idempotency(failingStore{}, middleware.IdempotencyNonSNAP(), middleware.IdempotencyMetrics(reg))(m)
	w = serve(ns, nonSNAPReq("R1", body1))
	assert.Equal(t, 503, w.Code)
	assert.Equal(t, "idempotency_store_unavailable", responseCode(t, w))
	assert.Equal(t, 0, m.total(), "fail closed: handler not run")

	open := middleware.Idempotency(failingStore{}, middleware.IdempotencySNAP(56), middleware.IdempotencyFailOpen(), middleware.IdempotencyMetrics(reg))(m)
	assert.Equal(t, 200, serve(open, snapReq("E1", body1)).Code)
	assert.Equal(t, 1, m.total(), "fail open: handler run")
	assert.Equal(t, 3.0, testutil.ToFloat64(counterFor(t, reg, "store_error")))
}

func counterFor(t *testing.T, reg *prometheus.Registry, outcome string) prometheus.Collector {
	t.Helper()
	// Registering the same description again hands back the shared counter.
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_idempotency_requests_total",
		Help: "Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error).",
	}, []string{"outcome"})
	err := reg.Register(cv)
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are)
	return are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues(outcome)
}

func TestIdempotencyMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	store := idempotency.NewMemory()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-EXTERNAL-ID") == "SLOW" {
			entered <- struct{}{}
			<-release
		}
		w.WriteHeader(200)
	})
	// Two instances share the registry (two routes, one process).
	a := middleware.Idempotency(store, middleware.IdempotencySNAP(56), middleware.IdempotencyMetrics(reg))(slow)
	b := middleware.Idempotency(store, middleware.IdempotencySNAP(56), middleware.IdempotencyMetrics(reg))(slow)
	serve(a, snapReq("E1", body1))                  // new
	serve(b, snapReq("E1", body1))                  // replayed
	serve(a, snapReq("E1", body2))                  // conflict
	go serve(a, snapReq("SLOW", body1))             // new
	<-entered                                       //
	serve(b, snapReq("SLOW", body1))                // in_flight
	close(release)                                  //
	serve(a, httptest.NewRequest("POST", "/", nil)) // no key: counted nowhere

	want := `
# HELP dokukit_idempotency_requests_total Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error).
# TYPE dokukit_idempotency_requests_total counter
dokukit_idempotency_requests_total{outcome="conflict"} 1
dokukit_idempotency_requests_total{outcome="in_flight"} 1
dokukit_idempotency_requests_total{outcome="new"} 2
dokukit_idempotency_requests_total{outcome="replayed"} 1
dokukit_idempotency_requests_total{outcome="store_error"} 0
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "dokukit_idempotency_requests_total"))
}

func TestIdempotencyBadRequests(t *testing.T) {
	m := newMerchant()
	snap := middleware.Idempotency(idempotency.NewMemory(), middleware.IdempotencySNAP(25), middleware.IdempotencyMaxBody(64))(m)
	r := snapReq("", body1)
	w := serve(snap, r)
	assert.Equal(t, 400, w.Code)
	assert.Equal(t, "4002502", responseCode(t, w))
	assert.Contains(t, w.Body.String(), "X-EXTERNAL-ID")

	w = serve(snap, snapReq(strings.Repeat("x", idempotency.MaxKeyPart+1), "{}"))
	assert.Equal(t, "4002501", responseCode(t, w))

	w = serve(snap, snapReq("E1", `{"pad":"`+strings.Repeat("x", 64)+`"}`))
	assert.Equal(t, 413, w.Code)

	auto := middleware.Idempotency(idempotency.NewMemory())(m)
	w = serve(auto, httptest.NewRequest("POST", "/", strings.NewReader("{}")))
	assert.Equal(t, 400, w.Code)
	assert.Equal(t, "missing_idempotency_key", responseCode(t, w))
	assert.Equal(t, 0, m.total())
}

func TestIdempotencyKirimAutoDetected(t *testing.T) {
	m := newMerchant()
	h := middleware.Idempotency(idempotency.NewMemory())(m)
	req := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/kirim/callback", strings.NewReader(body))
		r.Header.Set("agentKey", "A41418")
		r.Header.Set("requestId", "fd53b1e3")
		return r
	}
	first := serve(h, req(`{"transactionStatus":"50"}`))
	assert.Equal(t, first.Body.String(), serve(h, req(`{"transactionStatus":"50"}`)).Body.String())
	w := serve(h, req(`{"transactionStatus":"35"}`))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "idempotency_key_reused", responseCode(t, w))
	assert.Equal(t, 1, m.count("fd53b1e3"))
}

func TestIdempotencyInvalidOptionsPanicAtSetup(t *testing.T) {
	s := idempotency.NewMemory()
	for name, o := range map[string]middleware.IdempotencyOption{
		"svc":   middleware.IdempotencySNAP(100),
		"ttl":   middleware.IdempotencyTTL(0),
		"lease": middleware.IdempotencyLease(-1),
		"wait":  middleware.IdempotencyWait(-1),
		"body":  middleware.IdempotencyMaxBody(0),
		"biz":   middleware.IdempotencyBusinessKey(nil),
		"path":  middleware.IdempotencyBusinessKeyJSON(""),
	} {
		assert.Panics(t, func() { middleware.Idempotency(s, o) }, name)
	}
	assert.Panics(t, func() { middleware.Idempotency(nil) })
}

// Several replicas on one Redis: 64 simultaneous deliveries of one
// notification run the side effect once.
func TestIdempotency64ConcurrentAcrossReplicasOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	for _, wait := range []bool{true, false} {
		t.Run(fmt.Sprint("wait=", wait), func(t *testing.T) {
			m := newMerchant()
			m.delay = 20 * time.Millisecond
			ext := fmt.Sprint("E-wait-", wait)
			var urls []string
			for range 3 {
				c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
				t.Cleanup(func() { _ = c.Close() })
				opts := []middleware.IdempotencyOption{middleware.IdempotencySNAP(56)}
				if wait {
					opts = append(opts, middleware.IdempotencyWait(5*time.Second))
				}
				ts := httptest.NewServer(middleware.Idempotency(idempotency.NewRedis(c), opts...)(m))
				t.Cleanup(ts.Close)
				urls = append(urls, ts.URL)
			}
			type answer struct {
				status int
				body   string
			}
			answers := make([]answer, 64)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range answers {
				wg.Go(func() {
					<-start
					req, _ := http.NewRequest("POST", urls[i%3]+"/v1.0/debit/notify", strings.NewReader(body1))
					req.Header.Set("X-PARTNER-ID", "P1")
					req.Header.Set("X-EXTERNAL-ID", ext)
					resp, err := http.DefaultClient.Do(req)
					if !assert.NoError(t, err) {
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					answers[i] = answer{resp.StatusCode, string(b)}
				})
			}
			close(start)
			wg.Wait()
			assert.Equal(t, 1, m.count(ext), "side effect exactly once")
			var ok string
			for _, a := range answers {
				if a.status == 200 {
					if ok == "" {
						ok = a.body
					}
					assert.Equal(t, ok, a.body, "every success is the same bytes")
				} else {
					assert.False(t, wait, "with IdempotencyWait every answer is the stored one")
					assert.Equal(t, 409, a.status)
					assert.Contains(t, a.body, `"4095600"`)
				}
			}
			require.NotEmpty(t, ok)
		})
	}
}
