package idempotency

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
)

// Scheme says which headers carry a notification's idempotency key.
type Scheme uint8

const (
	// SchemeAuto picks the scheme from the headers present: X-EXTERNAL-ID
	// means SNAP, Request-Id non-SNAP, requestId Kirim DOKU (the first
	// match in that order).
	SchemeAuto Scheme = iota
	// SchemeSNAP keys on X-PARTNER-ID + X-EXTERNAL-ID (unique per partner
	// per day, docs/protocol.md §5).
	SchemeSNAP
	// SchemeNonSNAP keys on Client-Id + Request-Id (unique per
	// notification, max 128 characters).
	SchemeNonSNAP
	// SchemeKirim keys on agentKey + requestId (Kirim DOKU callbacks).
	SchemeKirim
)

// String names the scheme ("auto", "snap", "nonsnap", "kirim").
func (s Scheme) String() string {
	switch s {
	case SchemeAuto:
		return "auto"
	case SchemeSNAP:
		return "snap"
	case SchemeNonSNAP:
		return "nonsnap"
	case SchemeKirim:
		return "kirim"
	}
	return "unknown"
}

// Headers returns the (owner, id) header names of the scheme, or two empty
// strings for SchemeAuto.
func (s Scheme) Headers() (owner, id string) {
	switch s {
	case SchemeSNAP:
		return "X-PARTNER-ID", "X-EXTERNAL-ID"
	case SchemeNonSNAP:
		return "Client-Id", "Request-Id"
	case SchemeKirim:
		return "agentKey", "requestId"
	}
	return "", ""
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
	return e.Err.Error() + ": " + e.Header + " (" + e.Scheme.String() + ")"
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
	return k.Scheme.String() + ":" + strconv.Itoa(len(k.Owner)) + ":" + k.Owner + ":" + k.ID
}

// Business is the store key for a business reference (partnerReferenceNo,
// invoice_number) of the same sender, so two partners' references never
// collide.
func (k Key) Business(ref string) string {
	return "biz:" + k.Scheme.String() + ":" + strconv.Itoa(len(k.Owner)) + ":" + k.Owner + ":" + ref
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
	dst = append(dst, k.Scheme.String()...)
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
	ownerH, idH := s.Headers()
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
