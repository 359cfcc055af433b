package verify

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/dokukit/dokukit/sign"
)

// TokenValidator checks the bearer token a SNAP request carries (without
// "Bearer ") for the sender that signed the request: partnerID is its
// X-PARTNER-ID, called only once the signature has verified for it. A
// validator should accept only a token issued to that sender (the token's
// client, e.g. its sub claim, bound to partnerID) that has not expired:
// a token issued to one client must not authorise another's requests.
// Return an error to reject with 401xx01; the error is not shown to the
// sender.
type TokenValidator func(ctx context.Context, token, partnerID string) error

// SNAPConfig configures a SNAP symmetric verifier. The zero value of every
// optional field is the safe default.
type SNAPConfig struct {
	// Secrets are the client secrets, looked up by X-PARTNER-ID. Required.
	Secrets SecretSet
	// Tokens, when set, must accept the bearer token; nil checks only that
	// one is present (it is still signed).
	Tokens TokenValidator
	// Timestamps is the X-TIMESTAMP policy (default ±5 min).
	Timestamps Timestamps
	// Target is the EndpointUrl policy (default: path and query as received).
	Target Target
	// MaxBodyBytes limits the body Verify reads (default 1 MiB).
	MaxBodyBytes int64
}

// SNAP verifies SNAP symmetric signatures:
//
//	X-SIGNATURE = base64(HMAC-SHA512(clientSecret,
//	    METHOD:EndpointUrl:AccessToken:hex(SHA-256(minify(body))):X-TIMESTAMP))
//
// Required headers: X-TIMESTAMP, X-SIGNATURE, X-PARTNER-ID, X-EXTERNAL-ID and
// Authorization: Bearer <token> (the scheme word is case-insensitive; the
// token is signed without it). A body that is not JSON is rejected before
// the signature is checked, since SNAP cannot minify it. Every secret valid
// for the partner is tried (key rotation). Safe for concurrent use.
type SNAP struct {
	core
	cfg SNAPConfig
}

// NewSNAP builds a SNAP verifier; a nil secret set is an error.
func NewSNAP(cfg SNAPConfig) (*SNAP, error) {
	return newVerifier(&SNAP{cfg: cfg}, SchemeSNAP, cfg.MaxBodyBytes, cfg.Secrets, "SNAP verifier needs a secret set")
}

var authorization = headerName{"Authorization", "Authorization"}

var snapHeaders = names("X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "Authorization")

// bearer splits "Bearer <token>" (scheme case-insensitive, RFC 6750).
func bearer(authz string) (string, bool) {
	const p = "bearer "
	if len(authz) <= len(p) || !strings.EqualFold(authz[:len(p)], p) {
		return "", false
	}
	tok := strings.TrimSpace(authz[len(p):])
	return tok, tok != "" && !strings.ContainsAny(tok, " \t")
}

// bearerToken is bearer as a check: an Authorization header that is not
// "Bearer <token>" is ErrInvalidToken.
func bearerToken(s Scheme, authz string) (string, error) {
	if tok, ok := bearer(authz); ok {
		return tok, nil
	}
	return "", fail(s, CheckToken, "Authorization", ErrInvalidToken).with(`want "Bearer <token>"`)
}

// check runs t (when set) on the bearer token of a request partner signed:
// a token it refuses is ErrInvalidToken, the validator's reason untold.
func (t TokenValidator) check(ctx context.Context, s Scheme, token, partner string) error {
	if t != nil && t(ctx, token, partner) != nil {
		return fail(s, CheckToken, "Authorization", ErrInvalidToken)
	}
	return nil
}

// snapSigned appends to dst the string to sign of the SNAP notification
// schemes, METHOD:EndpointUrl:AccessToken:hex(SHA-256(minify(body))):X-TIMESTAMP
// (SNAP) or the same without the token (SNAP RSA), filling in res on the
// way: the X-TIMESTAMP (ts) check, the body hash, and the string to sign
// itself when m.Explain. A bad timestamp fails before the body is hashed,
// unless m.Explain, which wants the string to sign shown first. The token
// is bare already (bearer took the scheme off and refuses a space inside),
// so sign's StripBearer finds nothing to strip.
func snapSigned(dst []byte, s Scheme, p Timestamps, m Message, ts, token string, res *Result) ([]byte, error) {
	var late error
	if res.Timestamp, res.Age, late = p.Check(s, "X-TIMESTAMP", ts); late != nil && !m.Explain {
		return nil, late
	}
	bh, err := sign.BodyHash(m.Body)
	if err != nil {
		return nil, invalidJSON(s, err)
	}
	res.BodyHash, res.HasBodyHash = bh, true
	var hx [64]byte
	hex.Encode(hx[:], bh[:])
	if s == SchemeSNAP {
		dst = sign.AppendSNAPStringToSign(dst, m.Method, res.Target, token, hx[:], ts)
	} else {
		dst = sign.AppendSNAPRSAStringToSign(dst, m.Method, res.Target, hx[:], ts)
	}
	return dst, explain(m, res, dst, late)
}

// explain sets res.StringToSign when m asks for it and returns late, a
// failure held back until then.
func explain(m Message, res *Result, sts []byte, late error) error {
	if m.Explain {
		res.StringToSign = string(sts)
	}
	return late
}

// VerifyMessage implements Verifier.
func (v *SNAP) VerifyMessage(ctx context.Context, m Message) (Result, error) {
	const s = SchemeSNAP
	res := Result{Scheme: s, Target: v.cfg.Target.resolve(m.Target, true)}
	var h [5]string
	if err := need(s, m.Header, snapHeaders, h[:]); err != nil {
		return res, err
	}
	ts, sig, partner, external := h[0], h[1], h[2], h[3]
	res.ClientID, res.ExternalID = partner, external
	token, err := bearerToken(s, h[4])
	if err != nil {
		return res, err
	}
	var buf [512]byte
	sts, err := snapSigned(buf[:0], s, v.cfg.Timestamps, m, ts, token, &res)
	if err != nil {
		return res, err
	}
	keys, err := v.cfg.Secrets.Lookup(ctx, partner)
	if err != nil {
		return res, lookupErr(s, "X-PARTNER-ID", err)
	}
	if !isBase64(sig, sha512.Size) {
		return res, fail(s, CheckSignature, "X-SIGNATURE", ErrBadSignatureEncoding).with("want base64 of 64 bytes")
	}
	kid, err := match(s, keys, func(k *Secret) error { return k.snap.VerifyString(sig, sts) })
	if err != nil {
		return res, err
	}
	if err := v.cfg.Tokens.check(ctx, s, token, partner); err != nil {
		return res, err
	}
	res.KeyID, res.Token = kid, token
	return res, nil
}

// invalidJSON keeps sign's *SyntaxError (the byte offset) as the Cause.
func invalidJSON(s Scheme, err error) *Error {
	e := fail(s, CheckBody, "body", ErrInvalidJSON)
	e.Cause = err
	return e
}

// isBase64 reports whether sig is the padded standard base64 of n bytes.
// It only decides the error: the comparison itself is constant-time.
func isBase64(sig string, n int) bool {
	if len(sig) != base64.StdEncoding.EncodedLen(n) {
		return false
	}
	var buf [64]byte
	if n > len(buf) {
		return false
	}
	m, err := base64.StdEncoding.Decode(buf[:], []byte(sig))
	return err == nil && m == n
}

// match returns the id of the first of keys whose check (try) passes, for
// the secrets and the public keys alike. An error of try for one key means
// "try the next" unless it is a malformed signature or an unusable key
// (keyErr), which ends the search; no key passing is ErrSignatureMismatch.
func match[K interface {
	comparable
	ID() string
}](s Scheme, keys []K, try func(K) error) (string, error) {
	var none K
	for _, k := range keys {
		if k == none {
			continue
		}
		err := try(k)
		if err == nil {
			return k.ID(), nil
		}
		if e := keyErr(s, err); e != nil {
			return "", e
		}
	}
	return "", fail(s, CheckSignature, signatureHeader(s), ErrSignatureMismatch)
}

// keyErr maps a signer's error for one key: nil means "try the next key";
// a malformed signature or an unusable key ends the search.
func keyErr(s Scheme, err error) *Error {
	var e *Error
	switch {
	case errors.Is(err, sign.ErrBadSignatureEncoding):
		e = fail(s, CheckSignature, signatureHeader(s), ErrBadSignatureEncoding)
	case errors.Is(err, sign.ErrBadKeyLength):
		e = fail(s, CheckKey, "", ErrKey).with("a configured key has the wrong length for this scheme")
	case errors.Is(err, sign.ErrKeyTooShort), errors.Is(err, sign.ErrKeyType), errors.Is(err, sign.ErrKeyFormat):
		e = fail(s, CheckKey, "", ErrKey).with("a configured public key is unusable")
	default:
		return nil
	}
	e.Cause = err
	return e
}

func signatureHeader(s Scheme) string {
	switch s {
	case SchemeNonSNAP:
		return "Signature"
	case SchemeKirim:
		return "signature"
	}
	return "X-SIGNATURE"
}

// SNAPRSAConfig configures a SNAP asymmetric verifier.
type SNAPRSAConfig struct {
	// PublicKeys are the sender's keys, looked up by X-PARTNER-ID. Required.
	PublicKeys PublicKeySet
	// Tokens, when set, must accept the bearer token. The asymmetric
	// signature does not cover a token, so without Tokens the Authorization
	// header is optional and ignored (DOKU's 2023 RSA sample sends none).
	Tokens TokenValidator
	// TokenOptional, with Tokens, accepts a request without an
	// Authorization header (the RSA signature authenticates it, and DOKU's
	// RSA-signed notifications carry no token); a token that is present is
	// still checked with Tokens. Without Tokens it changes nothing.
	TokenOptional bool
	// Timestamps is the X-TIMESTAMP policy (default ±5 min).
	Timestamps Timestamps
	// Target is the EndpointUrl policy (default: path and query as received).
	Target Target
	// MaxBodyBytes limits the body Verify reads (default 1 MiB).
	MaxBodyBytes int64
}

// SNAPRSA verifies SNAP asymmetric transactional signatures:
// SHA256withRSA over METHOD:EndpointUrl:hex(SHA-256(minify(body))):X-TIMESTAMP.
// Required headers: X-TIMESTAMP, X-SIGNATURE, X-PARTNER-ID, X-EXTERNAL-ID
// (and Authorization when Tokens is set). Safe for concurrent use.
type SNAPRSA struct {
	core
	cfg SNAPRSAConfig
}

// NewSNAPRSA builds the verifier; a nil key set is an error.
func NewSNAPRSA(cfg SNAPRSAConfig) (*SNAPRSA, error) {
	return newVerifier(&SNAPRSA{cfg: cfg}, SchemeSNAPRSA, cfg.MaxBodyBytes, cfg.PublicKeys, "SNAP RSA verifier needs a public key set")
}

// VerifyMessage implements Verifier.
func (v *SNAPRSA) VerifyMessage(ctx context.Context, m Message) (Result, error) {
	const s = SchemeSNAPRSA
	res := Result{Scheme: s, Target: v.cfg.Target.resolve(m.Target, true)}
	var h [4]string
	if err := need(s, m.Header, snapHeaders[:4], h[:]); err != nil {
		return res, err
	}
	ts, sig, partner, external := h[0], h[1], h[2], h[3]
	res.ClientID, res.ExternalID = partner, external
	var token string
	tokens := v.cfg.Tokens
	if tokens != nil {
		authz := strings.TrimSpace(header(m.Header, authorization))
		var err error
		switch {
		case authz == "" && v.cfg.TokenOptional:
			tokens = nil
		case authz == "":
			return res, fail(s, CheckHeader, "Authorization", ErrMissingHeader)
		default:
			if token, err = bearerToken(s, authz); err != nil {
				return res, err
			}
		}
	}
	var buf [512]byte
	sts, err := snapSigned(buf[:0], s, v.cfg.Timestamps, m, ts, token, &res)
	if err != nil {
		return res, err
	}
	kid, err := verifyPublic(ctx, s, v.cfg.PublicKeys, "X-PARTNER-ID", partner, sts, sig)
	if err != nil {
		return res, err
	}
	if err := tokens.check(ctx, s, token, partner); err != nil {
		return res, err
	}
	res.KeyID, res.Token = kid, token
	return res, nil
}

// verifyPublic looks up client's keys (by field) in set and returns the id
// of the one that verifies sig over sts. A client set does not know is
// verified against the decoy key all the same, so that it costs what a bad
// signature costs, and refused with ErrUnknownClient.
func verifyPublic(ctx context.Context, s Scheme, set PublicKeySet, field, client string, sts []byte, sig string) (string, error) {
	keys, err := set.Lookup(ctx, client)
	if err != nil {
		if errors.Is(err, ErrUnknownClient) {
			decoy(sts, sig)
		}
		return "", lookupErr(s, field, err)
	}
	return match(s, keys, func(k *PublicKey) error { return sign.VerifyRSA(k.key, sts, sig) })
}

// SNAPTokenConfig configures a SNAP access-token request verifier.
type SNAPTokenConfig struct {
	// PublicKeys are the callers' keys, looked up by X-CLIENT-KEY. Required.
	PublicKeys PublicKeySet
	// Timestamps is the X-TIMESTAMP policy (default ±5 min).
	Timestamps Timestamps
	// MaxBodyBytes limits the body Verify reads (default 1 MiB).
	MaxBodyBytes int64
}

// SNAPToken verifies SNAP access-token requests (B2B and B2B2C): X-SIGNATURE
// is SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP, as received. It checks the
// signature and timestamp only; the body ({"grantType":…}) is the token
// endpoint's business. Safe for concurrent use.
type SNAPToken struct {
	core
	cfg SNAPTokenConfig
}

// NewSNAPToken builds the verifier; a nil key set is an error.
func NewSNAPToken(cfg SNAPTokenConfig) (*SNAPToken, error) {
	return newVerifier(&SNAPToken{cfg: cfg}, SchemeSNAPToken, cfg.MaxBodyBytes, cfg.PublicKeys, "SNAP token verifier needs a public key set")
}

var tokenHeaders = names("X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE")

// VerifyMessage implements Verifier.
func (v *SNAPToken) VerifyMessage(ctx context.Context, m Message) (Result, error) {
	const s = SchemeSNAPToken
	res := Result{Scheme: s, Target: m.Target}
	var h [3]string
	if err := need(s, m.Header, tokenHeaders, h[:]); err != nil {
		return res, err
	}
	client, ts, sig := h[0], h[1], h[2]
	res.ClientID = client
	var buf [256]byte
	sts := sign.AppendSNAPTokenStringToSign(buf[:0], client, ts)
	var late error
	res.Timestamp, res.Age, late = v.cfg.Timestamps.Check(s, "X-TIMESTAMP", ts)
	if err := explain(m, &res, sts, late); err != nil {
		return res, err
	}
	kid, err := verifyPublic(ctx, s, v.cfg.PublicKeys, "X-CLIENT-KEY", client, sts, sig)
	if err != nil {
		return res, err
	}
	res.KeyID = kid
	return res, nil
}
