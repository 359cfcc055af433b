package dedupe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/bodyctx"
	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Defaults of a Config field left zero.
const (
	// DefaultTTL is how long a completed response is kept: 25 h covers
	// DOKU's retry span (retries at 30 min, 6 h and 12 h after the first
	// delivery) and SNAP's "X-EXTERNAL-ID unique in the same day" in any
	// timezone, without calendar-day arithmetic.
	DefaultTTL = 25 * time.Hour
	// DefaultLease is how long an in-flight reservation lives if its owner
	// never completes or releases it (process crash). The guard renews it
	// while the handler runs, so it only bounds how long a lease whose
	// owner died blocks DOKU's retry.
	DefaultLease = idempotency.DefaultLease
	// DefaultMaxBody bounds the body the guard reads itself (without a
	// verification in front).
	DefaultMaxBody = verify.DefaultMaxBodyBytes
	// ReplayMargin is added to a timestamp policy's acceptance window to
	// get how long a SNAP signature's replay key is kept: room for the
	// clocks of replicas sharing a store to disagree.
	ReplayMargin = time.Minute
	// DefaultReplayTTL covers a verifier with the default policy
	// (±verify.DefaultSkew): 2×verify.DefaultSkew + ReplayMargin, 11 minutes.
	DefaultReplayTTL = 2*verify.DefaultSkew + ReplayMargin
)

// ReplayTTLFor is the replay key TTL that covers timestamp policy t: its
// MaxPast + MaxFuture (each verify.DefaultSkew when zero) plus
// ReplayMargin. A policy with Unchecked set accepts a signature forever; it
// gets DefaultTTL, the longest the guard keeps anything.
func ReplayTTLFor(t verify.Timestamps) time.Duration {
	if t.Unchecked {
		return DefaultTTL
	}
	past, future := t.MaxPast, t.MaxFuture
	if past <= 0 {
		past = verify.DefaultSkew
	}
	if future <= 0 {
		future = verify.DefaultSkew
	}
	return past + future + ReplayMargin
}

// KeyFunc extracts a business reference (partnerReferenceNo,
// order.invoice_number) from a request and its body; "" means none. It
// must not keep body.
type KeyFunc func(r *http.Request, body []byte) string

// JSONKey is a KeyFunc reading a string or number at a dotted path in the
// JSON body, e.g. "partnerReferenceNo" or "order.invoice_number". A body
// that is not JSON, lacks the path, or has a duplicate key anywhere has no
// business key; keys are matched exactly, as schemas.Decode matches them
// (schemas.ValueAt), so the guard and the handler never read another
// reference from one body. An empty path is nil: no business key.
func JSONKey(path string) KeyFunc {
	if path == "" {
		return nil
	}
	parts := strings.Split(path, ".")
	return func(_ *http.Request, body []byte) string {
		v, _ := schemas.ValueAt(body, parts...)
		return v
	}
}

// Config configures a Guard. Only Store is required; every other zero
// value is a safe default.
type Config struct {
	// Store keeps reservations and responses. Required; share one (Redis)
	// between replicas.
	Store idempotency.Store
	// Scheme is the signature scheme whose headers carry the key (the
	// kit's one sign.Scheme; SchemeSNAPRSA keys like SchemeSNAP);
	// idempotency.SchemeAuto (the zero value) detects it from the headers
	// per request. A scheme without a key (SchemeSNAPToken) is an error.
	Scheme idempotency.Scheme
	// ServiceCode is the SNAP service code (0–99, e.g. 56 debit notify) in
	// every responseCode the guard answers; 0 renders "00".
	ServiceCode int
	// TTL is how long a completed response is kept (≤ 0: DefaultTTL).
	TTL time.Duration
	// Lease is how long an in-flight reservation survives its owner's
	// crash (≤ 0: DefaultLease). It is renewed every third of it while the
	// handler runs.
	Lease time.Duration
	// Wait makes a duplicate that arrives while the first delivery runs
	// wait up to Wait for it, then answer with the stored response (or run,
	// if the first failed). ≤ 0: answer 409 at once.
	Wait time.Duration
	// Strict answers identical repeats 409 (SNAP 409<svc>00) instead of
	// replaying the stored response: SNAP's rule for APIs the merchant
	// offers. Not for notifications from DOKU, which retries on a 409.
	Strict bool
	// FailOpen runs the handler unprotected when the store fails. Default:
	// fail closed (SNAP 500<svc>00 or 503), which DOKU retries.
	FailOpen bool
	// MaxBodyBytes bounds the body the guard reads when no verification in
	// front read it (≤ 0: DefaultMaxBody); a longer body is refused 413.
	MaxBodyBytes int64
	// BusinessKey adds a second key per request, scoped to the sender (see
	// JSONKey). Nil: none.
	BusinessKey KeyFunc
	// KeyPrefix namespaces every key, so several routes share one store
	// without one route's request ids colliding with another's.
	KeyPrefix string
	// ReplayTTL is how long a SNAP signature's replay key is kept
	// (≤ 0: DefaultReplayTTL). It must cover the time the verifier in
	// front accepts a signed timestamp: use ReplayTTLFor.
	ReplayTTL time.Duration
	// Registerer receives dokukit_idempotency_requests_total. Nil: no
	// metrics.
	Registerer prometheus.Registerer
	// Logger receives a warning per refused replay (partner id, both
	// X-EXTERNAL-IDs, the first 12 hex digits of the signature's SHA-256;
	// never the signature, a token or the body). Nil: no logging.
	Logger *slog.Logger
	// Now and After are the guard's clock: Now reads it (the Wait
	// deadline), After(d) returns a channel that receives once d has
	// passed and a stop func (lease renewal, the Wait poll, store retries).
	// Nil: time.Now and a time.Timer. Both are called from request
	// goroutines and the renewal goroutine at once, so they must be safe
	// for concurrent use. Tests under testing/synctest need neither; a test
	// that steps time by hand sets both.
	Now   func() time.Time
	After func(d time.Duration) (<-chan time.Time, func() bool)
}

// Guard is a configured duplicate guard. Build it with New; it is safe for
// concurrent use.
type Guard struct {
	c     Config
	count *prometheus.CounterVec
	renew *renewer // nil when the store cannot extend leases
	// local: the store is the in-process Memory store, whose Complete and
	// Release neither block nor read their context.
	local bool
}

// New returns the guard cfg describes. A nil Store, a SNAP service code
// outside 0–99, or a Registerer that already holds another collector named
// dokukit_idempotency_requests_total is an error.
func New(cfg Config) (*Guard, error) {
	if cfg.Store == nil {
		return nil, errors.New("dedupe: Config.Store is nil")
	}
	if cfg.ServiceCode < 0 || cfg.ServiceCode > 99 {
		return nil, fmt.Errorf("dedupe: SNAP service code %d is not two digits", cfg.ServiceCode)
	}
	if !idempotency.Keyed(cfg.Scheme) {
		return nil, fmt.Errorf("dedupe: scheme %q has no idempotency key", cfg.Scheme)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Wait < 0 {
		cfg.Wait = 0
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBody
	}
	if cfg.ReplayTTL <= 0 {
		cfg.ReplayTTL = DefaultReplayTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = realAfter
	}
	g := &Guard{c: cfg}
	_, g.local = cfg.Store.(*idempotency.Memory)
	if cfg.Registerer != nil {
		cv, err := registerCounter(cfg.Registerer)
		if err != nil {
			return nil, err
		}
		g.count = cv
	}
	if ext, ok := cfg.Store.(idempotency.Extender); ok {
		g.renew = &renewer{g: g, ext: ext, live: map[*lease]struct{}{}}
	}
	return g, nil
}

func realAfter(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Metric outcomes (the only label values).
const (
	outcomeNew        = "new"
	outcomeReplayed   = "replayed"
	outcomeConflict   = "conflict"
	outcomeInFlight   = "in_flight"
	outcomeStoreError = "store_error"
	// A SNAP signature seen again under another X-EXTERNAL-ID.
	outcomeReplayRefused = "replay_refused"
)

func registerCounter(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_idempotency_requests_total",
		Help: "Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error, replay_refused).",
	}, []string{"outcome"})
	cv, err := promreg.Register(reg, cv)
	if err != nil {
		return nil, fmt.Errorf("dedupe: registering dokukit_idempotency_requests_total: %w", err)
	}
	for _, o := range []string{outcomeNew, outcomeReplayed, outcomeConflict, outcomeInFlight, outcomeStoreError, outcomeReplayRefused} {
		cv.WithLabelValues(o)
	}
	return cv, nil
}

func (g *Guard) inc(outcome string) {
	if g.count != nil {
		g.count.WithLabelValues(outcome).Inc()
	}
}

// owned is a key a request holds a lease on.
type owned struct{ key, token string }

// Decision is what the guard decided for a request it let through. The
// zero Decision is not usable; Decide returns one.
type Decision struct {
	// Replay, when not nil, is the stored response of an earlier delivery
	// of the same notification: send it byte for byte; the handler must
	// not run, and Complete and Release do nothing.
	Replay *idempotency.Record
	l      *lease
}

// lease is what a new request holds: its keys, renewed while it runs.
type lease struct {
	g      *Guard
	fp     idempotency.Fingerprint
	held   [2]owned
	n      int
	scheme idempotency.Scheme
	// mu is held while the lease is renewed, so ending it waits for a
	// renewal in progress and no renewal races the record write.
	mu    sync.Mutex
	ended bool // Complete or Release ran
}

// Scheme is the scheme the request was keyed by (never SchemeAuto).
func (d Decision) Scheme() idempotency.Scheme {
	if d.l == nil {
		return idempotency.SchemeAuto
	}
	return d.l.scheme
}

// Complete stores the handler's response under every key the request
// holds, for Config.TTL, and ends the lease. rec.Fingerprint is set by the
// guard. Call it (or Release) exactly once for a new request; ctx may be
// cancelled: the write is not cut short by the client going away.
func (d Decision) Complete(ctx context.Context, rec idempotency.Record) {
	if d.l == nil || !d.l.end() {
		return
	}
	rec.Fingerprint = d.l.fp
	d.l.g.complete(ctx, d.l.keys(), rec)
}

// Release frees every key the request holds, so the next delivery runs
// the handler (it failed, panicked or was cancelled).
func (d Decision) Release(ctx context.Context) {
	if d.l == nil || !d.l.end() {
		return
	}
	d.l.g.release(ctx, d.l.keys())
}

func (l *lease) keys() []owned { return l.held[:l.n] }

// end stops the renewal, waiting for one in progress, and reports whether
// the lease was still live.
func (l *lease) end() bool {
	l.mu.Lock()
	was := l.ended
	l.ended = true
	l.mu.Unlock()
	if !was && l.g.renew != nil {
		l.g.renew.remove(l)
	}
	return !was
}

// Decide decides r without writing anything: a nil error and a Decision
// whose Replay is nil mean r is new and the caller now holds its keys — run
// the handler, then call Complete with its response (or Release); a Replay
// means r is a repeat to answer with the stored response. Any other
// outcome is an *Error saying what to answer (errors.Is: ErrConflict,
// ErrInFlight, ErrDuplicateReference, ErrReplayedSignature,
// ErrStore, idempotency.ErrMissingKey, idempotency.ErrKeyTooLong,
// verify.ErrBodyTooLarge, verify.ErrBodyRead). Decide counts the metric
// outcome. The body is taken from middleware.VerifiedBody, else read and
// put back.
func (g *Guard) Decide(r *http.Request) (Decision, error) {
	key, err := idempotency.RequestKey(r.Header, g.c.Scheme)
	if err != nil {
		var ke *idempotency.KeyError
		errors.As(err, &ke)
		return Decision{}, badKey(ke)
	}
	scheme := key.Scheme
	body, err := g.body(r)
	if err != nil {
		return Decision{}, g.bodyError(scheme, err)
	}
	ctx := r.Context()
	// The SNAP verifier in front already hashed the minified body for the
	// string to sign: the same value as FingerprintBody, so stored records
	// match either way and the body is minified and hashed once.
	fp, ok := bodyctx.BodyHash(ctx)
	if !ok {
		fp = idempotency.FingerprintBody(body)
	}

	primary := g.c.KeyPrefix + key.String()
	res, replay, err := g.reserveFirst(ctx, r, key, primary, fp)
	if err == nil && replay != nil {
		g.refuseReplay(ctx, key, replay)
		return Decision{}, g.conflict(scheme, 0, ErrReplayedSignature, "replayed_signature", "replays a signature already seen")
	}
	if err == nil {
		res, err = g.acquire(ctx, primary, fp, res)
	}
	if err != nil {
		return Decision{}, g.storeFailed(scheme, err)
	}
	if d, err, mine := g.settled(scheme, res, fp, 0); !mine {
		return d, err
	}
	l := &lease{g: g, fp: fp, scheme: scheme}
	l.held[0] = owned{primary, res.Token}
	l.n = 1

	if g.c.BusinessKey != nil {
		if ref := g.c.BusinessKey(r, body); ref != "" {
			business := g.c.KeyPrefix + key.Business(ref)
			bres, err := g.c.Store.Reserve(ctx, business, fp, g.c.Lease)
			if err != nil {
				g.release(ctx, l.keys())
				return Decision{}, g.storeFailed(scheme, err)
			}
			if bres.State == idempotency.StateCompleted && bres.Fingerprint == fp && !g.c.Strict {
				// The same notification under a new request id: answer as
				// before and remember it under this id too.
				g.complete(ctx, l.keys(), *bres.Record)
				g.inc(outcomeReplayed)
				return Decision{Replay: bres.Record}, nil
			}
			if bres.State != idempotency.StateReserved {
				g.release(ctx, l.keys())
				d, err, _ := g.settled(scheme, bres, fp, 1)
				return d, err
			}
			l.held[1] = owned{business, bres.Token}
			l.n = 2
		}
	}
	g.inc(outcomeNew)
	if g.renew != nil {
		g.renew.add(l)
	}
	return Decision{l: l}, nil
}

// body returns the verified body, or reads r's within Config.MaxBodyBytes
// and puts it back.
func (g *Guard) body(r *http.Request) ([]byte, error) {
	if b, ok := bodyctx.Body(r.Context()); ok {
		if int64(len(b)) > g.c.MaxBodyBytes {
			return nil, verify.ErrBodyTooLarge
		}
		return b, nil
	}
	if r.Body == nil || r.Body == http.NoBody { // a server request always has one; a direct call may not
		r.Body = http.NoBody
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, g.c.MaxBodyBytes+1))
	if err != nil {
		return nil, verify.ErrBodyRead
	}
	if int64(len(body)) > g.c.MaxBodyBytes {
		return nil, verify.ErrBodyTooLarge
	}
	_ = r.Body.Close()
	rb := &replayBody{}
	rb.Reset(body)
	r.Body = rb
	return body, nil
}

// replayBody gives the handler back the body the guard read: one
// allocation where io.NopCloser(bytes.NewReader) is two.
type replayBody struct{ bytes.Reader }

func (*replayBody) Close() error { return nil }

// replayOf describes a refused replay: the replay key, and the
// X-EXTERNAL-ID its signature was first seen with ("" when the store
// cannot tell).
type replayOf struct{ claimKey, first string }

// reserveFirst reserves primary and, for a SNAP request with a signature,
// claims the signature's replay key for key.ID in the same round trip
// (idempotency.Claimer) or, for a store without it, in a Reserve before.
// It returns a non-nil replay, having released any lease it took, when the
// signature was first seen under another id.
func (g *Guard) reserveFirst(ctx context.Context, r *http.Request, key idempotency.Key, primary string, fp idempotency.Fingerprint) (idempotency.Reservation, *replayOf, error) {
	var sig string
	if key.Scheme == idempotency.SchemeSNAP {
		sig = r.Header.Get("X-Signature") // canonical spelling: no allocation
	}
	store := g.c.Store
	if sig == "" { // non-SNAP and Kirim sign their id; an unsigned request was not verified
		res, err := store.Reserve(ctx, primary, fp, g.c.Lease)
		return res, nil, err
	}
	var kb [192]byte
	claim := idempotency.Claim{Key: string(key.AppendReplay(append(kb[:0], g.c.KeyPrefix...), sig)), Value: key.ID, TTL: g.c.ReplayTTL}
	if c, ok := store.(idempotency.Claimer); ok {
		res, prior, err := c.ReserveClaim(ctx, primary, fp, g.c.Lease, claim)
		if err != nil || prior == "" || prior == key.ID {
			return res, nil, err
		}
		if res.State == idempotency.StateReserved {
			g.release(ctx, []owned{{primary, res.Token}})
		}
		return idempotency.Reservation{}, &replayOf{claim.Key, prior}, nil
	}
	// A store without Claimer: the claim is a lease whose fingerprint
	// stands for the id, never completed, lapsing after the TTL.
	want := claimPrint(key.ID)
	cres, err := store.Reserve(ctx, claim.Key, want, claim.TTL)
	if err != nil {
		return cres, nil, err
	}
	if cres.State != idempotency.StateReserved && cres.Fingerprint != want {
		return idempotency.Reservation{}, &replayOf{claimKey: claim.Key}, nil
	}
	res, err := store.Reserve(ctx, primary, fp, g.c.Lease)
	return res, nil, err
}

// claimPrint is the fingerprint that stands for a claim's value in a store
// without idempotency.Claimer.
func claimPrint(id string) idempotency.Fingerprint {
	return sha256.Sum256([]byte("dokukit-replay-claim:" + id))
}

// refuseReplay counts and logs a replayed SNAP signature (a hash prefix of
// the signature, never the signature).
func (g *Guard) refuseReplay(ctx context.Context, key idempotency.Key, replay *replayOf) {
	g.inc(outcomeReplayRefused)
	if g.c.Logger != nil {
		k := replay.claimKey
		g.c.Logger.LogAttrs(ctx, slog.LevelWarn, "dokukit: refused a replayed SNAP notification: its signature was first seen under another X-EXTERNAL-ID",
			slog.String("partner_id", key.Owner),
			slog.String("external_id", key.ID),
			slog.String("first_external_id", replay.first),
			slog.String("signature_sha256_prefix", k[len(k)-64:len(k)-52]))
	}
}

// acquire waits (Config.Wait) for an in-flight holder of key with the same
// fingerprint to finish; res is the first Reserve's answer.
func (g *Guard) acquire(ctx context.Context, key string, fp idempotency.Fingerprint, res idempotency.Reservation) (idempotency.Reservation, error) {
	if g.c.Wait <= 0 || g.c.Strict || res.State != idempotency.StateInFlight || res.Fingerprint != fp {
		return res, nil
	}
	deadline := g.c.Now().Add(g.c.Wait)
	pause := 5 * time.Millisecond
	for {
		left := deadline.Sub(g.c.Now())
		if left <= 0 {
			return res, nil
		}
		c, stop := g.c.After(min(pause, left))
		select {
		case <-ctx.Done():
			stop()
			return res, nil // answer in-flight; the client is gone anyway
		case <-c:
		}
		var err error
		res, err = g.c.Store.Reserve(ctx, key, fp, g.c.Lease)
		if err != nil || res.State != idempotency.StateInFlight || res.Fingerprint != fp {
			return res, err
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// settled decides every reservation the caller does not own and reports
// whether the caller owns it (and must go on). conflictCase is the SNAP
// case code of a fingerprint mismatch: 00 for the request id, 01 for a
// business reference.
func (g *Guard) settled(scheme idempotency.Scheme, res idempotency.Reservation, fp idempotency.Fingerprint, conflictCase int) (Decision, error, bool) {
	switch {
	case res.State == idempotency.StateReserved:
		return Decision{}, nil, true
	case res.Fingerprint != fp:
		g.inc(outcomeConflict)
		if conflictCase == 1 {
			return Decision{}, g.conflict(scheme, 1, ErrDuplicateReference, "duplicate_reference", "business reference already used with a different request body"), false
		}
		return Decision{}, g.conflict(scheme, 0, ErrConflict, "idempotency_key_reused", "already used with a different request body"), false
	case res.State == idempotency.StateCompleted && !g.c.Strict:
		g.inc(outcomeReplayed)
		return Decision{Replay: res.Record}, nil, false
	case res.State == idempotency.StateCompleted:
		g.inc(outcomeConflict)
		return Decision{}, g.conflict(scheme, conflictCase, ErrConflict, "duplicate_request", "already used"), false
	default:
		g.inc(outcomeInFlight)
		return Decision{}, g.conflict(scheme, 0, ErrInFlight, "request_in_progress", "still being processed"), false
	}
}

func (g *Guard) storeFailed(scheme idempotency.Scheme, err error) error {
	g.inc(outcomeStoreError)
	return g.retryLater(scheme, fmt.Errorf("%w: %w", ErrStore, err))
}

// background is the context of store calls after the handler ran: not cut
// short by the client going away, the record has to be written (or the
// lease freed) regardless.
//
// The in-process memory store gets ctx as it is: its Complete and Release
// do not read it, and a bound per request would cost a context and a timer
// on the hot path for nothing.
func (g *Guard) background(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if g.local {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

func (g *Guard) release(ctx context.Context, held []owned) {
	ctx, cancel := g.background(ctx, 5*time.Second)
	defer cancel()
	for _, h := range held {
		if err := g.c.Store.Release(ctx, h.key, h.token); err != nil && !errors.Is(err, idempotency.ErrLeaseLost) {
			g.inc(outcomeStoreError) // the lease expires on its own
		}
	}
}

// completeFor bounds how long a finished request keeps trying to store its
// record before it answers anyway.
const completeFor = 10 * time.Second

// complete stores rec under every held key. A transient store error (Redis
// restarting) is retried for up to completeFor: the handler's work is done,
// and a record that is never written lets a later repeat run it again.
func (g *Guard) complete(ctx context.Context, held []owned, rec idempotency.Record) {
	ctx, cancel := g.background(ctx, completeFor)
	defer cancel()
	for _, h := range held {
		pause := 20 * time.Millisecond
		for {
			err := g.c.Store.Complete(ctx, h.key, h.token, rec, g.c.TTL)
			if err == nil {
				break
			}
			if permanent(err) || ctx.Err() != nil {
				g.inc(outcomeStoreError)
				break
			}
			c, stop := g.c.After(pause)
			select {
			case <-ctx.Done():
			case <-c:
			}
			stop()
			pause = min(2*pause, 500*time.Millisecond)
		}
	}
}

func permanent(err error) bool {
	return errors.Is(err, idempotency.ErrLeaseLost) || errors.Is(err, idempotency.ErrFull) ||
		errors.Is(err, idempotency.ErrInvalid) || errors.Is(err, idempotency.ErrCorrupt)
}
