package middleware

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// ErrSchemaNoRoute is returned by SchemaChecker.Check when neither an
// explicit route (SchemaConfig.Route, SchemaRoute) nor the route table (schemas.Lookup) knows
// the request's method and path.
var ErrSchemaNoRoute = errors.New("middleware: no schema route for this request")

// ErrSchemaBodyTooLarge is returned by SchemaChecker.Check when the body is
// longer than the configured limit (SchemaConfig.MaxBodyBytes).
//
// Deprecated: it is verify.ErrBodyTooLarge, the kit's one name for a body
// over its limit; test either.
var ErrSchemaBodyTooLarge = verify.ErrBodyTooLarge

// SchemaDefaultMaxBodyBytes bounds the body a SchemaChecker reads: DOKU
// messages are a few kilobytes. It is verify.DefaultMaxBodyBytes, the
// kit's one default body limit.
const SchemaDefaultMaxBodyBytes = verify.DefaultMaxBodyBytes

// SchemaResponseMode says what a SchemaChecker does with handler responses.
type SchemaResponseMode int

const (
	// SchemaResponseOff does not look at responses (the default, for
	// production).
	SchemaResponseOff SchemaResponseMode = iota
	// SchemaResponseReport checks 2xx responses against the route's
	// response schema and reports a violation (metric + error log naming
	// the fields, never their values) but sends the response unchanged.
	SchemaResponseReport
	// SchemaResponseStrict is SchemaResponseReport that replaces a
	// violating response with a 500 in the route family's error shape (for
	// tests and staging).
	SchemaResponseStrict
)

// SchemaConfig configures a SchemaChecker. The zero value is usable: the
// route is looked up in the route table, DOKU's and the merchant's messages
// are read leniently, responses are not checked, the body limit is
// SchemaDefaultMaxBodyBytes, nothing is logged, no metrics are kept.
type SchemaConfig struct {
	// Route, if set, is used for every request instead of looking the
	// route up by method and path. Needed for merchant-chosen notification
	// paths (schemas routes whose Path has a {placeholder}).
	Route *schemas.Route
	// RejectUnknownFields makes fields the schema does not know an error
	// (rule "unknown") on routes where the merchant is the sender. Messages
	// DOKU sends are always read leniently: DOKU adds fields.
	RejectUnknownFields bool
	// ResponseCheck is the response check mode (default SchemaResponseOff).
	// Checking buffers each response of a route that has a response schema
	// until the handler returns.
	ResponseCheck SchemaResponseMode
	// MaxBodyBytes bounds the request body read; 0 or less is
	// SchemaDefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger gets response violations; nil logs nothing, as everywhere in
	// the kit: the global logger is never used behind the caller's back.
	Logger *slog.Logger
	// Registerer gets the checker's metrics; nil keeps none. The counter is
	// dokukit_schema_checks_total{route,stage,outcome} with route a
	// schemas.Route name (or "unrouted"), stage "request" or "response",
	// outcome "valid", "invalid", "malformed", "too_large" or "unrouted".
	// Checkers sharing a registerer share the counter.
	Registerer prometheus.Registerer
}

// SchemaOption sets one SchemaConfig field: the shorthand Schema and
// NewSchemaChecker take.
type SchemaOption func(*SchemaConfig)

// SchemaRoute sets SchemaConfig.Route: the checker uses route for every
// request instead of looking it up by method and path.
func SchemaRoute(route schemas.Route) SchemaOption {
	return func(c *SchemaConfig) { r := route; c.Route = &r }
}

// SchemaRejectUnknownFields sets SchemaConfig.RejectUnknownFields: fields
// the schema does not know are an error on routes where the merchant is the
// sender. Off by default.
func SchemaRejectUnknownFields() SchemaOption {
	return func(c *SchemaConfig) { c.RejectUnknownFields = true }
}

// SchemaResponseCheck sets SchemaConfig.ResponseCheck (default
// SchemaResponseOff).
func SchemaResponseCheck(mode SchemaResponseMode) SchemaOption {
	return func(c *SchemaConfig) { c.ResponseCheck = mode }
}

// SchemaRegisterer sets SchemaConfig.Registerer (nil: no metrics).
func SchemaRegisterer(reg prometheus.Registerer) SchemaOption {
	return func(c *SchemaConfig) { c.Registerer = reg }
}

// SchemaLogger sets SchemaConfig.Logger, where response violations are
// logged. Nil (the default) logs nothing.
func SchemaLogger(l *slog.Logger) SchemaOption {
	return func(c *SchemaConfig) { c.Logger = l }
}

// SchemaMaxBodyBytes sets SchemaConfig.MaxBodyBytes (default
// SchemaDefaultMaxBodyBytes); n <= 0 keeps the default.
func SchemaMaxBodyBytes(n int64) SchemaOption {
	return func(c *SchemaConfig) { c.MaxBodyBytes = n }
}

// SchemaChecker checks request bodies, and optionally handler responses,
// against the schemas route table. Like net/http.CrossOriginProtection it is
// a value with a pure-ish Check (reads the body, puts it back, writes
// nothing) and a Handler that adapts it.
//
// Requests on routes the checker does not know pass through unchecked;
// requests whose route is known are decoded (strictly for what the merchant
// sends, leniently for what DOKU sends), validated and either rejected with
// the route family's 400 body or handed on with the decoded value in the
// context (Decoded, DecodedAs) and the original body restored.
//
// A SchemaChecker is safe for concurrent use once built.
type SchemaChecker struct {
	route         *schemas.Route
	rejectUnknown bool
	responseMode  SchemaResponseMode
	maxBody       int64
	log           *slog.Logger
	checks        *promreg.Counter // nil: no metrics
}

// NewSchema builds the checker cfg describes. It fails only when the
// metrics cannot be registered on cfg.Registerer.
func NewSchema(cfg SchemaConfig) (*SchemaChecker, error) {
	c := &SchemaChecker{rejectUnknown: cfg.RejectUnknownFields, responseMode: cfg.ResponseCheck, maxBody: cfg.MaxBodyBytes, log: cfg.Logger}
	if cfg.Route != nil {
		r := *cfg.Route
		c.route = &r
	}
	if c.maxBody <= 0 {
		c.maxBody = SchemaDefaultMaxBodyBytes
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	metrics := promreg.NewBuilder(cfg.Registerer)
	c.checks = metrics.Counter("dokukit_schema_checks_total",
		"Schema checks of DOKU messages by route, stage (request, response) and outcome.", "route", "stage", "outcome")
	if err := metrics.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// NewSchemaChecker is NewSchema with the SchemaConfig the options set. It
// fails only when the metrics cannot be registered on the given registerer.
func NewSchemaChecker(opts ...SchemaOption) (*SchemaChecker, error) {
	var cfg SchemaConfig
	for _, o := range opts {
		o(&cfg)
	}
	return NewSchema(cfg)
}

// Schema returns middleware that checks requests (and, if configured,
// responses) against the schemas route table; see SchemaChecker. It panics
// at setup, like regexp.MustCompile, only if the metrics cannot be
// registered (a metric of the same name but another type already exists):
// use NewSchemaChecker to get that as an error.
func Schema(opts ...SchemaOption) func(http.Handler) http.Handler {
	c, err := NewSchemaChecker(opts...)
	if err != nil {
		panic("middleware.Schema: " + err.Error())
	}
	return c.Handler
}

// Route returns the schema route for r: the explicit one, or the route
// table's match for r's method and path.
func (c *SchemaChecker) Route(r *http.Request) (schemas.Route, bool) {
	if c.route != nil {
		return *c.route, true
	}
	return schemas.Lookup(r.Method, r.URL.Path)
}

// Check decodes and validates r's body against its route's request schema
// and returns the decoded value (a pointer, as the route's NewRequest
// returns it). The body is read and put back, so r can be handed on
// unchanged. Errors: ErrSchemaNoRoute, ErrSchemaBodyTooLarge, a body read
// error, or a *schemas.ValidationError listing every bad field.
func (c *SchemaChecker) Check(r *http.Request) (any, error) {
	route, ok := c.Route(r)
	if !ok {
		return nil, ErrSchemaNoRoute
	}
	return c.check(r, route)
}

func (c *SchemaChecker) check(r *http.Request, route schemas.Route) (any, error) {
	body, err := c.readBody(r)
	if err != nil {
		return nil, err
	}
	v := route.NewRequest()
	strict := c.rejectUnknown && route.Strict()
	if err := schemas.Decode(body, v, strict); err != nil {
		return nil, err
	}
	return v, nil
}

// readBody reads at most maxBody bytes and restores r.Body (and GetBody).
func (c *SchemaChecker) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
	_ = r.Body.Close()
	restore := func(data []byte) {
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	if err != nil {
		restore(b)
		return nil, err
	}
	restore(b)
	if int64(len(b)) > c.maxBody {
		return nil, ErrSchemaBodyTooLarge
	}
	return b, nil
}

// Handler checks each request with Check. A request on an unknown route
// passes through; an invalid one is answered with the route family's 400
// body (SNAP 400<svc>02 for a missing mandatory field, else 400<svc>01,
// naming the field by its JSON path; non-SNAP and Kirim: a 400 listing
// every bad field); a valid one reaches h with the decoded value in its
// context and the body restored.
func (c *SchemaChecker) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := c.Route(r)
		if !ok {
			c.count("unrouted", "request", "unrouted")
			h.ServeHTTP(w, r)
			return
		}
		v, err := c.check(r, route)
		if err != nil {
			c.deny(w, route, err)
			return
		}
		c.count(route.Name, "request", "valid")
		r = r.WithContext(context.WithValue(r.Context(), decodedKey{}, decoded{route: route, v: v}))
		if c.responseMode == SchemaResponseOff || route.NewResponse == nil {
			h.ServeHTTP(w, r)
			return
		}
		buf := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(buf, r)
		c.finishResponse(w, r, route, buf)
	})
}

func (c *SchemaChecker) deny(w http.ResponseWriter, route schemas.Route, err error) {
	var ve *schemas.ValidationError
	outcome := "invalid"
	switch {
	case errors.Is(err, ErrSchemaBodyTooLarge):
		outcome = "too_large"
		ve = &schemas.ValidationError{Malformed: true, Fields: []schemas.FieldError{{Rule: "max", Message: "body is too large"}}}
	case errors.As(err, &ve):
		if ve.Malformed {
			outcome = "malformed"
		}
	default: // body read error
		outcome = "malformed"
		ve = &schemas.ValidationError{Malformed: true, Fields: []schemas.FieldError{{Rule: "json", Message: "body could not be read"}}}
	}
	c.count(route.Name, "request", outcome)
	if route.Family == schemas.SNAP {
		respond.SNAPSchema(w, route.ServiceCode, ve)
		return
	}
	code, msg := "invalid_field", "request body failed schema validation"
	if ve.Malformed {
		code, msg = "malformed_body", "request body is not a valid JSON object"
	}
	respond.NonSNAPSchema(w, code, msg, ve)
}

// finishResponse checks a buffered 2xx response and sends it (or, in
// strict mode, a 500 instead).
func (c *SchemaChecker) finishResponse(w http.ResponseWriter, r *http.Request, route schemas.Route, buf *bufferedResponse) {
	if buf.status >= 200 && buf.status < 300 {
		err := schemas.Decode(buf.body.Bytes(), route.NewResponse(), false)
		var ve *schemas.ValidationError
		if errors.As(err, &ve) {
			c.count(route.Name, "response", "invalid")
			c.log.LogAttrs(r.Context(), slog.LevelError, "dokukit: handler response violates its schema",
				slog.String("route", route.Name),
				slog.Int("status", buf.status),
				slog.String("fields", fieldSummary(ve)))
			if c.responseMode == SchemaResponseStrict {
				if route.Family == schemas.SNAP {
					respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusInternalServerError, Service: route.ServiceCode}, respond.GeneralError)
				} else {
					respond.WriteNonSNAP(w, http.StatusInternalServerError, "response_schema_violation", "handler response violates its schema", nil)
				}
				return
			}
		} else {
			c.count(route.Name, "response", "valid")
		}
	}
	dst := w.Header()
	for k, vs := range buf.header {
		dst[k] = vs
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

// fieldSummary names the bad fields and rules, never their values.
func fieldSummary(ve *schemas.ValidationError) string {
	parts := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		p := f.Path
		if p == "" {
			p = "(body)"
		}
		parts[i] = p + ":" + f.Rule
	}
	return strings.Join(parts, ", ")
}

func (c *SchemaChecker) count(route, stage, outcome string) {
	c.checks.Inc(route, stage, outcome)
}

// bufferedResponse holds a handler's response until it has been checked.
type bufferedResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

// Header returns the buffered header map.
func (b *bufferedResponse) Header() http.Header { return b.header }

// WriteHeader records the first status only, as net/http does.
func (b *bufferedResponse) WriteHeader(status int) {
	if b.wroteHeader {
		return
	}
	b.wroteHeader = true
	b.status = status
}

// Write buffers the body.
func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}

type decodedKey struct{}

type decoded struct {
	route schemas.Route
	v     any
}

// Decoded returns the request value a SchemaChecker decoded and validated
// for this request (a pointer, as the route's NewRequest returns it), so
// the handler never decodes twice.
func Decoded(ctx context.Context) (any, bool) {
	d, ok := ctx.Value(decodedKey{}).(decoded)
	if !ok {
		return nil, false
	}
	return d.v, true
}

// DecodedAs returns the decoded request as T. T may be the pointer type the
// route's NewRequest returns (*schemas.CardsPaymentRequest) or the struct
// type itself (a copy is returned).
func DecodedAs[T any](ctx context.Context) (T, bool) {
	var zero T
	v, ok := Decoded(ctx)
	if !ok {
		return zero, false
	}
	if t, ok := v.(T); ok {
		return t, true
	}
	if p, ok := v.(*T); ok && p != nil {
		return *p, true
	}
	return zero, false
}

// DecodedRoute returns the schemas route the request was checked against.
func DecodedRoute(ctx context.Context) (schemas.Route, bool) {
	d, ok := ctx.Value(decodedKey{}).(decoded)
	return d.route, ok
}
