package verify

import (
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors. Every error a verifier returns wraps exactly one of them
// inside a *Error; test with errors.Is.
var (
	// ErrMissingHeader: a header the scheme needs is absent or empty.
	ErrMissingHeader = errors.New("missing header")
	// ErrBadTimestamp: the timestamp header is not ISO-8601 with a zone.
	ErrBadTimestamp = errors.New("malformed timestamp")
	// ErrStale: the timestamp is further in the past than the policy allows.
	ErrStale = errors.New("timestamp too old")
	// ErrFuture: the timestamp is further in the future than the policy allows.
	ErrFuture = errors.New("timestamp in the future")
	// ErrSignatureMismatch: the signature is well formed but does not match
	// any key valid for the sender.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrBadSignatureEncoding: the signature header is not in the scheme's
	// encoding (base64, "HMACSHA256=" prefix).
	ErrBadSignatureEncoding = errors.New("malformed signature")
	// ErrUnknownClient: no key is configured for the sender's client id,
	// partner id or agent key. SNAP answers it as a bad signature (see
	// Error.SNAPMessage).
	ErrUnknownClient = errors.New("unknown client")
	// ErrBodyTooLarge: the body exceeds the verifier's limit.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrInvalidJSON: the body is not valid JSON (SNAP cannot minify it, and
	// no DOKU message is anything else).
	ErrInvalidJSON = errors.New("invalid JSON body")
	// ErrInvalidToken: the Authorization header is not "Bearer <token>" or
	// the token validator rejected the token.
	ErrInvalidToken = errors.New("invalid access token")
	// ErrBodyRead: reading the request body failed (client went away).
	ErrBodyRead = errors.New("reading the body failed")
	// ErrKey: the key set failed (vault unreachable) or holds a key the
	// scheme cannot use. It is the server's fault, not the sender's.
	ErrKey = errors.New("key lookup failed")
	// ErrConfig: a verifier was constructed with a missing or unsafe setting
	// (empty secret, nil key set, RSA key under 2048 bits).
	ErrConfig = errors.New("invalid verifier configuration")
)

// Check names the verification step that failed. The set is fixed, so it is
// safe as a metric label.
type Check string

// The checks, in the order a verifier runs them.
const (
	CheckHeader    Check = "header"
	CheckToken     Check = "token"
	CheckTimestamp Check = "timestamp"
	CheckBody      Check = "body"
	CheckKey       Check = "key"
	CheckSignature Check = "signature"
)

// SNAP case codes (the last two digits of a responseCode) the verifiers use.
const (
	CaseUnauthorized  = 0 // 401xx00: bad signature, unknown client, stale timestamp
	CaseInvalidToken  = 1 // 401xx01: invalid or missing bearer token
	CaseInvalidFormat = 1 // 400xx01: a field in the wrong format
	CaseMissingField  = 2 // 400xx02: a mandatory field is missing
	CaseGeneral       = 0 // 500xx00: general error (key store down)
)

// Error is what every verifier returns on failure. It says which check
// failed, on which header (or "body"), and how the protocol answers it:
// Status is the HTTP status and Case the SNAP case code, so a SNAP
// responseCode is Status, service code, Case ("4015600").
//
// Its message names the check and the field, never a secret, a token or
// a signature value.
type Error struct {
	Scheme Scheme
	Check  Check
	Field  string // header name, "body", or "" when not about one field
	Status int    // HTTP status the protocol prescribes
	Case   int    // SNAP case code
	Err    error  // one of the sentinel errors
	Detail string // extra safe context ("age 7m0s, allowed 5m0s")
}

// Error names the scheme, the sentinel and the field; never a value.
func (e *Error) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, "verify: "...)
	if e.Scheme != "" {
		b = append(b, e.Scheme...)
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	if e.Field != "" {
		b = append(b, ' ')
		b = append(b, e.Field...)
	}
	if e.Detail != "" {
		b = append(b, " ("...)
		b = append(b, e.Detail...)
		b = append(b, ')')
	}
	return string(b)
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

// SNAPResponseCode renders the SNAP responseCode for service (e.g. 56 →
// "4015600").
func (e *Error) SNAPResponseCode(service int) string {
	b := strconv.AppendInt(make([]byte, 0, 7), int64(e.Status), 10)
	if service < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(service%100), 10)
	if e.Case < 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(e.Case), 10))
}

// SNAPMessage is the responseMessage SNAP uses for this failure
// ("Unauthorized. Invalid Signature", "Invalid Mandatory Field {X-TIMESTAMP}").
// An unknown client (ErrUnknownClient) gets the bad signature's message,
// and its Status and Case are the same too: the answer does not tell a
// caller which client ids exist. Reason and the error itself keep the
// difference for logs and metrics.
func (e *Error) SNAPMessage() string {
	switch {
	case errors.Is(e.Err, ErrMissingHeader):
		return "Invalid Mandatory Field {" + e.Field + "}"
	case errors.Is(e.Err, ErrBadTimestamp), errors.Is(e.Err, ErrInvalidJSON):
		return "Invalid Field Format {" + e.Field + "}"
	case errors.Is(e.Err, ErrBodyTooLarge):
		return "Request Entity Too Large"
	case errors.Is(e.Err, ErrInvalidToken):
		return "Invalid Token (B2B)"
	case errors.Is(e.Err, ErrStale), errors.Is(e.Err, ErrFuture):
		return "Unauthorized. Invalid Timestamp"
	case errors.Is(e.Err, ErrKey), errors.Is(e.Err, ErrBodyRead):
		return "General Error"
	}
	return "Unauthorized. Invalid Signature"
}

// Reason is a short, fixed identifier of the failure for metrics and
// machine-readable bodies: "missing_header", "stale_timestamp", …
func Reason(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrMissingHeader):
		return "missing_header"
	case errors.Is(err, ErrBadTimestamp):
		return "bad_timestamp"
	case errors.Is(err, ErrStale):
		return "stale_timestamp"
	case errors.Is(err, ErrFuture):
		return "future_timestamp"
	case errors.Is(err, ErrSignatureMismatch):
		return "signature_mismatch"
	case errors.Is(err, ErrBadSignatureEncoding):
		return "bad_signature_encoding"
	case errors.Is(err, ErrUnknownClient):
		return "unknown_client"
	case errors.Is(err, ErrBodyTooLarge):
		return "body_too_large"
	case errors.Is(err, ErrInvalidJSON):
		return "invalid_json"
	case errors.Is(err, ErrInvalidToken):
		return "invalid_token"
	case errors.Is(err, ErrBodyRead):
		return "body_read"
	case errors.Is(err, ErrKey):
		return "key_error"
	}
	return "internal"
}

func fail(s Scheme, c Check, field string, sentinel error) *Error {
	e := &Error{Scheme: s, Check: c, Field: field, Err: sentinel, Status: http.StatusUnauthorized, Case: CaseUnauthorized}
	switch sentinel {
	case ErrMissingHeader:
		e.Status, e.Case = http.StatusBadRequest, CaseMissingField
	case ErrBadTimestamp, ErrInvalidJSON:
		e.Status, e.Case = http.StatusBadRequest, CaseInvalidFormat
	case ErrBodyTooLarge:
		// SNAP's table lists no 413, but its code is built from the HTTP
		// status, so every layer (this, the token endpoint, the duplicate
		// guard) answers the same 413xx00 "Request Entity Too Large".
		e.Status, e.Case = http.StatusRequestEntityTooLarge, 0
	case ErrInvalidToken:
		e.Case = CaseInvalidToken
	case ErrKey:
		e.Status, e.Case = http.StatusInternalServerError, CaseGeneral
	case ErrBodyRead:
		e.Status, e.Case = http.StatusBadRequest, CaseInvalidFormat
	}
	return e
}

func (e *Error) with(detail string) *Error { e.Detail = detail; return e }
