package idempotency

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// How the Redis store retries a release Redis never answered.
const (
	// retryFirst is the wait before the first retry; it doubles after each
	// round that could not reach Redis, up to retryMax.
	retryFirst = 50 * time.Millisecond
	retryMax   = time.Second
	// retryFor is how long a release is retried before it is dropped (its
	// lease has long expired by then, unless it was very long).
	retryFor = 10 * time.Minute
	// retrySettle: a Reserve that gave up may yet run when a stalled Redis
	// resumes, so "not our lease" is believed only when Redis says it twice,
	// this far apart; a resumed Redis runs what queued up in its sockets in
	// its first milliseconds.
	retrySettle = time.Second
	// maxPendingReleases bounds the queue; the oldest is dropped first.
	maxPendingReleases = 10_000
)

// pendingRelease is a lease nobody will use: its token's owner gave up on it
// (a failed Release), or never knew it had it (a Reserve whose caller gave
// up).
type pendingRelease struct {
	key, token string
	// mayRunLater: the Reserve that takes this lease may not have run yet,
	// so an answer of "not our lease" is not final (see retrySettle).
	mayRunLater bool
	since       time.Time
	next        time.Time // earliest next try
	notOursAt   time.Time // when Redis first said it is not our lease
	done        bool
}

// releaseQueue holds the Redis store's pending releases. A goroutine runs
// only while it is not empty.
type releaseQueue struct {
	mu      sync.Mutex
	items   []*pendingRelease
	running bool
	closed  bool
	backoff time.Duration
	wake    chan struct{} // Redis answered a caller: retry now
	stop    chan struct{}
	wg      sync.WaitGroup
	// release is the store's release script, bounded like any call.
	release func(ctx context.Context, key, token string) (int, error)
}

func (r *Redis) initRetry() {
	q := &r.retry
	q.wake = make(chan struct{}, 1)
	q.stop = make(chan struct{})
	q.backoff = retryFirst
	q.release = func(ctx context.Context, key, token string) (int, error) {
		var n int // f's; read only if the call was not abandoned
		abandoned, err := r.bounded(ctx, func(ctx context.Context) error {
			var err error
			n, err = r.release(ctx, key, token)
			return err
		})
		if abandoned {
			return 0, err
		}
		return n, err
	}
}

// add queues a release of key's lease token, starting the retry goroutine
// if none runs.
func (q *releaseQueue) add(key, token string, mayRunLater bool) {
	now := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if len(q.items) >= maxPendingReleases {
		q.items[0] = nil
		q.items = q.items[1:]
	}
	q.items = append(q.items, &pendingRelease{key: key, token: token, mayRunLater: mayRunLater, since: now, next: now.Add(retryFirst)})
	if !q.running {
		q.running = true
		q.wg.Add(1)
		go q.loop()
	}
}

// answered tells the queue that Redis just answered a call, so a retry
// waiting out its back-off can go now.
func (q *releaseQueue) answered() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pending reports how many releases wait for a retry.
func (q *releaseQueue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *releaseQueue) loop() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if q.closed || len(q.items) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		next := q.items[0].next
		for _, it := range q.items[1:] {
			if it.next.Before(next) {
				next = it.next
			}
		}
		q.mu.Unlock()
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-q.stop:
				t.Stop()
				continue // closed: the top of the loop exits
			case <-q.wake:
				t.Stop()
				q.retryUnreachedNow()
			case <-t.C:
			}
		}
		q.round()
	}
}

// retryUnreachedNow makes every release that failed to reach Redis due at
// once (not those waiting out retrySettle).
func (q *releaseQueue) retryUnreachedNow() {
	now := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.items {
		if it.notOursAt.IsZero() {
			it.next = now
		}
	}
	q.backoff = retryFirst
}

// round tries every due release once, in queue order, and stops at the
// first that cannot reach Redis (the others would wait just as long).
func (q *releaseQueue) round() {
	now := time.Now()
	q.mu.Lock()
	var due []*pendingRelease
	for _, it := range q.items {
		if !it.next.After(now) {
			due = append(due, it)
		}
	}
	q.mu.Unlock()
	for i, it := range due {
		select {
		case <-q.stop:
			return
		default:
		}
		n, err := q.release(context.Background(), it.key, it.token)
		now := time.Now()
		q.mu.Lock()
		switch {
		case err != nil && !definitive(err):
			// Still unreachable: back off, this one and the rest.
			for _, rest := range due[i:] {
				rest.next = now.Add(q.backoff)
				q.expire(rest, now)
			}
			q.backoff = min(2*q.backoff, retryMax)
			q.compact()
			q.mu.Unlock()
			return
		case err != nil, n == 1, !it.mayRunLater:
			// Released; or Redis answered, finally: not our lease (it
			// expired, or a late Release got there first).
			it.done = true
		case it.notOursAt.IsZero():
			it.notOursAt, it.next = now, now.Add(retrySettle)
		case now.Sub(it.notOursAt) >= retrySettle:
			it.done = true
		default:
			it.next = it.notOursAt.Add(retrySettle)
		}
		q.expire(it, now)
		q.backoff = retryFirst
		q.compact()
		q.mu.Unlock()
	}
}

// expire drops a release tried for longer than retryFor; the caller holds
// q.mu.
func (q *releaseQueue) expire(it *pendingRelease, now time.Time) {
	if now.Sub(it.since) >= retryFor {
		it.done = true
	}
}

// compact removes finished releases; the caller holds q.mu.
func (q *releaseQueue) compact() {
	if q.closed {
		return
	}
	kept := q.items[:0]
	for _, it := range q.items {
		if !it.done {
			kept = append(kept, it)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
}

// close stops the retry goroutine and returns what was still pending.
func (q *releaseQueue) close() []*pendingRelease {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	close(q.stop)
	q.mu.Unlock()
	q.wg.Wait()
	q.mu.Lock()
	defer q.mu.Unlock()
	var left []*pendingRelease
	for _, it := range q.items {
		if !it.done {
			left = append(left, it)
		}
	}
	q.items = nil
	return left
}

// PendingReleases reports how many leases the store is still trying to
// release because Redis did not answer (see Redis): 0 once Redis is back
// and the retries went through.
func (r *Redis) PendingReleases() int { return r.retry.pending() }

// Close stops retrying lost releases: it tries each pending one once more,
// all within one RedisTimeout, then drops them (their leases expire on
// their own). It reports a StoreError (Op "close") saying how many were
// left, wrapping the last failure. The store stays usable after Close, but
// a release Redis does not answer is no longer retried. It does not close
// the client. Close is safe to call more than once; only the first call
// does anything. It makes *Redis an io.Closer, so a program holding a Store
// can close whichever store it was given.
func (r *Redis) Close() error {
	left := r.retry.close()
	if len(left) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	failed := 0
	var last error
	for _, it := range left {
		if _, err := r.retry.release(ctx, it.key, it.token); err != nil && !definitive(err) {
			failed++
			last = err
		}
	}
	if failed == 0 {
		return nil
	}
	return opErr("close", fmt.Errorf("%d lost releases not retried (their leases expire on their own): %w", failed, last))
}
