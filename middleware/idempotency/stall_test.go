package idempotency

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/redistest"
)

// stallTimeout is the RedisTimeout of the stall tests: short, so the tests
// are fast, and far below the client's ReadTimeout (go-redis's default 5 s),
// which is what a call used to wait for.
const stallTimeout = 300 * time.Millisecond

// stallMargin is how much longer than RedisTimeout a call may take on a
// loaded 2-CPU test machine under -race.
const stallMargin = 250 * time.Millisecond

// Under a stalled (SIGSTOPped) Redis every call returns within RedisTimeout,
// whether it is waiting for a reply on a connection it holds or for a
// connection from the exhausted pool, with a store error that says it
// timed out.
func TestRedisStalledCallsReturnWithinTimeout(t *testing.T) {
	s := redistest.Start(t)
	// go-redis's defaults, spelled out: the pool is what 2 CPUs give, the
	// read timeout is 5 s, and the context does not reach the socket.
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 20, ReadTimeout: 5 * time.Second, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	st := NewRedis(c, RedisTimeout(stallTimeout))

	// Fill the pool with live connections, so that the stall catches 20
	// calls mid-reply and 30 waiting for a connection.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := st.Reserve(bg, fmt.Sprintf("warm%d", i), fpA, time.Minute)
			assert.NoError(t, err)
		})
	}
	wg.Wait()

	baseline := runtime.NumGoroutine()
	s.Stop()
	const n = 50
	took := make([]time.Duration, n)
	errs := make([]error, n)
	ops := []string{"reserve", "complete", "release", "extend"}
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i)
			start := time.Now()
			switch ops[i%len(ops)] {
			case "reserve":
				_, errs[i] = st.Reserve(bg, key, fpA, time.Minute)
			case "complete":
				errs[i] = st.Complete(bg, key, "t", Record{Status: 200, Fingerprint: fpA}, time.Hour)
			case "release":
				errs[i] = st.Release(bg, key, "t")
			case "extend":
				errs[i] = st.Extend(bg, key, "t", time.Minute)
			}
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	// What the callers left behind: the commands holding a connection,
	// waiting for a reply (one per pool connection), and the retries of
	// the lost releases; not one goroutine per call.
	// (Polled briefly: the test's own goroutines may still be exiting.)
	left := runtime.NumGoroutine() - baseline
	for deadline := time.Now().Add(100 * time.Millisecond); left > 25 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		left = runtime.NumGoroutine() - baseline
	}
	s.Cont()
	t.Logf("goroutines left running after the calls returned: %d", left)
	assert.LessOrEqual(t, left, 25, "about one per pool connection (20), plus the release retry")

	sorted := append([]time.Duration(nil), took...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	t.Logf("%d calls under a stalled Redis, RedisTimeout %v: median %v, max %v", n, stallTimeout, sorted[n/2], sorted[n-1])
	late := 0
	for i := range n {
		if took[i] > stallTimeout+stallMargin {
			late++
		}
		var se *StoreError
		if assert.ErrorAs(t, errs[i], &se, "call %d", i) {
			assert.Equal(t, ops[i%len(ops)], se.Op)
		}
		assert.ErrorIs(t, errs[i], ErrTimeout, "call %d: %v", i, errs[i])
		assert.ErrorIs(t, errs[i], context.DeadlineExceeded, "call %d: the cause is kept: %v", i, errs[i])
		assert.NotErrorIs(t, errs[i], ErrLeaseLost, "a stall is not a lost lease")
	}
	assert.Zero(t, late, "calls that took longer than RedisTimeout %v + %v (max %v)", stallTimeout, stallMargin, sorted[n-1])
}

// A Release that never reached Redis (the stall held the only pool
// connection) and a Reserve that Redis ran only after its caller gave up
// (queued in the socket during the stall) both leave a lease nobody owns.
// After Redis resumes the store frees both, well before the lease would
// expire, without any further call on it: another replica (a second store
// on its own client) sees the keys free.
func TestRedisOrphanedLeasesClearAfterStall(t *testing.T) {
	s := redistest.Start(t)
	// A read timeout well below the lease, so that even a store that waits
	// for it gives up long before the lease would expire.
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1, ReadTimeout: time.Second, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	st := NewRedis(c, RedisTimeout(200*time.Millisecond))
	other := NewRedis(redisClient(t, s))
	const lease = 5 * time.Second

	start := time.Now()
	owned, err := st.Reserve(bg, "released", fpA, lease)
	require.NoError(t, err)
	require.Equal(t, StateReserved, owned.State)

	s.Stop()
	stalled := make(chan error, 1)
	go func() {
		_, err := st.Reserve(bg, "reserved-late", fpA, lease)
		stalled <- err
	}()
	require.Eventually(t, func() bool { return c.PoolStats().IdleConns == 0 && c.PoolStats().TotalConns == 1 },
		time.Second, 5*time.Millisecond, "the stalled Reserve holds the only connection")
	err = st.Release(bg, "released", owned.Token)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the Release waited for a connection and never reached Redis")
	require.ErrorIs(t, <-stalled, context.DeadlineExceeded, "the Reserve's caller gave up")
	assert.ErrorIs(t, err, ErrTimeout)

	s.Cont()
	resumed := time.Now()
	for _, key := range []string{"released", "reserved-late"} {
		var last Reservation
		free := func() bool {
			last, err = other.Reserve(bg, key, fpB, time.Minute)
			return err == nil && last.State == StateReserved
		}
		deadline := time.Now().Add(2 * time.Second)
		for !free() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if assert.Equal(t, StateReserved, last.State, "%s: %v 2 s after resume (err %v); reserved %v ago with a %v lease",
			key, last.State, err, time.Since(start).Round(time.Millisecond), lease) {
			t.Logf("%s: free %v after resume (lease %v)", key, time.Since(resumed).Round(time.Millisecond), lease)
		}
	}
}

// The retry goroutine lives only while releases are pending; Close with
// Redis still stalled gives up within RedisTimeout and says how many leases
// it left to expire; a second Close does nothing, and after Close a lost
// Release is not queued.
func TestRedisCloseDropsPendingReleases(t *testing.T) {
	s := redistest.Start(t)
	st := NewRedis(redisClient(t, s), RedisTimeout(200*time.Millisecond))
	var tokens []string
	for _, k := range []string{"a", "b"} {
		r, err := st.Reserve(bg, k, fpA, time.Minute)
		require.NoError(t, err)
		tokens = append(tokens, r.Token)
	}
	s.Stop()
	for i, k := range []string{"a", "b"} {
		assert.ErrorIs(t, st.Release(bg, k, tokens[i]), ErrTimeout)
	}
	require.Eventually(t, func() bool { return st.PendingReleases() == 2 }, time.Second, 5*time.Millisecond,
		"both lost releases queued (%d)", st.PendingReleases())

	start := time.Now()
	err := st.Close()
	took := time.Since(start)
	var se *StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "close", se.Op)
	assert.Contains(t, err.Error(), "2 lost releases not retried")
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, took, 200*time.Millisecond+2*stallMargin, "Close is bounded by one RedisTimeout")
	assert.Zero(t, st.PendingReleases())
	assert.NoError(t, st.Close(), "second Close")

	// After Close the store works, but a lost Release stays lost.
	s.Cont()
	r, err := st.Reserve(bg, "c", fpA, time.Minute)
	require.NoError(t, err)
	s.Stop()
	assert.ErrorIs(t, st.Release(bg, "c", r.Token), ErrTimeout)
	s.Cont()
	time.Sleep(3 * retryFirst)
	assert.Zero(t, st.PendingReleases())
	in, err := st.Reserve(bg, "a", fpB, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateInFlight, in.State, "Close dropped a's release: its lease expires on its own")
}

// A Release retried after the stall succeeds once: PendingReleases drops to
// zero and the retry goroutine exits, so a store nobody Closes leaks
// nothing.
func TestRedisRetriedReleaseDrainsQueue(t *testing.T) {
	s := redistest.Start(t)
	st := NewRedis(redisClient(t, s), RedisTimeout(200*time.Millisecond))
	r, err := st.Reserve(bg, "k", fpA, time.Minute)
	require.NoError(t, err)
	s.Stop()
	require.ErrorIs(t, st.Release(bg, "k", r.Token), ErrTimeout)
	s.Cont()
	require.Eventually(t, func() bool { return st.PendingReleases() == 0 }, 2*time.Second, 10*time.Millisecond)
	got, err := st.Reserve(bg, "k", fpB, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, got.State)
	require.Eventually(t, func() bool {
		st.retry.mu.Lock()
		defer st.retry.mu.Unlock()
		return !st.retry.running
	}, time.Second, 5*time.Millisecond, "the retry goroutine exits when nothing is pending")
}

// A caller whose context is already done gets its error at once, and a
// Reserve that sent nothing leaves nothing to release; a Release that sent
// nothing is retried (the lease is still there).
func TestRedisDoneContext(t *testing.T) {
	s := redistest.Start(t)
	st := NewRedis(redisClient(t, s))
	r, err := st.Reserve(bg, "k", fpA, time.Minute)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err = st.Reserve(ctx, "other", fpA, time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout, "cancelled, not timed out")
	assert.Zero(t, st.PendingReleases())
	assert.ErrorIs(t, st.Release(ctx, "k", r.Token), context.Canceled)
	require.Eventually(t, func() bool { return st.PendingReleases() == 0 }, 2*time.Second, 5*time.Millisecond)
	got, err := st.Reserve(bg, "k", fpB, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, got.State, "the retried release went through")
}

// ReserveClaim under a stalled Redis returns within RedisTimeout with
// ErrTimeout, and the lease its pipeline takes when Redis resumes is freed
// in the background like a Reserve's; the claim it took stays (it names
// the caller's own id, so a retry of the same bytes goes on).
func TestRedisStalledReserveClaim(t *testing.T) {
	s := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	st := NewRedis(c, RedisTimeout(stallTimeout))
	t.Cleanup(func() { _ = st.Close() })
	claim := Claim{Key: "sig:stall", Value: "EXT-1", TTL: time.Minute}
	_, _, err := st.ReserveClaim(bg, "warm", fpA, time.Minute, Claim{Key: "sig:warm", Value: "W", TTL: time.Minute})
	require.NoError(t, err)

	s.Stop()
	start := time.Now()
	_, _, err = st.ReserveClaim(bg, "stalled", fpA, time.Minute, claim)
	took := time.Since(start)
	s.Cont()
	require.ErrorIs(t, err, ErrTimeout)
	var se *StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "reserve", se.Op)
	assert.Less(t, took, stallTimeout+stallMargin)

	require.Eventually(t, func() bool {
		r, err := st.Reserve(bg, "stalled", fpA, time.Minute)
		if err == nil && r.State == StateReserved {
			_ = st.Release(bg, "stalled", r.Token)
			return true
		}
		return false
	}, 5*time.Second, 20*time.Millisecond, "the lease taken after the caller gave up is released")
	_, prior, err := st.ReserveClaim(bg, "stalled-2", fpA, time.Minute, Claim{Key: "sig:stall", Value: "EXT-2", TTL: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "EXT-1", prior, "the claim made when Redis resumed holds")
}
