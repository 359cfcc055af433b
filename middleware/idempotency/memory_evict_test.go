package idempotency

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A full store makes room by evicting its oldest completed records, oldest
// first, and never an in-flight reservation: new notifications keep being
// processed instead of being refused until keys expire.
func TestMemoryFullEvictsOldestCompleted(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(MemoryMaxKeys(4), MemoryClock(c.Now))
	complete := func(key string) {
		r, err := m.Reserve(bg, key, fpA, time.Minute)
		require.NoError(t, err)
		require.Equal(t, StateReserved, r.State, key)
		require.NoError(t, m.Complete(bg, key, r.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
		c.Add(time.Second)
	}
	// Completed in the order c1, c2 (and c0 last, though reserved first:
	// completion time is what counts).
	r0, err := m.Reserve(bg, "c0", fpA, time.Minute)
	require.NoError(t, err)
	complete("c1")
	complete("c2")
	require.NoError(t, m.Complete(bg, "c0", r0.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
	c.Add(time.Second)
	inflight, err := m.Reserve(bg, "f1", fpA, time.Minute)
	require.NoError(t, err)
	require.Equal(t, 4, m.Len())

	state := func(key string) State {
		t.Helper()
		r, err := m.Reserve(bg, key, fpB, time.Minute)
		require.NoError(t, err, key)
		return r.State
	}
	// Full: the next reservation evicts c1, the oldest completion.
	n1, err := m.Reserve(bg, "n1", fpA, time.Minute)
	require.NoError(t, err, "a full store must make room")
	assert.Equal(t, StateReserved, n1.State)
	assert.Equal(t, 4, m.Len())
	assert.Equal(t, StateCompleted, state("c2"))
	assert.Equal(t, StateCompleted, state("c0"))
	assert.Equal(t, StateInFlight, state("f1"), "an in-flight reservation is never evicted")

	// The next one evicts c2, then c0 (n1 and f1 are in flight).
	n2, err := m.Reserve(bg, "n2", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, n2.State)
	assert.Equal(t, StateCompleted, state("c0"))
	n3, err := m.Reserve(bg, "n3", fpA, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, n3.State)
	assert.Equal(t, 4, m.Len())

	// Now in-flight reservations alone fill the store: refuse, evict nothing.
	_, err = m.Reserve(bg, "n4", fpA, time.Minute)
	assert.ErrorIs(t, err, ErrFull)
	for _, k := range []string{"f1", "n1", "n2", "n3"} {
		assert.Equal(t, StateInFlight, state(k), k)
	}
	_ = inflight

	// A record completed after its lease expired (the key was absent) also
	// evicts rather than fail, once a completion makes room.
	require.NoError(t, m.Complete(bg, "n1", n1.Token, Record{Status: 200, Fingerprint: fpA}, time.Hour))
	c.Add(2 * time.Minute) // every lease expires; n1's record stays
	assert.Equal(t, 1, m.Len())
	for i := range 3 {
		_, err := m.Reserve(bg, fmt.Sprintf("x%d", i), fpA, time.Hour)
		require.NoError(t, err)
	}
	require.NoError(t, m.Complete(bg, "late", "expired-token", Record{Status: 202, Fingerprint: fpA}, time.Hour),
		"an expired owner's record evicts the oldest completed record rather than being lost")
	assert.Equal(t, StateCompleted, state("late"))
	assert.Equal(t, StateReserved, state("n1"), "n1's record was evicted for it")
}

// Eviction stays cheap when the store is large: each insert into a full
// store costs about the same as into an empty one (O(log n), not a scan).
func TestMemoryEvictionIsNotAScan(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	const n = DefaultMaxKeys
	m := NewMemory(MemoryMaxKeys(n), MemoryClock(c.Now))
	for i := range n {
		key := fmt.Sprintf("k%d", i)
		r, err := m.Reserve(bg, key, fpA, time.Minute)
		require.NoError(t, err)
		require.NoError(t, m.Complete(bg, key, r.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
	}
	start := time.Now()
	const more = 20_000
	for i := range more {
		key := fmt.Sprintf("new%d", i)
		r, err := m.Reserve(bg, key, fpA, time.Minute)
		require.NoError(t, err)
		require.NoError(t, m.Complete(bg, key, r.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
	}
	per := time.Since(start) / more
	t.Logf("%d inserts into a full %d-key store: %v each", more, n, per)
	assert.Equal(t, n, m.Len())
	assert.Less(t, per, 200*time.Microsecond, "an O(n) scan of 100 000 keys takes a millisecond or more")
}

// Each eviction is counted; evicting a record younger than DOKU's retry
// span is logged as a warning (once per minute, with counts and ages, never
// a key), evicting an older one is not.
func TestMemoryEvictionMetricAndWarning(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	reg := prometheus.NewPedanticRegistry()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	m := NewMemory(MemoryMaxKeys(2), MemoryClock(c.Now), MemoryMetrics(reg), MemoryLogger(log))
	// A second store on the same registry shares the counter.
	shared := NewMemory(MemoryMaxKeys(1), MemoryMetrics(reg))

	fill := func(st *Memory, key string) {
		t.Helper()
		r, err := st.Reserve(bg, key, fpA, time.Minute)
		require.NoError(t, err)
		require.NoError(t, st.Complete(bg, key, r.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
	}
	count := func(want int) {
		t.Helper()
		assert.NoError(t, testutil.CollectAndCompare(reg, strings.NewReader(fmt.Sprintf(`
# HELP dokukit_idempotency_evictions_total Completed idempotency records evicted early to make room in a full memory store.
# TYPE dokukit_idempotency_evictions_total counter
dokukit_idempotency_evictions_total %d
`, want)), "dokukit_idempotency_evictions_total"))
	}
	const secret = "snap:9:PARTNER-X:EXT-SECRET-ID"
	fill(m, secret)
	fill(m, "old2")
	count(0)
	c.Add(DOKURetrySpan + time.Minute) // both older than the retry span
	fill(m, "n1")                      // evicts the secret-keyed record: harmless
	count(1)
	assert.Empty(t, logs.String(), "a record past DOKU's retry span is evicted silently")

	fill(m, "n2") // evicts old2, also old
	c.Add(time.Hour)
	fill(m, "n3") // evicts n1, completed an hour ago: protection degraded
	count(3)
	var warning map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &warning), logs.String())
	assert.Equal(t, "WARN", warning["level"])
	assert.Contains(t, warning["msg"], "raise MemoryMaxKeys or use the Redis store")
	assert.Equal(t, float64(time.Hour), warning["record_age"])
	assert.Equal(t, float64(DOKURetrySpan), warning["retry_span"])
	assert.Equal(t, float64(1), warning["young_evictions"])
	assert.Equal(t, float64(2), warning["max_keys"])

	// More young evictions within the minute are counted, not logged...
	lines := strings.Count(logs.String(), "\n")
	fill(m, "n4")
	fill(m, "n5")
	assert.Equal(t, lines, strings.Count(logs.String(), "\n"), "at most one warning a minute")
	// ...and the next warning, a minute on, reports them.
	c.Add(evictWarnEvery)
	fill(m, "n6")
	last := logs.String()[strings.LastIndex(strings.TrimSuffix(logs.String(), "\n"), "\n")+1:]
	require.NoError(t, json.Unmarshal([]byte(last), &warning), last)
	assert.Equal(t, float64(3), warning["young_evictions"])
	count(6)

	fill(shared, "s1")
	fill(shared, "s2")
	count(7)
	assert.NotContains(t, logs.String(), "EXT-SECRET-ID", "no key in the log")
	assert.NotContains(t, logs.String(), "PARTNER-X", "no key in the log")
}

// Without a logger nothing is logged (and nothing panics); without a
// registerer nothing is counted.
func TestMemoryEvictionNilLoggerAndRegisterer(t *testing.T) {
	m := NewMemory(MemoryMaxKeys(1), MemoryLogger(nil), MemoryMetrics(nil))
	for _, k := range []string{"a", "b", "c"} {
		r, err := m.Reserve(bg, k, fpA, time.Minute)
		require.NoError(t, err)
		require.NoError(t, m.Complete(bg, k, r.Token, Record{Status: 200, Fingerprint: fpA}, time.Hour))
	}
	assert.Equal(t, 1, m.Len())
}
