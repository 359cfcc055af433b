// Package idempotency stores what the idempotency middleware
// (package dedupe) needs to answer a repeated DOKU notification with
// the original response instead of running the merchant's side effect again.
//
// A key goes through three states:
//
//	absent ──Reserve──▶ in flight (lease, owned by one token) ──Complete──▶ completed (Record)
//	   ▲                        │
//	   └────Release / lease expiry
//
// Reserve is atomic: of any number of concurrent callers, across processes
// when the store is shared (Redis), exactly one gets StateReserved and a
// token; the others see StateInFlight or StateCompleted. Complete and Release
// succeed only for the token's owner, so a caller whose lease expired (and
// was taken over) cannot overwrite the new owner's record (ErrLeaseLost).
//
// Two implementations: NewMemory (one process, bounded, the default; when
// full it evicts the oldest completed records) and NewRedis (many replicas
// sharing one Redis or Redis Cluster; every call bounded by RedisTimeout,
// leases orphaned by a stall released once Redis answers again, Close to
// stop that). The Store interface is small so that another database can
// implement it; the contract tests in this package's tests describe what
// such an implementation must do.
//
// Stores may also implement Extender (lease renewal) and Claimer (a second
// key checked in the same round trip as Reserve: the replay key of a SNAP
// signature); both stores here do, and a store without them still works.
//
// A lease that nobody releases (a crashed owner) keeps its key "in flight"
// until it expires; DefaultLease keeps that to 15 s, and lease renewal
// (Extender) keeps a slow live handler from being overtaken.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/dokukit/dokukit/sign"
)

// Store keeps idempotency keys. Implementations must be safe for concurrent
// use, and Reserve must be atomic with respect to every other caller sharing
// the store.
type Store interface {
	// Reserve claims key with a lease of the given length if the key is
	// absent (or its lease or record expired). If another caller holds the
	// key it reports StateInFlight; if a record was stored it reports
	// StateCompleted with the Record. Fingerprint is the caller's body
	// fingerprint; the state returned carries the holder's fingerprint so
	// the caller can tell a retry (same) from a conflict (different).
	Reserve(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (Reservation, error)
	// Complete replaces the lease identified by token with rec, kept for
	// ttl. If the key is absent (token's lease expired and nobody reserved
	// it since) it stores rec all the same: the work is done, and the
	// record keeps a later repeat from doing it again. It returns
	// ErrLeaseLost, storing nothing, if another token holds the key or a
	// record is already stored.
	Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error
	// Release deletes the lease identified by token so that the next
	// delivery is processed. Releasing a key that is absent or held by
	// another token is a no-op that reports ErrLeaseLost.
	Release(ctx context.Context, key, token string) error
}

// Extender is implemented by stores that can push a lease's expiry out
// while its owner is still working. The middleware renews leases of
// handlers that run longer than a third of the lease, so a slow handler is
// never overtaken by a duplicate whose lease check thinks the first one
// died. Both stores here implement it; a store that does not is used
// without renewal (pick a lease longer than any handler then).
type Extender interface {
	// Extend sets the lease identified by token to expire lease from now.
	// It returns ErrLeaseLost if the key is no longer token's lease.
	Extend(ctx context.Context, key, token string, lease time.Duration) error
}

// Claimer is implemented by stores that can, in the same round trip as a
// Reserve, remember which value a second key was first seen with. The
// middleware uses it against replays of SNAP notifications: the second key
// is a hash of the signature, which a replayer cannot change, and the value
// the X-EXTERNAL-ID, which it can (SNAP does not sign it). Both stores here
// implement it; the Redis store sends the two as one pipeline, each key in
// its own Cluster slot.
//
// A store that does not implement it still gets the protection: the
// middleware then claims the second key with a separate Reserve (whose
// fingerprint stands for the value), one more round trip per notification.
type Claimer interface {
	// ReserveClaim is Reserve(ctx, key, fp, lease) plus a claim: if
	// claim.Key is absent (or expired), it is set to claim.Value for
	// claim.TTL; a claim.Key already present is left as it is, its expiry
	// not extended. It returns the value claim.Key held before the call,
	// or "" when this call claimed it.
	//
	// The claim and the reservation need not be atomic together (on Redis
	// Cluster they live in different slots), but the claim is atomic on
	// its own: of concurrent callers claiming one key with different
	// values, exactly one gets "". When claim.Key holds another value the
	// store may skip the reservation and return a zero Reservation
	// (State 0); a caller that got StateReserved and refuses the request
	// must Release it. On error the caller holds no lease.
	ReserveClaim(ctx context.Context, key string, fp Fingerprint, lease time.Duration, claim Claim) (res Reservation, prior string, err error)
}

// Claim is the second key of Claimer.ReserveClaim.
type Claim struct {
	// Key is the store key, namespaced like Reserve's keys (never equal to
	// one of them).
	Key string
	// Value is what the key is claimed with; not empty.
	Value string
	// TTL is how long a new claim lives; positive.
	TTL time.Duration
}

func checkClaim(c Claim) error {
	if c.Value == "" {
		return ErrInvalid
	}
	return checkArgs(c.Key, c.TTL)
}

// checkReserveClaim checks ReserveClaim's arguments; the error is the
// StoreError every store returns for them.
func checkReserveClaim(key string, lease time.Duration, c Claim) error {
	if err := checkArgs(key, lease); err != nil {
		return opErr("reserve", err)
	}
	return opErr("claim", checkClaim(c))
}

// State is where a key is in its life.
type State uint8

const (
	// StateReserved: the caller now owns the key (Reservation.Token).
	StateReserved State = iota + 1
	// StateInFlight: another caller owns the key and has not finished.
	StateInFlight
	// StateCompleted: a response is stored (Reservation.Record).
	StateCompleted
)

// String names the state ("reserved", "in_flight", "completed").
func (s State) String() string {
	switch s {
	case StateReserved:
		return "reserved"
	case StateInFlight:
		return "in_flight"
	case StateCompleted:
		return "completed"
	}
	return "unknown"
}

// Reservation is the result of Store.Reserve.
type Reservation struct {
	State State
	// Token identifies the caller's lease; set only for StateReserved.
	Token string
	// Fingerprint is the body fingerprint of whoever holds the key: the
	// caller's own for StateReserved, the other request's otherwise.
	Fingerprint Fingerprint
	// Record is the stored response; set only for StateCompleted.
	Record *Record
}

// Record is a stored response, replayed byte for byte to a repeat.
type Record struct {
	Status      int         `json:"s"`
	Header      http.Header `json:"h,omitempty"`
	Body        []byte      `json:"b,omitempty"`
	Fingerprint Fingerprint `json:"f"`
}

// Fingerprint identifies a request body: SHA-256 of the minified JSON body
// (sign.BodyHash, so whitespace differences a proxy may introduce do not
// count as a different body), or SHA-256 of the raw bytes if the body is not
// JSON.
type Fingerprint [32]byte

// FingerprintBody computes the fingerprint of a request body.
func FingerprintBody(body []byte) Fingerprint {
	if h, err := sign.BodyHash(body); err == nil {
		return h
	}
	return sha256.Sum256(body)
}

// String is the lower-case hex form.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// MarshalText encodes the fingerprint as hex.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText decodes a 64-digit hex fingerprint.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return ErrCorrupt
	}
	if _, err := hex.Decode(f[:], b); err != nil {
		return ErrCorrupt
	}
	return nil
}

var (
	// ErrLeaseLost: Complete or Release was called with a token that no
	// longer owns the key (its lease expired and the key was released or
	// taken by another caller).
	ErrLeaseLost = errors.New("idempotency: lease lost")
	// ErrFull: the memory store holds its maximum number of live keys. The
	// middleware fails closed on it by default (DOKU retries later).
	ErrFull = errors.New("idempotency: store full")
	// ErrCorrupt: a stored value could not be decoded.
	ErrCorrupt = errors.New("idempotency: corrupt stored value")
	// ErrInvalid: the caller passed an empty key or a non-positive duration.
	ErrInvalid = errors.New("idempotency: invalid argument")
	// ErrTimeout: a store call did not finish within its bound (the Redis
	// store's RedisTimeout, or the caller's shorter deadline). The error
	// also matches context.DeadlineExceeded, or the client's own timeout
	// error it came from. Whether the operation took effect is unknown.
	ErrTimeout = errors.New("idempotency: store call timed out")
)

// DefaultLease is the lease an in-flight reservation should get: long
// enough that renewal (Extender, every third of the lease) keeps a live
// handler's key through a slow Redis round trip or two, short enough that a
// lease nobody owns any more — its owner crashed, or its Release was lost
// and the Redis store's retry could not reach Redis either — frees the key
// within 15 s, so DOKU's next retry is processed instead of answered 409
// "in progress".
const DefaultLease = 15 * time.Second

// StoreError says which store operation failed. It wraps one of the
// sentinel errors above or the backend's error (a Redis connection error,
// a context deadline); match with errors.Is / errors.As.
type StoreError struct {
	Op  string // "reserve", "claim", "complete", "release", "extend" or "close"
	Err error
}

// Error says which operation failed and why.
func (e *StoreError) Error() string { return "idempotency: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *StoreError) Unwrap() error { return e.Err }

func opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &StoreError{Op: op, Err: err}
}

func checkArgs(key string, d time.Duration) error {
	if key == "" || d <= 0 {
		return ErrInvalid
	}
	return nil
}
