package dedupe

import (
	"context"
	"sync"

	"github.com/dokukit/dokukit/middleware/idempotency"
)

// renewer keeps the leases of running handlers alive: one goroutine per
// Guard, running only while some handler holds a lease, pushes every held
// lease's expiry out by a whole lease each third of a lease. A request that
// finishes before the next round costs a map insert and delete, never a
// timer or goroutine of its own; a lease is renewed at most a third of a
// lease after it was taken, so it never has less than two thirds left.
type renewer struct {
	g       *Guard
	ext     idempotency.Extender
	mu      sync.Mutex
	live    map[*lease]struct{}
	running bool
}

func (rn *renewer) add(l *lease) {
	rn.mu.Lock()
	rn.live[l] = struct{}{}
	start := !rn.running
	rn.running = true
	rn.mu.Unlock()
	if start {
		go rn.loop()
	}
}

// remove takes an ended lease out of the rounds. The caller has set
// l.ended under l.mu, so a round that already picked l skips it.
func (rn *renewer) remove(l *lease) {
	rn.mu.Lock()
	delete(rn.live, l)
	rn.mu.Unlock()
}

// loop renews every live lease each third of a lease, and returns at the
// first round that finds none (a later add starts it again).
func (rn *renewer) loop() {
	every := rn.g.c.Lease / 3
	var batch []*lease
	for {
		c, _ := rn.g.c.After(every)
		<-c
		rn.mu.Lock()
		if len(rn.live) == 0 {
			rn.running = false
			rn.mu.Unlock()
			return
		}
		batch = batch[:0]
		for l := range rn.live {
			batch = append(batch, l)
		}
		rn.mu.Unlock()
		for _, l := range batch {
			rn.extend(l)
		}
		clear(batch)
	}
}

func (rn *renewer) extend(l *lease) {
	l.mu.Lock() // held while renewing, so ending the lease waits for this
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	for _, h := range l.keys() {
		ctx, cancel := context.WithTimeout(context.Background(), rn.g.c.Lease/3)
		if err := rn.ext.Extend(ctx, h.key, h.token, rn.g.c.Lease); err != nil {
			rn.g.inc(outcomeStoreError)
		}
		cancel()
	}
}
