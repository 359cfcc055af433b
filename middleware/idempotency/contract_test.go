package idempotency

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/redistest"
)

// harness is one Store under test plus a way to let time pass for it.
type harness struct {
	store   Store
	advance func(time.Duration)
}

// fakeClock is a manually advanced clock for the memory store.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func memoryHarness(t *testing.T) harness {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	return harness{store: NewMemory(MemoryClock(c.Now)), advance: c.Add}
}

func redisClient(t *testing.T, s *redistest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: 2})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func redisHarness(t *testing.T) harness {
	s := redistest.Start(t)
	return harness{store: NewRedis(redisClient(t, s)), advance: func(d time.Duration) { time.Sleep(d) }}
}

// redisClusterHarness runs the store on a one-node Redis Cluster through
// redis.ClusterClient: Cluster refuses any script whose keys span slots.
func redisClusterHarness(t *testing.T) harness {
	s := redistest.Start(t, redistest.Cluster())
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr()}})
	t.Cleanup(func() { _ = c.Close() })
	return harness{store: NewRedis(c), advance: func(d time.Duration) { time.Sleep(d) }}
}

// TestStoreContract is what any Store implementation must do; run it on a
// new backend by adding a harness.
func TestStoreContract(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) harness{
		"memory": memoryHarness, "redis": redisHarness, "redis-cluster": redisClusterHarness,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := mk(t)
			t.Run("lifecycle", func(t *testing.T) { contractLifecycle(t, h) })
			t.Run("release", func(t *testing.T) { contractRelease(t, h) })
			t.Run("lease-expiry", func(t *testing.T) { contractLeaseExpiry(t, h) })
			t.Run("extend", func(t *testing.T) { contractExtend(t, h) })
			t.Run("record-expiry", func(t *testing.T) { contractRecordExpiry(t, h) })
			t.Run("concurrent-reserve", func(t *testing.T) { contractConcurrent(t, h) })
			t.Run("invalid", func(t *testing.T) { contractInvalid(t, h) })
			t.Run("claim", func(t *testing.T) { contractClaim(t, h) })
			t.Run("claim-expiry", func(t *testing.T) { contractClaimExpiry(t, h) })
			t.Run("concurrent-claim", func(t *testing.T) { contractConcurrentClaim(t, h) })
		})
	}
}

var (
	fpA = FingerprintBody([]byte(`{"a":1}`))
	fpB = FingerprintBody([]byte(`{"a":2}`))
	bg  = context.Background()
)

func contractLifecycle(t *testing.T, h harness) {
	s := h.store
	r, err := s.Reserve(bg, "life", fpA, time.Minute)
	require.NoError(t, err)
	require.Equal(t, StateReserved, r.State)
	require.NotEmpty(t, r.Token)
	assert.Equal(t, fpA, r.Fingerprint)

	// A second caller, same or other body, sees the first one's lease.
	for _, fp := range []Fingerprint{fpA, fpB} {
		r2, err := s.Reserve(bg, "life", fp, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, StateInFlight, r2.State)
		assert.Empty(t, r2.Token)
		assert.Equal(t, fpA, r2.Fingerprint, "in-flight reports the holder's fingerprint")
	}

	rec := Record{Status: 201, Header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"1", "2"}}, Body: []byte(`{"ok":true}`), Fingerprint: fpA}
	err = s.Complete(bg, "life", "not-the-token", rec, time.Hour)
	require.ErrorIs(t, err, ErrLeaseLost)
	var se *StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "complete", se.Op)

	require.NoError(t, s.Complete(bg, "life", r.Token, rec, time.Hour))
	// Completing twice is not allowed to change the record.
	assert.ErrorIs(t, s.Complete(bg, "life", "other", Record{Status: 500, Fingerprint: fpB}, time.Hour), ErrLeaseLost)

	got, err := s.Reserve(bg, "life", fpB, time.Minute)
	require.NoError(t, err)
	require.Equal(t, StateCompleted, got.State)
	require.NotNil(t, got.Record)
	assert.Equal(t, fpA, got.Fingerprint)
	assert.Equal(t, rec, *got.Record)

	// The record is a copy: mutating it does not change the store.
	got.Record.Body[0] = 'X'
	got.Record.Header.Set("Content-Type", "text/plain")
	again, err := s.Reserve(bg, "life", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, rec, *again.Record)

	// Release of a completed key is refused; the record stays.
	assert.ErrorIs(t, s.Release(bg, "life", r.Token), ErrLeaseLost)
	again, err = s.Reserve(bg, "life", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateCompleted, again.State)
}

func contractRelease(t *testing.T, h harness) {
	s := h.store
	r, err := s.Reserve(bg, "rel", fpA, time.Minute)
	require.NoError(t, err)
	assert.ErrorIs(t, s.Release(bg, "rel", "wrong"), ErrLeaseLost)
	in, err := s.Reserve(bg, "rel", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateInFlight, in.State, "a wrong-token release must not free the key")
	require.NoError(t, s.Release(bg, "rel", r.Token))
	assert.ErrorIs(t, s.Release(bg, "rel", r.Token), ErrLeaseLost, "second release")

	r2, err := s.Reserve(bg, "rel", fpB, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, r2.State)
	assert.NotEqual(t, r.Token, r2.Token)
	assert.ErrorIs(t, s.Complete(bg, "rel", r.Token, Record{Status: 200, Fingerprint: fpA}, time.Hour), ErrLeaseLost, "old token")
	require.NoError(t, s.Complete(bg, "rel", r2.Token, Record{Status: 200, Fingerprint: fpB}, time.Hour))
}

// contractExtend: an owner that renews its lease keeps the key past the
// original expiry; nobody else can renew it, and a lost lease cannot be
// renewed back.
func contractExtend(t *testing.T, h harness) {
	s, ok := h.store.(Extender)
	require.True(t, ok, "both stores renew leases")
	r, err := h.store.Reserve(bg, "ext", fpA, 150*time.Millisecond)
	require.NoError(t, err)
	h.advance(100 * time.Millisecond)
	require.NoError(t, s.Extend(bg, "ext", r.Token, 300*time.Millisecond))
	assert.ErrorIs(t, s.Extend(bg, "ext", "not-the-token", time.Minute), ErrLeaseLost)
	h.advance(150 * time.Millisecond) // past the original expiry, within the renewed one
	r2, err := h.store.Reserve(bg, "ext", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateInFlight, r2.State, "a renewed lease still holds the key")
	h.advance(300 * time.Millisecond)
	assert.ErrorIs(t, s.Extend(bg, "ext", r.Token, time.Minute), ErrLeaseLost, "an expired lease is not revived")
	r3, err := h.store.Reserve(bg, "ext", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, r3.State)
	assert.ErrorIs(t, s.Extend(bg, "", r3.Token, time.Minute), ErrInvalid)
}

func contractLeaseExpiry(t *testing.T, h harness) {
	s := h.store
	r, err := s.Reserve(bg, "lease", fpA, 100*time.Millisecond)
	require.NoError(t, err)
	h.advance(250 * time.Millisecond)
	r2, err := s.Reserve(bg, "lease", fpA, time.Minute)
	require.NoError(t, err)
	require.Equal(t, StateReserved, r2.State, "an expired lease frees the key (crashed owner)")
	assert.ErrorIs(t, s.Complete(bg, "lease", r.Token, Record{Status: 200, Fingerprint: fpA}, time.Hour), ErrLeaseLost,
		"the expired owner must not overwrite the new owner")
	assert.ErrorIs(t, s.Release(bg, "lease", r.Token), ErrLeaseLost)
	require.NoError(t, s.Complete(bg, "lease", r2.Token, Record{Status: 200, Fingerprint: fpA}, time.Hour))

	// An owner whose lease expired while nobody took the key over still
	// stores its record: the work is done.
	r3, err := s.Reserve(bg, "lease2", fpB, 100*time.Millisecond)
	require.NoError(t, err)
	h.advance(250 * time.Millisecond)
	require.NoError(t, s.Complete(bg, "lease2", r3.Token, Record{Status: 202, Fingerprint: fpB}, time.Hour))
	got, err := s.Reserve(bg, "lease2", fpA, time.Minute)
	require.NoError(t, err)
	require.Equal(t, StateCompleted, got.State)
	assert.Equal(t, 202, got.Record.Status)
	assert.Equal(t, fpB, got.Fingerprint)
}

func contractRecordExpiry(t *testing.T, h harness) {
	s := h.store
	r, err := s.Reserve(bg, "ttl", fpA, time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Complete(bg, "ttl", r.Token, Record{Status: 200, Fingerprint: fpA}, 100*time.Millisecond))
	got, err := s.Reserve(bg, "ttl", fpA, time.Minute)
	require.NoError(t, err)
	require.Equal(t, StateCompleted, got.State)
	h.advance(250 * time.Millisecond)
	got, err = s.Reserve(bg, "ttl", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, got.State, "record expired after its TTL")
}

func contractConcurrent(t *testing.T, h harness) {
	var reserved, inflight atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			r, err := h.store.Reserve(bg, "race", fpA, time.Minute)
			if !assert.NoError(t, err) {
				return
			}
			switch r.State {
			case StateReserved:
				reserved.Add(1)
			case StateInFlight:
				inflight.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), reserved.Load())
	assert.Equal(t, int32(63), inflight.Load())
}

func contractInvalid(t *testing.T, h harness) {
	_, err := h.store.Reserve(bg, "", fpA, time.Minute)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = h.store.Reserve(bg, "k", fpA, 0)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorIs(t, h.store.Complete(bg, "k", "t", Record{}, -time.Second), ErrInvalid)
	assert.ErrorIs(t, h.store.Release(bg, "", "t"), ErrInvalid)
	assert.False(t, errors.Is(ErrInvalid, ErrLeaseLost))
}

// contractClaim: ReserveClaim reserves as Reserve does and claims its
// second key for the first value only; another value is reported, not
// stored, and its caller ends up holding no lease.
func contractClaim(t *testing.T, h harness) {
	c, ok := h.store.(Claimer)
	require.True(t, ok, "both stores claim")
	claim := Claim{Key: "sig:one", Value: "EXT-1", TTL: time.Minute}
	r, prior, err := c.ReserveClaim(bg, "claim:EXT-1", fpA, time.Minute, claim)
	require.NoError(t, err)
	assert.Empty(t, prior, "the first caller claims")
	require.Equal(t, StateReserved, r.State)
	assert.Equal(t, fpA, r.Fingerprint)

	// The same value again (a retry of the exact bytes): prior is that
	// value, and the reservation reports the key's real state.
	r2, prior, err := c.ReserveClaim(bg, "claim:EXT-1", fpA, time.Minute, claim)
	require.NoError(t, err)
	assert.Equal(t, "EXT-1", prior)
	assert.Equal(t, StateInFlight, r2.State)
	require.NoError(t, h.store.Complete(bg, "claim:EXT-1", r.Token, Record{Status: 200, Body: []byte(`{"ok":1}`), Fingerprint: fpA}, time.Hour))
	r3, prior, err := c.ReserveClaim(bg, "claim:EXT-1", fpA, time.Minute, claim)
	require.NoError(t, err)
	assert.Equal(t, "EXT-1", prior)
	require.Equal(t, StateCompleted, r3.State)
	assert.Equal(t, []byte(`{"ok":1}`), r3.Record.Body)

	// Another value: reported as the first one; the claim keeps EXT-1.
	for _, id := range []string{"EXT-2", "EXT-3"} {
		r4, prior, err := c.ReserveClaim(bg, "claim:"+id, fpA, time.Minute, Claim{Key: "sig:one", Value: id, TTL: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, "EXT-1", prior, id)
		if r4.State == StateReserved { // the store may have reserved: the caller releases
			require.NoError(t, h.store.Release(bg, "claim:"+id, r4.Token))
		} else {
			assert.Equal(t, State(0), r4.State, "a skipped reservation is the zero Reservation")
		}
		free, err := h.store.Reserve(bg, "claim:"+id, fpA, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, StateReserved, free.State, "a refused caller holds no lease")
		require.NoError(t, h.store.Release(bg, "claim:"+id, free.Token))
	}

	// Values are kept exactly (ids may hold ':' and the like).
	odd := "EXT:{x}%25 é"
	_, prior, err = c.ReserveClaim(bg, "claim:odd", fpA, time.Minute, Claim{Key: "sig:odd", Value: odd, TTL: time.Minute})
	require.NoError(t, err)
	assert.Empty(t, prior)
	_, prior, err = c.ReserveClaim(bg, "claim:odd2", fpA, time.Minute, Claim{Key: "sig:odd", Value: "other", TTL: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, odd, prior)

	// Invalid claims are refused before anything is stored.
	for _, bad := range []Claim{{Key: "", Value: "v", TTL: time.Minute}, {Key: "k", Value: "", TTL: time.Minute}, {Key: "k", Value: "v"}} {
		_, _, err := c.ReserveClaim(bg, "claim:bad", fpA, time.Minute, bad)
		assert.ErrorIs(t, err, ErrInvalid)
		var se *StoreError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "claim", se.Op)
	}
	_, _, err = c.ReserveClaim(bg, "", fpA, time.Minute, claim)
	assert.ErrorIs(t, err, ErrInvalid)
	nothing, err := h.store.Reserve(bg, "claim:bad", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, nothing.State)
}

// contractClaimExpiry: a claim lives its TTL from when it was first made;
// being seen again does not extend it.
func contractClaimExpiry(t *testing.T, h harness) {
	c := h.store.(Claimer)
	claim := Claim{Key: "sig:ttl", Value: "A", TTL: 300 * time.Millisecond}
	_, prior, err := c.ReserveClaim(bg, "cttl:A", fpA, time.Minute, claim)
	require.NoError(t, err)
	require.Empty(t, prior)
	h.advance(200 * time.Millisecond)
	_, prior, err = c.ReserveClaim(bg, "cttl:A", fpA, time.Minute, claim)
	require.NoError(t, err)
	require.Equal(t, "A", prior, "still claimed")
	h.advance(200 * time.Millisecond) // 400 ms after the first claim, 200 after the second
	_, prior, err = c.ReserveClaim(bg, "cttl:B", fpA, time.Minute, Claim{Key: "sig:ttl", Value: "B", TTL: time.Minute})
	require.NoError(t, err)
	assert.Empty(t, prior, "expired TTL after the first claim, not extended by the second")
}

// contractConcurrentClaim: of 32 callers claiming one key with 32 values
// (32 replicas each receiving a copy under its own id), exactly one claims
// it, and everyone else is told that one's value.
func contractConcurrentClaim(t *testing.T, h harness) {
	c := h.store.(Claimer)
	var mu sync.Mutex
	claimed := []string{}
	priors := map[string]int{}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			id := "C" + string(rune('a'+i))
			_, prior, err := c.ReserveClaim(bg, "cc:"+id, fpA, time.Minute, Claim{Key: "sig:race", Value: id, TTL: time.Minute})
			if !assert.NoError(t, err) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if prior == "" {
				claimed = append(claimed, id)
			} else {
				priors[prior]++
			}
		})
	}
	wg.Wait()
	require.Len(t, claimed, 1)
	assert.Equal(t, map[string]int{claimed[0]: 31}, priors)
}
