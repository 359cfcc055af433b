package dedupe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/redis/go-redis/v9"
)

// A handler slower than the lease keeps its key: duplicates arriving after
// the original lease would have expired are answered "in flight", never run.
// On the memory store the guard and the store share the bubble's clock
// (testing/synctest), so 2.5 leases pass without waiting for them.
func TestIdempotencyRenewsLeaseOfSlowHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowHandlerKeepsLease(t, idempotency.NewMemory(), func() { time.Sleep(1500 * time.Millisecond) })
		time.Sleep(time.Second) // the renewal goroutine sees no lease and ends
	})
}

// The same on Redis, whose lease expiry runs on Redis's own clock: that
// wait stays real.
func TestIdempotencyRenewsLeaseOfSlowHandlerOnRedis(t *testing.T) {
	rs := redistest.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { rc.Close() })
	slowHandlerKeepsLease(t, idempotency.NewRedis(rc), func() { time.Sleep(1500 * time.Millisecond) })
}

func slowHandlerKeepsLease(t *testing.T, store idempotency.Store, wait func()) {
	var runs atomic.Int32
	release := make(chan struct{})
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Lease: 600 * time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		<-release // the side effect outlives several leases
		w.Write([]byte(`{"responseCode":"2005600"}`))
	}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); idemServe(h, idemSnapReq("slow-1", `{"a":1}`)) }()
	wait() // 2.5 leases
	dupDone := make(chan *httptest.ResponseRecorder, 1)
	go func() { dupDone <- idemServe(h, idemSnapReq("slow-1", `{"a":1}`)) }()
	select {
	case dup := <-dupDone:
		assert.Equal(t, 409, dup.Code, "the first delivery is still running: its lease was renewed")
		assert.Equal(t, "4095600", idemResponseCode(t, dup))
	case <-time.After(2 * time.Second):
		t.Error("the duplicate ran the handler: the first delivery's lease lapsed while it was running")
	}
	close(release)
	wg.Wait()
	again := idemServe(h, idemSnapReq("slow-1", `{"a":1}`))
	assert.Equal(t, 200, again.Code, "then the retry gets the stored ack")
	assert.EqualValues(t, 1, runs.Load())
}

// extendCounter counts Extend calls.
type extendCounter struct {
	*idempotency.Memory
	extends atomic.Int32
}

func (e *extendCounter) Extend(ctx context.Context, key, token string, lease time.Duration) error {
	e.extends.Add(1)
	return e.Memory.Extend(ctx, key, token, lease)
}

// Renewal costs a handler that finishes early nothing: no Extend, and the
// guard's one renewal goroutine is gone a third of a lease after the last
// lease ended (synctest.Test fails if a goroutine of the bubble is left).
// A handler that runs 1.1 leases is renewed three times (at 1/3, 2/3, 3/3).
func TestRenewalOnlyWhileHandlersRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &extendCounter{Memory: idempotency.NewMemory()}
		var delay time.Duration
		h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Lease: 3 * time.Second})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
		}))
		for i := range 100 {
			require.Equal(t, 200, idemServe(h, idemSnapReq(fmt.Sprint("fast-", i), `{}`)).Code)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		assert.EqualValues(t, 0, store.extends.Load(), "no handler outlived a renewal round")

		delay = 3300 * time.Millisecond
		start := time.Now()
		require.Equal(t, 200, idemServe(h, idemSnapReq("slow", `{}`)).Code)
		assert.Equal(t, 3300*time.Millisecond, time.Since(start))
		assert.EqualValues(t, 3, store.extends.Load())
		time.Sleep(time.Second) // the renewal goroutine sees no lease and ends
	})
}

// IdempotencyKeyPrefix namespaces keys: two routes on one store do not
// share request ids; one route still replays its own.
func TestIdempotencyKeyPrefix(t *testing.T) {
	store := idempotency.NewMemory()
	var runs atomic.Int32
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { runs.Add(1) })
	a := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, KeyPrefix: "debit:"})(ok)
	b := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 25, KeyPrefix: "va:"})(ok)
	assert.Equal(t, 200, idemServe(a, idemSnapReq("same", `{"a":1}`)).Code)
	assert.Equal(t, 200, idemServe(b, idemSnapReq("same", `{"b":2}`)).Code, "another route's key, not a conflict")
	assert.Equal(t, 200, idemServe(b, idemSnapReq("same", `{"b":2}`)).Code)
	assert.EqualValues(t, 2, runs.Load(), "the repeat on the same route is replayed")
}
