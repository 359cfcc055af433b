package dedupe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// idemSignedSNAP is a SNAP debit notification signed by the kit's signer
// at ts, under X-EXTERNAL-ID ext.
func idemSignedSNAP(t *testing.T, ext, body, ts string) *http.Request {
	t.Helper()
	s, err := sign.NewSNAPSymmetric([]byte("SK-replay-test"))
	require.NoError(t, err)
	sig, err := s.Sign(http.MethodPost, "/v1.0/debit/notify", "tok", []byte(body), ts)
	require.NoError(t, err)
	r := idemSnapReq(ext, body)
	r.Header.Set("X-TIMESTAMP", ts)
	r.Header.Set("X-SIGNATURE", sig)
	r.Header.Set("Authorization", "Bearer tok")
	return r
}

// idemPlainStore hides every capability but Store (no Claimer, no
// Extender): a custom store written before the replay key, counting its
// Reserve calls (each one a round trip to its database).
type idemPlainStore struct {
	s        idempotency.Store
	reserves *atomic.Int32
}

func (p idemPlainStore) Reserve(ctx context.Context, key string, fp idempotency.Fingerprint, lease time.Duration) (idempotency.Reservation, error) {
	p.reserves.Add(1)
	return p.s.Reserve(ctx, key, fp, lease)
}
func (p idemPlainStore) Complete(ctx context.Context, key, token string, rec idempotency.Record, ttl time.Duration) error {
	return p.s.Complete(ctx, key, token, rec, ttl)
}
func (p idemPlainStore) Release(ctx context.Context, key, token string) error {
	return p.s.Release(ctx, key, token)
}

// A store without idempotency.Claimer keeps the protection: the guard
// claims the replay key with a Reserve of its own, one more call for a new
// notification, and a refused replay takes no lease.
func TestIdempotencyReplayKeyOnStoreWithoutClaimer(t *testing.T) {
	var reserves atomic.Int32
	store := idemPlainStore{s: idempotency.NewMemory(), reserves: &reserves}
	_, isClaimer := any(store).(idempotency.Claimer)
	require.False(t, isClaimer)
	reg := prometheus.NewPedanticRegistry()
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, Registerer: reg})(m)
	const ts = "2026-11-25T15:00:00+07:00"

	first := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts))
	require.Equal(t, 200, first.Code)
	assert.EqualValues(t, 2, reserves.Swap(0), "the replay key, then the X-EXTERNAL-ID")

	for _, id := range []string{"E2", "E3", "E4"} {
		w := idemServe(h, idemSignedSNAP(t, id, idemBody1, ts))
		assert.Equal(t, 409, w.Code, id)
		assert.Equal(t, "4095600", idemResponseCode(t, w), id)
	}
	assert.EqualValues(t, 3, reserves.Swap(0), "a refused replay reserves nothing but the replay key")
	assert.Equal(t, 1, m.total())
	assert.Equal(t, 3.0, testutil.ToFloat64(idemCounterFor(t, reg, "replay_refused")))

	again := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts))
	assert.Equal(t, first.Body.String(), again.Body.String(), "the exact bytes again: the stored answer")
	for _, id := range []string{"E2", "E3", "E4"} {
		assert.Equal(t, 0, m.count(id))
	}
	// DOKU's retry, signed anew a second later, is unaffected.
	retry := idemServe(h, idemSignedSNAP(t, "E1", idemBody1, "2026-11-25T15:00:01+07:00"))
	assert.Equal(t, first.Body.String(), retry.Body.String())
	assert.Equal(t, 1, m.total())
}

// The replay key lives IdempotencyReplayTTL from first sight, which is why
// it must cover the verifier's whole window: once it lapses, a copy still
// inside the window would run again.
func TestIdempotencyReplayKeyLivesItsTTL(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory(idempotency.MemoryClock(clock)), Scheme: idempotency.SchemeSNAP, ServiceCode: 56, ReplayTTL: 2 * time.Minute})(m)
	const ts = "2026-11-25T15:00:00+07:00"
	require.Equal(t, 200, idemServe(h, idemSignedSNAP(t, "E1", idemBody1, ts)).Code)
	now = now.Add(119 * time.Second)
	assert.Equal(t, 409, idemServe(h, idemSignedSNAP(t, "E2", idemBody1, ts)).Code, "within the TTL")
	now = now.Add(2 * time.Second)
	assert.Equal(t, 200, idemServe(h, idemSignedSNAP(t, "E3", idemBody1, ts)).Code, "after the TTL (a verifier would refuse it by now)")
	assert.Equal(t, 2, m.total())
}

// Non-SNAP and Kirim sign their request id: a new id is a new signature,
// so they get no replay key, and headers that look like a SNAP signature
// change nothing.
func TestIdempotencyNoReplayKeyForNonSNAPOrKirim(t *testing.T) {
	m := idemNewMerchant()
	h := guard(dedupe.Config{Store: idempotency.NewMemory()})(m)
	for _, id := range []string{"R1", "R2"} {
		r := idemNonSNAPReq(id, idemBody1)
		r.Header.Set("Signature", "HMACSHA256=c2FtZQ==")
		r.Header.Set("X-SIGNATURE", "c2FtZQ==")
		assert.Equal(t, 200, idemServe(h, r).Code, id)
	}
	for _, id := range []string{"K1", "K2"} {
		r := httptest.NewRequest("POST", "/kirim", strings.NewReader(`{"transactionStatus":"50"}`))
		r.Header.Set("agentKey", "A41418")
		r.Header.Set("requestId", id)
		r.Header.Set("signature", "c2FtZQ==")
		r.Header.Set("X-SIGNATURE", "c2FtZQ==")
		assert.Equal(t, 200, idemServe(h, r).Code, id)
	}
	assert.Equal(t, 4, m.total())
	// A SNAP request without X-SIGNATURE was not verified by a SNAP
	// verifier; there is nothing to key on, and it is keyed as before.
	assert.Equal(t, 200, idemServe(h, idemSnapReq("S1", idemBody1)).Code)
	assert.Equal(t, 200, idemServe(h, idemSnapReq("S2", idemBody1)).Code)
	assert.Equal(t, 6, m.total())
}

func TestIdempotencyReplayTTLFor(t *testing.T) {
	assert.Equal(t, 11*time.Minute, dedupe.DefaultReplayTTL)
	assert.GreaterOrEqual(t, dedupe.DefaultReplayTTL, 2*verify.DefaultSkew+time.Minute)
	for name, c := range map[string]struct {
		ts   verify.Timestamps
		want time.Duration
	}{
		"default":   {verify.Timestamps{}, dedupe.DefaultReplayTTL},
		"wider":     {verify.Timestamps{MaxPast: 15 * time.Minute, MaxFuture: time.Minute}, 17 * time.Minute},
		"past only": {verify.Timestamps{MaxPast: 10 * time.Minute}, 16 * time.Minute},
		"unchecked": {verify.Timestamps{Unchecked: true}, dedupe.DefaultTTL},
	} {
		assert.Equal(t, c.want, dedupe.ReplayTTLFor(c.ts), name)
	}
	_, err := dedupe.New(dedupe.Config{Store: idempotency.NewMemory(), ReplayTTL: -time.Second})
	assert.NoError(t, err, "a replay TTL ≤ 0 is the default, as every limit in the kit")
}
