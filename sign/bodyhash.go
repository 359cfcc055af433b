package sign

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
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

// bodyChunk is how much of a body a BodyHasher minifies at a time: its
// input and output buffers (2 × bodyChunk) stay in the CPU's L2 cache.
const bodyChunk = 64 << 10

// errHasherSummed is returned by a Write after Sum.
var errHasherSummed = errors.New("sign: BodyHasher written to after Sum")

// BodyHasher computes the SNAP body hash, SHA-256(minify(body)), of a body
// written to it in pieces of any size: it minifies into a fixed buffer and
// feeds SHA-256 as it goes, so its memory does not grow with the body (a
// little over 128 KiB, whatever the size). The pieces' boundaries may fall
// anywhere, even inside a string escape or a number; the result, and the
// set of bodies rejected (with the same *SyntaxError offset and message),
// are exactly those of BodyHash on the whole body.
//
// Invalid JSON is reported as soon as it is seen, by Write, ReadFrom and
// every later call; JSON cut short is reported by Sum. A BodyHasher is not
// safe for concurrent use; Reset makes it ready for another body.
type BodyHasher struct {
	st    scanState
	sha   hash.Hash
	in    []byte // at in[:carry]: an unfinished literal or escape, to scan again
	out   []byte
	carry int
	off   int64 // body offset of the first byte not yet consumed
	total int64
	err   error
	done  bool
	sum   [32]byte
}

// NewBodyHasher returns a BodyHasher for one body.
func NewBodyHasher() *BodyHasher {
	return &BodyHasher{sha: sha256.New(), in: make([]byte, bodyChunk), out: make([]byte, bodyChunk)}
}

// Reset forgets the body written so far, keeping the buffers.
func (b *BodyHasher) Reset() {
	b.st = scanState{}
	b.sha.Reset()
	b.carry, b.off, b.total, b.err, b.done = 0, 0, 0, nil, false
}

// Write adds p to the body. It returns an error wrapping ErrInvalidJSON
// (a *SyntaxError with the body offset) as soon as the body so far cannot
// be the start of valid JSON, and then keeps returning it.
func (b *BodyHasher) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, errHasherSummed
	}
	n := len(p)
	b.total += int64(n)
	for len(p) > 0 {
		// With a cut token carried over, finish it from a few bytes of p;
		// otherwise scan p in place, a buffer at a time.
		src := p[:min(len(p), bodyChunk)]
		if b.carry > 0 {
			src = b.in[:b.carry+copy(b.in[b.carry:b.carry+min(len(p), 64)], p)]
		}
		k := len(src) - b.carry
		b.scan(src, false)
		if b.err != nil {
			return n - len(p), b.err
		}
		p = p[k:]
	}
	return n, nil
}

// ReadFrom reads r to EOF into the body, a buffer at a time (io.Copy uses
// it). It returns the bytes read and the first error, from r or the JSON.
func (b *BodyHasher) ReadFrom(r io.Reader) (int64, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, errHasherSummed
	}
	var read int64
	for {
		k, rerr := r.Read(b.in[b.carry:])
		read += int64(k)
		b.total += int64(k)
		if k > 0 {
			b.scan(b.in[:b.carry+k], false)
			if b.err != nil {
				return read, b.err
			}
		}
		if rerr == io.EOF {
			return read, nil
		}
		if rerr != nil {
			return read, rerr
		}
	}
}

// scan minifies src (the body from offset b.off) and hashes the output;
// what src leaves unconsumed becomes the carry at the front of b.in.
func (b *BodyHasher) scan(src []byte, final bool) {
	w, r, off, msg := b.st.compact(b.out[:len(src)], src, final)
	if msg != "" {
		b.err = &SyntaxError{Offset: b.off + int64(off), Msg: msg}
		return
	}
	b.sha.Write(b.out[:w])
	b.off += int64(r)
	b.carry = copy(b.in, src[r:])
}

// Sum returns the body hash of everything written, as BodyHash returns it
// for the whole body: a body of zero bytes hashes the empty string; any
// other must be complete, valid JSON. Sum ends the body (Write then fails)
// and may be called again for the same result.
func (b *BodyHasher) Sum() ([32]byte, error) {
	if b.err == nil && !b.done {
		b.done = true
		if b.total == 0 {
			b.sum = sha256.Sum256(nil)
		} else {
			b.scan(b.in[:b.carry], true)
			if b.err == nil {
				b.sha.Sum(b.sum[:0])
			}
		}
	}
	if b.err != nil {
		return [32]byte{}, b.err
	}
	return b.sum, nil
}

// AppendHex appends lowercase(hex(Sum())) to dst, the SNAP body hash as it
// appears in a string to sign (see AppendSNAPStringToSign). On error dst is
// returned unchanged.
func (b *BodyHasher) AppendHex(dst []byte) ([]byte, error) {
	sum, err := b.Sum()
	if err != nil {
		return dst, err
	}
	return hex.AppendEncode(dst, sum[:]), nil
}
