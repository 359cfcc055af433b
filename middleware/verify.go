package middleware

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/bodyctx"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/verify"
)

// DenyFunc answers a request that failed verification. err is always a
// *verify.Error (errors.As), safe to log: it holds no secret.
type DenyFunc func(w http.ResponseWriter, r *http.Request, err error)

// Config configures a Verification. The zero value is usable: rejections
// carry service code "00" and DefaultDeny's protocol-shaped answer, nothing
// is logged, no metrics are kept.
type Config struct {
	// ServiceCode is the SNAP service code put in rejection codes
	// ("401" + "56" + "00"): 56 debit notify, 25 VA payment notify, 73
	// token, …; 0 renders "00".
	ServiceCode int
	// Deny answers a rejected request; nil is DefaultDeny(ServiceCode).
	Deny DenyFunc
	// Logger gets each rejection at Warn level (scheme, reason, field,
	// client id; nothing secret); nil logs nothing.
	Logger *slog.Logger
	// Registerer gets the verification metrics (see Metrics); nil keeps
	// none. Verifications built on one Registerer share its collectors.
	Registerer prometheus.Registerer

	metrics *Metrics // WithMetrics: collectors built beforehand
}

// Option sets one Config field: the shorthand Verify and NewVerification
// take (middleware.Verify(v, middleware.WithServiceCode(56))).
type Option func(*Config)

// WithServiceCode sets Config.ServiceCode.
func WithServiceCode(code int) Option { return func(c *Config) { c.ServiceCode = code } }

// WithDeny sets Config.Deny, the rejection handler. The default,
// DefaultDeny, answers in the scheme's protocol shape.
func WithDeny(d DenyFunc) Option { return func(c *Config) { c.Deny = d } }

// WithMetrics counts every verification on m, collectors built with
// NewMetrics (Config.Registerer builds them for you).
func WithMetrics(m *Metrics) Option { return func(c *Config) { c.metrics = m } }

// WithLogger sets Config.Logger: each rejection is logged at Warn level
// (scheme, reason, field, client id) on l. Nothing secret is logged.
// Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// Verification is the configured verification middleware. Build it with
// New (or NewVerification); it is safe for concurrent use.
type Verification struct {
	v       verify.Verifier
	service int
	deny    DenyFunc
	metrics *Metrics
	log     *slog.Logger
}

// New wraps v as cfg says. A nil verifier is an error (fail closed), and
// so is a Registerer that holds another collector under one of the
// verification metrics' names.
func New(v verify.Verifier, cfg Config) (*Verification, error) {
	if v == nil {
		return nil, errors.New("middleware: a Verification needs a verifier (nil verify.Verifier)")
	}
	m := &Verification{v: v, service: cfg.ServiceCode, deny: cfg.Deny, metrics: cfg.metrics, log: cfg.Logger}
	if m.metrics == nil && cfg.Registerer != nil {
		var err error
		if m.metrics, err = NewMetrics(cfg.Registerer); err != nil {
			return nil, err
		}
	}
	if m.deny == nil {
		m.deny = DefaultDeny(m.service)
	}
	return m, nil
}

// NewVerification is New with the Config the options set. A nil verifier
// is an error (fail closed).
func NewVerification(v verify.Verifier, opts ...Option) (*Verification, error) {
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	return New(v, cfg)
}

// Verify is NewVerification(v, opts...).Handler as a
// func(http.Handler) http.Handler. It panics on a nil verifier, at wiring
// time, like http.Handle does for a nil handler.
func Verify(v verify.Verifier, opts ...Option) func(http.Handler) http.Handler {
	m, err := NewVerification(v, opts...)
	if err != nil {
		panic(err)
	}
	return m.Handler
}

// Check verifies r without writing anything (its body is read within the
// limit and put back). It records metrics. Use it to build your own
// handler; Handler uses it.
func (m *Verification) Check(r *http.Request) (verify.Result, error) {
	res, _, err := m.check(r, nil)
	return res, err
}

func (m *Verification) check(r *http.Request, buf []byte) (verify.Result, []byte, error) {
	start := time.Now()
	size := r.ContentLength
	res, body, err := verify.VerifyRequest(m.v, r, buf)
	m.metrics.observe(m.v.Scheme(), err, time.Since(start), size)
	return res, body, err
}

// bodies recycles request-body buffers: Handler reads each body into one
// and gets it back when the wrapped handler has returned (net/http forbids
// using the request after that), so a steady stream of notifications
// allocates no body memory.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// errBodyRecycled is what a handler reading the body after the request
// finished gets.
var errBodyRecycled = errors.New("middleware: request body read after the request finished")

// pooledBody reads a pooled body array until detach; reads and detach are
// serialised, so no read copies from the array once it is reused.
type pooledBody struct {
	mu  sync.Mutex
	b   []byte
	off int
	cut bool
}

func (p *pooledBody) Read(dst []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return 0, errBodyRecycled
	}
	if p.off >= len(p.b) {
		return 0, io.EOF
	}
	n := copy(dst, p.b[p.off:])
	p.off += n
	return n, nil
}

// WriteTo lets io.Copy and io.ReadAll skip an intermediate buffer.
func (p *pooledBody) WriteTo(w io.Writer) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return 0, errBodyRecycled
	}
	n, err := w.Write(p.b[p.off:])
	p.off += n
	return int64(n), err
}

func (p *pooledBody) Close() error { return nil }

func (p *pooledBody) detach() {
	p.mu.Lock()
	p.cut, p.b = true, nil
	p.mu.Unlock()
}

// maxPooledBody keeps one huge body from pinning its size in the pool: a
// body up to the default limit is kept.
const maxPooledBody = verify.DefaultMaxBodyBytes

// Handler returns next guarded by the verification: next runs only for
// verified requests, with the verify.Result in the context (Verified) and
// the body readable from the start. Others get the deny handler. A request
// refused before its body was read to the end (a required header missing,
// the body over the limit or broken off) is answered at once with
// Connection: close, so an unauthenticated client that declares a body and
// stalls holds neither the answer nor more memory than it sent.
func (m *Verification) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bp := bodies.Get().(*[]byte)
		defer func() {
			if cap(*bp) <= maxPooledBody {
				bodies.Put(bp)
			}
		}()
		res, body, err := m.check(r, *bp)
		if cap(body) > cap(*bp) {
			*bp = body[:0] // keep the grown array for the next request
		}
		// The next handler reads the pooled bytes through a reader that is
		// cut off before the array is reused: a handler still running after
		// this one returned (inside http.TimeoutHandler) gets an error, never
		// another request's body.
		unread := err != nil && bodyLeftUnread(err)
		// One allocation holds the reader, the verified body handed on to
		// the layers behind (VerifiedBody: read once) and the result.
		var vr *verifiedRequest
		if !unread {
			vr = &verifiedRequest{pooledBody: pooledBody{b: body}}
			defer vr.detach()
			r.Body = &vr.pooledBody
		}
		if err != nil {
			if m.log != nil {
				m.logDeny(r.Context(), err)
			}
			if unread && r.ContentLength != 0 {
				// Refused with the body (partly) unread. Without
				// Connection: close net/http drains up to 256 KiB of it
				// before sending the answer, so a client that declared a
				// body and stalls would hold the refusal until it gave up.
				// r.Body stays the server's own, so net/http can see the
				// early close and shut the connection down gently (FIN,
				// then a pause) instead of resetting it under a client
				// still sending.
				w.Header().Set("Connection", "close")
			}
			m.deny(w, r, err)
			return
		}
		vr.res = res
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyctx.Key{}, vr)))
	})
}

// bodyLeftUnread reports whether verification stopped before the body was
// read to its end: a required header was missing (checked first), or the
// body was over the limit or broke off.
func bodyLeftUnread(err error) bool {
	return errors.Is(err, verify.ErrMissingHeader) || errors.Is(err, verify.ErrBodyTooLarge) || errors.Is(err, verify.ErrBodyRead)
}

func (m *Verification) logDeny(ctx context.Context, err error) {
	attrs := []slog.Attr{slog.String("scheme", string(m.v.Scheme())), slog.String("reason", verify.Reason(err))}
	var ve *verify.Error
	if errors.As(err, &ve) && ve.Field != "" {
		attrs = append(attrs, slog.String("field", ve.Field))
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "dokukit: request rejected", attrs...)
}

// verifiedRequest is the context value of a verified request: its result
// and its body (the pooled bytes, also its r.Body reader).
type verifiedRequest struct {
	pooledBody
	res verify.Result
}

// VerifiedBody implements bodyctx.Carrier: the whole body, until detach.
func (v *verifiedRequest) VerifiedBody() ([]byte, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cut {
		return nil, false
	}
	return v.b, true
}

// VerifiedBodyHash implements bodyctx.Hasher: the body hash the SNAP
// verifiers computed for the string to sign, until detach.
func (v *verifiedRequest) VerifiedBodyHash() ([32]byte, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cut || !v.res.HasBodyHash {
		return [32]byte{}, false
	}
	return v.res.BodyHash, true
}

// Verified returns what the verification established for the request whose
// context this is: client or partner id, external id, request id, scheme,
// matched key id. ok is false outside a Verify-wrapped handler.
func Verified(ctx context.Context) (res verify.Result, ok bool) {
	p, ok := ctx.Value(bodyctx.Key{}).(*verifiedRequest)
	if !ok {
		return verify.Result{}, false
	}
	return p.res, true
}

// VerifiedBody returns the body the verification read and verified, for
// the request whose context this is, so the layers behind it (the
// duplicate guard in dedupe, the notify channels) read it once, within the
// verifier's limit, without a copy. ok is false outside a Verify-wrapped
// handler and once that handler has returned.
//
// The bytes are the verification's pooled buffer: valid until the handler
// Verification.Handler wrapped returns, to be read, never modified or
// kept (copy what must outlive the request). r.Body still reads the same
// bytes from the start.
func VerifiedBody(ctx context.Context) ([]byte, bool) { return bodyctx.Body(ctx) }

// DefaultDeny answers in the failed scheme's protocol shape:
//
//   - SNAP (and SNAP RSA / token): HTTP status with
//     {"responseCode":"<status><service><case>","responseMessage":"…"},
//     e.g. 401 "4015600" "Unauthorized. Invalid Signature", 400 "4005602"
//     "Invalid Mandatory Field {X-TIMESTAMP}";
//   - non-SNAP: the status with {"error":{"code":"<reason>","message":"…"}};
//   - Kirim DOKU: the status with {"status":false,…,"responseCode":"<status>"}.
//
// An unknown client is answered exactly as a wrong signature, so client ids
// cannot be enumerated. Errors that are not *verify.Error get a 500. It is
// the kit's one rejection renderer, the one the token endpoint and the
// notify channels answer with too; the table of sentinels, statuses and
// SNAP cases is in package verify's documentation.
func DefaultDeny(service int) DenyFunc {
	return func(w http.ResponseWriter, _ *http.Request, err error) {
		respond.Verification(w, err, service)
	}
}
