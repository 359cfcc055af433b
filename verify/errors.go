package verify

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/dokukit/dokukit/sign"
)

// Sentinel errors. Every error a verifier returns wraps exactly one of them
// inside a *Error; test with errors.Is. They are the kit's one vocabulary:
// notify's, middleware's and schemas' names for the same concepts are these
// values (or, for schemas, sign's), so errors.Is with either name matches.
// Where sign has the same concept (a mismatch, a malformed signature or
// timestamp, invalid JSON) the sentinel here is also sign's: errors.Is(err,
// sign.ErrSignatureMismatch) holds for every verify signature mismatch.
var (
	// ErrMissingHeader: a header the scheme needs is absent or empty.
	ErrMissingHeader = errors.New("missing header")
	// ErrBadTimestamp: the timestamp header is not ISO-8601 with a zone
	// (sign.ErrBadTimestamp).
	ErrBadTimestamp error = &sentinel{"malformed timestamp", sign.ErrBadTimestamp}
	// ErrTimestampSkew: the timestamp is further from the clock than the
	// policy allows, in either direction. Every ErrStale and ErrFuture is
	// also ErrTimestampSkew.
	ErrTimestampSkew = errors.New("timestamp outside the allowed skew")
	// ErrStale: the timestamp is further in the past than the policy allows.
	ErrStale error = &sentinel{"timestamp too old", ErrTimestampSkew}
	// ErrFuture: the timestamp is further in the future than the policy allows.
	ErrFuture error = &sentinel{"timestamp in the future", ErrTimestampSkew}
	// ErrSignatureMismatch: the signature is well formed but does not match
	// any key valid for the sender (sign.ErrSignatureMismatch).
	ErrSignatureMismatch error = &sentinel{"signature mismatch", sign.ErrSignatureMismatch}
	// ErrBadSignatureEncoding: the signature header is not in the scheme's
	// encoding (base64, "HMACSHA256=" prefix) (sign.ErrBadSignatureEncoding).
	ErrBadSignatureEncoding error = &sentinel{"malformed signature", sign.ErrBadSignatureEncoding}
	// ErrUnknownClient: no key is configured for the sender's client id,
	// partner id or agent key. SNAP answers it as a bad signature (see
	// Error.SNAPMessage).
	ErrUnknownClient = errors.New("unknown client")
	// ErrBodyTooLarge: the body exceeds the limit (the verifier's, the
	// schema checker's or the token endpoint's: one concept).
	ErrBodyTooLarge = errors.New("body too large")
	// ErrInvalidJSON: the body is not valid JSON (SNAP cannot minify it, and
	// no DOKU message is anything else) (sign.ErrInvalidJSON).
	ErrInvalidJSON error = &sentinel{"invalid JSON body", sign.ErrInvalidJSON}
	// ErrInvalidToken: the Authorization header is not "Bearer <token>" or
	// the token validator rejected the token.
	ErrInvalidToken = errors.New("invalid access token")
	// ErrBodyRead: reading the request body failed (client went away).
	ErrBodyRead = errors.New("reading the body failed")
	// ErrKey: the key set failed (vault unreachable) or holds a key the
	// scheme cannot use. It is the server's fault, not the sender's.
	ErrKey = errors.New("key lookup failed")
	// ErrConfig: a verifier, channel or endpoint was constructed with a
	// missing or unsafe setting (empty secret, nil key set, RSA key under
	// 2048 bits). notify.ErrConfig is this value.
	ErrConfig = errors.New("invalid configuration")
)

// sentinel is a sentinel error that is also a more general one (its
// parent): a verify concept that sign, or a wider verify concept, names too.
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

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
	// CheckMethod: the HTTP method is not the one the endpoint answers
	// (the token endpoint's POST).
	CheckMethod Check = "method"
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
	// Cause is what lies underneath, when there is something: sign's error
	// (sign.ErrKeyTooShort, a *sign.SyntaxError), a key store's error. It
	// is reachable with errors.Is/As and never printed: it may name a vault
	// path or quote a body offset.
	Cause error
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

// Unwrap returns the sentinel error and, when there is one, the Cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// SNAPResponseCode renders the SNAP responseCode for service (e.g. 56 →
// "4015600"); see SNAPCode.
func (e *Error) SNAPResponseCode(service int) string {
	return SNAPCode(e.Status, service, e.Case)
}

// SNAPCode is the kit's one SNAP responseCode formatter: the HTTP status
// (three digits), the service code (two) and the case code (two), zero
// padded — SNAPCode(401, 56, 0) is "4015600", SNAPCode(400, 7, 2)
// "4000702". A responseCode is always seven digits, so only the last two
// digits of service and case are used (a service of 156 is written "56"),
// never a longer code DOKU would not parse.
func SNAPCode(status, service, caseCode int) string {
	return string(AppendSNAPCode(make([]byte, 0, 7), status, service, caseCode))
}

// AppendSNAPCode appends SNAPCode(status, service, caseCode) to dst.
func AppendSNAPCode(dst []byte, status, service, caseCode int) []byte {
	dst = strconv.AppendInt(dst, int64(status%1000), 10)
	return append(dst, byte('0'+mod100(service)/10), byte('0'+mod100(service)%10),
		byte('0'+mod100(caseCode)/10), byte('0'+mod100(caseCode)%10))
}

func mod100(n int) int {
	n %= 100
	if n < 0 {
		n = -n
	}
	return n
}

// Answered is the failure as the sender is told it: an unknown client
// (ErrUnknownClient) becomes the scheme's wrong signature — the same check,
// field, status and case — so answers do not reveal which client ids
// exist; any other failure is e itself. Reason(e) and e keep the difference
// for logs and metrics.
func (e *Error) Answered() *Error {
	if !errors.Is(e.Err, ErrUnknownClient) {
		return e
	}
	masked := *e
	masked.Err, masked.Check, masked.Field = ErrSignatureMismatch, CheckSignature, signatureHeader(e.Scheme)
	return &masked
}

// SNAPMessage is the responseMessage SNAP uses for this failure
// ("Unauthorized. Invalid Signature", "Invalid Mandatory Field {X-TIMESTAMP}").
// It follows from Status and Case (and, for 401xx00, whether the timestamp
// or the signature failed), so an *Error built by another layer (the token
// endpoint's grantType check) gets the same wording; see the table in the
// package doc. An unknown client (ErrUnknownClient) gets the bad
// signature's message, and its Status and Case are the same too: the answer
// does not tell a caller which client ids exist. Reason and the error
// itself keep the difference for logs and metrics.
func (e *Error) SNAPMessage() string {
	switch {
	case errors.Is(e.Err, ErrBodyRead) || e.Status >= 500:
		return "General Error"
	case e.Status == http.StatusBadRequest && e.Case == CaseMissingField:
		return "Invalid Mandatory Field {" + e.Field + "}"
	case e.Status == http.StatusBadRequest && e.Case == CaseInvalidFormat:
		return "Invalid Field Format {" + e.Field + "}"
	case e.Status == http.StatusBadRequest:
		return "Bad Request"
	case e.Status == http.StatusMethodNotAllowed:
		return "Method Not Allowed"
	case e.Status == http.StatusRequestEntityTooLarge:
		return "Request Entity Too Large"
	case e.Case == CaseInvalidToken:
		return "Invalid Token (B2B)"
	case errors.Is(e.Err, ErrTimestampSkew):
		return "Unauthorized. Invalid Timestamp"
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
