package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// NonSNAPPrefix starts every non-SNAP Signature header value.
const NonSNAPPrefix = "HMACSHA256="

// Components are the inputs of a non-SNAP ("Jokul") signature.
type Components struct {
	ClientID  string // Client-Id header
	RequestID string // Request-Id header
	// Timestamp is Request-Timestamp (or Response-Timestamp when Response is
	// set), signed exactly as sent.
	Timestamp string
	// Target is Request-Target: the request path (for notifications, the
	// merchant's notification path as DOKU requested it).
	Target string
	// Body is the raw body. A nil Body means "no body": the Digest line is
	// left out, as for GET requests. A non-nil Body, even empty, adds
	// Digest:base64(SHA-256(Body)) over the exact bytes.
	Body []byte
	// Response selects Response-Timestamp in place of Request-Timestamp, for
	// the signature DOKU puts on its responses.
	Response bool
}

// AppendDigest appends base64(SHA-256(body)), the non-SNAP Digest value.
func AppendDigest(dst, body []byte) []byte {
	sum := sha256.Sum256(body)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// AppendComponent appends the component string: the lines Client-Id,
// Request-Id, Request-Timestamp (or Response-Timestamp), Request-Target and,
// when c.Body is non-nil, Digest, joined by "\n" with no trailing newline.
func AppendComponent(dst []byte, c Components) []byte {
	dst = append(dst, "Client-Id:"...)
	dst = append(dst, c.ClientID...)
	dst = append(dst, "\nRequest-Id:"...)
	dst = append(dst, c.RequestID...)
	if c.Response {
		dst = append(dst, "\nResponse-Timestamp:"...)
	} else {
		dst = append(dst, "\nRequest-Timestamp:"...)
	}
	dst = append(dst, c.Timestamp...)
	dst = append(dst, "\nRequest-Target:"...)
	dst = append(dst, c.Target...)
	if c.Body != nil {
		dst = append(dst, "\nDigest:"...)
		dst = AppendDigest(dst, c.Body)
	}
	return dst
}

// NonSNAP signs and verifies non-SNAP Signature headers
// (HMACSHA256=base64(HMAC-SHA256(secret, component))) with one secret key.
// Its methods are safe for concurrent use and, once warm, do not allocate
// beyond what dst needs.
type NonSNAP struct {
	secret []byte
	pool   sync.Pool // *nonSNAPScratch
}

type nonSNAPScratch struct {
	mac hash.Hash
	buf []byte
	sum [32]byte
}

// NewNonSNAP returns a signer for secret; an empty secret is ErrEmptySecret.
// The secret is copied.
func NewNonSNAP(secret []byte) (*NonSNAP, error) {
	if len(secret) == 0 {
		return nil, ErrEmptySecret
	}
	s := &NonSNAP{secret: append([]byte(nil), secret...)}
	s.pool.New = func() any {
		return &nonSNAPScratch{mac: hmac.New(sha256.New, s.secret), buf: make([]byte, 0, 512)}
	}
	return s, nil
}

// AppendSignature appends the full Signature header value
// ("HMACSHA256=" + base64 MAC) for c to dst.
func (s *NonSNAP) AppendSignature(dst []byte, c Components) []byte {
	sc := s.pool.Get().(*nonSNAPScratch)
	defer s.pool.Put(sc)
	sc.buf = AppendComponent(sc.buf[:0], c)
	return sc.appendMAC(dst, sc.buf)
}

func (sc *nonSNAPScratch) appendMAC(dst, msg []byte) []byte {
	sc.mac.Reset()
	sc.mac.Write(msg)
	dst = append(dst, NonSNAPPrefix...)
	return base64.StdEncoding.AppendEncode(dst, sc.mac.Sum(sc.sum[:0]))
}

// Sign returns the Signature header value for c.
func (s *NonSNAP) Sign(c Components) string {
	return string(s.AppendSignature(make([]byte, 0, 56), c))
}

// AppendSignString appends "HMACSHA256=" + base64(HMAC-SHA256(secret,
// component)) for an already-built component string.
func (s *NonSNAP) AppendSignString(dst, component []byte) []byte {
	sc := s.pool.Get().(*nonSNAPScratch)
	defer s.pool.Put(sc)
	// Copy into the pooled buffer so the caller's (stack) buffer does not
	// escape through the hash.Hash interface.
	sc.buf = append(sc.buf[:0], component...)
	return sc.appendMAC(dst, sc.buf)
}

// Verify checks a received Signature header value (with its "HMACSHA256="
// prefix) in constant time; it returns nil or ErrSignatureMismatch.
func (s *NonSNAP) Verify(signature string, c Components) error {
	var b [64]byte
	return verdict(s.AppendSignature(b[:0], c), signature)
}

// VerifyString checks a received Signature header value against an
// already-built component string, in constant time.
func (s *NonSNAP) VerifyString(signature string, component []byte) error {
	var b [64]byte
	return verdict(s.AppendSignString(b[:0], component), signature)
}
