package idempotency

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/sign"
)

func TestFingerprintBody(t *testing.T) {
	pretty := []byte("{\n  \"a\": \"x  y\",\n  \"b\": 1\n}")
	assert.Equal(t, FingerprintBody([]byte(`{"a":"x  y","b":1}`)), FingerprintBody(pretty), "whitespace outside strings does not count")
	assert.NotEqual(t, FingerprintBody([]byte(`{"a":"x y","b":1}`)), FingerprintBody(pretty), "whitespace inside strings does")
	assert.Equal(t, sign.EmptyBodyHash, FingerprintBody(nil).String())
	// Not JSON: SHA-256 of the raw bytes (echo -n 'a=1&b=2' | sha256sum).
	assert.Equal(t, "8e85be58c1c372ac29fe7bfa80d8ddcbd04a4032c7b51c1c026d67c55b1ab23f", FingerprintBody([]byte("a=1&b=2")).String())
	var f Fingerprint
	require.NoError(t, f.UnmarshalText([]byte(sign.EmptyBodyHash)))
	assert.Equal(t, FingerprintBody(nil), f)
	assert.ErrorIs(t, f.UnmarshalText([]byte("zz")), ErrCorrupt)
	assert.ErrorIs(t, f.UnmarshalText([]byte(strings.Repeat("g", 64))), ErrCorrupt)
}

// Leases alone filling the store is the one case Reserve refuses: evicting
// a lease would let a duplicate run concurrently with its first delivery.
func TestMemoryFullOfLeasesRefuses(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	m := NewMemory(MemoryMaxKeys(2), MemoryClock(c.Now))
	_, err := m.Reserve(bg, "a", fpA, time.Second)
	require.NoError(t, err)
	_, err = m.Reserve(bg, "b", fpA, 3*time.Second)
	require.NoError(t, err)
	_, err = m.Reserve(bg, "c", fpA, time.Second)
	assert.ErrorIs(t, err, ErrFull)
	var se *StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "reserve", se.Op)
	assert.ErrorIs(t, m.Complete(bg, "gone", "t", Record{Status: 200, Fingerprint: fpA}, time.Hour), ErrFull,
		"no completed record to evict for an expired owner's record either")
	assert.Equal(t, 2, m.Len())

	c.Add(2 * time.Second) // a's lease runs out, b's does not
	assert.Equal(t, 1, m.Len())
	r, err := m.Reserve(bg, "c", fpA, time.Second)
	require.NoError(t, err)
	assert.Equal(t, StateReserved, r.State)
	in, err := m.Reserve(bg, "b", fpB, time.Second)
	require.NoError(t, err)
	assert.Equal(t, StateInFlight, in.State)
}

func TestMemoryCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err := NewMemory().Reserve(ctx, "k", fpA, time.Second)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestRedisKeyEscapesHashTag(t *testing.T) {
	r := NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), RedisKeyPrefix("p:"))
	assert.Equal(t, "p:{snap:P1:E1}", r.Key("snap:P1:E1"))
	assert.Equal(t, "p:{a%7Bb%7Dc%25}", r.Key("a{b}c%"))
	// Injective on the tricky characters.
	assert.NotEqual(t, r.Key("%7B"), r.Key("{"))
	for _, k := range []string{"x}y", "{{", "}{", "%"} {
		rk := r.Key(k)
		assert.Equal(t, 1, strings.Count(rk, "{"), rk)
		assert.Equal(t, 1, strings.Count(rk, "}"), rk)
		assert.True(t, strings.HasSuffix(rk, "}"), rk)
	}
}

func TestRedisPrefixAndTTLOnServer(t *testing.T) {
	s := redistest.Start(t)
	c := redisClient(t, s)
	st := NewRedis(c, RedisKeyPrefix("shop1:"))
	r, err := st.Reserve(bg, "k", fpA, 30*time.Second)
	require.NoError(t, err)
	pttl, err := c.PTTL(bg, "shop1:{k}").Result()
	require.NoError(t, err)
	assert.InDelta(t, 30*time.Second, pttl, float64(2*time.Second), "lease TTL")
	require.NoError(t, st.Complete(bg, "k", r.Token, Record{Status: 200, Fingerprint: fpA}, 25*time.Hour))
	pttl, err = c.PTTL(bg, "shop1:{k}").Result()
	require.NoError(t, err)
	assert.InDelta(t, 25*time.Hour, pttl, float64(2*time.Second), "record TTL")
	n, err := c.Exists(bg, DefaultKeyPrefix+"{k}").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing under the default prefix")
}

func TestRedisCorruptValue(t *testing.T) {
	s := redistest.Start(t)
	c := redisClient(t, s)
	st := NewRedis(c)
	for _, v := range []string{"garbage", "C" + fpA.String() + "{not json", "X" + fpA.String(), "L" + strings.Repeat("z", 64)} {
		require.NoError(t, c.Set(bg, st.Key("bad"), v, 0).Err())
		_, err := st.Reserve(bg, "bad", fpA, time.Second)
		assert.ErrorIs(t, err, ErrCorrupt, v)
	}
}

func TestRedisDownIsAStoreError(t *testing.T) {
	s := redistest.Start(t)
	st := NewRedis(redisClient(t, s), RedisTimeout(500*time.Millisecond))
	s.Kill()
	_, err := st.Reserve(bg, "k", fpA, time.Second)
	var se *StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "reserve", se.Op)
	err = st.Complete(bg, "k", "t", Record{Status: 200}, time.Second)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "complete", se.Op)
	assert.NotErrorIs(t, err, ErrLeaseLost, "a connection error is not a lost lease")
}

func TestNewRedisNilPanics(t *testing.T) {
	assert.Panics(t, func() { NewRedis(nil) })
}
