package client_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/redistest"
)

func redisStore(t *testing.T, rs *redistest.Server) *client.RedisStore {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rc.Close() })
	st, err := client.NewRedisStore(rc)
	require.NoError(t, err)
	return st
}

// Three replicas, each with its own Redis connection, share one B2B token:
// with a 2 s token (refreshed 0.5 s early) and calls every 20 ms from each,
// exactly one token request is made per token period, and no call fails.
// A call already on its way with the old token when another replica's
// refresh replaces it is refused 401xx01 by DOKU ("the latest access token
// will be processed") and retried once with the shared new token: that is
// the one retry a call may need, never a second.
func TestReplicasShareOneTokenPerPeriod(t *testing.T) {
	rs := redistest.Start(t)
	const ttl = 2 * time.Second
	s := newSim(t, func(c *dokutest.Config) { c.TokenTTL = ttl })
	var clients []*client.Client
	for range 3 {
		clients = append(clients, newClient(t, s, func(cfg *client.Config) { cfg.Store = redisStore(t, rs) }))
	}
	body := with(t, "kirim.balance_inquiry", nil)
	deadline := time.Now().Add(5 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	var retried atomic.Int32
	for _, c := range clients {
		for range 2 {
			wg.Go(func() {
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for time.Now().Before(deadline) {
					r, err := c.Do(context.Background(), "kirim.balance_inquiry", body)
					if err != nil {
						errs <- err
						return
					}
					if r.Attempts > 2 {
						errs <- fmt.Errorf("%d attempts: more than the one retry a token change explains", r.Attempts)
						return
					}
					if r.Attempts == 2 {
						retried.Add(1)
					}
					<-tick.C
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed or needed a retry: %v", err)
	}
	var issued []time.Time
	for _, q := range routeRequests(s, "wallet.token_b2b") {
		issued = append(issued, q.Time)
	}
	period := ttl - ttl/4
	require.GreaterOrEqual(t, len(issued), 3, "5 s of calls span at least 3 periods of %v", period)
	for i := 1; i < len(issued); i++ {
		gap := issued[i].Sub(issued[i-1])
		assert.GreaterOrEqual(t, gap, period-50*time.Millisecond, "two token requests within one period (request %d)", i)
		assert.LessOrEqual(t, gap, period+300*time.Millisecond, "a period without its token request (request %d)", i)
	}
	// At most the calls in flight at each token change (6 callers) retry.
	assert.LessOrEqual(t, int(retried.Load()), 6*len(issued), "retries beyond those a token change explains")
	t.Logf("%d token requests in 5 s for 3 replicas (period %v), %d calls retried across a token change", len(issued), period, retried.Load())
}

// Redis down: the client keeps working with an in-process token and
// counts the fallback.
func TestStoreFallbackWhenRedisIsDown(t *testing.T) {
	rs := redistest.Start(t)
	s := newSim(t, nil)
	reg := prometheus.NewPedanticRegistry()
	c := newClient(t, s, func(cfg *client.Config) { cfg.Store = redisStore(t, rs); cfg.Registerer = reg })
	rs.Kill()
	r := must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	assert.Equal(t, 200, r.Status)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "dokukit_client_token_store_fallbacks_total" {
			found = true
			assert.Equal(t, 1.0, mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
	assert.True(t, found)
	_ = testutil.ToFloat64
}

// The B2B2C token is shared too: a second instance finds the customer's
// token in Redis and calls without Authorize.
func TestCustomerTokenSharedThroughRedis(t *testing.T) {
	rs := redistest.Start(t)
	s := newSim(t, nil)
	c1 := newClient(t, s, func(cfg *client.Config) { cfg.Store = redisStore(t, rs) })
	c2 := newClient(t, s, func(cfg *client.Config) { cfg.Store = redisStore(t, rs) })
	bind(t, c1, "1120340020")
	assert.True(t, c2.HasCustomer(context.Background(), testCustomer))
	r := must(t, c2, "wallet.balance_inquiry", with(t, "wallet.balance_inquiry", nil))
	assert.Equal(t, "2001100", r.ResponseCode)
	n := 0
	for _, tok := range s.Tokens() {
		if tok.Kind == dokutest.TokenB2B2C {
			n++
		}
	}
	assert.Equal(t, 1, n)
}
