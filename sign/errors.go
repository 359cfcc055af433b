package sign

import (
	"crypto/subtle"
	"errors"
)

// Sentinel errors returned (wrapped) by this package. Test for them with
// errors.Is.
var (
	// ErrInvalidJSON reports a body that is not valid JSON where a scheme
	// needs JSON (SNAP minify). The wrapping error is a *SyntaxError with the
	// byte offset.
	ErrInvalidJSON = errors.New("sign: invalid JSON")
	// ErrEmptySecret reports an empty HMAC secret or AES key: signing with
	// one would produce a signature anybody can forge, so it fails closed.
	ErrEmptySecret = errors.New("sign: empty secret")
	// ErrKeyFormat reports key material that is neither PEM nor base64 DER
	// of a supported RSA key encoding.
	ErrKeyFormat = errors.New("sign: unsupported key format")
	// ErrKeyType reports a key that parsed but is not RSA (an EC or Ed25519
	// key, say). DOKU's asymmetric schemes are SHA256withRSA only.
	ErrKeyType = errors.New("sign: key is not an RSA key")
	// ErrKeyTooShort reports an RSA key shorter than MinRSABits.
	ErrKeyTooShort = errors.New("sign: RSA key too short")
	// ErrBadSignatureEncoding reports a received signature that is not valid
	// standard base64.
	ErrBadSignatureEncoding = errors.New("sign: signature is not valid base64")
	// ErrSignatureMismatch reports a signature that does not verify.
	ErrSignatureMismatch = errors.New("sign: signature mismatch")
	// ErrBadKeyLength reports a Kirim DOKU AES key that is not 16, 24 or 32 bytes.
	ErrBadKeyLength = errors.New("sign: AES key must be 16, 24 or 32 bytes")
)

// SyntaxError describes where a body stopped being valid JSON. It wraps
// ErrInvalidJSON. Msg never quotes the body (which may hold personal data).
type SyntaxError struct {
	Offset int64  // byte offset of the first byte that made the input invalid
	Msg    string // what was expected there
}

// Error reports the offset and the reason, as encoding/json does.
func (e *SyntaxError) Error() string {
	return "sign: invalid JSON at offset " + itoa(e.Offset) + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrInvalidJSON) true.
func (e *SyntaxError) Unwrap() error { return ErrInvalidJSON }

// Equal reports whether two signatures are equal, in time that depends only on
// their lengths, never on where they first differ. Use it for every
// comparison of a received signature with an expected one.
//
// Equal never allocates, so it may sit on a zero-allocation hot path.
func Equal[T ~string | ~[]byte, U ~string | ~[]byte](a T, b U) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// verdict is a verification's outcome: nil when the expected signature
// (want) and the received one are Equal, ErrSignatureMismatch otherwise.
func verdict(want []byte, signature string) error {
	if !Equal(want, signature) {
		return ErrSignatureMismatch
	}
	return nil
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
