package dedupe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/bodyctx"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// idemMerchant is a notification handler with an observable side effect (an
// order shipped per key). Its answer contains a per-run serial, so a
// response that was regenerated instead of replayed shows.
type idemMerchant struct {
	mu       sync.Mutex
	runs     map[string]int // X-EXTERNAL-ID / Request-Id → times the side effect ran
	attempts map[string]int // → times the handler was entered
	serial   atomic.Int64
	// behave decides the outcome of a run (nil: 200).
	behave func(id string, run int) int
	delay  time.Duration
}

func idemNewMerchant() *idemMerchant {
	return &idemMerchant{runs: map[string]int{}, attempts: map[string]int{}}
}

func (m *idemMerchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

func (m *idemMerchant) count(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[id]
}

func (m *idemMerchant) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.runs {
		n += v
	}
	return n
}

func idemSnapReq(ext, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1.0/debit/notify", strings.NewReader(body))
	r.Header.Set("X-PARTNER-ID", "P1")
	r.Header.Set("X-EXTERNAL-ID", ext)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func idemNonSNAPReq(id, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/payments/notifications", strings.NewReader(body))
	r.Header.Set("Client-Id", "MCH-1")
	r.Header.Set("Request-Id", id)
	return r
}

// guard is dedupe.New(c).Handler; a config the test got wrong stops it.
func guard(c dedupe.Config) func(http.Handler) http.Handler {
	g, err := dedupe.New(c)
	if err != nil {
		panic(err)
	}
	return g.Handler
}

func idemServe(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func idemResponseCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct {
		ResponseCode string `json:"responseCode"`
		Error        struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), w.Body.String())
	if v.ResponseCode != "" {
		return v.ResponseCode
	}
	return v.Error.Code
}

const idemBody1 = `{"originalPartnerReferenceNo":"INV-1","amount":{"value":"10000.00","currency":"IDR"}}`
const idemBody2 = `{"originalPartnerReferenceNo":"INV-1","amount":{"value":"99999.00","currency":"IDR"}}`

func TestIdempotencyReplaysSameBytesWithoutRunning(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(m)

	first := idemServe(h, idemSnapReq("E1", idemBody1))
	require.Equal(t, 200, first.Code)
	// Whitespace-only differences are the same body (minified fingerprint).
	pretty := strings.ReplaceAll(strings.ReplaceAll(idemBody1, ",", ",\n  "), "{", "{ ")
	for _, b := range []string{idemBody1, pretty} {
		again := idemServe(h, idemSnapReq("E1", b))
		assert.Equal(t, first.Code, again.Code)
		assert.Equal(t, first.Header(), again.Header())
		assert.Equal(t, first.Body.Bytes(), again.Body.Bytes())
	}
	assert.Equal(t, 1, m.count("E1"))
	assert.Contains(t, first.Body.String(), fmt.Sprintf(`"len":%d`, len(idemBody1)), "handler saw the restored body")
}

func TestIdempotencySameKeyDifferentBodyConflicts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    dedupe.Config
		req    func(string, string) *http.Request
		status int
		code   string
	}{
		{"snap", dedupe.Config{Scheme: idempotency.SchemeSNAP, ServiceCode: 56}, idemSnapReq, 409, "4095600"},
		{"snap-auto", dedupe.Config{}, idemSnapReq, 409, "4090000"},
		{"nonsnap", dedupe.Config{Scheme: idempotency.SchemeNonSNAP}, idemNonSNAPReq, 409, "idempotency_key_reused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := idemNewMerchant()
			tc.cfg.Store = idempotency.NewMemory()
			h := guard(tc.cfg)(m)
			require.Equal(t, 200, idemServe(h, tc.req("K1", idemBody1)).Code)
			w := idemServe(h, tc.req("K1", idemBody2))
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.code, idemResponseCode(t, w))
			assert.Equal(t, 1, m.total(), "handler not called for the conflicting body")
		})
	}
}

func TestIdempotencyBusinessKey(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56, BusinessKey: dedupe.JSONKey("originalPartnerReferenceNo")})(m)
	first := idemServe(h, idemSnapReq("E1", idemBody1))
	require.Equal(t, 200, first.Code)

	// Reused reference, different body, new X-EXTERNAL-ID: 409 01.
	w := idemServe(h, idemSnapReq("E2", idemBody2))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "4095601", idemResponseCode(t, w))
	assert.Contains(t, w.Body.String(), `"Duplicate partnerReferenceNo"`)
	// The conflicting request's own key was released: E2 with its own new
	// reference is processed.
	w = idemServe(h, idemSnapReq("E2", `{"originalPartnerReferenceNo":"INV-2"}`))
	assert.Equal(t, 200, w.Code)

	// Same body under a new X-EXTERNAL-ID: the stored answer, once more
	// under E3 too.
	for range 2 {
		w = idemServe(h, idemSnapReq("E3", idemBody1))
		assert.Equal(t, first.Body.String(), w.Body.String())
	}
	assert.Equal(t, 1, m.count("E1"))
	assert.Equal(t, 0, m.count("E3"))
	assert.Equal(t, 2, m.total())
}

func TestIdempotencyStrict(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 54, Strict: true})(m)
	require.Equal(t, 200, idemServe(h, idemSnapReq("E1", idemBody1)).Code)
	w := idemServe(h, idemSnapReq("E1", idemBody1))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "4095400", idemResponseCode(t, w))
	assert.Equal(t, 1, m.total())
}

func TestIdempotencyPanicReleasesAndRepanics(t *testing.T) {
	m := idemNewMerchant()
	m.behave = func(_ string, run int) int {
		if run == 1 {
			return -1
		}
		return 200
	}
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(m)
	assert.PanicsWithValue(t, "merchant handler bug", func() { idemServe(h, idemSnapReq("E1", idemBody1)) })
	w := idemServe(h, idemSnapReq("E1", idemBody1))
	assert.Equal(t, 200, w.Code)
	again := idemServe(h, idemSnapReq("E1", idemBody1))
	assert.Equal(t, w.Body.String(), again.Body.String())
	assert.Equal(t, 1, m.count("E1"), "processed once after the panic")
}

func TestIdempotency5xxReleases4xxStored(t *testing.T) {
	m := idemNewMerchant()
	m.behave = func(id string, run int) int {
		switch {
		case id == "E5" && run == 1:
			return 503
		case id == "E4":
			return 400
		}
		return 200
	}
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(m)
	assert.Equal(t, 503, idemServe(h, idemSnapReq("E5", idemBody1)).Code)
	assert.Equal(t, 200, idemServe(h, idemSnapReq("E5", idemBody1)).Code, "retry after a 5xx is processed")
	assert.Equal(t, 200, idemServe(h, idemSnapReq("E5", idemBody1)).Code)
	assert.Equal(t, 1, m.count("E5"))

	w := idemServe(h, idemSnapReq("E4", idemBody1))
	assert.Equal(t, 400, w.Code)
	again := idemServe(h, idemSnapReq("E4", idemBody1))
	assert.Equal(t, w.Body.String(), again.Body.String(), "4xx replayed")
	assert.Equal(t, w.Header().Get("X-Serial"), again.Header().Get("X-Serial"))
	m.mu.Lock()
	assert.Equal(t, 1, m.attempts["E4"], "the 4xx handler ran once")
	m.mu.Unlock()
}

func TestIdempotencyCancelledContextReleases(t *testing.T) {
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs.Add(1) == 1 {
			cancel() // the client goes away while the handler runs
			<-r.Context().Done()
			return // nothing written: an implicit 200 that must not be stored
		}
		w.WriteHeader(200)
	}))
	w := idemServe(h, idemSnapReq("E1", idemBody1).WithContext(ctx))
	assert.Equal(t, 500, w.Code, "released, so not a success")
	assert.Equal(t, "5005600", idemResponseCode(t, w))
	assert.Equal(t, 200, idemServe(h, idemSnapReq("E1", idemBody1)).Code)
	idemServe(h, idemSnapReq("E1", idemBody1))
	assert.Equal(t, int32(2), runs.Load(), "retry after cancellation ran, the third was replayed")
}

// Under testing/synctest: the waiting duplicate polls on the bubble's
// clock, and synctest.Wait says when it is blocked between polls.
func TestIdempotencyInFlight(t *testing.T) {
	for _, wait := range []bool{false, true} {
		t.Run(fmt.Sprint("wait=", wait), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				entered := make(chan struct{}, 1)
				var runs atomic.Int32
				cfg := dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56}
				if wait {
					cfg.Wait = 5 * time.Second
				}
				h := guard(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					runs.Add(1)
					entered <- struct{}{}
					<-release
					io.WriteString(w, `{"responseCode":"2005600"}`)
				}))
				done := make(chan *httptest.ResponseRecorder)
				go func() { done <- idemServe(h, idemSnapReq("E1", idemBody1)) }()
				<-entered
				second := make(chan *httptest.ResponseRecorder)
				go func() { second <- idemServe(h, idemSnapReq("E1", idemBody1)) }()
				if !wait {
					w := <-second
					assert.Equal(t, 409, w.Code)
					assert.Equal(t, "4095600", idemResponseCode(t, w))
					assert.Equal(t, "1", w.Header().Get("Retry-After"))
					close(release)
					assert.Equal(t, 200, (<-done).Code)
				} else {
					time.Sleep(30 * time.Millisecond)
					synctest.Wait() // the second is polling, between two Reserves
					close(release)
					first, w := <-done, <-second
					assert.Equal(t, 200, w.Code)
					assert.Equal(t, first.Body.String(), w.Body.String())
				}
				assert.Equal(t, int32(1), runs.Load())
				time.Sleep(dedupe.DefaultLease) // the renewal goroutine sees no lease and ends
			})
		})
	}
}

// idemFailingStore fails every call, like a Redis that is down.
type idemFailingStore struct{}

var idemErrDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (idemFailingStore) Reserve(context.Context, string, idempotency.Fingerprint, time.Duration) (idempotency.Reservation, error) {
	return idempotency.Reservation{}, &idempotency.StoreError{Op: "reserve", Err: idemErrDown}
}
func (idemFailingStore) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return &idempotency.StoreError{Op: "complete", Err: idemErrDown}
}
func (idemFailingStore) Release(context.Context, string, string) error {
	return &idempotency.StoreError{Op: "release", Err: idemErrDown}
}

func TestIdempotencyStoreErrors(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := idemNewMerchant()
	closed := guard(dedupe.Config{Store: idemFailingStore{}, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Registerer: reg})(m)
	w := idemServe(closed, idemSnapReq("E1", idemBody1))
	assert.Equal(t, 500, w.Code)
	assert.Equal(t, "5005600", idemResponseCode(t, w))
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.NotContains(t, w.Body.String(), "6379", "no internals in the answer")

	ns := guard(dedupe.Config{Store: idemFailingStore{}, Scheme: idempotency.SchemeNonSNAP, Registerer: reg})(m)
	w = idemServe(ns, idemNonSNAPReq("R1", idemBody1))
	assert.Equal(t, 503, w.Code)
	assert.Equal(t, "idempotency_store_unavailable", idemResponseCode(t, w))
	assert.Equal(t, 0, m.total(), "fail closed: handler not run")

	open := guard(dedupe.Config{Store: idemFailingStore{}, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, FailOpen: true, Registerer: reg})(m)
	assert.Equal(t, 200, idemServe(open, idemSnapReq("E1", idemBody1)).Code)
	assert.Equal(t, 1, m.total(), "fail open: handler run")
	assert.Equal(t, 3.0, testutil.ToFloat64(idemCounterFor(t, reg, "store_error")))
}

func idemCounterFor(t *testing.T, reg *prometheus.Registry, outcome string) prometheus.Collector {
	t.Helper()
	// Registering the same description again hands back the shared counter.
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_idempotency_requests_total",
		Help: "Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error, replay_refused).",
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
	a := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Registerer: reg})(slow)
	b := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Registerer: reg})(slow)
	idemServe(a, idemSnapReq("E1", idemBody1))          // new
	idemServe(b, idemSnapReq("E1", idemBody1))          // replayed
	idemServe(a, idemSnapReq("E1", idemBody2))          // conflict
	go idemServe(a, idemSnapReq("SLOW", idemBody1))     // new
	<-entered                                           //
	idemServe(b, idemSnapReq("SLOW", idemBody1))        // in_flight
	close(release)                                      //
	idemServe(a, httptest.NewRequest("POST", "/", nil)) // no key: counted nowhere

	want := `
# HELP dokukit_idempotency_requests_total Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error, replay_refused).
# TYPE dokukit_idempotency_requests_total counter
dokukit_idempotency_requests_total{outcome="conflict"} 1
dokukit_idempotency_requests_total{outcome="in_flight"} 1
dokukit_idempotency_requests_total{outcome="new"} 2
dokukit_idempotency_requests_total{outcome="replay_refused"} 0
dokukit_idempotency_requests_total{outcome="replayed"} 1
dokukit_idempotency_requests_total{outcome="store_error"} 0
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "dokukit_idempotency_requests_total"))
}

func TestIdempotencyBadRequests(t *testing.T) {
	m := idemNewMerchant()
	snap := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 25, MaxBodyBytes: 64})(m)
	r := idemSnapReq("", idemBody1)
	w := idemServe(snap, r)
	assert.Equal(t, 400, w.Code)
	assert.Equal(t, "4002502", idemResponseCode(t, w))
	assert.Equal(t, `{"responseCode":"4002502","responseMessage":"Invalid Mandatory Field {X-EXTERNAL-ID}"}`, w.Body.String(),
		"the kit's one spelling of a field: in braces")

	w = idemServe(snap, idemSnapReq(strings.Repeat("x", idempotency.MaxKeyPart+1), "{}"))
	assert.Equal(t, `{"responseCode":"4002501","responseMessage":"Invalid Field Format {X-EXTERNAL-ID}"}`, w.Body.String())

	w = idemServe(snap, idemSnapReq("E1", `{"pad":"`+strings.Repeat("x", 64)+`"}`))
	assert.Equal(t, 413, w.Code)

	nilBody := idemSnapReq("E-nil", "")
	nilBody.Body = nil
	assert.Equal(t, 200, idemServe(snap, nilBody).Code, "a nil body is an empty body")

	auto := guard(dedupe.Config{Store: idempotency.NewMemory()})(m)
	w = idemServe(auto, httptest.NewRequest("POST", "/", strings.NewReader("{}")))
	assert.Equal(t, 400, w.Code)
	assert.Equal(t, "missing_idempotency_key", idemResponseCode(t, w))
	assert.Equal(t, 1, m.total())
}

func TestIdempotencyKirimAutoDetected(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory()})(m)
	req := func(body string) *http.Request {
		r := httptest.NewRequest("POST", "/kirim/callback", strings.NewReader(body))
		r.Header.Set("agentKey", "A41418")
		r.Header.Set("requestId", "fd53b1e3")
		return r
	}
	first := idemServe(h, req(`{"transactionStatus":"50"}`))
	assert.Equal(t, first.Body.String(), idemServe(h, req(`{"transactionStatus":"50"}`)).Body.String())
	w := idemServe(h, req(`{"transactionStatus":"35"}`))
	assert.Equal(t, 409, w.Code)
	assert.Equal(t, "idempotency_key_reused", idemResponseCode(t, w))
	assert.Contains(t, w.Body.String(), "requestId already used with a different request body")
	assert.Equal(t, 1, m.count("fd53b1e3"))
}

// New refuses what cannot work with an error, never a panic: a nil
// store, a service code that is not two digits, an unknown scheme, and a
// Registerer that already holds another collector under the guard's
// metric name (a channel constructor used to panic on that).
func TestNewRefusesUnusableConfig(t *testing.T) {
	s := idempotency.NewMemory()
	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_idempotency_requests_total", Help: "the user's own"}))
	for name, c := range map[string]dedupe.Config{
		"store":   {},
		"svc":     {Store: s, ServiceCode: 100},
		"svc<0":   {Store: s, ServiceCode: -1},
		"scheme":  {Store: s, Scheme: "bogus"},
		"token":   {Store: s, Scheme: sign.SchemeSNAPToken},
		"metrics": {Store: s, Registerer: clash},
	} {
		g, err := dedupe.New(c)
		assert.Error(t, err, name)
		assert.Nil(t, g, name)
	}
	_, err := dedupe.New(dedupe.Config{Store: s, Registerer: clash})
	assert.ErrorContains(t, err, "dokukit_idempotency_requests_total")
}

// A duration or limit ≤ 0 is its default, as everywhere in the kit: a
// guard with MaxBodyBytes -1 reads up to DefaultMaxBody, a negative Wait
// answers a duplicate in flight at once.
func TestNewLimitsAtOrBelowZeroAreDefaults(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56,
		TTL: -1, Lease: 0, Wait: -time.Second, MaxBodyBytes: -1, ReplayTTL: 0})(m)
	big := `{"pad":"` + strings.Repeat("x", dedupe.DefaultMaxBody-10) + `"}`
	assert.Equal(t, 200, idemServe(h, idemSnapReq("E-big", big)).Code, "a body of the default limit is read")
	w := idemServe(h, idemSnapReq("E-over", big+strings.Repeat(" ", 10)))
	assert.Equal(t, 413, w.Code)
	assert.Equal(t, `{"responseCode":"4135600","responseMessage":"Request Entity Too Large"}`, w.Body.String())
}

// Several replicas on one Redis: 64 simultaneous deliveries of one
// notification run the side effect once.
func TestIdempotency64ConcurrentAcrossReplicasOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	for _, wait := range []bool{true, false} {
		t.Run(fmt.Sprint("wait=", wait), func(t *testing.T) {
			m := idemNewMerchant()
			m.delay = 20 * time.Millisecond
			ext := fmt.Sprint("E-wait-", wait)
			var urls []string
			for range 3 {
				c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
				t.Cleanup(func() { _ = c.Close() })
				cfg := dedupe.Config{Store: idempotency.NewRedis(c), Scheme: idempotency.SchemeSNAP, ServiceCode: 56}
				if wait {
					cfg.Wait = 5 * time.Second
				}
				ts := httptest.NewServer(guard(cfg)(m))
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
					req, _ := http.NewRequest("POST", urls[i%3]+"/v1.0/debit/notify", strings.NewReader(idemBody1))
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

// idemGoroutinesSettle waits for the goroutine count to fall back to at most
// base+slack (background goroutines of closed servers and clients exit
// asynchronously) and fails with a dump if it does not.
func idemGoroutinesSettle(t *testing.T, base, slack int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+slack {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutine leak: %d running, %d before\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Redis with AOF (appendfsync always) is SIGKILLed and restarted while
// three replicas process duplicated notifications that DOKU keeps retrying:
// every notification's side effect runs exactly once, none is lost, every
// duplicate gets the same bytes, and no goroutine is left behind.
func TestIdempotencyRedisKilledMidRun(t *testing.T) {
	idemQuietRedis.Do(func() { redis.SetLogger(idemDiscardLogger{}) }) // "connection refused" is the point here
	srv := redistest.Start(t, redistest.AOF())
	base := runtime.NumGoroutine()
	reg := prometheus.NewPedanticRegistry()
	m := idemNewMerchant()
	m.delay = 2 * time.Millisecond

	var clients []*redis.Client
	var servers []*httptest.Server
	for range 3 {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 100 * time.Millisecond, MaxRetries: 1})
		clients = append(clients, c)
		h := guard(dedupe.Config{Store: idempotency.NewRedis(c, idempotency.RedisTimeout(500*time.Millisecond)), Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Lease: 3 * time.Second, Registerer: reg})(m)
		servers = append(servers, httptest.NewServer(h))
	}
	tr := &http.Transport{}
	doku := &http.Client{Transport: tr, Timeout: 5 * time.Second}

	const keys, dupes = 30, 2
	bodies := make([][dupes]string, keys)
	// Crash inside the fifth side effect: that handler has run, and its
	// record must still be stored once Redis is back. Some notifications
	// are done by then; the rest are first sent while Redis is down.
	crashed := make(chan struct{})
	var crashOnce sync.Once
	m.behave = func(string, int) int {
		if m.total() >= 5 {
			crashOnce.Do(func() { srv.Kill(); close(crashed) })
		}
		return 200
	}
	var statusMu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for k := range keys {
		for d := range dupes {
			wg.Go(func() {
				if k >= keys/3 {
					<-crashed // the rest is first sent while Redis is down
				}
				time.Sleep(time.Duration(k%10) * 8 * time.Millisecond)
				deadline := time.Now().Add(20 * time.Second)
				for attempt := 0; time.Now().Before(deadline); attempt++ {
					ts := servers[(k+d+attempt)%3]
					req, _ := http.NewRequest("POST", ts.URL+"/v1.0/debit/notify", strings.NewReader(idemBody1))
					req.Header.Set("X-PARTNER-ID", "P1")
					req.Header.Set("X-EXTERNAL-ID", fmt.Sprint("K", k))
					resp, err := doku.Do(req)
					statusMu.Lock()
					if err != nil {
						statuses[-1]++
					} else {
						statuses[resp.StatusCode]++
					}
					statusMu.Unlock()
					if err == nil {
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							bodies[k][d] = string(b)
							return
						}
					}
					time.Sleep(25 * time.Millisecond) // DOKU retries (much later, in reality)
				}
			})
		}
	}
	select {
	case <-crashed:
	case <-time.After(10 * time.Second):
		t.Fatal("no crash")
	}
	require.Error(t, clients[0].Ping(context.Background()).Err(), "Redis is down")
	time.Sleep(300 * time.Millisecond)
	srv.Restart()
	wg.Wait()
	statusMu.Lock()
	t.Logf("answers DOKU saw, by status (-1: transport error): %v", statuses)
	assert.Positive(t, statuses[500], "deliveries during the outage failed closed")
	statusMu.Unlock()

	for k := range keys {
		id := fmt.Sprint("K", k)
		assert.Equal(t, 1, m.count(id), "side effect of %s", id)
		assert.NotEmpty(t, bodies[k][0], "%s never acknowledged: lost", id)
		assert.Equal(t, bodies[k][0], bodies[k][1], "%s: duplicates got different answers", id)
	}
	var counts []string
	for _, o := range []string{"new", "replayed", "conflict", "in_flight", "store_error"} {
		counts = append(counts, fmt.Sprintf("%s=%v", o, testutil.ToFloat64(idemCounterFor(t, reg, o))))
	}
	t.Log("metrics:", strings.Join(counts, " "))
	assert.Positive(t, testutil.ToFloat64(idemCounterFor(t, reg, "store_error")), "the crash hit requests (else this test proves nothing)")

	for _, ts := range servers {
		ts.Close()
	}
	for _, c := range clients {
		require.NoError(t, c.Close())
	}
	tr.CloseIdleConnections()
	idemGoroutinesSettle(t, base, 2)
}

// The property's view of one delivery: which notification, which of two
// bodies, what the handler does, which store call fails, and how many
// deliveries (starting with this one) go out concurrently.
type idemDelivery struct {
	Key, Body, Outcome, Fail, Batch int
}

const (
	idemOutcomeOK = iota
	idemOutcomeOK2
	idemOutcome400
	idemOutcome503
	idemOutcomePanic
	idemOutcomeCancel
)

const (
	idemFailNone = iota
	idemFailNone2
	idemFailReserve
	idemFailCompleteTwice
	idemFailRelease
)

type idemFailKey struct{}

// idemFlakyStore fails the call a delivery's context asks it to.
type idemFlakyStore struct{ idempotency.Store }

type idemFailPlan struct {
	kind      int
	completes atomic.Int32
}

func (f idemFlakyStore) plan(ctx context.Context) *idemFailPlan {
	p, _ := ctx.Value(idemFailKey{}).(*idemFailPlan)
	if p == nil {
		return &idemFailPlan{}
	}
	return p
}

var idemErrInjected = errors.New("injected store failure")

func (f idemFlakyStore) Reserve(ctx context.Context, key string, fp idempotency.Fingerprint, lease time.Duration) (idempotency.Reservation, error) {
	if f.plan(ctx).kind == idemFailReserve {
		return idempotency.Reservation{}, &idempotency.StoreError{Op: "reserve", Err: idemErrInjected}
	}
	return f.Store.Reserve(ctx, key, fp, lease)
}

func (f idemFlakyStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	if p := f.plan(ctx); p.kind == idemFailCompleteTwice && p.completes.Add(1) <= 2 {
		return &idempotency.StoreError{Op: "complete", Err: idemErrInjected}
	}
	return f.Store.Complete(ctx, key, token, rec, ttl)
}

func (f idemFlakyStore) Release(ctx context.Context, key, token string) error {
	if f.plan(ctx).kind == idemFailRelease {
		return &idempotency.StoreError{Op: "release", Err: idemErrInjected}
	}
	return f.Store.Release(ctx, key, token)
}

// For any seeded sequence of deliveries (duplicates, concurrent batches,
// handler failures, store failures), the side effect ran once for every
// key that ever got a 2xx and never for any other key.
func TestIdempotencyPropertySideEffectsEqualAcknowledgedKeys(t *testing.T) {
	stores := map[string]func(t *testing.T) idempotency.Store{
		"memory": func(*testing.T) idempotency.Store { return idempotency.NewMemory() },
		"redis": func(t *testing.T) idempotency.Store {
			c := redis.NewClient(&redis.Options{Addr: redistest.Start(t).Addr()})
			t.Cleanup(func() { _ = c.Close() })
			return idempotency.NewRedis(c)
		},
	}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			store := idemFlakyStore{mk(t)}
			params := gopter.DefaultTestParametersWithSeed(20261125)
			params.MinSuccessfulTests = 40
			params.MaxSize = 30
			var run atomic.Int64
			genDelivery := gopter.CombineGens(gen.IntRange(0, 3), gen.IntRange(0, 1), gen.IntRange(0, 5), gen.IntRange(0, 4), gen.IntRange(1, 4)).
				Map(func(v []any) idemDelivery {
					return idemDelivery{Key: v[0].(int), Body: v[1].(int), Outcome: v[2].(int), Fail: v[3].(int), Batch: v[4].(int)}
				})
			props := gopter.NewProperties(params)
			props.Property("side effects == keys acknowledged with 2xx", prop.ForAll(func(ds []idemDelivery) string {
				partner := fmt.Sprint("P", run.Add(1))
				return idemCheckDeliveries(store, partner, ds)
			}, gen.SliceOf(genDelivery)))
			props.TestingRun(t)
		})
	}
}

func idemCheckDeliveries(store idempotency.Store, partner string, ds []idemDelivery) string {
	var mu sync.Mutex
	effects := map[int]int{}
	acked := map[int]bool{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var d idemDelivery
		_ = json.Unmarshal([]byte(r.Header.Get("X-Test-Delivery")), &d)
		switch d.Outcome {
		case idemOutcomeOK, idemOutcomeOK2:
			mu.Lock()
			effects[d.Key]++
			mu.Unlock()
			w.WriteHeader(200)
		case idemOutcome400:
			w.WriteHeader(400)
		case idemOutcome503:
			w.WriteHeader(503)
		case idemOutcomePanic:
			panic(http.ErrAbortHandler)
		case idemOutcomeCancel:
			r.Context().Value(idemCancelKey{}).(context.CancelFunc)()
		}
	})
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Lease: time.Second})(handler)
	deliver := func(d idemDelivery) {
		meta, _ := json.Marshal(d)
		r := idemSnapReq(fmt.Sprint("E", d.Key), fmt.Sprintf(`{"n":%d}`, d.Body))
		r.Header.Set("X-PARTNER-ID", partner)
		r.Header.Set("X-Test-Delivery", string(meta))
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), idemFailKey{}, &idemFailPlan{kind: d.Fail}))
		defer cancel()
		ctx = context.WithValue(ctx, idemCancelKey{}, cancel)
		w := httptest.NewRecorder()
		func() {
			defer func() { _ = recover() }()
			h.ServeHTTP(w, r.WithContext(ctx))
		}()
		if w.Code >= 200 && w.Code <= 299 && d.Outcome != idemOutcomePanic {
			mu.Lock()
			acked[d.Key] = true
			mu.Unlock()
		}
	}
	for i := 0; i < len(ds); {
		n := min(ds[i].Batch, len(ds)-i)
		var wg sync.WaitGroup
		for _, d := range ds[i : i+n] {
			wg.Go(func() { deliver(d) })
		}
		wg.Wait()
		i += n
	}
	for k := range 4 {
		want := 0
		if acked[k] {
			want = 1
		}
		if effects[k] != want {
			return fmt.Sprintf("key %d: side effect ran %d times, acknowledged=%v", k, effects[k], acked[k])
		}
	}
	return ""
}

type idemCancelKey struct{}

var idemQuietRedis sync.Once

type idemDiscardLogger struct{}

func (idemDiscardLogger) Printf(context.Context, string, ...any) {}

// FuzzIdempotencyBusinessKeyJSON: whatever the body (JSON or not, with or
// without the business reference), a repeat never runs the handler again
// and gets the first answer; a new request id with the same body is
// replayed when the body has a reference and processed otherwise.
func FuzzIdempotencyBusinessKeyJSON(f *testing.F) {
	f.Add([]byte(`{"order":{"invoice_number":"INV-1","amount":150000}}`))
	f.Add([]byte(`{"order":{"invoice_number":12345}}`))
	f.Add([]byte(`{"order":"x"}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		var runs int
		h := guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeNonSNAP, BusinessKey: dedupe.JSONKey("order.invoice_number")})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			runs++
			fmt.Fprint(w, runs)
		}))
		first := idemServe(h, idemNonSNAPReq("R1", string(body)))
		again := idemServe(h, idemNonSNAPReq("R1", string(body)))
		if first.Code != 200 || again.Code != 200 || first.Body.String() != again.Body.String() || runs != 1 {
			t.Fatalf("repeat: %d %q / %d %q, runs %d", first.Code, first.Body, again.Code, again.Body, runs)
		}
		other := idemServe(h, idemNonSNAPReq("R2", string(body)))
		if other.Code != 200 || runs > 2 {
			t.Fatalf("new request id: %d %q, runs %d", other.Code, other.Body, runs)
		}
	})
}

// The durability the guarantee needs, shown both ways: with AOF
// (appendfsync always) a completed record survives SIGKILL and the retry is
// replayed; without persistence the record is gone and the retry runs the
// side effect again. README: run Redis with AOF.
func TestIdempotencyDurabilityNeedsAOF(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []redistest.Option
		wantRuns int
	}{
		{"aof-always", []redistest.Option{redistest.AOF()}, 1},
		{"no-persistence", nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.opts...)
			c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
			t.Cleanup(func() { _ = c.Close() })
			m := idemNewMerchant()
			h := guard(dedupe.Config{Store: idempotency.NewRedis(c), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(m)
			require.Equal(t, 200, idemServe(h, idemSnapReq("E1", idemBody1)).Code)
			srv.Kill()
			srv.Restart()
			require.Equal(t, 200, idemServe(h, idemSnapReq("E1", idemBody1)).Code)
			assert.Equal(t, tc.wantRuns, m.count("E1"))
		})
	}
}

// idemSignedSNAP is a SNAP debit notification signed by the kit's signer
// at ts, under X-EXTERNAL-ID ext.
func idemSignedSNAP(t *testing.T, ext, body, ts string) *http.Request {
	t.Helper()
	s, err := sign.NewSNAPSymmetric([]byte("SK-replay-test"))
	require.NoError(t, err)
	sig, err := s.Sign(http.MethodPost, "/v1.0/debit/notify", "tok", []byte(body), ts)
	require.NoError(t, err)
	r := idemSnapReq(ext, body)
	r.Header.Set("X-TIMESTAMP", ts)
	r.Header.Set("X-SIGNATURE", sig)
	r.Header.Set("Authorization", "Bearer tok")
	return r
}

// idemPlainStore hides every capability but Store (no Claimer, no
// Extender): a custom store written before the replay key, counting its
// Reserve calls (each one a round trip to its database).
type idemPlainStore struct {
	s        idempotency.Store
	reserves *atomic.Int32
}

func (p idemPlainStore) Reserve(ctx context.Context, key string, fp idempotency.Fingerprint, lease time.Duration) (idempotency.Reservation, error) {
	p.reserves.Add(1)
	return p.s.Reserve(ctx, key, fp, lease)
}
func (p idemPlainStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	return p.s.Complete(ctx, key, token, rec, ttl)
}
func (p idemPlainStore) Release(ctx context.Context, key, token string) error {
	return p.s.Release(ctx, key, token)
}

// A store without idempotency.Claimer keeps the protection: the guard
// claims the replay key with a Reserve of its own, one more call for a new
// notification, and a refused replay takes no lease.
func TestIdempotencyReplayKeyOnStoreWithoutClaimer(t *testing.T) {
	var reserves atomic.Int32
	store := idemPlainStore{s: idempotency.NewMemory(), reserves: &reserves}
	_, isClaimer := any(store).(idempotency.Claimer)
	require.False(t, isClaimer)
	reg := prometheus.NewPedanticRegistry()
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Registerer: reg})(m)
	const ts = "2026-11-25T15:00:00+07:00"

	first := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts))
	require.Equal(t, 200, first.Code)
	assert.EqualValues(t, 2, reserves.Swap(0), "the replay key, then the X-EXTERNAL-ID")

	for _, id := range []string{"E2", "E3", "E4"} {
		w := idemServe(h, idemSignedSNAP(t, id, idemBody1, ts))
		assert.Equal(t, 409, w.Code, id)
		assert.Equal(t, "4095600", idemResponseCode(t, w), id)
	}
	assert.EqualValues(t, 3, reserves.Swap(0), "a refused replay reserves nothing but the replay key")
	assert.Equal(t, 1, m.total())
	assert.Equal(t, 3.0, testutil.ToFloat64(idemCounterFor(t, reg, "replay_refused")))

	again := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts))
	assert.Equal(t, first.Body.String(), again.Body.String(), "the exact bytes again: the stored answer")
	for _, id := range []string{"E2", "E3", "E4"} {
		assert.Equal(t, 0, m.count(id))
	}
	// DOKU's retry, signed anew a second later, is unaffected.
	retry := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, "2026-11-25T15:00:01+07:00"))
	assert.Equal(t, first.Body.String(), retry.Body.String())
	assert.Equal(t, 1, m.total())
}

// The replay key lives IdempotencyReplayTTL from first sight, which is why
// it must cover the verifier's whole window: once it lapses, a copy still
// inside the window would run again.
func TestIdempotencyReplayKeyLivesItsTTL(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(idempotency.MemoryClock(clock)), Scheme: idempotency.SchemeSNAP, ServiceCode: 56, ReplayTTL: 2 * time.Minute})(m)
	const ts = "2026-11-25T15:00:00+07:00"
	require.Equal(t, 200, idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts)).Code)
	now = now.Add(119 * time.Second)
	assert.Equal(t, 409, idemServe(h, idemSignedSNAP(t, "E2", idemBody1, ts)).Code, "within the TTL")
	now = now.Add(2 * time.Second)
	assert.Equal(t, 200, idemServe(h, idemSignedSNAP(t, "E3", idemBody1, ts)).Code, "after the TTL (a verifier would refuse it by now)")
	assert.Equal(t, 2, m.total())
}

// Non-SNAP and Kirim sign their request id: a new id is a new signature,
// so they get no replay key, and headers that look like a SNAP signature
// change nothing.
func TestIdempotencyNoReplayKeyForNonSNAPOrKirim(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory()})(m)
	for _, id := range []string{"R1", "R2"} {
		r := idemNonSNAPReq(id, idemBody1)
		r.Header.Set("Signature", "HMACSHA256=c2FtZQ==")
		r.Header.Set("X-SIGNATURE", "c2FtZQ==")
		assert.Equal(t, 200, idemServe(h, r).Code, id)
	}
	for _, id := range []string{"K1", "K2"} {
		r := httptest.NewRequest("POST", "/kirim", strings.NewReader(`{"transactionStatus":"50"}`))
		r.Header.Set("agentKey", "A41418")
		r.Header.Set("requestId", id)
		r.Header.Set("signature", "c2FtZQ==")
		r.Header.Set("X-SIGNATURE", "c2FtZQ==")
		assert.Equal(t, 200, idemServe(h, r).Code, id)
	}
	assert.Equal(t, 4, m.total())
	// A SNAP request without X-SIGNATURE was not verified by a SNAP
	// verifier; there is nothing to key on, and it is keyed as before.
	assert.Equal(t, 200, idemServe(h, idemSnapReq("S1", idemBody1)).Code)
	assert.Equal(t, 200, idemServe(h, idemSnapReq("S2", idemBody1)).Code)
	assert.Equal(t, 6, m.total())
}

func TestIdempotencyReplayTTLFor(t *testing.T) {
	assert.Equal(t, 11*time.Minute, dedupe.DefaultReplayTTL)
	assert.GreaterOrEqual(t, dedupe.DefaultReplayTTL, 2*verify.DefaultSkew+time.Minute)
	for name, c := range map[string]struct {
		ts   verify.Timestamps
		want time.Duration
	}{
		"default":   {verify.Timestamps{}, dedupe.DefaultReplayTTL},
		"wider":     {verify.Timestamps{MaxPast: 15 * time.Minute, MaxFuture: time.Minute}, 17 * time.Minute},
		"past only": {verify.Timestamps{MaxPast: 10 * time.Minute}, 16 * time.Minute},
		"unchecked": {verify.Timestamps{Unchecked: true}, dedupe.DefaultTTL},
	} {
		assert.Equal(t, c.want, dedupe.ReplayTTLFor(c.ts), name)
	}
	_, err := dedupe.New(dedupe.Config{Store: idempotency.NewMemory(), ReplayTTL: -time.Second})
	assert.NoError(t, err, "a replay TTL ≤ 0 is the default, as every limit in the kit")
}

// carrier is what middleware.Verification puts in the context.
type carrier []byte

func (c carrier) VerifiedBody() ([]byte, bool) { return c, true }

// untouchable fails the test if the guard reads the request body.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the guard read the body the verification had already read")
	return 0, errors.New("read")
}
func (u untouchable) Close() error { return nil }

// Behind a verification the guard fingerprints the verified body and does
// not read r.Body; the fingerprint is the one a standalone guard computes,
// so a retry that reaches a replica without the verification in front is
// still a replay. The verified body is held to the guard's limit too.
func TestGuardUsesTheVerifiedBody(t *testing.T) {
	store := idempotency.NewMemory()
	var runs int
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, MaxBodyBytes: 100})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs++
		_, _ = io.WriteString(w, `{"responseCode":"2005600"}`)
	}))
	verified := func(ext, body string) *http.Request {
		r := idemSnapReq(ext, "")
		r.Body = untouchable{t}
		return r.WithContext(context.WithValue(r.Context(), bodyctx.Key{}, carrier(body)))
	}
	first := idemServe(h, verified("E1", idemBody1))
	require.Equal(t, 200, first.Code)
	assert.Equal(t, first.Body.String(), idemServe(h, idemSnapReq("E1", idemBody1)).Body.String(), "standalone read: the same fingerprint")
	assert.Equal(t, 409, idemServe(h, verified("E1", idemBody2)).Code)
	assert.Equal(t, 413, idemServe(h, verified("E2", `{"pad":"`+strings.Repeat("x", 100)+`"}`)).Code)
	assert.Equal(t, 1, runs)
}

// The whole stack: Verification reads and verifies the body once, the
// guard and the handler see the same bytes, and the handler can still read
// r.Body from the start.
func TestGuardBehindVerification(t *testing.T) {
	set, _ := verify.SecretsFor("MCH-1", []byte("SK-body-once"))
	v, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Unchecked: true}})
	require.NoError(t, err)
	var seen []string
	h := middleware.Verify(v)(guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeNonSNAP})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vb, ok := middleware.VerifiedBody(r.Context())
		require.True(t, ok)
		rb, _ := io.ReadAll(r.Body)
		seen = append(seen, string(vb), string(rb))
	})))
	body := `{"order":{"invoice_number":"INV-1"}}`
	s, _ := sign.NewNonSNAP([]byte("SK-body-once"))
	r := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(body))
	r.Header.Set("Client-Id", "MCH-1")
	r.Header.Set("Request-Id", "R1")
	r.Header.Set("Request-Timestamp", "2026-11-25T08:00:00Z")
	r.Header.Set("Signature", s.Sign(sign.Components{ClientID: "MCH-1", RequestID: "R1", Timestamp: "2026-11-25T08:00:00Z", Target: "/notify", Body: []byte(body)}))
	w := idemServe(h, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.Equal(t, []string{body, body}, seen)
	_, ok := middleware.VerifiedBody(r.Context())
	assert.False(t, ok, "outside the verification")
}

// Decide decides without writing: a new request is the caller's to run and
// complete, a repeat carries the stored record, a conflict or a duplicate
// in flight is an *Error saying what to answer.
func TestDecideWithoutWriting(t *testing.T) {
	g, err := dedupe.New(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})
	require.NoError(t, err)
	d, err := g.Decide(idemSnapReq("E1", idemBody1))
	require.NoError(t, err)
	require.Nil(t, d.Replay, "new: the caller runs the handler")
	assert.Equal(t, idempotency.SchemeSNAP, d.Scheme())

	_, err = g.Decide(idemSnapReq("E1", idemBody1))
	var e *dedupe.Error
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, dedupe.ErrInFlight)
	assert.Equal(t, dedupe.Error{Err: dedupe.ErrInFlight, Scheme: idempotency.SchemeSNAP, Status: 409, Case: 0, Code: "request_in_progress", RetryAfter: "1"},
		dedupe.Error{Err: e.Err, Scheme: e.Scheme, Status: e.Status, Case: e.Case, Code: e.Code, RetryAfter: e.RetryAfter})

	d.Complete(context.Background(), idempotency.Record{Status: 200, Body: []byte(`{"responseCode":"2005600"}`)})
	d.Complete(context.Background(), idempotency.Record{Status: 500}) // a second call does nothing
	again, err := g.Decide(idemSnapReq("E1", idemBody1))
	require.NoError(t, err)
	require.NotNil(t, again.Replay)
	assert.Equal(t, 200, again.Replay.Status)
	assert.Equal(t, `{"responseCode":"2005600"}`, string(again.Replay.Body))

	_, err = g.Decide(idemSnapReq("E1", idemBody2))
	assert.ErrorIs(t, err, dedupe.ErrConflict)
	w := httptest.NewRecorder()
	g.WriteError(w, err)
	assert.Equal(t, `{"responseCode":"4095600","responseMessage":"Conflict"}`, w.Body.String())

	_, err = g.Decide(idemSnapReq("", idemBody1))
	assert.ErrorIs(t, err, idempotency.ErrMissingKey)
}

// The injected clock drives Wait: a duplicate waits until Config.Now says
// the Wait has passed, polling whenever Config.After fires.
func TestInjectedClockBoundsWait(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	var polls int
	fired := make(chan time.Time, 1)
	after := func(d time.Duration) (<-chan time.Time, func() bool) {
		polls++
		now = now.Add(d) // time passes as the guard waits
		fired <- now
		return fired, func() bool { return false }
	}
	// A store without Extend, so the clock serves the Wait alone (no
	// lease renewal rounds on it).
	store := idemPlainStore{s: idempotency.NewMemory(), reserves: new(atomic.Int32)}
	g, err := dedupe.New(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56,
		Wait: time.Second, Now: func() time.Time { return now }, After: after})
	require.NoError(t, err)
	first, err := g.Decide(idemSnapReq("E1", idemBody1))
	require.NoError(t, err)
	start := now
	_, err = g.Decide(idemSnapReq("E1", idemBody1))
	assert.ErrorIs(t, err, dedupe.ErrInFlight, "still in flight when the Wait ran out")
	assert.Equal(t, time.Second, now.Sub(start), "waited exactly Config.Wait on the injected clock")
	assert.Equal(t, 14, polls, "5, 10, 20, 40, 80 ms, eight of 100 ms, then the last 45 ms")
	assert.EqualValues(t, 1+1+14, store.reserves.Load(), "a Reserve per delivery, and one per poll")
	first.Release(context.Background())
}
