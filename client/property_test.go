package client_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/testkit"
)

// clock is a settable clock shared by the simulator and the clients.
type clock = testkit.Clock

// sent records, per request the clients send, the clock and the bearer
// token (observing the wire; DOKU's side is the real simulator).
type sent struct {
	mu    sync.Mutex
	clock *clock
	seen  []sentToken
}

type sentToken struct {
	at    time.Time
	token string
}

func (s *sent) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		s.mu.Lock()
		s.seen = append(s.seen, sentToken{s.clock.Now(), a[len("Bearer "):]})
		s.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Any interleaving of N concurrent callers in several client instances
// sharing one store, over token expiries, makes exactly one token request
// per expiry and never sends an expired token.
func TestPropertyOneTokenRequestPerExpiry(t *testing.T) {
	const ttl = 900 * time.Second
	const margin = 60 * time.Second
	clk := testkit.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newSim(t, func(c *dokutest.Config) { c.Now = clk.Now; c.TokenTTL = ttl })
	body := with(t, "kirim.balance_inquiry", nil)

	params := gopter.DefaultTestParametersWithSeed(20261201)
	params.MinSuccessfulTests = 25
	props := gopter.NewProperties(params)
	props.Property("one token request per expiry, never an expired token", prop.ForAll(
		func(instances, callers int, offsets []int) bool {
			base := clk.Now().Add(24 * time.Hour)
			rec := &sent{clock: clk}
			store := client.NewMemoryStore()
			var cs []*client.Client
			for range instances {
				cs = append(cs, newClient(t, s, func(cfg *client.Config) {
					cfg.Store, cfg.Now, cfg.TokenMargin = store, clk.Now, margin
					cfg.HTTPClient = &http.Client{Transport: rec}
				}))
			}
			sort.Ints(offsets)
			before := len(routeRequests(s, "wallet.token_b2b"))
			want := 0
			var expires time.Time
			for _, off := range offsets {
				now := base.Add(time.Duration(off) * time.Second)
				if want == 0 || !now.Before(expires.Add(-margin)) {
					want++
					expires = now.Add(ttl)
				}
				clk.Set(now)
				var wg sync.WaitGroup
				failed := make(chan error, callers)
				for i := range callers {
					wg.Go(func() {
						r, err := cs[i%instances].Do(context.Background(), "kirim.balance_inquiry", body)
						if err == nil && r.Attempts != 1 {
							err = assert.AnError
						}
						if err != nil {
							failed <- err
						}
					})
				}
				wg.Wait()
				close(failed)
				for err := range failed {
					t.Logf("a call failed or was retried: %v", err)
					return false
				}
			}
			got := len(routeRequests(s, "wallet.token_b2b")) - before
			if got != want {
				t.Logf("token requests: got %d, want %d (offsets %v)", got, want, offsets)
				return false
			}
			issued := map[string]time.Time{}
			for _, tok := range s.Tokens() {
				issued[tok.Value] = tok.IssuedAt
			}
			for _, st := range rec.seen {
				at, ok := issued[st.token]
				if !ok || !st.at.Before(at.Add(ttl)) {
					t.Logf("sent a token issued %v at %v", at, st.at)
					return false
				}
			}
			return true
		},
		gen.IntRange(1, 4),
		gen.IntRange(2, 8),
		gen.SliceOfN(6, gen.IntRange(0, 3*900)),
	))
	props.TestingRun(t)
}

// A customer's token is refreshed with its refresh token when it is due,
// and sent as Authorization-Customer: Bearer.
func TestCustomerTokenRefresh(t *testing.T) {
	clk := testkit.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newSim(t, func(c *dokutest.Config) { c.Now = clk.Now })
	c := newClient(t, s, func(cfg *client.Config) { cfg.Now = clk.Now })
	bind(t, c, "1120340030")
	body := with(t, "wallet.balance_inquiry", nil)
	must(t, c, "wallet.balance_inquiry", body)
	kinds := func() map[string]int {
		m := map[string]int{}
		for _, tok := range s.Tokens() {
			m[tok.Kind]++
		}
		return m
	}
	require.Equal(t, 1, kinds()[dokutest.TokenB2B2C])
	clk.Set(clk.Now().Add(850 * time.Second)) // within the margin of both tokens
	must(t, c, "wallet.balance_inquiry", body)
	k := kinds()
	assert.Equal(t, 2, k[dokutest.TokenB2B2C], "refreshed with the refresh token")
	assert.Equal(t, 2, k[dokutest.TokenB2B])
	last := routeRequests(s, "wallet.token_b2b2c")
	assert.Contains(t, last[len(last)-1].Body, `"grantType":"refresh_token"`)
}
