package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lua keeps each fenced step one atomic command.
var (
	// saveScript stores the token only while the caller's lock id is the
	// lock's value: a holder whose lock expired cannot overwrite a newer
	// token.
	saveScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`)
	unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

// RedisStore is a TokenStore in Redis (go-redis v9: a *redis.Client,
// *redis.ClusterClient or *redis.Ring), so every replica of a service uses
// one B2B token per client id and one token per customer: DOKU keeps only
// the latest token it issued, so replicas that each fetched their own
// would log each other out. A refresh happens under a lock (SET NX PX with
// a random id) whose id fences the save. A token and its lock share a hash
// tag, so Cluster accepts the scripts. Safe for concurrent use.
type RedisStore struct {
	c       redis.UniversalClient
	prefix  string
	lockTTL time.Duration
	poll    time.Duration
	now     func() time.Time
}

// RedisOption configures a RedisStore.
type RedisOption func(*RedisStore)

// RedisKeyPrefix sets the key prefix (default "dokukit:token:").
func RedisKeyPrefix(p string) RedisOption { return func(s *RedisStore) { s.prefix = p } }

// RedisLockTTL sets how long a refresh lock lives if its holder dies
// (default 30 s; longer than a token request may take).
func RedisLockTTL(d time.Duration) RedisOption {
	return func(s *RedisStore) {
		if d > 0 {
			s.lockTTL = d
		}
	}
}

// RedisClock sets the clock that turns a token's expiry into its key's
// TTL (default time.Now).
func RedisClock(now func() time.Time) RedisOption {
	return func(s *RedisStore) {
		if now != nil {
			s.now = now
		}
	}
}

// NewRedisStore returns a RedisStore on c.
func NewRedisStore(c redis.UniversalClient, opts ...RedisOption) (*RedisStore, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: NewRedisStore needs a Redis client", ErrConfig)
	}
	s := &RedisStore{c: c, prefix: "dokukit:token:", lockTTL: 30 * time.Second, poll: 10 * time.Millisecond, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

func (s *RedisStore) keys(key string) (tok, lock string) {
	tok = s.prefix + "{" + key + "}"
	return tok, tok + ":lock"
}

// Load implements TokenStore.
func (s *RedisStore) Load(ctx context.Context, key string) (Token, error) {
	k, _ := s.keys(key)
	b, err := s.c.Get(ctx, k).Bytes()
	if errors.Is(err, redis.Nil) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	var t Token
	if err := json.Unmarshal(b, &t); err != nil {
		return Token{}, fmt.Errorf("%w: stored token is not readable", ErrStore)
	}
	return t, nil
}

// Lock implements TokenStore: it polls SET NX until the lock is free or
// ctx ends.
func (s *RedisStore) Lock(ctx context.Context, key string) (Lock, error) {
	tok, lock := s.keys(key)
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	wait := s.poll
	for {
		ok, err := s.c.SetNX(ctx, lock, id, s.lockTTL).Result()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: %w", ErrStore, err)
		}
		if ok {
			return &redisLock{s: s, tok: tok, lock: lock, id: id}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

type redisLock struct {
	s             *RedisStore
	tok, lock, id string
}

// Save implements Lock: one script that writes only while the lock id matches.
func (l *redisLock) Save(ctx context.Context, t Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	until := t.ExpiresAt
	if t.RefreshExpiresAt.After(until) {
		until = t.RefreshExpiresAt
	}
	px := until.Sub(l.s.now()).Milliseconds()
	if px < 1 {
		px = 1
	}
	n, err := saveScript.Run(ctx, l.s.c, []string{l.tok, l.lock}, l.id, b, px).Int()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if n == 0 {
		return ErrLockLost
	}
	return nil
}

// Unlock implements Lock: deletes the lock only if it is still ours.
func (l *redisLock) Unlock(ctx context.Context) error {
	if err := unlockScript.Run(ctx, l.s.c, []string{l.lock}, l.id).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}
