package idempotency

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultKeyPrefix prefixes every Redis key unless RedisKeyPrefix says
// otherwise.
const DefaultKeyPrefix = "dokukit:idem:"

// Every script touches exactly one key, passed in KEYS[1], so it runs on
// Redis Cluster too. Values: "L"+fingerprint(64 hex)+token for a lease,
// "C"+fingerprint+JSON(Record) for a record.
var (
	// Returns the current value, or false after claiming the key.
	reserveScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`)
	// Replaces our lease with the record; also writes it if the key is
	// absent (our lease expired and nobody took the key over: storing the
	// record then still prevents a later duplicate). Seeing the record
	// already there means go-redis retried a call whose reply was lost.
	completeScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] or v == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`)
	// Pushes our lease's expiry out; 0 when the lease is not ours.
	extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`)
)

// Redis is a Store shared by every replica that talks to the same Redis
// (standalone, Sentinel or Cluster: anything that is a
// redis.UniversalClient). Reserve, Complete and Release are each one Lua
// script on one key, so they are atomic; keys are hash-tagged
// (prefix + "{" + key + "}") so a deployment that later adds more keys per
// notification keeps them in one Cluster slot.
//
// Durability is Redis's: a record is as durable as the server's persistence
// makes it. Run Redis with appendonly yes and appendfsync always (or
// everysec, accepting up to a second of loss on a crash); without
// persistence a Redis crash forgets completed notifications and a DOKU
// retry after it runs the side effect again.
//
// Safe for concurrent use. It does not close the client.
type Redis struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// RedisOption configures NewRedis.
type RedisOption func(*Redis)

// RedisKeyPrefix sets the prefix of every key (default DefaultKeyPrefix),
// e.g. to share one Redis between environments.
func RedisKeyPrefix(p string) RedisOption { return func(r *Redis) { r.prefix = p } }

// RedisTimeout bounds every store call (default 2 s), on top of the
// client's own read and write timeouts, so a hung Redis turns into a store
// error rather than a hung notification.
func RedisTimeout(d time.Duration) RedisOption {
	return func(r *Redis) {
		if d > 0 {
			r.timeout = d
		}
	}
}

// NewRedis returns a Store on client. It panics if client is nil (a
// programming error, like http.Handle with a nil handler).
func NewRedis(client redis.UniversalClient, opts ...RedisOption) *Redis {
	if client == nil {
		panic("idempotency: NewRedis with nil client")
	}
	r := &Redis{c: client, prefix: DefaultKeyPrefix, timeout: 2 * time.Second}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Key returns the Redis key that holds key: the prefix, then key inside a
// hash tag, with '%', '{' and '}' percent-escaped so a header value can
// neither break out of the tag nor collide with another key.
func (r *Redis) Key(key string) string {
	var b strings.Builder
	b.Grow(len(r.prefix) + len(key) + 2)
	b.WriteString(r.prefix)
	b.WriteByte('{')
	for i := 0; i < len(key); i++ {
		switch c := key[i]; c {
		case '%':
			b.WriteString("%25")
		case '{':
			b.WriteString("%7B")
		case '}':
			b.WriteString("%7D")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('}')
	return b.String()
}

func (r *Redis) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// A token is the fingerprint (64 hex) followed by 32 random hex digits, so
// the lease value "L"+token carries the fingerprint that concurrent
// deliveries compare against, and Release needs nothing but the token.
func leaseValue(token string) string { return "L" + token }

// Reserve implements Store.
func (r *Redis) Reserve(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (Reservation, error) {
	if err := checkArgs(key, lease); err != nil {
		return Reservation{}, opErr("reserve", err)
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:]) // never fails (crypto/rand, Go ≥ 1.24)
	token := fp.String() + hex.EncodeToString(tok[:])
	mine := leaseValue(token)
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	v, err := reserveScript.Run(ctx, r.c, []string{r.Key(key)}, mine, ms(lease)).Text()
	switch {
	case errors.Is(err, redis.Nil), err == nil && v == mine:
		// Claimed; or go-redis retried after a lost reply and found our
		// own lease.
		return Reservation{State: StateReserved, Token: token, Fingerprint: fp}, nil
	case err != nil:
		return Reservation{}, opErr("reserve", err)
	}
	res, err := decode(v)
	return res, opErr("reserve", err)
}

// Complete implements Store.
func (r *Redis) Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error {
	if err := checkArgs(key, ttl); err != nil {
		return opErr("complete", err)
	}
	j, err := json.Marshal(rec)
	if err != nil {
		return opErr("complete", err)
	}
	val := "C" + rec.Fingerprint.String() + string(j)
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := completeScript.Run(ctx, r.c, []string{r.Key(key)}, leaseValue(token), val, ms(ttl)).Int()
	if err != nil {
		return opErr("complete", err)
	}
	if n != 1 {
		return opErr("complete", ErrLeaseLost)
	}
	return nil
}

// Extend implements Extender.
func (r *Redis) Extend(ctx context.Context, key, token string, lease time.Duration) error {
	if err := checkArgs(key, lease); err != nil {
		return opErr("extend", err)
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := extendScript.Run(ctx, r.c, []string{r.Key(key)}, leaseValue(token), ms(lease)).Int()
	if err != nil {
		return opErr("extend", err)
	}
	if n != 1 {
		return opErr("extend", ErrLeaseLost)
	}
	return nil
}

// Release implements Store.
func (r *Redis) Release(ctx context.Context, key, token string) error {
	if key == "" {
		return opErr("release", ErrInvalid)
	}
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	n, err := releaseScript.Run(ctx, r.c, []string{r.Key(key)}, leaseValue(token)).Int()
	if err != nil {
		return opErr("release", err)
	}
	if n != 1 {
		return opErr("release", ErrLeaseLost)
	}
	return nil
}

func decode(v string) (Reservation, error) {
	if len(v) < 65 {
		return Reservation{}, ErrCorrupt
	}
	var fp Fingerprint
	if err := fp.UnmarshalText([]byte(v[1:65])); err != nil {
		return Reservation{}, err
	}
	switch v[0] {
	case 'L':
		return Reservation{State: StateInFlight, Fingerprint: fp}, nil
	case 'C':
		rec := new(Record)
		if err := json.Unmarshal([]byte(v[65:]), rec); err != nil {
			return Reservation{}, ErrCorrupt
		}
		rec.Fingerprint = fp
		return Reservation{State: StateCompleted, Fingerprint: fp, Record: rec}, nil
	}
	return Reservation{}, ErrCorrupt
}

func ms(d time.Duration) string {
	n := d.Milliseconds()
	if n < 1 {
		n = 1
	}
	return strconv.FormatInt(n, 10)
}
