package idempotency

import (
	"container/heap"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/verify"
)

// DefaultMaxKeys bounds a Memory store unless MemoryMaxKeys says otherwise.
// At 25 h retention it is about one notification per second, sustained.
const DefaultMaxKeys = 100_000

// DOKURetrySpan is how long after a first delivery DOKU may still send the
// same notification again: its last retry comes 12 h after the first
// delivery, and the signed timestamp may be verify.DefaultSkew off. A
// record evicted younger than this may yet be asked for, and its retry
// would run the side effect again.
const DOKURetrySpan = 12*time.Hour + verify.DefaultSkew

// evictWarnEvery spaces the Memory store's eviction warnings: a store that
// evicts young records usually does so on every insert.
const evictWarnEvery = time.Minute

// Memory is an in-process Store: a map with per-key expiry, bounded in
// size. It is safe for concurrent use. It protects one process only; a
// merchant running several replicas needs a shared store (NewRedis), or a
// duplicate delivered to two replicas at once runs twice.
//
// The bound (MemoryMaxKeys, default DefaultMaxKeys) counts leases and
// records; memory is about the bound times the size of one entry (the key,
// up to 2×MaxKeyPart, plus the stored response: roughly 1 KiB for a typical
// DOKU acknowledgement). When the store is full, Reserve (and Complete of a
// key whose lease had expired) makes room by evicting the record completed
// longest ago; an in-flight reservation is never evicted, and only when
// leases alone fill the store does Reserve refuse with ErrFull. So for one
// instance the bound is a window: a repeat is recognised as long as fewer
// than the bound's worth of newer notifications have completed since (and
// its TTL has not run out). At a sustained r notifications per second the
// window is bound/r seconds: the default 100 000 keys cover DOKU's retry
// span (DOKURetrySpan) up to about 2.3 notifications per second. Evicting a
// record younger than DOKURetrySpan means a late DOKU retry of it would run
// the side effect again: it is counted (MemoryMetrics) and logged as a
// warning (MemoryLogger), at most once a minute, saying to raise the bound
// or use Redis.
//
// Claims (Claimer: the middleware's replay keys of SNAP signatures) are
// kept apart from the keys: they are not counted by Len, never take a
// record's place, and are bounded by the same number on their own (a full
// set drops the claim closest to expiry; claims live minutes, so that
// takes MaxKeys notifications within one replay TTL).
//
// Expired keys are removed as time passes (a min-heap on expiry), never by
// a background goroutine; eviction takes the head of a list of completed
// records in completion order, so every operation is O(log n).
type Memory struct {
	mu   sync.Mutex
	keys map[string]*entry
	exp  expiryHeap
	done doneList // completed records, oldest completion first
	max  int
	now  func() time.Time
	seq  uint64
	// Claims (Claimer), apart from the keys so they neither count toward
	// Len nor take a completed record's place: value in entry.token.
	claims map[string]*entry
	cexp   expiryHeap

	log       *slog.Logger
	evictions prometheus.Counter
	reg       prometheus.Registerer
	// Evictions of records younger than DOKURetrySpan since the last
	// warning, and when that warning was logged.
	young    int
	warnedAt time.Time
}

type entry struct {
	key   string
	state State // StateInFlight or StateCompleted
	token string
	fp    Fingerprint
	rec   *Record
	until time.Time
	idx   int // in Memory.exp
	// For completed records: when it completed, and its neighbours in
	// Memory.done.
	completed  time.Time
	prev, next *entry
}

// MemoryOption configures NewMemory.
type MemoryOption func(*Memory)

// MemoryMaxKeys sets the maximum number of live keys (n > 0).
func MemoryMaxKeys(n int) MemoryOption {
	return func(m *Memory) {
		if n > 0 {
			m.max = n
		}
	}
}

// MemoryClock replaces time.Now, for tests that move time without sleeping.
func MemoryClock(now func() time.Time) MemoryOption {
	return func(m *Memory) {
		if now != nil {
			m.now = now
		}
	}
}

// MemoryMetrics registers the counter dokukit_idempotency_evictions_total
// (completed records evicted to make room in a full store) on reg. Memory
// stores sharing reg share the counter. nil means no metrics. NewMemory
// panics if reg refuses the counter (a different collector under that
// name), at setup time; a notify channel returns that as an error.
func MemoryMetrics(reg prometheus.Registerer) MemoryOption {
	return func(m *Memory) { m.reg = reg }
}

// MemoryLogger sets where the store warns that it evicted a record younger
// than DOKURetrySpan (duplicate protection degraded). The warning carries
// counts and durations only, never a key. nil (the default) means no
// logging.
func MemoryLogger(l *slog.Logger) MemoryOption {
	return func(m *Memory) { m.log = l }
}

// NewMemory returns an empty in-memory store.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{keys: make(map[string]*entry), claims: make(map[string]*entry), max: DefaultMaxKeys, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	if m.reg != nil {
		c, err := promreg.Register(m.reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dokukit_idempotency_evictions_total",
			Help: "Completed idempotency records evicted early to make room in a full memory store.",
		}))
		if err != nil {
			panic(err)
		}
		m.evictions = c
	}
	return m
}

// Len reports the number of live keys (leases and records).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(m.now())
	return len(m.keys)
}

// Reserve implements Store.
func (m *Memory) Reserve(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (Reservation, error) {
	if err := checkArgs(key, lease); err != nil {
		return Reservation{}, opErr("reserve", err)
	}
	if err := ctx.Err(); err != nil {
		return Reservation{}, opErr("reserve", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	return m.reserve(now, key, fp, lease)
}

// ReserveClaim implements Claimer. The claim is looked at first, under the
// same lock as the reservation, so a claim held by another value skips the
// reservation (a zero Reservation): a refused replay takes no lease, and
// replays cannot fill the store with leases. Claims are bounded by
// MemoryMaxKeys on their own; a full set of claims drops the one closest to
// expiry.
func (m *Memory) ReserveClaim(ctx context.Context, key string, fp Fingerprint, lease time.Duration, claim Claim) (Reservation, string, error) {
	if err := checkReserveClaim(key, lease, claim); err != nil {
		return Reservation{}, "", err
	}
	if err := ctx.Err(); err != nil {
		return Reservation{}, "", opErr("reserve", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	prior := ""
	if c, ok := m.claims[claim.Key]; ok {
		if prior = c.token; prior != claim.Value {
			return Reservation{}, prior, nil
		}
	} else {
		if len(m.claims) >= m.max {
			delete(m.claims, heap.Pop(&m.cexp).(*entry).key)
		}
		c := &entry{key: claim.Key, token: claim.Value, until: now.Add(claim.TTL)}
		m.claims[claim.Key] = c
		heap.Push(&m.cexp, c)
	}
	res, err := m.reserve(now, key, fp, lease)
	return res, prior, err
}

// reserve is Reserve with m.mu held and expire called.
func (m *Memory) reserve(now time.Time, key string, fp Fingerprint, lease time.Duration) (Reservation, error) {
	if e, ok := m.keys[key]; ok {
		if e.state == StateCompleted {
			return Reservation{State: StateCompleted, Fingerprint: e.fp, Record: cloneRecord(e.rec)}, nil
		}
		return Reservation{State: StateInFlight, Fingerprint: e.fp}, nil
	}
	if !m.makeRoom(now) {
		return Reservation{}, opErr("reserve", ErrFull)
	}
	m.seq++
	e := &entry{key: key, state: StateInFlight, token: "m" + strconv.FormatUint(m.seq, 36), fp: fp, until: now.Add(lease)}
	m.keys[key] = e
	heap.Push(&m.exp, e)
	return Reservation{State: StateReserved, Token: e.token, Fingerprint: fp}, nil
}

// Complete implements Store.
func (m *Memory) Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error {
	now, err := m.lock("complete", key, ttl)
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.keys[key]
	if !ok {
		if !m.makeRoom(now) {
			return opErr("complete", ErrFull)
		}
		e = &entry{key: key, until: now.Add(ttl)}
		m.keys[key] = e
		heap.Push(&m.exp, e)
	} else if e.state != StateInFlight || e.token != token {
		return opErr("complete", ErrLeaseLost)
	}
	e.state, e.token, e.fp, e.rec = StateCompleted, "", rec.Fingerprint, cloneRecord(&rec)
	e.until = now.Add(ttl)
	e.completed = now
	heap.Fix(&m.exp, e.idx)
	m.done.pushBack(e)
	return nil
}

// Release implements Store.
func (m *Memory) Release(ctx context.Context, key, token string) error {
	if key == "" {
		return opErr("release", ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(m.now())
	e, ok := m.leased(key, token)
	if !ok {
		return opErr("release", ErrLeaseLost)
	}
	heap.Remove(&m.exp, e.idx)
	delete(m.keys, key)
	return nil
}

// Extend implements Extender.
func (m *Memory) Extend(ctx context.Context, key, token string, lease time.Duration) error {
	now, err := m.lock("extend", key, lease)
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.leased(key, token)
	if !ok {
		return opErr("extend", ErrLeaseLost)
	}
	e.until = now.Add(lease)
	heap.Fix(&m.exp, e.idx)
	return nil
}

// lock checks op's arguments, takes m.mu and drops what has expired. On
// success the caller holds m.mu and unlocks it.
func (m *Memory) lock(op, key string, d time.Duration) (time.Time, error) {
	if err := checkArgs(key, d); err != nil {
		return time.Time{}, opErr(op, err)
	}
	m.mu.Lock()
	now := m.now()
	m.expire(now)
	return now, nil
}

// leased returns key's entry if token holds its in-flight lease; the caller
// holds m.mu.
func (m *Memory) leased(key, token string) (*entry, bool) {
	e, ok := m.keys[key]
	return e, ok && e.state == StateInFlight && e.token == token
}

// expire drops every key whose lease or record has run out; the caller
// holds m.mu.
func (m *Memory) expire(now time.Time) {
	for len(m.exp) > 0 && !m.exp[0].until.After(now) {
		e := heap.Pop(&m.exp).(*entry)
		if e.state == StateCompleted {
			m.done.remove(e)
		}
		delete(m.keys, e.key)
	}
	for len(m.cexp) > 0 && !m.cexp[0].until.After(now) {
		delete(m.claims, heap.Pop(&m.cexp).(*entry).key)
	}
}

// makeRoom reports whether one more key fits, evicting the record
// completed longest ago if the store is full. It reports false only when
// in-flight reservations alone fill the store. The caller holds m.mu and
// has called expire.
func (m *Memory) makeRoom(now time.Time) bool {
	if len(m.keys) < m.max {
		return true
	}
	e := m.done.head
	if e == nil {
		return false
	}
	m.done.remove(e)
	heap.Remove(&m.exp, e.idx)
	delete(m.keys, e.key)
	if m.evictions != nil {
		m.evictions.Inc()
	}
	if age := now.Sub(e.completed); age < DOKURetrySpan {
		m.young++
		if m.log != nil && (m.warnedAt.IsZero() || now.Sub(m.warnedAt) >= evictWarnEvery) {
			m.log.LogAttrs(context.Background(), slog.LevelWarn,
				"dokukit: idempotency memory store full: evicted a record younger than DOKU's retry span, so a late DOKU retry of it would run again; raise MemoryMaxKeys or use the Redis store",
				slog.Duration("record_age", age),
				slog.Duration("retry_span", DOKURetrySpan),
				slog.Int("young_evictions", m.young),
				slog.Int("max_keys", m.max))
			m.warnedAt, m.young = now, 0
		}
	}
	return true
}

func cloneRecord(r *Record) *Record {
	c := *r
	c.Header = r.Header.Clone()
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	return &c
}

// doneList is an intrusive doubly linked list of completed entries in the
// order they completed (a record's completion time never changes, so
// appending keeps it sorted): O(1) append, removal and oldest.
type doneList struct{ head, tail *entry }

func (l *doneList) pushBack(e *entry) {
	e.prev, e.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = e
	} else {
		l.head = e
	}
	l.tail = e
}

func (l *doneList) remove(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

type expiryHeap []*entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.idx = -1
	return e
}
