package idempotency

import (
	"container/heap"
	"context"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxKeys bounds a Memory store unless MemoryMaxKeys says otherwise.
// At 25 h retention it is about one notification per second, sustained.
const DefaultMaxKeys = 100_000

// Memory is an in-process Store: a map with per-key expiry, bounded in
// size. It is safe for concurrent use. It protects one process only; a
// merchant running several replicas needs a shared store (NewRedis), or a
// duplicate delivered to two replicas at once runs twice.
//
// When the store is full of live keys Reserve returns ErrFull rather than
// evicting one early: evicting a completed record would let a retry run the
// side effect again. Expired keys are removed as time passes (a min-heap on
// expiry), never by a background goroutine.
type Memory struct {
	mu   sync.Mutex
	keys map[string]*entry
	exp  expiryHeap
	max  int
	now  func() time.Time
	seq  uint64
}

type entry struct {
	key   string
	state State // StateInFlight or StateCompleted
	token string
	fp    Fingerprint
	rec   *Record
	until time.Time
	idx   int
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

// NewMemory returns an empty in-memory store.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{keys: make(map[string]*entry), max: DefaultMaxKeys, now: time.Now}
	for _, o := range opts {
		o(m)
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
	if e, ok := m.keys[key]; ok {
		if e.state == StateCompleted {
			return Reservation{State: StateCompleted, Fingerprint: e.fp, Record: cloneRecord(e.rec)}, nil
		}
		return Reservation{State: StateInFlight, Fingerprint: e.fp}, nil
	}
	if len(m.keys) >= m.max {
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
	if err := checkArgs(key, ttl); err != nil {
		return opErr("complete", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	e, ok := m.keys[key]
	if !ok {
		if len(m.keys) >= m.max {
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
	heap.Fix(&m.exp, e.idx)
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
	e, ok := m.keys[key]
	if !ok || e.state != StateInFlight || e.token != token {
		return opErr("release", ErrLeaseLost)
	}
	heap.Remove(&m.exp, e.idx)
	delete(m.keys, key)
	return nil
}

// Extend implements Extender.
func (m *Memory) Extend(ctx context.Context, key, token string, lease time.Duration) error {
	if err := checkArgs(key, lease); err != nil {
		return opErr("extend", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	e, ok := m.keys[key]
	if !ok || e.state != StateInFlight || e.token != token {
		return opErr("extend", ErrLeaseLost)
	}
	e.until = now.Add(lease)
	heap.Fix(&m.exp, e.idx)
	return nil
}

// expire drops every key whose lease or record has run out; the caller
// holds m.mu.
func (m *Memory) expire(now time.Time) {
	for len(m.exp) > 0 && !m.exp[0].until.After(now) {
		e := heap.Pop(&m.exp).(*entry)
		delete(m.keys, e.key)
	}
}

func cloneRecord(r *Record) *Record {
	c := *r
	c.Header = r.Header.Clone()
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	return &c
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
