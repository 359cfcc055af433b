package idempotency

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedRelease answers the retry queue's release calls from a script
// per token, recording when each call came.
type scriptedRelease struct {
	mu      sync.Mutex
	answers map[string][]error // nil: released (1); errNotOurs: 0
	calls   map[string][]time.Time
}

var errNotOurs = errors.New("not ours")

func (s *scriptedRelease) release(_ context.Context, _, token string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[token] = append(s.calls[token], time.Now())
	a := s.answers[token]
	if len(a) == 0 {
		return 0, nil
	}
	s.answers[token] = a[1:]
	switch a[0] {
	case nil:
		return 1, nil
	case errNotOurs:
		return 0, nil
	}
	return 0, a[0]
}

func (s *scriptedRelease) count(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[token])
}

func newScriptedQueue(t *testing.T, answers map[string][]error) (*Redis, *scriptedRelease) {
	r := NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}))
	s := &scriptedRelease{answers: answers, calls: map[string][]time.Time{}}
	r.retry.release = s.release
	t.Cleanup(func() { _ = r.Close() })
	return r, s
}

// What each answer does to a pending release: a Release's lease is gone
// once Redis says "not ours"; a Reserve that gave up may still run, so its
// "not ours" is believed only when repeated retrySettle later; an
// unreachable Redis is retried with back-off; a Redis error reply is final.
func TestReleaseQueueAnswers(t *testing.T) {
	timeout := &netTimeout{}
	r, s := newScriptedQueue(t, map[string][]error{
		"released":         {nil},
		"gone":             {errNotOurs},
		"late-reserve":     {errNotOurs, nil},
		"never-ran":        {errNotOurs, errNotOurs},
		"unreachable-then": {timeout, timeout, nil},
		"redis-error":      {redis.ErrClosed},
	})
	start := time.Now()
	r.retry.add("k", "released", false)
	r.retry.add("k", "gone", false)
	r.retry.add("k", "late-reserve", true)
	r.retry.add("k", "never-ran", true)
	r.retry.add("k", "unreachable-then", false)
	r.retry.add("k", "redis-error", false)
	require.Eventually(t, func() bool { return r.PendingReleases() == 0 }, 3*time.Second, 5*time.Millisecond)
	t.Logf("queue drained in %v", time.Since(start).Round(time.Millisecond))

	for tok, want := range map[string]int{"released": 1, "gone": 1, "late-reserve": 2, "never-ran": 2, "unreachable-then": 3, "redis-error": 1} {
		assert.Equal(t, want, s.count(tok), tok)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range []string{"late-reserve", "never-ran"} {
		c := s.calls[tok]
		assert.GreaterOrEqual(t, c[1].Sub(c[0]), retrySettle, "%s: second try a settle period after the first \"not ours\"", tok)
	}
	c := s.calls["unreachable-then"]
	assert.GreaterOrEqual(t, c[2].Sub(c[1]), c[1].Sub(c[0]), "back-off grows")
}

// The queue is bounded: past maxPendingReleases the oldest is dropped.
func TestReleaseQueueBounded(t *testing.T) {
	r, _ := newScriptedQueue(t, nil)
	block := make(chan struct{})
	r.retry.release = func(ctx context.Context, _, _ string) (int, error) {
		<-block
		return 0, &netTimeout{}
	}
	t.Cleanup(func() {
		close(block)
		_ = r.Close()
	})
	for i := range maxPendingReleases + 5 {
		r.retry.add("k", fmt.Sprint(i), false)
	}
	assert.Equal(t, maxPendingReleases, r.PendingReleases())
	r.retry.mu.Lock()
	first := r.retry.items[0].token
	r.retry.mu.Unlock()
	assert.Equal(t, "5", first, "the five oldest were dropped")
}

// A Redis answer to any caller cuts a back-off short: the lost release
// goes out at once rather than up to a second later.
func TestReleaseQueueRetriesWhenRedisAnswers(t *testing.T) {
	r, s := newScriptedQueue(t, map[string][]error{"t": {&netTimeout{}, &netTimeout{}, &netTimeout{}, &netTimeout{}, nil}})
	r.retry.add("k", "t", false)
	require.Eventually(t, func() bool { return s.count("t") == 4 }, 3*time.Second, time.Millisecond)
	// Now backing off 800 ms; an answered call wakes it.
	time.Sleep(20 * time.Millisecond)
	woke := time.Now()
	r.retry.answered()
	require.Eventually(t, func() bool { return r.PendingReleases() == 0 }, time.Second, time.Millisecond)
	assert.Less(t, time.Since(woke), 200*time.Millisecond)
}

type netTimeout struct{}

func (*netTimeout) Error() string   { return "i/o timeout" }
func (*netTimeout) Timeout() bool   { return true }
func (*netTimeout) Temporary() bool { return true }
