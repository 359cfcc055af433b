package middleware

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

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Defaults of the idempotency middleware.
const (
	// IdempotencyDefaultTTL is how long a completed response is kept: 25 h
	// covers DOKU's retry span (retries at 30 min, 6 h and 12 h after the
	// first delivery) and SNAP's "X-EXTERNAL-ID unique in the same day" in
	// any timezone (a day is at most 24 h wherever it starts), without any
	// calendar-day arithmetic.
	IdempotencyDefaultTTL = 25 * time.Hour
	// IdempotencyDefaultLease is how long an in-flight reservation lives if
	// its owner never completes or releases it (process crash). It must
	// exceed the handler's longest run, or a duplicate arriving after the
	// lease runs out is processed concurrently; the guard renews the lease
	// while a handler runs, so the default only bounds how long a lease
	// whose owner died blocks DOKU's retry.
	IdempotencyDefaultLease = idempotency.DefaultLease
	// IdempotencyDefaultMaxBody bounds the request body read for the
	// fingerprint.
	IdempotencyDefaultMaxBody = 1 << 20
	// IdempotencyReplayMargin is added to a timestamp policy's acceptance
	// window to get how long a SNAP signature's replay key is kept: room
	// for the clocks of replicas sharing a store to disagree, and for a
	// request that was verified just before its timestamp went stale to
	// reach the store.
	IdempotencyReplayMargin = time.Minute
	// IdempotencyDefaultReplayTTL is how long the replay key of a SNAP
	// signature is kept by default: a verifier with the default policy
	// (verify.DefaultSkew either way) accepts a signed timestamp for
	// 2×verify.DefaultSkew of its clock, and a copy first seen at the start
	// of that window can be replayed until its end; plus
	// IdempotencyReplayMargin. 11 minutes.
	IdempotencyDefaultReplayTTL = 2*verify.DefaultSkew + IdempotencyReplayMargin
)

// IdempotencyOption configures Idempotency.
type IdempotencyOption func(*idemConfig) error

// IdempotencyKeyFunc extracts a business reference (partnerReferenceNo,
// order.invoice_number) from a request and its body; "" means none. It must
// not keep body.
type IdempotencyKeyFunc func(r *http.Request, body []byte) string

type idemConfig struct {
	scheme   idempotency.Scheme
	service  int
	ttl      time.Duration
	lease    time.Duration
	wait     time.Duration
	strict   bool
	failOpen bool
	maxBody  int64
	business IdempotencyKeyFunc
	prefix   string
	reg      prometheus.Registerer
	// replayTTL is how long a SNAP signature's replay key lives.
	replayTTL time.Duration
	log       *slog.Logger
}

// IdempotencySNAP keys on X-PARTNER-ID + X-EXTERNAL-ID, plus the replay
// key of the signature (see Idempotency), and answers with SNAP codes for
// serviceCode (two digits, e.g. 56 for debit notify): 409<svc>00 for a
// reused X-EXTERNAL-ID or a replayed signature, 409<svc>01 for a reused
// business reference, 500<svc>00 when the store fails.
func IdempotencySNAP(serviceCode int) IdempotencyOption {
	return func(c *idemConfig) error {
		if serviceCode < 0 || serviceCode > 99 {
			return fmt.Errorf("middleware: SNAP service code %d is not two digits", serviceCode)
		}
		c.scheme, c.service = idempotency.SchemeSNAP, serviceCode
		return nil
	}
}

// IdempotencyNonSNAP keys on Client-Id + Request-Id and answers errors
// with non-SNAP JSON bodies.
func IdempotencyNonSNAP() IdempotencyOption {
	return func(c *idemConfig) error { c.scheme = idempotency.SchemeNonSNAP; return nil }
}

// IdempotencyKirim keys on agentKey + requestId (Kirim DOKU callbacks) and
// answers errors with non-SNAP JSON bodies.
func IdempotencyKirim() IdempotencyOption {
	return func(c *idemConfig) error { c.scheme = idempotency.SchemeKirim; return nil }
}

// IdempotencyTTL sets how long completed responses are kept (default
// IdempotencyDefaultTTL).
func IdempotencyTTL(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error {
		if d <= 0 {
			return errors.New("middleware: idempotency TTL must be positive")
		}
		c.ttl = d
		return nil
	}
}

// IdempotencyLease sets how long an in-flight reservation survives its
// owner's crash (default IdempotencyDefaultLease). A live handler that runs
// longer keeps its reservation: the lease is renewed every third of it
// while the handler runs (stores implementing idempotency.Extender; both
// stores here do).
func IdempotencyLease(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error {
		if d <= 0 {
			return errors.New("middleware: idempotency lease must be positive")
		}
		c.lease = d
		return nil
	}
}

// IdempotencyWait makes a duplicate that arrives while the first delivery
// is still running wait up to max for it to finish, then answer with the
// stored response (or run, if the first one failed). Without it (or with
// max 0) the duplicate is answered 409 at once.
func IdempotencyWait(max time.Duration) IdempotencyOption {
	return func(c *idemConfig) error {
		if max < 0 {
			return errors.New("middleware: idempotency wait must not be negative")
		}
		c.wait = max
		return nil
	}
}

// IdempotencyStrict answers identical repeats with 409 (SNAP 409<svc>00)
// instead of replaying the stored response: SNAP's strict rule for APIs
// the merchant offers. Do not use it for notifications received from DOKU:
// DOKU takes a 409 as a failure and retries.
func IdempotencyStrict() IdempotencyOption {
	return func(c *idemConfig) error { c.strict = true; return nil }
}

// IdempotencyFailOpen runs the handler unprotected when the store fails.
// The default is fail-closed: SNAP 500<svc>00 or HTTP 503, which DOKU
// retries later, so a Redis outage delays notifications instead of risking
// a duplicate side effect.
func IdempotencyFailOpen() IdempotencyOption {
	return func(c *idemConfig) error { c.failOpen = true; return nil }
}

// IdempotencyMaxBody bounds the request body read (default
// IdempotencyDefaultMaxBody); a longer body is answered 413.
func IdempotencyMaxBody(n int64) IdempotencyOption {
	return func(c *idemConfig) error {
		if n <= 0 {
			return errors.New("middleware: idempotency max body must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// IdempotencyBusinessKey adds a second key per request: the business
// reference f returns, scoped to the sender. A reference already used with
// a different body is answered 409 (SNAP 409<svc>01) without running the
// handler; the same body under a new request id replays the stored
// response.
func IdempotencyBusinessKey(f IdempotencyKeyFunc) IdempotencyOption {
	return func(c *idemConfig) error {
		if f == nil {
			return errors.New("middleware: nil business key function")
		}
		c.business = f
		return nil
	}
}

// IdempotencyKeyPrefix namespaces every key this middleware stores, so
// several routes can share one store without one route's request ids
// colliding with another's (the same X-EXTERNAL-ID on the debit and the VA
// notification are different deliveries).
func IdempotencyKeyPrefix(prefix string) IdempotencyOption {
	return func(c *idemConfig) error {
		c.prefix = prefix
		return nil
	}
}

// IdempotencyBusinessKeyJSON is IdempotencyBusinessKey reading a string or
// number at a dotted path in the JSON body, e.g. "partnerReferenceNo" or
// "order.invoice_number". A body that is not JSON, lacks the path, or has
// a duplicate key anywhere has no business key; keys are matched exactly,
// as schemas.Decode matches them (schemas.ValueAt).
func IdempotencyBusinessKeyJSON(path string) IdempotencyOption {
	if path == "" {
		return func(*idemConfig) error { return errors.New("middleware: empty business key path") }
	}
	parts := strings.Split(path, ".")
	return IdempotencyBusinessKey(func(_ *http.Request, body []byte) string {
		return idemJSONPath(body, parts)
	})
}

// IdempotencyMetrics registers the counter
// dokukit_idempotency_requests_total{outcome} on reg; outcome is one of
// new, replayed, conflict, in_flight, store_error, replay_refused (a SNAP
// signature seen again under another X-EXTERNAL-ID). Several middleware
// instances may share reg (they share the counter). nil means no metrics.
func IdempotencyMetrics(reg prometheus.Registerer) IdempotencyOption {
	return func(c *idemConfig) error { c.reg = reg; return nil }
}

// IdempotencyReplayTTL sets how long the replay key of a SNAP signature is
// kept (default IdempotencyDefaultReplayTTL). It must cover the whole time
// the verifier in front accepts the signed timestamp, or a copy replayed
// after the key expired but before the timestamp went stale runs again:
// use IdempotencyReplayTTLFor with the verifier's policy.
func IdempotencyReplayTTL(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error {
		if d <= 0 {
			return errors.New("middleware: idempotency replay TTL must be positive")
		}
		c.replayTTL = d
		return nil
	}
}

// IdempotencyReplayTTLFor is the replay key TTL that covers timestamp
// policy t: its MaxPast + MaxFuture (each verify.DefaultSkew when zero)
// plus IdempotencyReplayMargin. A policy with Unchecked set accepts a
// signature forever; no TTL covers that, and it gets IdempotencyDefaultTTL,
// the longest the guard keeps anything.
func IdempotencyReplayTTLFor(t verify.Timestamps) time.Duration {
	if t.Unchecked {
		return IdempotencyDefaultTTL
	}
	past, future := t.MaxPast, t.MaxFuture
	if past <= 0 {
		past = verify.DefaultSkew
	}
	if future <= 0 {
		future = verify.DefaultSkew
	}
	return past + future + IdempotencyReplayMargin
}

// IdempotencyLogger sets where a refused replay is logged (a warning with
// the partner id, both X-EXTERNAL-IDs and the first 12 hex digits of the
// signature's SHA-256; never the signature, a token or the body). nil (the
// default) means no logging.
func IdempotencyLogger(l *slog.Logger) IdempotencyOption {
	return func(c *idemConfig) error { c.log = l; return nil }
}

// IdempotencyOptions bundles several options into one, applied in order:
// for code that passes the guard's configuration as a single option.
func IdempotencyOptions(opts ...IdempotencyOption) IdempotencyOption {
	return func(c *idemConfig) error {
		for _, o := range opts {
			if err := o(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// idemJSONPath reads the business key the way the typed decode
// (schemas.Decode) reads the notification: keys matched exactly, and no key
// at all from a body with a duplicate key (encoding/json would keep the
// last duplicate, so the guard and the handler could each see another
// reference). The channel rejects such a body itself.
func idemJSONPath(body []byte, parts []string) string {
	v, _ := schemas.ValueAt(body, parts...)
	return v
}

// Metric outcomes (the only label values).
const (
	idemNew        = "new"
	idemReplayed   = "replayed"
	idemConflict   = "conflict"
	idemInFlight   = "in_flight"
	idemStoreError = "store_error"
	// A SNAP signature seen again under another X-EXTERNAL-ID.
	idemReplayRefused = "replay_refused"
)

// Idempotency returns middleware that runs next at most once per
// notification, however many times and on however many replicas (sharing
// store) it is delivered:
//
//   - The key is the scheme's sender + request id (see
//     idempotency.RequestKey; scheme auto-detected unless IdempotencySNAP,
//     IdempotencyNonSNAP or IdempotencyKirim says), the body's fingerprint
//     idempotency.FingerprintBody. A request without its key headers is
//     answered 400 (SNAP 400<svc>02). Auto-detected SNAP requests are
//     answered with service code 00 (e.g. 4090000): name the route's
//     service with IdempotencySNAP to get the codes docs/protocol.md §5 lists.
//   - The first delivery reserves the key (a lease), runs next with its
//     response buffered, and — only after next returned — stores status,
//     headers and body for IdempotencyTTL, then sends them.
//   - A repeat with the same key and the same fingerprint gets the stored
//     response, byte for byte, without next running (a DOKU retry must not
//     see a 409, which it would retry again). With IdempotencyStrict it
//     gets 409 (SNAP 409<svc>00) instead.
//   - Same key, different fingerprint: 409 (SNAP 409<svc>00), next not run.
//     Reused business reference with a different body (IdempotencyBusinessKey):
//     409 (SNAP 409<svc>01).
//   - A repeat while the first is still running: 409, or with
//     IdempotencyWait the stored response once the first finishes.
//   - SNAP only: the same signature under another X-EXTERNAL-ID is a
//     replay, answered 409<svc>00 "Conflict" without next running.
//     X-EXTERNAL-ID is not in SNAP's string to sign, so anyone who saw one
//     notification (a proxy, a log) could otherwise re-send it under fresh
//     ids, each a new key, while its timestamp is within the skew window.
//     The guard therefore also keeps a replay key — the SHA-256 of the
//     X-SIGNATURE bytes, which a replayer cannot change without the key —
//     holding the X-EXTERNAL-ID it was first seen with, for
//     IdempotencyReplayTTL (default IdempotencyDefaultReplayTTL, which
//     covers the default ±verify.DefaultSkew). The same id goes on as
//     above (a DOKU retry of the exact bytes gets the stored response);
//     DOKU's own retries carry a new X-TIMESTAMP, so a new signature, and
//     are not affected. 409 rather than 401: the signature is valid (the
//     verifier in front checked it), the request is a duplicate of one
//     already taken, which is what SNAP's 409xx00 says; a 401 would send
//     whoever watches the responses after a wrong key. The answer does not
//     reveal the first id; the metric (replay_refused) and the log
//     (IdempotencyLogger) do. With a store implementing
//     idempotency.Claimer (both stores here) the replay key costs no round
//     trip: the Redis store pipelines it with the reservation. Another
//     store gets it through a second Reserve call, one more round trip.
//     Non-SNAP and Kirim sign their request id: no replay key there.
//   - next answered 5xx, or the request context was cancelled and next did
//     not explicitly answer 2xx (WriteHeader or Write): nothing is stored,
//     the reservation is released, and the next delivery runs next; a
//     cancelled request that wrote nothing is answered like a store error,
//     never with an implicit 200. A 2xx or 4xx is stored (a 4xx means the
//     notification itself is wrong; running it again gives the same answer).
//   - next panicked: the reservation is released and the panic continues up
//     the stack (to http.Server or a recovering middleware), so the panic is
//     reported where it would be without this middleware.
//   - The store failed: fail closed (SNAP 500<svc>00, otherwise 503 with
//     Retry-After), so DOKU retries later; IdempotencyFailOpen runs next
//     unprotected instead. A store failure after next ran is retried for up
//     to 10 s (a restarting Redis); if it persists, next's response is sent
//     anyway (a 5xx would make DOKU retry an already-processed
//     notification) and the lease keeps duplicates out until it expires.
//
// The body is read (up to IdempotencyMaxBody) and restored for next. The
// response to next's caller is buffered; http.Flusher and Hijacker are not
// available to next. The middleware must run after signature verification
// (so an attacker cannot poison keys) and is safe for concurrent use.
//
// Idempotency panics if store is nil or an option is invalid, at setup
// time, as http.Handle does for a nil handler.
func Idempotency(store idempotency.Store, opts ...IdempotencyOption) func(http.Handler) http.Handler {
	if store == nil {
		panic("middleware: Idempotency with nil store")
	}
	c := idemConfig{ttl: IdempotencyDefaultTTL, lease: IdempotencyDefaultLease, maxBody: IdempotencyDefaultMaxBody, replayTTL: IdempotencyDefaultReplayTTL}
	for _, o := range opts {
		if err := o(&c); err != nil {
			panic(err)
		}
	}
	m := &idem{c: c, store: store}
	if c.reg != nil {
		m.count = idemRegisterCounter(c.reg)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}
}

func idemRegisterCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_idempotency_requests_total",
		Help: "Requests seen by the idempotency middleware, by outcome (new, replayed, conflict, in_flight, store_error, replay_refused).",
	}, []string{"outcome"})
	cv, err := promreg.Register(reg, cv)
	if err != nil {
		panic(err)
	}
	for _, o := range []string{idemNew, idemReplayed, idemConflict, idemInFlight, idemStoreError, idemReplayRefused} {
		cv.WithLabelValues(o)
	}
	return cv
}

type idem struct {
	c     idemConfig
	store idempotency.Store
	count *prometheus.CounterVec
}

func (m *idem) inc(outcome string) {
	if m.count != nil {
		m.count.WithLabelValues(outcome).Inc()
	}
}

// idemOwned is a key this request holds a lease on.
type idemOwned struct{ key, token string }

func (m *idem) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	key, err := idempotency.RequestKey(r.Header, m.c.scheme)
	scheme := key.Scheme
	if err != nil {
		var ke *idempotency.KeyError
		errors.As(err, &ke)
		m.writeBadKey(w, ke)
		return
	}
	if r.Body == nil { // a server request always has one; a direct call may not
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, m.c.maxBody+1))
	if err != nil {
		m.writeErr(w, scheme, http.StatusBadRequest, 1, "invalid_body", "Bad Request. Request body could not be read")
		return
	}
	if int64(len(body)) > m.c.maxBody {
		m.writeErr(w, scheme, http.StatusRequestEntityTooLarge, 0, "body_too_large", "Request Entity Too Large")
		return
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	fp := idempotency.FingerprintBody(body)
	ctx := r.Context()

	primary := m.c.prefix + key.String()
	res, replay, err := m.reserveFirst(ctx, r, key, primary, fp)
	if err == nil && replay != nil {
		m.refuseReplay(ctx, w, key, replay)
		return
	}
	if err == nil {
		res, err = m.acquire(ctx, primary, fp, res)
	}
	if err != nil {
		m.storeFailed(w, r, next, scheme)
		return
	}
	if !m.settled(w, scheme, res, fp, 0) {
		return
	}
	held := []idemOwned{{primary, res.Token}}

	if m.c.business != nil {
		if ref := m.c.business(r, body); ref != "" {
			business := m.c.prefix + key.Business(ref)
			bres, err := m.store.Reserve(ctx, business, fp, m.c.lease)
			if err != nil {
				m.release(ctx, held)
				m.storeFailed(w, r, next, scheme)
				return
			}
			if bres.State == idempotency.StateCompleted && bres.Fingerprint == fp && !m.c.strict {
				// The same notification under a new request id: answer as
				// before and remember it under this id too.
				m.complete(ctx, held, *bres.Record)
				m.inc(idemReplayed)
				idemReplay(w, bres.Record)
				return
			}
			if bres.State != idempotency.StateReserved {
				m.release(ctx, held)
				m.settled(w, scheme, bres, fp, 1)
				return
			}
			held = append(held, idemOwned{business, bres.Token})
		}
	}

	m.inc(idemNew)
	stopRenewing := m.renew(held)
	defer stopRenewing()
	bw := &idemWriter{header: make(http.Header)}
	released := false
	defer func() {
		if !released {
			// next panicked (or called runtime.Goexit): free the key for
			// the retry and let the panic continue.
			m.release(ctx, held)
		}
	}()
	next.ServeHTTP(bw, r)
	stopRenewing()
	status := bw.status
	if status == 0 {
		status = http.StatusOK
	}
	// A handler that saw the context cancelled often returns without
	// writing: that implicit 200 is not a result.
	if status >= 500 || (ctx.Err() != nil && (bw.status < 200 || bw.status > 299)) {
		m.release(ctx, held)
		released = true
		if bw.status == 0 {
			// Released, so the answer must not be a success: if anyone is
			// still listening (a timeout middleware cancelled the
			// context), DOKU has to retry.
			m.writeRetry(w, scheme)
			return
		}
	} else {
		m.complete(ctx, held, idempotency.Record{Status: status, Header: bw.header, Body: bw.body.Bytes(), Fingerprint: fp})
		released = true
	}
	bw.flushTo(w, status)
}

// renew keeps the held leases alive while the handler runs, when the store
// can (idempotency.Extender): every third of the lease it pushes their
// expiry out by a whole lease, so a handler slower than the lease is not
// overtaken by a duplicate. The returned stop is idempotent and waits for
// the renewer to finish, so no renewal races the record write.
func (m *idem) renew(held []idemOwned) (stop func()) {
	ext, ok := m.store.(idempotency.Extender)
	if !ok {
		return func() {}
	}
	// A timer, not a goroutine: most handlers finish long before the first
	// renewal, and then this costs one timer start and stop.
	var mu sync.Mutex
	stopped := false
	every := m.c.lease / 3
	var t *time.Timer
	mu.Lock() // the callback reads t
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		mu.Lock() // held while renewing, so stop waits for a renewal in progress
		defer mu.Unlock()
		if stopped {
			return
		}
		for _, h := range held {
			ctx, cancel := context.WithTimeout(context.Background(), every)
			if err := ext.Extend(ctx, h.key, h.token, m.c.lease); err != nil {
				m.inc(idemStoreError)
			}
			cancel()
		}
		t.Reset(every)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// idemReplayOf describes a refused replay: the replay key, and the
// X-EXTERNAL-ID its signature was first seen with ("" when the store
// cannot tell).
type idemReplayOf struct{ claimKey, first string }

// reserveFirst reserves primary and, for a SNAP request with a signature,
// claims the signature's replay key for key.ID in the same round trip
// (idempotency.Claimer) or, for a store without it, in a Reserve before.
// It returns a non-nil replay, having released any lease it took, when the
// signature was first seen under another id.
func (m *idem) reserveFirst(ctx context.Context, r *http.Request, key idempotency.Key, primary string, fp idempotency.Fingerprint) (idempotency.Reservation, *idemReplayOf, error) {
	var sig string
	if key.Scheme == idempotency.SchemeSNAP {
		sig = r.Header.Get("X-Signature") // canonical spelling: no allocation
	}
	if sig == "" { // non-SNAP and Kirim sign their id; an unsigned request was not verified
		res, err := m.store.Reserve(ctx, primary, fp, m.c.lease)
		return res, nil, err
	}
	var kb [192]byte
	claim := idempotency.Claim{Key: string(key.AppendReplay(append(kb[:0], m.c.prefix...), sig)), Value: key.ID, TTL: m.c.replayTTL}
	if c, ok := m.store.(idempotency.Claimer); ok {
		res, prior, err := c.ReserveClaim(ctx, primary, fp, m.c.lease, claim)
		if err != nil || prior == "" || prior == key.ID {
			return res, nil, err
		}
		if res.State == idempotency.StateReserved {
			m.release(ctx, []idemOwned{{primary, res.Token}})
		}
		return idempotency.Reservation{}, &idemReplayOf{claim.Key, prior}, nil
	}
	// A store without Claimer: the claim is a lease whose fingerprint
	// stands for the id, never completed, lapsing after the TTL.
	want := idemClaimPrint(key.ID)
	cres, err := m.store.Reserve(ctx, claim.Key, want, claim.TTL)
	if err != nil {
		return cres, nil, err
	}
	if cres.State != idempotency.StateReserved && cres.Fingerprint != want {
		return idempotency.Reservation{}, &idemReplayOf{claimKey: claim.Key}, nil
	}
	res, err := m.store.Reserve(ctx, primary, fp, m.c.lease)
	return res, nil, err
}

// idemClaimPrint is the fingerprint that stands for a claim's value in a
// store without idempotency.Claimer.
func idemClaimPrint(id string) idempotency.Fingerprint {
	return sha256.Sum256([]byte("dokukit-replay-claim:" + id))
}

// refuseReplay answers a replayed SNAP signature: 409<svc>00, counted and
// logged (a hash prefix of the signature, never the signature).
func (m *idem) refuseReplay(ctx context.Context, w http.ResponseWriter, key idempotency.Key, replay *idemReplayOf) {
	m.inc(idemReplayRefused)
	if m.c.log != nil {
		k := replay.claimKey
		m.c.log.LogAttrs(ctx, slog.LevelWarn, "dokukit: refused a replayed SNAP notification: its signature was first seen under another X-EXTERNAL-ID",
			slog.String("partner_id", key.Owner),
			slog.String("external_id", key.ID),
			slog.String("first_external_id", replay.first),
			slog.String("signature_sha256_prefix", k[len(k)-64:len(k)-52]))
	}
	m.writeConflict(w, key.Scheme, 0, "replayed_signature", "Conflict", "replays a signature already seen")
}

// acquire waits (IdempotencyWait) for an in-flight holder of key with the
// same fingerprint to finish; res is the first Reserve's answer.
func (m *idem) acquire(ctx context.Context, key string, fp idempotency.Fingerprint, res idempotency.Reservation) (idempotency.Reservation, error) {
	var err error
	if m.c.wait <= 0 || m.c.strict || res.State != idempotency.StateInFlight || res.Fingerprint != fp {
		return res, nil
	}
	deadline := time.NewTimer(m.c.wait)
	defer deadline.Stop()
	pause := 5 * time.Millisecond
	for {
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, nil // answer in-flight; the client is gone anyway
		case <-deadline.C:
			t.Stop()
			return res, nil
		case <-t.C:
		}
		res, err = m.store.Reserve(ctx, key, fp, m.c.lease)
		if err != nil || res.State != idempotency.StateInFlight || res.Fingerprint != fp {
			return res, err
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// settled answers every reservation the caller does not own and reports
// whether the caller owns it (and must go on). conflictCase is the SNAP case
// code of a fingerprint mismatch: 00 for the request id, 01 for a business
// reference.
func (m *idem) settled(w http.ResponseWriter, scheme idempotency.Scheme, res idempotency.Reservation, fp idempotency.Fingerprint, conflictCase int) bool {
	switch {
	case res.State == idempotency.StateReserved:
		return true
	case res.Fingerprint != fp:
		m.inc(idemConflict)
		if conflictCase == 1 {
			m.writeConflict(w, scheme, 1, "duplicate_reference", "Duplicate partnerReferenceNo",
				"business reference already used with a different request body")
		} else {
			m.writeConflict(w, scheme, 0, "idempotency_key_reused", "Conflict",
				"already used with a different request body")
		}
	case res.State == idempotency.StateCompleted && !m.c.strict:
		m.inc(idemReplayed)
		idemReplay(w, res.Record)
	case res.State == idempotency.StateCompleted:
		m.inc(idemConflict)
		m.writeConflict(w, scheme, conflictCase, "duplicate_request", "Conflict", "already used")
	default:
		m.inc(idemInFlight)
		w.Header().Set("Retry-After", "1")
		m.writeConflict(w, scheme, 0, "request_in_progress", "Conflict", "still being processed")
	}
	return false
}

// writeConflict answers 409: SNAP with the standard message for the case
// (docs/protocol.md §5), the others with a message naming the request id header.
func (m *idem) writeConflict(w http.ResponseWriter, scheme idempotency.Scheme, snapCase int, code, snapMsg, detail string) {
	if scheme == idempotency.SchemeSNAP {
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusConflict, Service: m.c.service, Case: snapCase}, snapMsg)
		return
	}
	_, idHeader := scheme.Headers()
	msg := "Conflict. " + idHeader + " " + detail
	if code == "duplicate_reference" {
		msg = "Conflict. The " + detail
	}
	respond.WriteNonSNAP(w, http.StatusConflict, code, msg, nil)
}

func (m *idem) storeFailed(w http.ResponseWriter, r *http.Request, next http.Handler, scheme idempotency.Scheme) {
	m.inc(idemStoreError)
	if m.c.failOpen {
		next.ServeHTTP(w, r)
		return
	}
	m.writeRetry(w, scheme)
}

// writeRetry answers with an error DOKU retries: SNAP 500<svc>00 "General
// Error", otherwise 503.
func (m *idem) writeRetry(w http.ResponseWriter, scheme idempotency.Scheme) {
	w.Header().Set("Retry-After", "60")
	if scheme == idempotency.SchemeSNAP {
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusInternalServerError, Service: m.c.service, Case: 0}, "General Error")
		return
	}
	respond.WriteNonSNAP(w, http.StatusServiceUnavailable, "idempotency_store_unavailable", "Service Unavailable. Try again later", nil)
}

// Store calls after next ran must not be cut short by the client going
// away: the record has to be written (or the lease freed) regardless.
func (m *idem) background(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

func (m *idem) release(ctx context.Context, held []idemOwned) {
	ctx, cancel := m.background(ctx)
	defer cancel()
	for _, h := range held {
		if err := m.store.Release(ctx, h.key, h.token); err != nil && !errors.Is(err, idempotency.ErrLeaseLost) {
			m.inc(idemStoreError) // the lease expires on its own
		}
	}
}

// complete stores rec under every held key. A transient store error (Redis
// restarting) is retried for up to idemCompleteFor: the handler's work is
// done, and a record that is never written lets a later repeat run it again.
func (m *idem) complete(ctx context.Context, held []idemOwned, rec idempotency.Record) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), idemCompleteFor)
	defer cancel()
	for _, h := range held {
		pause := 20 * time.Millisecond
		for {
			err := m.store.Complete(ctx, h.key, h.token, rec, m.c.ttl)
			if err == nil {
				break
			}
			if idemPermanent(err) || ctx.Err() != nil {
				m.inc(idemStoreError)
				break
			}
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			pause = min(2*pause, 500*time.Millisecond)
		}
	}
}

// idemCompleteFor bounds how long a finished request keeps trying to store
// its record before it answers anyway.
const idemCompleteFor = 10 * time.Second

func idemPermanent(err error) bool {
	return errors.Is(err, idempotency.ErrLeaseLost) || errors.Is(err, idempotency.ErrFull) ||
		errors.Is(err, idempotency.ErrInvalid) || errors.Is(err, idempotency.ErrCorrupt)
}

func (m *idem) writeBadKey(w http.ResponseWriter, ke *idempotency.KeyError) {
	msg := "Invalid Mandatory Field " + ke.Header
	if errors.Is(ke, idempotency.ErrKeyTooLong) {
		m.writeErr(w, ke.Scheme, http.StatusBadRequest, 1, "invalid_idempotency_key", "Invalid Field Format "+ke.Header)
		return
	}
	m.writeErr(w, ke.Scheme, http.StatusBadRequest, 2, "missing_idempotency_key", msg)
}

func (m *idem) writeErr(w http.ResponseWriter, scheme idempotency.Scheme, status, snapCase int, code, msg string) {
	if scheme == idempotency.SchemeSNAP {
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: status, Service: m.c.service, Case: snapCase}, msg)
		return
	}
	respond.WriteNonSNAP(w, status, code, msg, nil)
}

func idemReplay(w http.ResponseWriter, rec *idempotency.Record) {
	h := w.Header()
	for k, v := range rec.Header {
		h[k] = append([]string(nil), v...)
	}
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// idemWriter buffers next's response so that it can be stored before it is
// sent (and not stored at all if next fails).
type idemWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *idemWriter) Header() http.Header { return b.header }

func (b *idemWriter) WriteHeader(code int) {
	if b.status == 0 && code >= 200 {
		b.status = code
	}
}

func (b *idemWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *idemWriter) flushTo(w http.ResponseWriter, status int) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.body.Bytes())
}
