package sign

import (
	"crypto/sha256"
	"encoding/hex"
)

// EmptyBodyHash is lowercase(hex(SHA-256(""))), the SNAP body hash of a
// request without a body.
const EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// BodyHash returns SHA-256(minify(body)), the digest SNAP puts (hex-encoded)
// in its string to sign. A zero-length body hashes the empty string; any
// other body must be valid JSON (see AppendMinified).
func BodyHash(body []byte) ([32]byte, error) {
	if len(body) == 0 {
		return sha256.Sum256(nil), nil
	}
	// Bodies up to 4 KiB (nearly every DOKU request and notification) are
	// minified on the stack; larger ones borrow a pooled scratch buffer
	// (the one Valid uses). Either way: no allocation once warm.
	if len(body) <= 4096 {
		var stack [4096]byte
		min, err := AppendMinified(stack[:0], body)
		if err != nil {
			return [32]byte{}, err
		}
		return sha256.Sum256(min), nil
	}
	bp := validScratch.Get().(*[]byte)
	min, err := AppendMinified((*bp)[:0], body)
	var sum [32]byte
	if err == nil {
		sum = sha256.Sum256(min)
	}
	if cap(min) <= maxPooledScratch {
		*bp = min[:0]
		validScratch.Put(bp)
	}
	return sum, err
}

// AppendBodyHashHex appends lowercase(hex(SHA-256(minify(body)))) to dst, the
// SNAP body hash exactly as it appears in a string to sign.
func AppendBodyHashHex(dst, body []byte) ([]byte, error) {
	sum, err := BodyHash(body)
	if err != nil {
		return dst, err
	}
	return hex.AppendEncode(dst, sum[:]), nil
}
