package verify

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
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
	cfg SNAPConfig
}

// NewSNAP builds a SNAP verifier; a nil secret set is an error.
func NewSNAP(cfg SNAPConfig) (*SNAP, error) {
	if isNilSet(cfg.Secrets) {
		return nil, fmt.Errorf("%w: SNAP verifier needs a secret set", ErrConfig)
	}
	return &SNAP{cfg: cfg}, nil
}

// Scheme implements Verifier.
func (v *SNAP) Scheme() Scheme { return SchemeSNAP }

// Limit implements Verifier.
func (v *SNAP) Limit() int64 { return limitOr(v.cfg.MaxBodyBytes) }

// Verify implements Verifier.
func (v *SNAP) Verify(r *http.Request) (Result, error) {
	res, _, err := VerifyRequest(v, r, nil)
	return res, err
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
	token, ok := bearer(h[4])
	if !ok {
		return res, fail(s, CheckToken, "Authorization", ErrInvalidToken).with(`want "Bearer <token>"`)
	}
	var tsErr error
	if res.Timestamp, res.Age, tsErr = v.cfg.Timestamps.Check(s, "X-TIMESTAMP", ts); tsErr != nil && !m.Explain {
		return res, tsErr
	}
	target := res.Target
	var buf [512]byte
	sts := buf[:0]
	sts = append(sts, m.Method...)
	sts = append(sts, ':')
	sts = append(sts, target...)
	sts = append(sts, ':')
	sts = append(sts, token...)
	sts = append(sts, ':')
	bh, err := sign.BodyHash(m.Body)
	if err != nil {
		return res, invalidJSON(s, err)
	}
	res.BodyHash, res.HasBodyHash = bh, true
	sts = hex.AppendEncode(sts, bh[:])
	sts = append(sts, ':')
	sts = append(sts, ts...)
	if m.Explain {
		res.StringToSign = string(sts)
	}
	if tsErr != nil {
		return res, tsErr
	}
	keys, err := v.cfg.Secrets.Lookup(ctx, partner)
	if err != nil {
		return res, lookupErr(s, "X-PARTNER-ID", err)
	}
	if !isBase64(sig, sha512.Size) {
		return res, fail(s, CheckSignature, "X-SIGNATURE", ErrBadSignatureEncoding).with("want base64 of 64 bytes")
	}
	kid := ""
	for _, k := range keys {
		if k == nil {
			continue
		}
		if err := k.snap.VerifyString(sig, sts); err == nil {
			kid = k.id
			break
		} else if e := secretErr(s, err); e != nil {
			return res, e
		}
	}
	if kid == "" {
		return res, fail(s, CheckSignature, "X-SIGNATURE", ErrSignatureMismatch)
	}
	if v.cfg.Tokens != nil {
		if err := v.cfg.Tokens(ctx, token, partner); err != nil {
			return res, fail(s, CheckToken, "Authorization", ErrInvalidToken)
		}
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

// secretErr maps a signer's error for one key: nil means "try the next
// key"; a malformed signature or an unusable key ends the search.
func secretErr(s Scheme, err error) *Error {
	var e *Error
	switch {
	case errors.Is(err, sign.ErrBadSignatureEncoding):
		e = fail(s, CheckSignature, signatureHeader(s), ErrBadSignatureEncoding)
	case errors.Is(err, sign.ErrBadKeyLength):
		e = fail(s, CheckKey, "", ErrKey).with("a configured key has the wrong length for this scheme")
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
	cfg SNAPRSAConfig
}

// NewSNAPRSA builds the verifier; a nil key set is an error.
func NewSNAPRSA(cfg SNAPRSAConfig) (*SNAPRSA, error) {
	if isNilSet(cfg.PublicKeys) {
		return nil, fmt.Errorf("%w: SNAP RSA verifier needs a public key set", ErrConfig)
	}
	return &SNAPRSA{cfg: cfg}, nil
}

// Scheme implements Verifier.
func (v *SNAPRSA) Scheme() Scheme { return SchemeSNAPRSA }

// Limit implements Verifier.
func (v *SNAPRSA) Limit() int64 { return limitOr(v.cfg.MaxBodyBytes) }

// Verify implements Verifier.
func (v *SNAPRSA) Verify(r *http.Request) (Result, error) {
	res, _, err := VerifyRequest(v, r, nil)
	return res, err
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
	checkToken := v.cfg.Tokens != nil
	if checkToken {
		authz := strings.TrimSpace(header(m.Header, authorization))
		switch {
		case authz == "" && v.cfg.TokenOptional:
			checkToken = false
		case authz == "":
			return res, fail(s, CheckHeader, "Authorization", ErrMissingHeader)
		default:
			var ok bool
			if token, ok = bearer(authz); !ok {
				return res, fail(s, CheckToken, "Authorization", ErrInvalidToken).with(`want "Bearer <token>"`)
			}
		}
	}
	var tsErr error
	if res.Timestamp, res.Age, tsErr = v.cfg.Timestamps.Check(s, "X-TIMESTAMP", ts); tsErr != nil && !m.Explain {
		return res, tsErr
	}
	bh, err := sign.BodyHash(m.Body)
	if err != nil {
		return res, invalidJSON(s, err)
	}
	res.BodyHash, res.HasBodyHash = bh, true
	hash := hex.AppendEncode(make([]byte, 0, 64), bh[:])
	sts := sign.AppendSNAPRSAStringToSign(nil, m.Method, res.Target, hash, ts)
	if m.Explain {
		res.StringToSign = string(sts)
	}
	if tsErr != nil {
		return res, tsErr
	}
	kid, err := verifyPublic(ctx, s, v.cfg.PublicKeys, "X-PARTNER-ID", partner, sts, sig)
	if err != nil {
		return res, err
	}
	if checkToken {
		if err := v.cfg.Tokens(ctx, token, partner); err != nil {
			return res, fail(s, CheckToken, "Authorization", ErrInvalidToken)
		}
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
	return matchPublic(s, keys, sts, sig)
}

func matchPublic(s Scheme, keys []*PublicKey, sts []byte, sig string) (string, error) {
	for _, k := range keys {
		if k == nil {
			continue
		}
		err := sign.VerifyRSA(k.key, sts, sig)
		var e *Error
		switch {
		case err == nil:
			return k.id, nil
		case errors.Is(err, sign.ErrBadSignatureEncoding):
			e = fail(s, CheckSignature, "X-SIGNATURE", ErrBadSignatureEncoding)
		case errors.Is(err, sign.ErrKeyTooShort), errors.Is(err, sign.ErrKeyType), errors.Is(err, sign.ErrKeyFormat):
			e = fail(s, CheckKey, "", ErrKey).with("a configured public key is unusable")
		default:
			continue
		}
		e.Cause = err
		return "", e
	}
	return "", fail(s, CheckSignature, "X-SIGNATURE", ErrSignatureMismatch)
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
	cfg SNAPTokenConfig
}

// NewSNAPToken builds the verifier; a nil key set is an error.
func NewSNAPToken(cfg SNAPTokenConfig) (*SNAPToken, error) {
	if isNilSet(cfg.PublicKeys) {
		return nil, fmt.Errorf("%w: SNAP token verifier needs a public key set", ErrConfig)
	}
	return &SNAPToken{cfg: cfg}, nil
}

// Scheme implements Verifier.
func (v *SNAPToken) Scheme() Scheme { return SchemeSNAPToken }

// Limit implements Verifier.
func (v *SNAPToken) Limit() int64 { return limitOr(v.cfg.MaxBodyBytes) }

// Verify implements Verifier.
func (v *SNAPToken) Verify(r *http.Request) (Result, error) {
	res, _, err := VerifyRequest(v, r, nil)
	return res, err
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
	sts := sign.AppendSNAPTokenStringToSign(nil, client, ts)
	if m.Explain {
		res.StringToSign = string(sts)
	}
	var err error
	if res.Timestamp, res.Age, err = v.cfg.Timestamps.Check(s, "X-TIMESTAMP", ts); err != nil {
		return res, err
	}
	kid, err := verifyPublic(ctx, s, v.cfg.PublicKeys, "X-CLIENT-KEY", client, sts, sig)
	if err != nil {
		return res, err
	}
	res.KeyID = kid
	return res, nil
}
