package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// A SNAP debit notification body (service 56) of typical size.
var notifyBody = []byte(`{"originalPartnerReferenceNo":"INV-20240101-0001","originalReferenceNo":"2020102977770000000009","originalExternalId":"418075533589","latestTransactionStatus":"00","transactionStatusDesc":"SUCCESS","amount":{"value":"150000.00","currency":"IDR"},"additionalInfo":{"custIdMerchant":"CUST-1","accountType":"WALLET","channel":"EMONEY_DANA_SNAP"}}`)

var notifyAck = []byte(`{"responseCode":"2005600","responseMessage":"Request has been processed successfully","approvalCode":"123456"}`)

// discardWriter is a reusable ResponseWriter that keeps only the status, so
// a benchmark measures the middleware, not httptest.ResponseRecorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func ackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(notifyAck)
	})
}

// naiveDedup is the pitfall docs/protocol.md §7 warns about, as a baseline: a
// mutex-guarded set marked "seen" before the handler runs, no fingerprint,
// no stored response, one process only.
func naiveDedup(next http.Handler) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := r.Header.Get("X-PARTNER-ID") + ":" + r.Header.Get("X-EXTERNAL-ID")
		mu.Lock()
		dup := seen[k]
		seen[k] = true
		mu.Unlock()
		if dup {
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// runNotify serves b.N notifications: with fresh X-EXTERNAL-IDs (every one
// processed) or one repeated id (every one after the first replayed).
// Signed requests carry an X-SIGNATURE as SNAP notifications do (a new one
// per fresh id, the same one for the repeats), so the guard also keeps the
// signature's replay key; unsigned ones measure the guard without it.
func runNotify(b *testing.B, h http.Handler, fresh, signed bool) {
	r, _ := http.NewRequest(http.MethodPost, "/v1.0/debit/notify", nil)
	r.Header.Set("X-PARTNER-ID", "DOKU")
	r.Header.Set("X-EXTERNAL-ID", "418075533589")
	var sig [64]byte // an HMAC-SHA512's size; the guard does not verify it
	var sigbuf []byte
	if signed {
		r.Header.Set("X-SIGNATURE", base64.StdEncoding.EncodeToString(sig[:]))
	}
	w := &discardWriter{h: http.Header{}}
	rd := bytes.NewReader(notifyBody)
	var idbuf []byte
	b.SetBytes(int64(len(notifyBody)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if fresh {
			idbuf = strconv.AppendInt(idbuf[:0], int64(i), 10)
			r.Header["X-External-Id"][0] = string(idbuf)
			if signed {
				binary.BigEndian.PutUint64(sig[:], uint64(i))
				sigbuf = base64.StdEncoding.AppendEncode(sigbuf[:0], sig[:])
				r.Header["X-Signature"][0] = string(sigbuf)
			}
		}
		rd.Reset(notifyBody)
		r.Body = io.NopCloser(rd)
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		w.status = 0
	}
}

// BenchmarkIdempotency: the middleware's overhead over the bare handler,
// with the memory store and with a local Redis, for first deliveries (new:
// reserve + complete) and retries (replay: one lookup, handler not run),
// beside the naive "seen set" baseline.
func BenchmarkIdempotency(b *testing.B) {
	b.Run("bare-handler", func(b *testing.B) { runNotify(b, ackHandler(), true, false) })
	b.Run("naive-seen-map/new", func(b *testing.B) { runNotify(b, naiveDedup(ackHandler()), true, false) })
	b.Run("naive-seen-map/replay", func(b *testing.B) { runNotify(b, naiveDedup(ackHandler()), false, false) })

	mem := func() http.Handler {
		return guard(b, dedupe.Config{Store: idempotency.NewMemory(idempotency.MemoryMaxKeys(1 << 24)), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(ackHandler())
	}
	b.Run("memory/new", func(b *testing.B) { runNotify(b, mem(), true, false) })
	b.Run("memory/replay", func(b *testing.B) { runNotify(b, mem(), false, false) })
	b.Run("memory/new-signed", func(b *testing.B) { runNotify(b, mem(), true, true) })
	b.Run("memory/replay-signed", func(b *testing.B) { runNotify(b, mem(), false, true) })

	b.Run("redis", func(b *testing.B) {
		srv := redistest.Start(b)
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		rt := &roundTrips{}
		c.AddHook(rt)
		b.Cleanup(func() { _ = c.Close() })
		red := func(prefix string) http.Handler {
			return guard(b, dedupe.Config{Store: idempotency.NewRedis(c, idempotency.RedisKeyPrefix(prefix)), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})(ackHandler())
		}
		n := 0
		for _, sub := range []struct {
			name          string
			fresh, signed bool
		}{{"new", true, false}, {"replay", false, false}, {"new-signed", true, true}, {"replay-signed", false, true}} {
			b.Run(sub.name, func(b *testing.B) {
				n++
				h := red("bench:" + sub.name + ":" + strconv.Itoa(n) + ":")
				rt.n.Store(0)
				runNotify(b, h, sub.fresh, sub.signed)
				b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
			})
		}
	})
}

// guard is dedupe.New(c).Handler.
func guard(b *testing.B, c dedupe.Config) func(http.Handler) http.Handler {
	g, err := dedupe.New(c)
	if err != nil {
		b.Fatal(err)
	}
	return g.Handler
}

// roundTrips counts Redis round trips: each command and each pipeline.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}
