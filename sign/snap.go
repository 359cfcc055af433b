package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// StripBearer returns the access token without a leading "Bearer " (the
// scheme name compared case-insensitively, as RFC 6750 allows). SNAP signs the
// bare token; keeping the prefix is a classic cause of mismatches.
func StripBearer(token string) string {
	if len(token) >= 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}

// AppendSNAPStringToSign appends the SNAP symmetric string to sign
//
//	METHOD:EndpointUrl:AccessToken:bodyHashHex:X-TIMESTAMP
//
// endpointURL is the relative path including the query string, exactly as
// sent; a leading "Bearer " is stripped from accessToken; bodyHashHex comes
// from AppendBodyHashHex. Nothing is normalised: every input is signed as
// given.
func AppendSNAPStringToSign(dst []byte, method, endpointURL, accessToken string, bodyHashHex []byte, timestamp string) []byte {
	dst = append(dst, method...)
	dst = append(dst, ':')
	dst = append(dst, endpointURL...)
	dst = append(dst, ':')
	dst = append(dst, StripBearer(accessToken)...)
	dst = append(dst, ':')
	dst = append(dst, bodyHashHex...)
	dst = append(dst, ':')
	return append(dst, timestamp...)
}

// AppendSNAPRSAStringToSign appends the SNAP asymmetric transactional
// string to sign METHOD:EndpointUrl:bodyHashHex:X-TIMESTAMP.
func AppendSNAPRSAStringToSign(dst []byte, method, endpointURL string, bodyHashHex []byte, timestamp string) []byte {
	dst = append(dst, method...)
	dst = append(dst, ':')
	dst = append(dst, endpointURL...)
	dst = append(dst, ':')
	dst = append(dst, bodyHashHex...)
	dst = append(dst, ':')
	return append(dst, timestamp...)
}

// SNAPSymmetric signs and verifies SNAP symmetric signatures
// (base64(HMAC-SHA512(clientSecret, stringToSign))) with one client secret.
//
// Construct it once with NewSNAPSymmetric and share it: its methods are safe
// for concurrent use and, once warm, do not allocate beyond what dst needs.
type SNAPSymmetric struct {
	secret []byte
	pool   sync.Pool // *snapScratch
}

type snapScratch struct {
	mac  hash.Hash
	sha  hash.Hash
	buf  []byte // minified body, then string to sign
	sum  [64]byte
	hexd [64]byte
}

// maxPooledBuf bounds the scratch buffer a signer keeps between calls, so one
// huge body does not pin its size in memory for good.
const maxPooledBuf = 256 << 10

// NewSNAPSymmetric returns a signer for secret. An empty secret is
// ErrEmptySecret: it fails closed rather than sign with a known key. The
// secret is copied.
func NewSNAPSymmetric(secret []byte) (*SNAPSymmetric, error) {
	if len(secret) == 0 {
		return nil, ErrEmptySecret
	}
	s := &SNAPSymmetric{secret: append([]byte(nil), secret...)}
	s.pool.New = func() any {
		return &snapScratch{mac: hmac.New(sha512.New, s.secret), sha: sha256.New(), buf: make([]byte, 0, 2048)}
	}
	return s, nil
}

func (s *SNAPSymmetric) get() *snapScratch { return s.pool.Get().(*snapScratch) }

func (s *SNAPSymmetric) put(sc *snapScratch) {
	if cap(sc.buf) > maxPooledBuf {
		sc.buf = make([]byte, 0, 2048)
	}
	s.pool.Put(sc)
}

// bodyHashHex writes hex(sha256(minify(body))) into sc.hexd.
func (sc *snapScratch) bodyHashHex(body []byte) error {
	if len(body) == 0 {
		copy(sc.hexd[:], EmptyBodyHash)
		return nil
	}
	var err error
	sc.buf, err = AppendMinified(sc.buf[:0], body)
	if err != nil {
		return err
	}
	sc.sha.Reset()
	sc.sha.Write(sc.buf)
	hex.Encode(sc.hexd[:], sc.sha.Sum(sc.sum[:0]))
	return nil
}

// AppendSignature appends the base64 X-SIGNATURE of the request to dst.
// body must be valid JSON or empty; otherwise the error wraps ErrInvalidJSON
// and dst is returned unchanged.
func (s *SNAPSymmetric) AppendSignature(dst []byte, method, endpointURL, accessToken string, body []byte, timestamp string) ([]byte, error) {
	sc := s.get()
	defer s.put(sc)
	if err := sc.bodyHashHex(body); err != nil {
		return dst, err
	}
	sc.buf = AppendSNAPStringToSign(sc.buf[:0], method, endpointURL, accessToken, sc.hexd[:], timestamp)
	return sc.appendMAC(dst, sc.buf), nil
}

func (sc *snapScratch) appendMAC(dst, msg []byte) []byte {
	sc.mac.Reset()
	sc.mac.Write(msg)
	return base64.StdEncoding.AppendEncode(dst, sc.mac.Sum(sc.sum[:0]))
}

// Sign returns the base64 X-SIGNATURE of the request; see AppendSignature.
func (s *SNAPSymmetric) Sign(method, endpointURL, accessToken string, body []byte, timestamp string) (string, error) {
	b, err := s.AppendSignature(make([]byte, 0, 88), method, endpointURL, accessToken, body, timestamp)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendSignString appends base64(HMAC-SHA512(secret, stringToSign)) to dst:
// the signature of an already-built string to sign.
func (s *SNAPSymmetric) AppendSignString(dst, stringToSign []byte) []byte {
	sc := s.get()
	defer s.put(sc)
	// Copy into the pooled buffer: hashing through the hash.Hash interface
	// would otherwise make every caller's buffer escape to the heap.
	sc.buf = append(sc.buf[:0], stringToSign...)
	return sc.appendMAC(dst, sc.buf)
}

// Verify checks a received X-SIGNATURE in constant time. It returns nil, an
// error wrapping ErrInvalidJSON for a body that cannot be minified, or
// ErrSignatureMismatch.
func (s *SNAPSymmetric) Verify(signature, method, endpointURL, accessToken string, body []byte, timestamp string) error {
	var b [88]byte
	want, err := s.AppendSignature(b[:0], method, endpointURL, accessToken, body, timestamp)
	if err != nil {
		return err
	}
	return verdict(want, signature)
}

// VerifyString checks a received signature against an already-built string
// to sign, in constant time.
func (s *SNAPSymmetric) VerifyString(signature string, stringToSign []byte) error {
	var b [88]byte
	return verdict(s.AppendSignString(b[:0], stringToSign), signature)
}
