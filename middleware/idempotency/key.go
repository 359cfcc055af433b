package idempotency

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/dokukit/dokukit/sign"
)

// Scheme is the kit's one Scheme type, [sign.Scheme]: a key is read from the
// headers of the notification's signature scheme. SchemeSNAPRSA keys exactly
// like SchemeSNAP (same headers, one keyspace: a retry is the same request
// however it is signed); SchemeSNAPToken has no idempotency key.
type Scheme = sign.Scheme

// The schemes a key can be read by. SchemeSNAP, SchemeNonSNAP and
// SchemeKirim are sign's constants under this package's names.
const (
	// SchemeAuto (the zero Scheme, "") picks the scheme from the headers
	// present: X-EXTERNAL-ID means SNAP, Request-Id non-SNAP, requestId
	// Kirim DOKU (the first match in that order).
	SchemeAuto Scheme = ""
	// SchemeSNAP keys on X-PARTNER-ID + X-EXTERNAL-ID (unique per partner
	// per day, docs/protocol.md §5).
	SchemeSNAP = sign.SchemeSNAP
	// SchemeNonSNAP keys on Client-Id + Request-Id (unique per
	// notification, max 128 characters).
	SchemeNonSNAP = sign.SchemeNonSNAP
	// SchemeKirim keys on agentKey + requestId (Kirim DOKU callbacks).
	SchemeKirim = sign.SchemeKirim
)

// keyScheme is the scheme a key of s is stored under: SNAP-RSA shares
// SNAP's keyspace. The stored spellings ("snap", "nonsnap", "kirim") are the
// ones this package has always written, so keys in a store survive an
// upgrade.
func keyScheme(s Scheme) Scheme {
	if s == sign.SchemeSNAPRSA {
		return SchemeSNAP
	}
	return s
}

// Headers returns the (owner, id) header names a key of scheme s is read
// from, or two empty strings for SchemeAuto and for a scheme that has no
// idempotency key (SchemeSNAPToken, an unknown name).
func Headers(s Scheme) (owner, id string) {
	switch keyScheme(s) {
	case SchemeSNAP:
		return "X-PARTNER-ID", "X-EXTERNAL-ID"
	case SchemeNonSNAP:
		return "Client-Id", "Request-Id"
	case SchemeKirim:
		return "agentKey", "requestId"
	}
	return "", ""
}

// Keyed reports whether RequestKey accepts s: SchemeAuto or a scheme with
// key headers.
func Keyed(s Scheme) bool {
	owner, _ := Headers(s)
	return s == SchemeAuto || owner != ""
}

// MaxKeyPart bounds each header value that goes into a key: Request-Id is
// at most 128 characters, X-EXTERNAL-ID 36 in SNAP; 256 leaves room and
// keeps a store from being filled with huge keys.
const MaxKeyPart = 256

var (
	// ErrMissingKey: a header the scheme keys on is absent or empty.
	ErrMissingKey = errors.New("idempotency: missing idempotency header")
	// ErrKeyTooLong: a key header is longer than MaxKeyPart.
	ErrKeyTooLong = errors.New("idempotency: idempotency header too long")
)

// KeyError says which header made RequestKey fail. It wraps ErrMissingKey
// or ErrKeyTooLong; it never contains the header's value.
type KeyError struct {
	Scheme Scheme
	Header string // canonical name as the scheme spells it, e.g. "X-EXTERNAL-ID"
	Err    error
}

// Error names the scheme and the header, never its value.
func (e *KeyError) Error() string {
	return e.Err.Error() + ": " + e.Header + " (" + schemeName(e.Scheme) + ")"
}

// schemeName is s for an error message, "auto" for SchemeAuto.
func schemeName(s Scheme) string {
	if s == SchemeAuto {
		return "auto"
	}
	return string(s)
}

// Unwrap returns ErrMissingKey or ErrKeyTooLong.
func (e *KeyError) Unwrap() error { return e.Err }

// Key is a request's idempotency key: the sender (partner, client or
// agent) and the sender's unique request id.
type Key struct {
	Scheme Scheme // never SchemeAuto
	Owner  string // X-PARTNER-ID, Client-Id or agentKey
	ID     string // X-EXTERNAL-ID, Request-Id or requestId
}

// String is the store key. Parts are length-prefixed, so no choice of
// header values makes two different keys collide ("a:b"+"c" vs "a"+"b:c").
func (k Key) String() string {
	return string(k.Scheme) + ":" + strconv.Itoa(len(k.Owner)) + ":" + k.Owner + ":" + k.ID
}

// Business is the store key for a business reference (partnerReferenceNo,
// invoice_number) of the same sender, so two partners' references never
// collide.
func (k Key) Business(ref string) string {
	return "biz:" + string(k.Scheme) + ":" + strconv.Itoa(len(k.Owner)) + ":" + k.Owner + ":" + ref
}

// Replay is the store key of a signature from the same sender: "sig:", the
// scheme and owner as in String, then the hex SHA-256 of the signature's
// bytes (base64-decoded, so the encodings a lenient decoder accepts for one
// signature count as one; the raw header if it is not base64). It holds no
// signature, only its hash.
func (k Key) Replay(signature string) string { return string(k.AppendReplay(nil, signature)) }

// AppendReplay appends Replay(signature) to dst, allocating nothing for a
// signature of up to 512 bytes (an RSA-4096 signature) when dst has room.
func (k Key) AppendReplay(dst []byte, signature string) []byte {
	var src [684]byte // base64 of 512 bytes, padded
	var raw [512]byte
	var sum [sha256.Size]byte
	n, err := 0, error(nil)
	if len(signature) <= len(src) {
		copy(src[:], signature)
		n, err = base64.StdEncoding.Decode(raw[:], src[:len(signature)])
	}
	if len(signature) <= len(src) && err == nil && n > 0 {
		sum = sha256.Sum256(raw[:n])
	} else {
		sum = sha256.Sum256([]byte(signature))
	}
	dst = append(dst, "sig:"...)
	dst = append(dst, string(k.Scheme)...)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(len(k.Owner)), 10)
	dst = append(dst, ':')
	dst = append(dst, k.Owner...)
	dst = append(dst, ':')
	return hex.AppendEncode(dst, sum[:])
}

// RequestKey reads the idempotency key of scheme s from h. With SchemeAuto
// it detects the scheme (see SchemeAuto) and, if no scheme's id header is
// present, returns a KeyError naming the non-SNAP Request-Id header. It
// does no I/O and is safe for concurrent use.
func RequestKey(h http.Header, s Scheme) (Key, error) {
	if s == SchemeAuto {
		switch {
		case h.Get("X-EXTERNAL-ID") != "":
			s = SchemeSNAP
		case h.Get("Request-Id") != "":
			s = SchemeNonSNAP
		case h.Get("requestId") != "":
			s = SchemeKirim
		default:
			return Key{}, &KeyError{Scheme: SchemeNonSNAP, Header: "Request-Id", Err: ErrMissingKey}
		}
	}
	s = keyScheme(s)
	ownerH, idH := Headers(s)
	if ownerH == "" {
		return Key{}, &KeyError{Scheme: s, Header: "scheme", Err: ErrMissingKey}
	}
	k := Key{Scheme: s, Owner: h.Get(ownerH), ID: h.Get(idH)}
	for _, p := range [...]struct{ name, v string }{{ownerH, k.Owner}, {idH, k.ID}} {
		if p.v == "" {
			return Key{}, &KeyError{Scheme: s, Header: p.name, Err: ErrMissingKey}
		}
		if len(p.v) > MaxKeyPart {
			return Key{}, &KeyError{Scheme: s, Header: p.name, Err: ErrKeyTooLong}
		}
	}
	return k, nil
}
