package idempotency

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
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
// script on one key, so they are atomic; ReserveClaim is two such scripts
// in one pipeline (one round trip), one per key; keys are hash-tagged
// (prefix + "{" + key + "}") so a deployment that later adds more keys per
// notification keeps them in one Cluster slot.
//
// Every call returns within RedisTimeout, whatever the client is waiting
// for (a reply, a pool connection, a dial, go-redis's own retries), with a
// StoreError matching ErrTimeout when it ran out. Set the client's
// ContextTimeoutEnabled as well: without it go-redis keeps a connection
// whose reply is late until its ReadTimeout (default 5 s), so a stall
// exhausts the pool sooner (calls still return in time; they fail sooner).
// A call that gives up leaves its command to go-redis, which ends it by its
// own timeouts: at most one such command per pool connection.
//
// A lease can outlive its owner's wish to give it up: a Release that
// failed (Redis stalled or unreachable), or a Reserve whose caller gave up
// but that Redis ran anyway (a stalled Redis runs what queued up in its
// socket when it resumes). The store retries releasing such leases in the
// background, by their token, so the key frees as soon as Redis answers
// again rather than when the lease runs out: first after 50 ms, backing off
// to once a second, for up to 10 minutes, at most 10 000 pending (the
// oldest dropped first: its lease expires on its own). The retry goroutine
// exists only while releases are pending; Close stops it.
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
	retry   releaseQueue
}

// RedisOption configures NewRedis.
type RedisOption func(*Redis)

// RedisKeyPrefix sets the prefix of every key (default DefaultKeyPrefix),
// e.g. to share one Redis between environments.
func RedisKeyPrefix(p string) RedisOption { return func(r *Redis) { r.prefix = p } }

// DefaultRedisTimeout bounds every Redis store call unless RedisTimeout
// says otherwise.
const DefaultRedisTimeout = 2 * time.Second

// RedisTimeout bounds every store call, from its start to its return
// (default DefaultRedisTimeout): waiting for a pool connection, dialing,
// the round trip and go-redis's retries all count, so a hung Redis turns
// into a store error (ErrTimeout) rather than a hung notification. A
// caller's context deadline that comes sooner is kept.
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
	r := &Redis{c: client, prefix: DefaultKeyPrefix, timeout: DefaultRedisTimeout}
	for _, o := range opts {
		o(r)
	}
	r.initRetry()
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

// call runs f, one store operation's round trip, and returns within
// r.timeout (or ctx's sooner deadline) even if f does not: go-redis bounds
// a wait for a pool connection by the context, but without
// ContextTimeoutEnabled a reply on a connection it holds only by the
// client's ReadTimeout. If the caller gives up (abandoned), f finishes in
// the background, and the caller must not read what f writes; what f sent
// may still run when Redis answers again.
func (r *Redis) call(ctx context.Context, f func(context.Context) error) (abandoned bool, err error) {
	abandoned, err = r.bounded(ctx, f)
	if !abandoned && (err == nil || definitive(err)) {
		r.retry.answered()
	}
	return abandoned, err
}

// bounded is call without telling the retry queue that Redis answered:
// the retry goroutine's own calls.
func (r *Redis) bounded(ctx context.Context, f func(context.Context) error) (abandoned bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, timeoutErr(err) // sent nothing
	}
	// Cancelled when the caller returns: f, if still running, has run out
	// of time by then anyway (or the caller's own context ended), and the
	// cancellation stops go-redis's retries.
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done: // f finished just now: take its result
		default:
			return true, timeoutErr(ctx.Err())
		}
	}
	if err != nil && !definitive(err) {
		return false, timeoutErr(err)
	}
	return false, err
}

// timeoutErr marks a timeout (the context's, the socket's, the pool's) as
// ErrTimeout, keeping the cause; other errors pass unchanged.
func timeoutErr(err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrPoolTimeout) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// definitive reports whether err is Redis's answer (a reply, or the
// client refusing because it is closed), rather than not knowing whether
// the command ran.
func definitive(err error) bool {
	var re redis.Error
	return errors.As(err, &re) || errors.Is(err, redis.ErrClosed)
}

// A token is the fingerprint (64 hex) followed by 32 random hex digits, so
// the lease value "L"+token carries the fingerprint that concurrent
// deliveries compare against, and Release needs nothing but the token.
func leaseValue(token string) string { return "L" + token }

// newLease returns a new token for fp and its lease value, in one
// allocation (the token is the value without its "L").
func newLease(fp Fingerprint) (token, mine string) {
	var tok [16]byte
	_, _ = rand.Read(tok[:]) // never fails (crypto/rand, Go ≥ 1.24)
	var b [1 + 2*len(fp) + 2*len(tok)]byte
	b[0] = 'L'
	hex.Encode(b[1:], fp[:])
	hex.Encode(b[1+2*len(fp):], tok[:])
	mine = string(b[:])
	return mine[1:], mine
}

// Reserve implements Store. If it fails without Redis having answered (a
// timeout, a broken connection), the lease it asked for may still be taken
// when Redis resumes; the store then releases it in the background.
func (r *Redis) Reserve(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (Reservation, error) {
	if err := checkArgs(key, lease); err != nil {
		return Reservation{}, opErr("reserve", err)
	}
	if err := ctx.Err(); err != nil {
		return Reservation{}, opErr("reserve", timeoutErr(err)) // sent nothing, so nothing to release
	}
	token, mine := newLease(fp)
	var v string
	abandoned, err := r.call(ctx, func(ctx context.Context) error {
		var err error
		v, err = reserveScript.Run(ctx, r.c, []string{r.Key(key)}, mine, ms(lease)).Text()
		return err
	})
	if abandoned {
		return r.reserved(key, token, mine, fp, "", true, err) // v is still f's to write
	}
	return r.reserved(key, token, mine, fp, v, false, err)
}

// reserved turns the reserve script's reply v (or err) into a Reservation;
// v is not read when abandoned.
func (r *Redis) reserved(key, token, mine string, fp Fingerprint, v string, abandoned bool, err error) (Reservation, error) {
	switch {
	case abandoned || err != nil && !definitive(err):
		// The script may yet run (or have run, its reply lost) and take a
		// lease nobody will use: release it once Redis answers.
		r.retry.add(key, token, true)
		return Reservation{}, opErr("reserve", err)
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

// claimPrefix marks a claim's value ("R" + value), so a claim is never read
// as a lease or a record.
const claimPrefix = "R"

// ReserveClaim implements Claimer in one round trip: the reserve script on
// key and the same script on claim.Key (set if absent, else return the
// value) go out as one pipeline. Each script touches one key, so on Redis
// Cluster each key stays in its own slot; the pipeline is split by node and
// its parts sent in parallel. Scripts Redis does not know yet (after a
// restart or SCRIPT FLUSH) are sent again in full, once.
//
// It returns a Reservation whatever the claim holds (the reserve already
// ran): a caller that refuses the request must Release a StateReserved. If
// the claim fails while the reservation succeeded, the lease is released
// in the background and the error returned.
func (r *Redis) ReserveClaim(ctx context.Context, key string, fp Fingerprint, lease time.Duration, claim Claim) (Reservation, string, error) {
	if err := checkReserveClaim(key, lease, claim); err != nil {
		return Reservation{}, "", err
	}
	if err := ctx.Err(); err != nil {
		return Reservation{}, "", opErr("reserve", timeoutErr(err))
	}
	token, mine := newLease(fp)
	keys := [2]string{r.Key(key), r.Key(claim.Key)}
	args := [2][]any{{mine, ms(lease)}, {claimPrefix + claim.Value, ms(claim.TTL)}}
	var replies [2]string
	var errs [2]error
	abandoned, err := r.call(ctx, func(ctx context.Context) error {
		var err error
		replies, errs, err = r.pipeReserve(ctx, keys, args)
		return err
	})
	if abandoned || err != nil {
		// The pipeline may yet run: release the lease it may take.
		r.retry.add(key, token, true)
		return Reservation{}, "", opErr("reserve", err)
	}
	res, rerr := r.reserved(key, token, mine, fp, replies[0], false, errs[0])
	if rerr != nil {
		return Reservation{}, "", rerr
	}
	var prior string
	switch cerr := errs[1]; {
	case errors.Is(cerr, redis.Nil): // claimed
	case cerr != nil:
		if res.State == StateReserved {
			r.retry.add(key, token, false)
		}
		return Reservation{}, "", opErr("claim", cerr)
	case !strings.HasPrefix(replies[1], claimPrefix):
		if res.State == StateReserved {
			r.retry.add(key, token, false)
		}
		return Reservation{}, "", opErr("claim", ErrCorrupt)
	default:
		prior = replies[1][len(claimPrefix):]
	}
	return res, prior, nil
}

// pipeReserve runs the reserve script on each key with its args in one
// pipeline and returns each reply or Redis's error for it (redis.Nil: the
// key was claimed). err is set only when Redis did not answer (the
// connection, a timeout): then nothing is known about either command.
func (r *Redis) pipeReserve(ctx context.Context, keys [2]string, args [2][]any) (replies [2]string, errs [2]error, err error) {
	var cmds [2]*redis.Cmd
	_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range keys {
			cmds[i] = reserveScript.EvalSha(ctx, p, keys[i:i+1], args[i]...)
		}
		return nil
	})
	var again []int
	for i, c := range cmds {
		if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) && redis.HasErrorPrefix(e, "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		// Running a script twice is harmless: the reserve finds its own
		// lease, the claim its own value, and both are read as theirs.
		_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range again {
				cmds[i] = reserveScript.Eval(ctx, p, keys[i:i+1], args[i]...)
			}
			return nil
		})
	}
	for i, c := range cmds {
		replies[i], errs[i] = c.Text()
		if errs[i] != nil && !errors.Is(errs[i], redis.Nil) && !definitive(errs[i]) {
			return replies, errs, errs[i]
		}
	}
	if err != nil && !errors.Is(err, redis.Nil) && !definitive(err) {
		return replies, errs, err
	}
	return replies, errs, nil
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
	return r.owned(ctx, "complete", completeScript, key, leaseValue(token), val, ms(ttl))
}

// Extend implements Extender.
func (r *Redis) Extend(ctx context.Context, key, token string, lease time.Duration) error {
	if err := checkArgs(key, lease); err != nil {
		return opErr("extend", err)
	}
	return r.owned(ctx, "extend", extendScript, key, leaseValue(token), ms(lease))
}

// owned runs a script that acts on key only while the lease value (args[0])
// still owns it (complete, extend): the script answers 1 when it did, and
// anything else is ErrLeaseLost.
func (r *Redis) owned(ctx context.Context, op string, script *redis.Script, key string, args ...any) error {
	var n int
	_, err := r.call(ctx, func(ctx context.Context) error {
		var err error
		n, err = script.Run(ctx, r.c, []string{r.Key(key)}, args...).Int()
		return err
	})
	if err != nil {
		return opErr(op, err)
	}
	if n != 1 {
		return opErr(op, ErrLeaseLost)
	}
	return nil
}

// Release implements Store. A Release that fails without Redis having
// answered is retried in the background until Redis answers (see Redis),
// so the error it returns is for counting, not for retrying.
func (r *Redis) Release(ctx context.Context, key, token string) error {
	if key == "" {
		return opErr("release", ErrInvalid)
	}
	var n int
	_, err := r.call(ctx, func(ctx context.Context) error {
		var err error
		n, err = r.release(ctx, key, token)
		return err
	})
	if err != nil {
		if !definitive(err) {
			r.retry.add(key, token, false)
		}
		return opErr("release", err)
	}
	if n != 1 {
		return opErr("release", ErrLeaseLost)
	}
	return nil
}

func (r *Redis) release(ctx context.Context, key, token string) (int, error) {
	return releaseScript.Run(ctx, r.c, []string{r.Key(key)}, leaseValue(token)).Int()
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
