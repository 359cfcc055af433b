package idempotency_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// The review's symptom, end to end through the guard with its default
// 2-minute lease: a notification delivered while Redis is stalled is
// answered 503 (fail closed), but its Reserve, queued in the socket, runs
// when Redis resumes and leaves a lease nobody owns. DOKU's retry must then
// be processed (once), not answered 409 "in progress" until the lease ends.
func TestGuardRetryAfterStallIsProcessedNotInProgress(t *testing.T) {
	s := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: time.Second, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	store := idempotency.NewRedis(c, idempotency.RedisTimeout(200*time.Millisecond))
	// A pooled connection, so the stalled Reserve is written to Redis's
	// socket, and the script loaded, so that Reserve's EVALSHA runs on
	// resume: a live server, not a fresh one.
	_, err := store.Reserve(t.Context(), "warm-up", idempotency.FingerprintBody(nil), time.Minute)
	require.NoError(t, err)

	var runs atomic.Int32
	g, err := dedupe.New(dedupe.Config{Store: store, Scheme: idempotency.SchemeNonSNAP})
	require.NoError(t, err)
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		_, _ = w.Write([]byte("OK"))
	}))
	deliver := func() int {
		r := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(`{"order":{"invoice_number":"INV-1"}}`))
		r.Header.Set("Client-Id", "MCH-1")
		r.Header.Set("Request-Id", "req-1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	s.Stop()
	assert.Equal(t, http.StatusServiceUnavailable, deliver(), "store unreachable: fail closed, DOKU retries")
	s.Cont()
	resumed := time.Now()

	code, inProgress := 0, 0
	for time.Since(resumed) < 2*time.Second {
		if code = deliver(); code != http.StatusConflict {
			break
		}
		inProgress++
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("retry answered %d after %v (%d \"in progress\" 409s first)", code, time.Since(resumed).Round(time.Millisecond), inProgress)
	assert.Equal(t, http.StatusOK, code, "the retry is processed, not held off by an orphaned lease")
	assert.Equal(t, int32(1), runs.Load(), "the side effect ran once")
	assert.Equal(t, http.StatusOK, deliver(), "a later duplicate is replayed")
	assert.Equal(t, int32(1), runs.Load())
}
