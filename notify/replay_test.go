package notify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/internal/syncbuf"
	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// replaySite is a SNAP debit channel over real HTTP on one store, with a
// side-effect counter, its logs and metrics, and a DOKU simulator.
type replaySite struct {
	doku    *doku
	clock   *fakeClock
	effects *atomic.Int32
	reg     *prometheus.Registry
	logs    *syncbuf.Buffer
	token   string
}

func newReplaySite(t *testing.T, store idempotency.Store) *replaySite {
	t.Helper()
	dokuKey, mkey, _ := keys(t)
	secrets, err := verify.SecretsFor(muxClient, []byte(snapSecret))
	require.NoError(t, err)
	s := &replaySite{clock: testkit.NewClock(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)), effects: &atomic.Int32{},
		reg: prometheus.NewPedanticRegistry(), logs: &syncbuf.Buffer{}}
	m, err := NewMux(MuxConfig{
		Common: Common{Store: store, Registerer: s.reg, Timestamps: verify.Timestamps{Now: s.clock.Now},
			Logger: slog.New(slog.NewJSONHandler(s.logs, nil))},
		TokenKey:       mkey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&dokuKey.PublicKey}},
		SNAPSecrets:    secrets,
		SNAPDebit:      func(context.Context, *schemas.SNAPDebitNotify) error { s.effects.Add(1); return nil },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	s.doku = &doku{t: t, url: srv.URL, clock: s.clock, key: dokuKey}
	s.token = s.doku.fetchToken()
	return s
}

// wired is one notification as it went over the wire, signature and all:
// what a proxy or a log sees.
type wired struct {
	header http.Header
	body   []byte
}

// deliver has DOKU sign and send a debit notification now, and returns its
// answer and what went over the wire.
func (s *replaySite) deliver(externalID string, body []byte) (reply, wired) {
	var w wired
	rep := s.doku.notify(DefaultSNAPDebitPath, externalID, body, s.token, func(r *http.Request) {
		w.header = r.Header.Clone()
		w.body = body
	})
	return rep, w
}

// resend replays a captured notification under another X-EXTERNAL-ID,
// everything else byte for byte.
func (s *replaySite) resend(t *testing.T, w wired, externalID string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.doku.url+DefaultSNAPDebitPath, bytes.NewReader(w.body))
	require.NoError(t, err)
	req.Header = w.header.Clone()
	req.Header.Set("X-EXTERNAL-ID", externalID)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b struct{ ResponseCode string }
	_ = json.Unmarshal(raw, &b)
	return reply{resp.StatusCode, b.ResponseCode, string(raw)}
}

// refused reads dokukit_idempotency_requests_total{outcome="replay_refused"}
// (0 when there is no such series).
func (s *replaySite) refused() float64 {
	fams, err := s.reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range fams {
		if f.GetName() != "dokukit_idempotency_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == "replay_refused" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// replayStores are the stores the attack is run on: the channels' default
// memory store, a real redis-server, and a one-node Redis Cluster (each
// key of a notification in its own slot).
func replayStores() map[string]func(t *testing.T) idempotency.Store {
	return map[string]func(t *testing.T) idempotency.Store{
		"memory": func(*testing.T) idempotency.Store { return nil },
		"redis": func(t *testing.T) idempotency.Store {
			c, _ := replayRedis(t, false)
			return idempotency.NewRedis(c)
		},
		"redis-cluster": func(t *testing.T) idempotency.Store {
			c, _ := replayRedis(t, true)
			return idempotency.NewRedis(c)
		},
	}
}

// replayRedis starts redis-server (a one-node cluster when cluster) and
// returns a client whose every network round trip is counted: a single
// command or a pipeline, per node.
func replayRedis(t *testing.T, cluster bool) (redis.UniversalClient, *roundTrips) {
	rt := &roundTrips{}
	if cluster {
		srv := redistest.Start(t, redistest.Cluster())
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}})
		c.OnNewNode(func(n *redis.Client) { n.AddHook(rt) })
		t.Cleanup(func() { _ = c.Close() })
		return c, rt
	}
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	c.AddHook(rt)
	t.Cleanup(func() { _ = c.Close() })
	return c, rt
}

// roundTrips is a go-redis hook counting what the store sends: each
// single command and each pipeline is one round trip. The client's own
// housekeeping (the handshake, Cluster's slot map) is not the store's and
// is not counted.
type roundTrips struct {
	mu sync.Mutex
	n  int
}

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch strings.ToLower(cmd.Name()) {
		case "cluster", "command", "hello", "client", "ping", "info":
		default:
			h.add()
		}
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.add()
		return next(ctx, cmds)
	}
}

func (h *roundTrips) add() { h.mu.Lock(); h.n++; h.mu.Unlock() }

// take returns the count since the last take.
func (h *roundTrips) take() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.n
	h.n = 0
	return n
}

// The finding: X-EXTERNAL-ID is not signed in SNAP, so one observed
// notification re-sent under 3 fresh ids inside the skew window ran the
// side effect 4 times. Now the copies are refused 409 (4095600) and it runs
// once, on every store.
func TestSNAPReplayWithFreshExternalIDRunsOnce(t *testing.T) {
	for name, mk := range replayStores() {
		t.Run(name, func(t *testing.T) {
			s := newReplaySite(t, mk(t))
			first, wire := s.deliver("EXT-1", debitBody("INV-1"))
			require.Equal(t, reply{200, "2005600", first.raw}, first)
			for i, id := range []string{"EXT-R1", "EXT-R2", "EXT-R3"} {
				s.clock.Advance(80 * time.Second) // the last copy 4 min after signing: still inside ±5 min
				got := s.resend(t, wire, id)
				assert.Equal(t, reply{409, "4095600", `{"responseCode":"4095600","responseMessage":"Conflict"}`}, got, "replay %d", i+1)
			}
			assert.EqualValues(t, 1, s.effects.Load(), "side effects of 1 notification + 3 replays")
			assert.Equal(t, 3.0, s.refused())

			// A retry of the exact bytes (same id, same signature) is the
			// stored answer, as before.
			assert.Equal(t, first, s.resend(t, wire, "EXT-1"))
			assert.EqualValues(t, 1, s.effects.Load())

			// Logged with a hash prefix of the signature, never the signature
			// or the token.
			logs := s.logs.String()
			assert.Equal(t, 3, strings.Count(logs, `"signature_sha256_prefix":"`), logs)
			assert.Contains(t, logs, `"first_external_id":"EXT-1"`)
			assert.NotContains(t, logs, wire.header.Get("X-SIGNATURE"))
			assert.NotContains(t, logs, s.token)
		})
	}
}

// DOKU's own retries carry a new X-TIMESTAMP and so a new signature: the
// replay key does not touch them. The retry after refused replays gets
// the stored answer, and the handler ran once.
func TestDOKURetryWithNewSignatureUnaffected(t *testing.T) {
	for name, mk := range replayStores() {
		t.Run(name, func(t *testing.T) {
			s := newReplaySite(t, mk(t))
			first, wire := s.deliver("EXT-9", debitBody("INV-9"))
			require.Equal(t, 200, first.status)
			require.Equal(t, 409, s.resend(t, wire, "EXT-ATTACK").status)
			for _, wait := range []time.Duration{30 * time.Second, 4 * time.Minute} {
				s.clock.Advance(wait)
				again, retry := s.deliver("EXT-9", debitBody("INV-9"))
				require.NotEqual(t, wire.header.Get("X-SIGNATURE"), retry.header.Get("X-SIGNATURE"), "a retry is signed anew")
				assert.Equal(t, first, again, "DOKU's retry gets the stored ack")
			}
			assert.EqualValues(t, 1, s.effects.Load())
			// And a new notification signed in the same second as another
			// is not taken for a replay: its body (so its signature) differs.
			other, _ := s.deliver("EXT-10", debitBody("INV-10"))
			assert.Equal(t, 200, other.status)
			assert.EqualValues(t, 2, s.effects.Load())
		})
	}
}

// Issue 16 item 6: a new notification costs 2 Redis round trips (the
// reserve with the replay key pipelined, then the record), a retry answered
// from the store 1, on Redis and on Redis Cluster. A refused replay costs
// the pipeline plus freeing the lease the reserve took for the made-up id.
func TestSNAPReplayKeyAddsNoRoundTrip(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		name := "redis"
		if cluster {
			name = "redis-cluster"
		}
		t.Run(name, func(t *testing.T) {
			c, rt := replayRedis(t, cluster)
			s := newReplaySite(t, idempotency.NewRedis(c))
			// Warm up: Redis learns the scripts (a first EVALSHA is answered
			// NOSCRIPT and sent again), Cluster's client its slot map.
			_, warm := s.deliver("EXT-WARM", debitBody("INV-WARM"))
			require.Equal(t, 409, s.resend(t, warm, "EXT-WARM-2").status)
			rt.take()

			s.clock.Advance(time.Second)
			first, wire := s.deliver("EXT-1", debitBody("INV-1"))
			require.Equal(t, 200, first.status)
			assert.Equal(t, 2, rt.take(), "new notification")

			s.clock.Advance(time.Second)
			again, _ := s.deliver("EXT-1", debitBody("INV-1")) // DOKU's retry, new signature
			require.Equal(t, first, again)
			assert.Equal(t, 1, rt.take(), "DOKU's retry answered from the store")

			require.Equal(t, first, s.resend(t, wire, "EXT-1")) // the exact bytes again
			assert.Equal(t, 1, rt.take(), "exact retry answered from the store")

			require.Equal(t, 409, s.resend(t, wire, "EXT-2").status)
			assert.Equal(t, 2, rt.take(), "refused replay: the pipeline, then the release of the lease on EXT-2")
			assert.EqualValues(t, 2, s.effects.Load(), "the warm-up and EXT-1")
		})
	}
}

// On DOKU's RSA-signed SNAP channel the verifier base64-decodes the
// signature leniently, so a replayer can also re-encode it: the unused low
// bits of its last base64 digit change the header but not the signature.
// The replay key hashes the decoded bytes, so every encoding of one
// signature is one key.
func TestSNAPReplayReencodedRSASignatureRunsOnce(t *testing.T) {
	dokuKey, mkey, _ := keys(t)
	clock := testkit.NewClock(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	var effects atomic.Int32
	m, err := NewMux(MuxConfig{
		Common:         Common{Timestamps: verify.Timestamps{Now: clock.Now}},
		TokenKey:       mkey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&dokuKey.PublicKey}},
		SNAPRSA:        true,
		SNAPDebit:      func(context.Context, *schemas.SNAPDebitNotify) error { effects.Add(1); return nil },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	defer srv.Close()
	tok := (&doku{t: t, url: srv.URL, clock: clock, key: dokuKey}).fetchToken()

	body := debitBody("INV-RSA")
	ts := sign.FormatTimestamp(clock.Now())
	sig, err := sign.SignSNAPRSA(dokuKey, http.MethodPost, DefaultSNAPDebitPath, body, ts)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(sig, "=="), "256 bytes: the last digit before == carries 4 unused bits")
	send := func(ext, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+DefaultSNAPDebitPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TIMESTAMP", ts)
		req.Header.Set("X-SIGNATURE", sig)
		req.Header.Set("X-PARTNER-ID", muxClient)
		req.Header.Set("X-EXTERNAL-ID", ext)
		req.Header.Set("CHANNEL-ID", "DOKU")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		t.Logf("%s: %d %s", ext, resp.StatusCode, raw) // printed on failure
		return resp.StatusCode
	}
	require.Equal(t, 200, send("EXT-RSA-1", sig))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := len(sig) - 3
	for i, flip := range []int{1, 2, 15} {
		reenc := sig[:last] + string(alphabet[strings.IndexByte(alphabet, sig[last])^flip]) + "=="
		require.NotEqual(t, sig, reenc)
		require.NoError(t, sign.VerifySNAPRSA(&dokuKey.PublicKey, reenc, http.MethodPost, DefaultSNAPDebitPath, body, ts),
			"the re-encoded signature verifies")
		clock.Advance(time.Minute)
		assert.Equal(t, 409, send("EXT-RSA-R"+string(rune('1'+i)), reenc))
	}
	assert.EqualValues(t, 1, effects.Load())
}
