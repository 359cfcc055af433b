package verify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/dokukit/dokukit/sign"
)

// Scheme names a DOKU signature scheme: it is sign.Scheme, the kit's one
// Scheme type, whose values are spelled as doku-verify and the metric labels
// spell them.
type Scheme = sign.Scheme

// The schemes (sign's constants).
const (
	SchemeSNAP      = sign.SchemeSNAP      // "snap": SNAP symmetric, HMAC-SHA512
	SchemeSNAPRSA   = sign.SchemeSNAPRSA   // "snap-rsa": SNAP asymmetric transactional, SHA256withRSA
	SchemeSNAPToken = sign.SchemeSNAPToken // "token": SNAP access-token request, SHA256withRSA
	SchemeNonSNAP   = sign.SchemeNonSNAP   // "nonsnap": HMACSHA256= component signature
	SchemeKirim     = sign.SchemeKirim     // "kirim": Kirim DOKU callback
)

// DefaultMaxBodyBytes is the kit's one default body limit, 1 MiB: every
// MaxBodyBytes (verifiers, notify channels, the token endpoint, the schema
// checker) that is 0 or negative means this. DOKU messages are a few
// kilobytes.
const DefaultMaxBodyBytes = 1 << 20

// Message is a request at the byte level: what a capture holds, or what
// Verify reads from an *http.Request.
type Message struct {
	Method string
	// Target is the request-target as received: path and query
	// ("/v1.0/debit/notify?x=1"), no scheme or host.
	Target string
	Header http.Header
	// Body is the body exactly as received. nil and empty are the same for
	// SNAP and Kirim; for non-SNAP a nil Body leaves the Digest line out
	// (GET) while an empty one hashes zero bytes.
	Body []byte
	// Explain asks for Result.StringToSign (costs an allocation).
	Explain bool
}

// Result is what a successful verification established. It holds no
// secret; Token is the bearer credential the request carried, kept so the
// caller can check it was issued by them, and must not be logged.
type Result struct {
	Scheme Scheme
	// ClientID is the sender's id the key was looked up by: X-PARTNER-ID
	// (SNAP), X-CLIENT-KEY (token request), Client-Id (non-SNAP) or
	// agentKey (Kirim).
	ClientID string
	// ExternalID is SNAP's X-EXTERNAL-ID (unique per partner per day).
	ExternalID string
	// RequestID is non-SNAP's Request-Id or Kirim's requestId.
	RequestID string
	// KeyID is the id of the secret or public key that matched.
	KeyID string
	// Timestamp is the signed timestamp and Age its distance from the
	// verifier's clock (negative when in the future). Zero for Kirim, whose
	// callbacks carry no timestamp.
	Timestamp time.Time
	Age       time.Duration
	// Target is the EndpointUrl / Request-Target that was signed.
	Target string
	// Token is the bearer token without "Bearer " (SNAP), "" otherwise.
	Token string
	// StringToSign is set when Message.Explain was: the exact bytes that
	// were signed (never the secret or the signature).
	StringToSign string
	// BodyHash is SHA-256 of the minified body (sign.BodyHash) when the
	// scheme signs it — SNAP and SNAP RSA, HasBodyHash true — so a layer
	// behind the verifier (the duplicate guard's fingerprint) need not
	// minify and hash the body again.
	BodyHash    [32]byte
	HasBodyHash bool
}

// Target says which request-target a verifier signs with. A wrong target
// is the most common cause of "signature doesn't match" behind a proxy.
// The zero value uses the request-target as received, with the scheme's
// default query handling.
type Target struct {
	// Fixed, when set, is signed instead of whatever arrived: the public
	// path DOKU calls, for when a proxy rewrites the path.
	Fixed string
	// Prefix is prepended to the received path: the sub-directory a proxy
	// strips before the request reaches this server ("/shop").
	Prefix string
	// Query chooses whether the query string is signed. QueryDefault is
	// the scheme's rule: SNAP signs path and query, non-SNAP the path only.
	Query QueryMode
}

// QueryMode is Target.Query.
type QueryMode int

// Query modes.
const (
	QueryDefault QueryMode = iota // the scheme's rule
	QueryKeep                     // sign path?query
	QueryDrop                     // sign the path only
)

func (t Target) resolve(received string, keepByDefault bool) string {
	if t.Fixed != "" {
		return t.Fixed
	}
	keep := keepByDefault
	switch t.Query {
	case QueryKeep:
		keep = true
	case QueryDrop:
		keep = false
	}
	path := received
	if !keep {
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
	}
	if t.Prefix != "" {
		return t.Prefix + path
	}
	return path
}

// requestTarget is the request-target as the server received it.
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.RequestURI()
}

// ReadBody reads r.Body within v's limit, appending to dst, and puts an
// equivalent in-memory reader back on r so the next handler sees the same
// bytes. Errors are *Error values (ErrBodyTooLarge, ErrBodyRead) shaped for
// v's scheme. When dst has room the result shares its array: pass a pooled
// buffer only if it is not reused until the request is finished.
//
// A declared Content-Length over the limit is refused without reading.
// Otherwise memory follows the bytes that actually arrive: at most 4 KiB
// is set aside on the strength of Content-Length alone, so a client that
// declares 1 MiB and sends one byte costs about 4 KiB, not 1 MiB. A body
// longer or shorter than its Content-Length is an error. On error r.Body
// is left in place, partly read, for the server to close. Verify uses it
// with a nil dst.
func ReadBody(v Verifier, r *http.Request, dst []byte) ([]byte, error) {
	return readBody(v.Scheme(), r, v.Limit(), dst)
}

// bodyStart is the most a body buffer is grown to before its bytes arrive:
// a declared length is only a claim, and an unauthenticated one.
const bodyStart = 4 << 10

func readBody(s Scheme, r *http.Request, limit int64, dst []byte) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	declared := r.ContentLength
	if declared > limit {
		return nil, fail(s, CheckBody, "body", ErrBodyTooLarge)
	}
	want := limit // unknown length (chunked, or 0 on a client request)
	if declared > 0 {
		want = declared
	}
	body := dst[:0]
	// One byte more than wanted catches a body longer than declared (or
	// than the limit).
	if start := min(want+1, bodyStart); int64(cap(body)) < start {
		body = slices.Grow(body, int(start))
	}
	body, err := readAllInto(body, r.Body, want+1)
	switch {
	case err != nil:
	case int64(len(body)) > want:
		err = errTooLong
		body = body[:want]
	case declared > 0 && int64(len(body)) < declared:
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		return body, nil
	}
	// The body is left on r, partly read: closing it here could mean
	// draining what a slow client has yet to send before anyone answers.
	if err == errTooLong || isMaxBytes(err) {
		return nil, fail(s, CheckBody, "body", ErrBodyTooLarge)
	}
	return nil, fail(s, CheckBody, "body", ErrBodyRead)
}

// readAllInto appends at most limit bytes of rd to dst, growing dst only
// as bytes arrive (doubling, from at least 512).
func readAllInto(dst []byte, rd io.Reader, limit int64) ([]byte, error) {
	for int64(len(dst)) < limit {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, int(min(limit-int64(len(dst)), int64(max(512, cap(dst))))))
		}
		room := dst[len(dst):min(int64(cap(dst)), limit)]
		n, err := rd.Read(room)
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

var errTooLong = errors.New("body longer than declared")

// VerifyRequest reads r's body into buf (see ReadBody; nil allocates) and
// verifies the request with v, signing the request-target as the server
// received it. It returns the body so a caller pooling buf can keep the
// array. Every verifier's Verify is VerifyRequest with a nil buf; the
// middleware passes a pooled one.
//
// For this package's verifiers the headers the scheme requires are checked
// before the body is read: a request missing one is refused (the same
// *Error VerifyMessage gives, ErrMissingHeader) with its body unread, so an
// unauthenticated client cannot make the server wait for, or hold, a body
// that could never pass. Whoever answers it should close the connection
// rather than let net/http drain that body (the middleware does).
func VerifyRequest(v Verifier, r *http.Request, buf []byte) (Result, []byte, error) {
	if hf, ok := v.(headersFirst); ok {
		if err := hf.requiredHeaders(r.Header); err != nil {
			// VerifyMessage fails on the same header first; it also fills
			// the Result as far as it gets.
			res, verr := v.VerifyMessage(r.Context(), Message{Method: r.Method, Target: requestTarget(r), Header: r.Header})
			if verr == nil {
				verr = err
			}
			return res, nil, verr
		}
	}
	body, err := ReadBody(v, r, buf)
	if err != nil {
		return Result{}, nil, err
	}
	res, err := v.VerifyMessage(r.Context(), Message{Method: r.Method, Target: requestTarget(r), Header: r.Header, Body: body})
	return res, body, err
}

// headerName is a header as the docs spell it (for errors) and in Go's
// canonical form (for a map lookup that does not allocate).
type headerName struct{ display, canon string }

func names(display ...string) []headerName {
	out := make([]headerName, len(display))
	for i, d := range display {
		out[i] = headerName{d, textproto.CanonicalMIMEHeaderKey(d)}
	}
	return out
}

// header reads a header case-insensitively: servers canonicalise names,
// but captures and hand-built maps may not.
func header(h http.Header, n headerName) string {
	if v := h[n.canon]; len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, n.display) {
			return v[0]
		}
	}
	return ""
}

// need reads required headers in order; the first missing one fails.
func need(s Scheme, h http.Header, hs []headerName, out []string) error {
	for i, n := range hs {
		v := strings.TrimSpace(header(h, n))
		if v == "" {
			return fail(s, CheckHeader, n.display, ErrMissingHeader)
		}
		out[i] = v
	}
	return nil
}

// Verifier is what every scheme's verifier provides; the middleware takes
// any of them.
type Verifier interface {
	// Scheme says which scheme this verifier checks.
	Scheme() Scheme
	// Limit is the largest body Verify reads, in bytes.
	Limit() int64
	// Verify checks r, reading its body (within the limit) and putting it
	// back for the next handler.
	Verify(r *http.Request) (Result, error)
	// VerifyMessage checks a request given as bytes. On failure the
	// Result still holds what was established before the failing check
	// (scheme, ids, target, and StringToSign when m.Explain), so tools can
	// show what was signed; never treat it as verified.
	VerifyMessage(ctx context.Context, m Message) (Result, error)
}

func limitOr(n int64) int64 {
	if n <= 0 {
		return DefaultMaxBodyBytes
	}
	return n
}
