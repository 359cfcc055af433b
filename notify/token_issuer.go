package notify

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Defaults of TokenIssuerConfig and TokenEndpointConfig.
const (
	// DefaultTokenIssuer is the iss claim of issued tokens.
	DefaultTokenIssuer = "dokukit"
	// DefaultTokenAudience is the aud claim of issued tokens: the SNAP
	// notification handlers, not any other API of the merchant.
	DefaultTokenAudience = "doku-snap-notify"
	// DefaultTokenTTL is the lifetime of an issued token. DOKU's B2B tokens
	// live 900 seconds and DOKU reads expiresIn "900".
	DefaultTokenTTL = 900 * time.Second
	// DefaultTokenSkew is verify.DefaultSkew, the kit's one default skew.
	DefaultTokenSkew = verify.DefaultSkew
	// DefaultTokenMaxBodyBytes is verify.DefaultMaxBodyBytes, the kit's one
	// default body limit. The only field is grantType; 1 MiB leaves room for
	// anything DOKU might add.
	DefaultTokenMaxBodyBytes = verify.DefaultMaxBodyBytes
	// TokenPath is the path DOKU calls on the merchant's side.
	TokenPath = "/authorization/v1/access-token/b2b"
	// GrantTypeClientCredentials is the only grantType SNAP's B2B token
	// request allows.
	GrantTypeClientCredentials = "client_credentials"
)

// tokenService is SNAP service code 73, B2B access token.
const tokenService = 73

// Sentinel errors of TokenIssuer.Validate, wrapped in a *TokenError. Test for
// them with errors.Is.
var (
	// ErrTokenInvalid reports a bearer token this issuer did not make, or
	// made for another audience: bad signature, another algorithm, another
	// issuer or audience, a missing claim, or not a JWT at all. SNAP answers
	// it with 401xx01 "Invalid Token (B2B)".
	//
	// Deprecated: it is verify.ErrInvalidToken, the kit's one name for a
	// token that does not authorise the request; test either.
	ErrTokenInvalid = verify.ErrInvalidToken
	// ErrTokenExpired reports a token this issuer made that is past its exp.
	// DOKU fetches a new token and retries.
	ErrTokenExpired = errors.New("notify: token expired")
	// ErrTokenWrongClient reports a valid token this issuer made for
	// another client than the one ValidateFor expected (its sub is another
	// X-CLIENT-KEY). It comes with ErrTokenInvalid: SNAP answers it with
	// 401xx01 like any token that does not authorise the request.
	ErrTokenWrongClient = errors.New("notify: token issued to another client")
)

// TokenError is the error of TokenIssuer.Validate and ValidateFor. It
// unwraps to ErrTokenInvalid or ErrTokenExpired and, where one applies, to
// ErrTokenWrongClient or the golang-jwt sentinel
// (jwt.ErrTokenSignatureInvalid, …) that caused it —
// only the sentinel, never jwt's detailed error, so the message cannot
// quote any part of the token.
type TokenError struct {
	// Reason says which check failed, from a fixed vocabulary:
	// "malformed", "unsupported algorithm", "bad signature", "wrong issuer",
	// "wrong audience", "missing claim", "issued in the future",
	// "not valid yet", "unverifiable", "expired",
	// "invalid claims", "wrong client".
	Reason string
	kind   error // ErrTokenInvalid or ErrTokenExpired
	cause  error // a jwt sentinel, ErrTokenWrongClient, or nil
}

// Error says which check failed; it never quotes the token.
func (e *TokenError) Error() string {
	if e.kind == ErrTokenInvalid {
		return "notify: invalid token: " + e.Reason
	}
	return e.kind.Error() + ": " + e.Reason
}

// Unwrap returns the kind sentinel and the jwt sentinel that caused it.
func (e *TokenError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// TokenIssuerConfig configures a TokenIssuer. The zero value of every field
// is a safe default.
type TokenIssuerConfig struct {
	// Issuer is the iss claim written and required. Default "dokukit".
	Issuer string
	// Audience is the aud claim written and required. Default
	// "doku-snap-notify".
	Audience string
	// TTL is the lifetime of a token, a whole number of seconds (JWT times
	// are seconds). Default 900 s.
	TTL time.Duration
	// Leeway tolerates clock differences when validating exp and iat.
	// Default 0: the issuer and validator share one clock.
	Leeway time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// PreviousKeys are public keys of earlier merchant keys whose tokens
	// are still accepted: rotate the signing key by moving the old key's
	// public half here, and remove it one TTL later. Tokens carry a kid
	// naming their key, so only the named key is tried.
	PreviousKeys []*rsa.PublicKey
	// CacheSize bounds how many validated tokens Validate remembers, so
	// that the token DOKU presents on every notification for up to TTL is
	// verified once rather than on each (see Validate). Zero or negative:
	// DefaultTokenCacheSize. The oldest entry is evicted first.
	CacheSize int
	// DisableCache makes Validate run the full check on every call.
	DisableCache bool
}

// TokenClaims are the verified claims of a token TokenIssuer made.
type TokenClaims struct {
	ClientID  string    // sub: the X-CLIENT-KEY the token was issued to
	ID        string    // jti: random, unique per token (safe to log)
	Issuer    string    // iss
	Audience  string    // aud
	IssuedAt  time.Time // iat, whole seconds
	ExpiresAt time.Time // exp, whole seconds
}

// TokenIssuer makes and validates the RS256 bearer tokens the merchant hands
// DOKU. A TokenIssuer is safe for concurrent use.
type TokenIssuer struct {
	key    *rsa.PrivateKey
	kid    string
	keys   map[string]*rsa.PublicKey // by kid: the current key and PreviousKeys
	iss    string
	aud    string
	ttl    time.Duration
	now    func() time.Time
	leeway time.Duration
	parser *jwt.Parser
	cache  *tokenCache // nil when disabled
}

// NewTokenIssuer returns an issuer signing with key. It fails closed on a nil
// key, a key shorter than sign.MinRSABits, a TTL that is not a positive whole
// number of seconds, or a negative leeway.
func NewTokenIssuer(key *rsa.PrivateKey, cfg TokenIssuerConfig) (*TokenIssuer, error) {
	if key == nil {
		return nil, errors.New("notify: token issuer needs an RSA private key")
	}
	if key.N == nil || key.N.BitLen() < sign.MinRSABits {
		return nil, fmt.Errorf("notify: token issuer key: %w (need %d bits)", sign.ErrKeyTooShort, sign.MinRSABits)
	}
	if err := key.Validate(); err != nil {
		return nil, errors.New("notify: token issuer key is not a consistent RSA key")
	}
	t := &TokenIssuer{key: key, iss: cfg.Issuer, aud: cfg.Audience, ttl: cfg.TTL, now: cfg.Now,
		kid: KeyID(&key.PublicKey), keys: map[string]*rsa.PublicKey{}}
	t.keys[t.kid] = &key.PublicKey
	for _, pk := range cfg.PreviousKeys {
		if pk == nil || pk.N == nil || pk.N.BitLen() < sign.MinRSABits {
			return nil, fmt.Errorf("notify: previous token key: %w (need %d bits)", sign.ErrKeyTooShort, sign.MinRSABits)
		}
		t.keys[KeyID(pk)] = pk
	}
	if t.iss == "" {
		t.iss = DefaultTokenIssuer
	}
	if t.aud == "" {
		t.aud = DefaultTokenAudience
	}
	if t.ttl == 0 {
		t.ttl = DefaultTokenTTL
	}
	if t.ttl < time.Second || t.ttl%time.Second != 0 {
		return nil, fmt.Errorf("notify: token TTL must be a positive whole number of seconds, got %v", cfg.TTL)
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("notify: token leeway must not be negative, got %v", cfg.Leeway)
	}
	if t.now == nil {
		t.now = time.Now
	}
	t.leeway = cfg.Leeway
	if !cfg.DisableCache {
		size := cfg.CacheSize
		if size <= 0 {
			size = DefaultTokenCacheSize
		}
		t.cache = newTokenCache(size)
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithIssuer(t.iss),
		jwt.WithAudience(t.aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(t.now),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// KeyID names a public key without printing it: the first 8 bytes of
// SHA-256 of its PKIX encoding, in hex. It is the kid the issuer writes for
// tokens signed with the private half of pub, and the key_fingerprint the
// token endpoint logs for DOKU's key that verified a request. It is ""
// for a key that cannot be encoded.
func KeyID(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}

// TTL returns the lifetime of the tokens the issuer makes.
func (t *TokenIssuer) TTL() time.Duration { return t.ttl }

// PublicKey returns the key tokens are verified with.
func (t *TokenIssuer) PublicKey() *rsa.PublicKey { return &t.key.PublicKey }

// claims is the JWT payload: the registered claims, with sub and jti required.
type claims struct {
	jwt.RegisteredClaims
}

// Validate implements jwt.ClaimsValidator: the issuer always writes sub and
// jti, so a token without them is not one of ours.
func (c claims) Validate() error {
	if c.Subject == "" || c.ID == "" || c.IssuedAt == nil {
		return jwt.ErrTokenRequiredClaimMissing
	}
	return nil
}

// Issue makes a token for clientID (the sub claim) with iss, aud, iat, exp
// and a random jti, signed RS256. iat is the current second (truncated), so
// the token never lives longer than expiresIn, the issuer's TTL.
func (t *TokenIssuer) Issue(clientID string) (token string, expiresIn time.Duration, err error) {
	if clientID == "" {
		return "", 0, errors.New("notify: cannot issue a token for an empty client ID")
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", 0, errors.New("notify: no randomness for the token ID")
	}
	iat := t.now().Truncate(time.Second)
	c := claims{jwt.RegisteredClaims{
		Issuer:    t.iss,
		Subject:   clientID,
		Audience:  jwt.ClaimStrings{t.aud},
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(iat.Add(t.ttl)),
		ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
	}}
	jt := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	jt.Header["kid"] = t.kid
	s, err := jt.SignedString(t.key)
	if err != nil {
		return "", 0, errors.New("notify: signing the token failed")
	}
	return s, t.ttl, nil
}

// Validate verifies token — without a "Bearer " prefix; strip it with
// sign.StripBearer — and returns its claims. It accepts only RS256 tokens
// signed with the issuer's key, carrying the issuer's iss and aud, a sub, a
// jti and an iat not in the future, and an exp later than now (minus
// Leeway). Nothing is read from a token before its signature is verified.
//
// A token past its exp is ErrTokenExpired; any other failure is
// ErrTokenInvalid. Both come as *TokenError.
//
// A token that passed is remembered (by its SHA-256, with its claims; see
// TokenIssuerConfig.CacheSize) until its exp by the issuer's clock, never
// longer: the same token string presented again is answered from memory
// without repeating the signature check, a token that differs in any byte
// is checked in full, and a token that failed is never remembered.
func (t *TokenIssuer) Validate(token string) (TokenClaims, error) {
	if t.cache == nil {
		c, _, err := t.validateFull(token)
		return c, err
	}
	key := tokenKey(token)
	if c, ok := t.cache.get(key, t.now(), t.leeway); ok {
		return c, nil
	}
	c, nbf, err := t.validateFull(token)
	if err == nil {
		t.cache.put(key, c, nbf, t.now())
	}
	return c, err
}

// validateFull is the full check, golang-jwt's parse and verification. It
// also returns the token's nbf (zero when absent), which the cache must
// keep checking.
func (t *TokenIssuer) validateFull(token string) (TokenClaims, time.Time, error) {
	var c claims
	tok, err := t.parser.ParseWithClaims(token, &c, func(jt *jwt.Token) (any, error) {
		// kid only chooses among keys this issuer trusts; a token without
		// one is checked against the current key.
		kid, _ := jt.Header["kid"].(string)
		if kid == "" {
			return &t.key.PublicKey, nil
		}
		if k, ok := t.keys[kid]; ok {
			return k, nil
		}
		return nil, errUnknownKID
	})
	if err != nil {
		// The header's alg is read only to name the failure, never trusted.
		badAlg := tok != nil && tok.Method != nil && tok.Method.Alg() != jwt.SigningMethodRS256.Alg()
		return TokenClaims{}, time.Time{}, tokenError(err, badAlg)
	}
	var nbf time.Time
	if c.NotBefore != nil {
		nbf = c.NotBefore.Time
	}
	return TokenClaims{
		ClientID:  c.Subject,
		ID:        c.ID,
		Issuer:    c.Issuer,
		Audience:  t.aud,
		IssuedAt:  c.IssuedAt.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nbf, nil
}

// ValidateFor is Validate for a token that must have been issued to
// clientID (its sub, the X-CLIENT-KEY of the token request): a valid token
// issued to any other client is ErrTokenInvalid and ErrTokenWrongClient
// (Reason "wrong client"), so one client's token cannot authorise
// another's requests. Every failure of Validate is reported first.
func (t *TokenIssuer) ValidateFor(token, clientID string) (TokenClaims, error) {
	c, err := t.Validate(token)
	if err != nil {
		return TokenClaims{}, err
	}
	if c.ClientID != clientID {
		return TokenClaims{}, &TokenError{Reason: "wrong client", kind: ErrTokenInvalid, cause: ErrTokenWrongClient}
	}
	return c, nil
}

var errUnknownKID = errors.New("token signed with a key this issuer does not know")

// tokenError maps golang-jwt's error to a *TokenError that keeps only jwt's
// sentinel. Any failure other than expiry alone is ErrTokenInvalid, so a
// token from another issuer is never reported as merely expired.
func tokenError(err error, badAlg bool) error {
	invalid := []struct {
		sentinel error
		reason   string
	}{
		{jwt.ErrTokenMalformed, "malformed"},
		{jwt.ErrTokenUnverifiable, "unverifiable"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
		{jwt.ErrTokenRequiredClaimMissing, "missing claim"},
		{jwt.ErrTokenUsedBeforeIssued, "issued in the future"},
		{jwt.ErrTokenNotValidYet, "not valid yet"},
		{jwt.ErrInvalidType, "invalid claims"},
	}
	for _, s := range invalid {
		if errors.Is(err, s.sentinel) {
			reason := s.reason
			if s.sentinel == jwt.ErrTokenSignatureInvalid && badAlg {
				reason = "unsupported algorithm"
			}
			return &TokenError{Reason: reason, kind: ErrTokenInvalid, cause: s.sentinel}
		}
	}
	if errors.Is(err, jwt.ErrTokenExpired) {
		return &TokenError{Reason: "expired", kind: ErrTokenExpired, cause: jwt.ErrTokenExpired}
	}
	return &TokenError{Reason: "invalid claims", kind: ErrTokenInvalid, cause: jwt.ErrTokenInvalidClaims}
}
