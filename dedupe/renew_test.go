package dedupe_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/redis/go-redis/v9"
)

// A handler slower than the lease keeps its key: duplicates arriving after
// the original lease would have expired are answered "in flight", never run.
func TestIdempotencyRenewsLeaseOfSlowHandler(t *testing.T) {
	rs := redistest.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { rc.Close() })
	for name, store := range map[string]idempotency.Store{"memory": idempotency.NewMemory(), "redis": idempotency.NewRedis(rc)} {
		t.Run(name, func(t *testing.T) {
			var runs atomic.Int32
			release := make(chan struct{})
			h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Lease: 600*time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				runs.Add(1)
				<-release // the side effect outlives several leases
				w.Write([]byte(`{"responseCode":"2005600"}`))
			}))
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); idemServe(h, idemSnapReq("slow-1", `{"a":1}`)) }()
			time.Sleep(1500 * time.Millisecond) // 2.5 leases
			dupDone := make(chan *httptest.ResponseRecorder, 1)
			go func() { dupDone <- idemServe(h, idemSnapReq("slow-1", `{"a":1}`)) }()
			select {
			case dup := <-dupDone:
				assert.Equal(t, 409, dup.Code, "the first delivery is still running")
				assert.Equal(t, "4095600", idemResponseCode(t, dup))
			case <-time.After(2 * time.Second):
				t.Error("the duplicate ran the handler: the first delivery's lease lapsed while it was running")
			}
			close(release)
			wg.Wait()
			again := idemServe(h, idemSnapReq("slow-1", `{"a":1}`))
			assert.Equal(t, 200, again.Code, "then the retry gets the stored ack")
			assert.EqualValues(t, 1, runs.Load())
		})
	}
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
