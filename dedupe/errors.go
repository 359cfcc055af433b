package dedupe

import (
	"errors"
	"net/http"

	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/verify"
)

// Why the guard refused a request; an *Error wraps one of them (or
// idempotency.ErrMissingKey, idempotency.ErrKeyTooLong,
// verify.ErrBodyTooLarge, verify.ErrBodyRead).
var (
	// ErrConflict: the request id was already used with a different body
	// (or at all, with Config.Strict).
	ErrConflict = errors.New("dedupe: request id already used")
	// ErrDuplicateReference: the business reference was already used with
	// a different body.
	ErrDuplicateReference = errors.New("dedupe: business reference already used with a different body")
	// ErrInFlight: the first delivery is still running.
	ErrInFlight = errors.New("dedupe: request still being processed")
	// ErrReplayedSignature: a SNAP signature already seen under another
	// X-EXTERNAL-ID.
	ErrReplayedSignature = errors.New("dedupe: signature replayed under another X-EXTERNAL-ID")
	// ErrStore: the store failed; the cause is wrapped too.
	ErrStore = errors.New("dedupe: store unavailable")
)

// Error is a refusal: what Decide found, and the answer Handler sends for
// it. Its message names headers, never their values.
type Error struct {
	// Err is the reason: one of the sentinels above or the ones Decide
	// lists.
	Err error
	// Scheme is the scheme the answer is shaped for.
	Scheme idempotency.Scheme
	// Status is the HTTP status; Case the SNAP case code (the last two
	// digits of responseCode); Code the non-SNAP error code.
	Status int
	Case   int
	Code   string
	// RetryAfter is the Retry-After header value, "" for none.
	RetryAfter string

	snapMsg, msg string
}

// Error is the reason's message; it names headers, never their values.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// badKey refuses a request without usable key headers, with the kit's one
// spelling of a field in a message: braces around the name.
func badKey(ke *idempotency.KeyError) *Error {
	if errors.Is(ke, idempotency.ErrKeyTooLong) {
		msg := "Invalid Field Format {" + ke.Header + "}"
		return &Error{Err: ke, Scheme: ke.Scheme, Status: http.StatusBadRequest, Case: 1, Code: "invalid_idempotency_key", snapMsg: msg, msg: msg}
	}
	msg := "Invalid Mandatory Field {" + ke.Header + "}"
	return &Error{Err: ke, Scheme: ke.Scheme, Status: http.StatusBadRequest, Case: 2, Code: "missing_idempotency_key", snapMsg: msg, msg: msg}
}

func (g *Guard) bodyError(scheme idempotency.Scheme, err error) *Error {
	if errors.Is(err, verify.ErrBodyTooLarge) {
		return &Error{Err: err, Scheme: scheme, Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", snapMsg: "Request Entity Too Large", msg: "Request Entity Too Large"}
	}
	msg := "Bad Request. Request body could not be read"
	return &Error{Err: err, Scheme: scheme, Status: http.StatusBadRequest, Case: 1, Code: "invalid_body", snapMsg: msg, msg: msg}
}

// conflict is a 409 for reason why: SNAP with the standard message for
// the case (docs/protocol.md §5), the others with code and a message naming
// the request id header.
func (g *Guard) conflict(scheme idempotency.Scheme, snapCase int, why error, code, detail string) *Error {
	_, idHeader := idempotency.Headers(scheme)
	e := &Error{Err: why, Scheme: scheme, Status: http.StatusConflict, Case: snapCase, Code: code, snapMsg: "Conflict", msg: "Conflict. " + idHeader + " " + detail}
	switch why {
	case ErrDuplicateReference:
		e.snapMsg, e.msg = "Duplicate partnerReferenceNo", "Conflict. The "+detail
	case ErrInFlight:
		e.RetryAfter = "1"
	}
	return e
}

// retryLater is an answer DOKU retries: SNAP 500<svc>00 "General Error",
// otherwise 503, with Retry-After: 60.
func (g *Guard) retryLater(scheme idempotency.Scheme, why error) *Error {
	if scheme == idempotency.SchemeSNAP {
		return &Error{Err: why, Scheme: scheme, Status: http.StatusInternalServerError, RetryAfter: "60", snapMsg: "General Error"}
	}
	return &Error{Err: why, Scheme: scheme, Status: http.StatusServiceUnavailable, RetryAfter: "60", Code: "idempotency_store_unavailable", msg: "Service Unavailable. Try again later"}
}
