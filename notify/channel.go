package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Func is the merchant's code for one kind of notification. It gets the
// decoded, validated notification; the verified sender (partner or client
// id, external or request id, matched key) is middleware.Verified(ctx).
// Func gets no request: everything it sees was covered by the signature or
// comes from the kit. The non-SNAP and Kirim signatures do not cover the
// query string, so those channels drop it before verification and
// Verified(ctx).Target is the path alone (non-SNAP with
// verify.QueryKeep signs the query and keeps it).
//
// Return nil once the notification is durably handled: DOKU gets its ack
// and a retry of the same notification is answered with the same ack
// without calling Func again. Return an error (or panic) when it could not
// be handled: DOKU gets a 5xx, the duplicate guard is released, and DOKU's
// retry calls Func again. Func must not write to the response.
type Func[T any] func(ctx context.Context, n *T) error

// Common is the configuration every channel shares. The zero value is
// usable: no logging, no metrics, an in-memory duplicate guard, the real
// clock, ±5 minutes of skew, 1 MiB bodies.
type Common struct {
	// Logger receives one line per rejected or failed notification
	// (channel, outcome, reason, ids). Never secrets, tokens, signatures
	// or bodies. Nil: no logging.
	Logger *slog.Logger
	// Registerer receives the channel metrics
	// (dokukit_notifications_total, the verification and idempotency
	// metrics). Nil: no metrics. Channels on one Registerer share them.
	Registerer prometheus.Registerer
	// Store is the duplicate guard's store; nil means an in-memory store
	// per channel (one process only; use the Redis store with replicas).
	Store idempotency.Store
	// Timestamps is the timestamp policy (default ±5 min, time.Now).
	Timestamps verify.Timestamps
	// MaxBodyBytes limits bodies (default 1 MiB).
	MaxBodyBytes int64
	// Target says which request-target was signed (default: the path as
	// received; set Prefix or Fixed behind a path-rewriting proxy).
	Target verify.Target
	// StrictFields rejects notifications with fields the typed struct does
	// not know. Off by default: DOKU adds fields, and rejecting its real
	// message loses money.
	StrictFields bool
}

// Outcomes counted in dokukit_notifications_total{channel,outcome}.
const (
	OutcomeAcked        = "acked"         // Func returned nil, ack sent
	OutcomeInvalid      = "invalid"       // body failed its schema
	OutcomeHandlerError = "handler_error" // Func returned an error
	OutcomePanic        = "panic"         // Func panicked
)

// channel is the engine shared by every notification kind: decode and
// validate the verified body into T, run Func once, answer.
type channel[T any] struct {
	name   string
	fn     Func[T]
	strict bool
	log    *slog.Logger
	count  *prometheus.CounterVec
	reject func(w http.ResponseWriter, verr *schemas.ValidationError)
	failed func(w http.ResponseWriter)
	ack    func(w http.ResponseWriter, n *T)
	// admit, when set, runs on the decoded notification before fn; false
	// means it has answered and fn must not run.
	admit func(ctx context.Context, w http.ResponseWriter, n *T) bool
}

func (c *channel[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readAll(r)
	if err != nil {
		c.failed(w)
		return
	}
	n := new(T)
	if err := schemas.Decode(body, n, c.strict); err != nil {
		var verr *schemas.ValidationError
		if !errors.As(err, &verr) {
			verr = &schemas.ValidationError{Malformed: true, Fields: []schemas.FieldError{{Rule: "json", Message: "body is not a valid notification"}}}
		}
		c.outcome(r.Context(), OutcomeInvalid, slog.String("fields", fmt.Sprint(verr.Paths())))
		c.reject(w, verr)
		return
	}
	if c.admit != nil && !c.admit(r.Context(), w, n) {
		return
	}
	if err := c.call(r.Context(), n); err != nil {
		c.failed(w)
		return
	}
	c.outcome(r.Context(), OutcomeAcked)
	c.ack(w, n)
}

// call runs Func, turning a panic into an error so the guard is released
// and DOKU retries. Neither the panic value nor the error is sent to DOKU;
// the log gets their type only, since either may quote the notification.
func (c *channel[T]) call(ctx context.Context, n *T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			c.outcome(ctx, OutcomePanic, slog.String("panic", fmt.Sprintf("%T", p)))
			err = errPanicked
		}
	}()
	if err = c.fn(ctx, n); err != nil {
		c.outcome(ctx, OutcomeHandlerError, slog.String("error_type", fmt.Sprintf("%T", err)))
	}
	return err
}

var errPanicked = errors.New("notify: handler panicked")

func (c *channel[T]) outcome(ctx context.Context, outcome string, attrs ...slog.Attr) {
	if c.count != nil {
		c.count.WithLabelValues(c.name, outcome).Inc()
	}
	if c.log == nil || outcome == OutcomeAcked {
		return
	}
	attrs = append(attrs, slog.String("channel", c.name), slog.String("outcome", outcome))
	if id, ok := middleware.Verified(ctx); ok {
		attrs = append(attrs, slog.String("client_id", truncate(id.ClientID, 64)), slog.String("external_id", truncate(id.ExternalID, 64)), slog.String("request_id", truncate(id.RequestID, 64)))
	}
	level := slog.LevelWarn
	if outcome != OutcomeInvalid && outcome != OutcomeUnknownTransfer {
		level = slog.LevelError
	}
	c.log.LogAttrs(ctx, level, "dokukit: notification not acknowledged", attrs...)
}

// readAll returns the body the verification middleware read within its
// limit (middleware.VerifiedBody: no second read, no copy), or reads
// r.Body for a channel served without one.
func readAll(r *http.Request) ([]byte, error) {
	if b, ok := middleware.VerifiedBody(r.Context()); ok {
		return b, nil
	}
	return io.ReadAll(r.Body)
}

// notificationCounter is the counter every channel on one Registerer
// shares.
func notificationCounter(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	if reg == nil {
		return nil, nil
	}
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_notifications_total",
		Help: "DOKU notifications that passed verification, by channel and outcome.",
	}, []string{"channel", "outcome"})
	return promreg.Register(reg, cv)
}

// snapReject answers a schema failure in SNAP form (respond.SNAPSchema:
// 400<svc>02 naming the first missing mandatory field, else 400<svc>01
// naming the first bad one), as middleware.SchemaChecker does.
func snapReject(service int) func(w http.ResponseWriter, verr *schemas.ValidationError) {
	return func(w http.ResponseWriter, verr *schemas.ValidationError) { respond.SNAPSchema(w, service, verr) }
}

func snapFailed(service int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusInternalServerError, Service: service}, respond.GeneralError)
	}
}

// nonSNAPReject lists every bad field at once.
func nonSNAPReject(w http.ResponseWriter, verr *schemas.ValidationError) {
	respond.NonSNAPSchema(w, "invalid_notification", "the notification does not match its schema", verr)
}

func nonSNAPFailed(w http.ResponseWriter) {
	respond.WriteNonSNAP(w, http.StatusInternalServerError, "handler_failed", "the notification could not be processed; retry later", nil)
}

func kirimReject(w http.ResponseWriter, verr *schemas.ValidationError) {
	msg := "Invalid notification"
	if len(verr.Fields) > 0 && verr.Fields[0].Path != "" {
		msg += ": " + verr.Fields[0].Path
	}
	respond.WriteKirim(w, http.StatusBadRequest, msg)
}

func kirimFailed(w http.ResponseWriter) {
	respond.WriteKirim(w, http.StatusInternalServerError, respond.GeneralError)
}

// defaultLease bounds how long a delivery whose process died holds its key;
// the guard renews it while Func runs.
const defaultLease = idempotency.DefaultLease
