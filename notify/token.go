package notify

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
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
	// DefaultTokenSkew is the default of MaxSkewPast and MaxSkewFuture. SNAP
	// fixes no tolerance; ±5 minutes is the common choice.
	DefaultTokenSkew = 5 * time.Minute
	// DefaultTokenMaxBodyBytes bounds the token request body. The only
	// field is grantType; 1 MiB leaves room for anything DOKU might add.
	DefaultTokenMaxBodyBytes = 1 << 20
	// TokenPath is the path DOKU calls on the merchant's side.
	TokenPath = "/authorization/v1/access-token/b2b"
	// GrantTypeClientCredentials is the only grantType SNAP's B2B token
	// request allows.
	GrantTypeClientCredentials = "client_credentials"
)

// tokenService is SNAP service code 73, B2B access token.
const tokenService = 73

// ---------------------------------------------------------------------------
// Issuer

// Sentinel errors of TokenIssuer.Validate, wrapped in a *TokenError. Test for
// them with errors.Is.
var (
	// ErrTokenInvalid reports a bearer token this issuer did not make, or
	// made for another audience: bad signature, another algorithm, another
	// issuer or audience, a missing claim, or not a JWT at all. SNAP answers
	// it with 401xx01 "Invalid Token (B2B)".
	ErrTokenInvalid = errors.New("notify: invalid token")
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
	parser *jwt.Parser
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

// KeyID is the kid the issuer writes for tokens signed with the private
// half of pub: the first 8 bytes of SHA-256 of its PKIX encoding, in hex.
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
func (t *TokenIssuer) Validate(token string) (TokenClaims, error) {
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
		return TokenClaims{}, tokenError(err, badAlg)
	}
	return TokenClaims{
		ClientID:  c.Subject,
		ID:        c.ID,
		Issuer:    c.Issuer,
		Audience:  t.aud,
		IssuedAt:  c.IssuedAt.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
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

// ---------------------------------------------------------------------------
// Endpoint

// Sentinel errors of TokenEndpoint.Check and Verify, wrapped in a
// *TokenRequestError that carries the SNAP answer. Test for them with
// errors.Is.
var (
	// ErrMethodNotAllowed: the token endpoint answers POST only (405).
	ErrMethodNotAllowed = errors.New("notify: token request method is not POST")
	// ErrMissingHeader: X-CLIENT-KEY, X-TIMESTAMP or X-SIGNATURE is absent
	// or empty (4007302 Invalid Mandatory Field {X-…}).
	ErrMissingHeader = errors.New("notify: token request header missing")
	// ErrTimestampFormat: X-TIMESTAMP is not ISO-8601 with a zone
	// (4007301 Invalid Field Format {X-TIMESTAMP}).
	ErrTimestampFormat = errors.New("notify: token request X-TIMESTAMP is malformed")
	// ErrTimestampSkew: X-TIMESTAMP is further from the clock than allowed,
	// stale or in the future; the struct error's Reason says which (4017300).
	ErrTimestampSkew = errors.New("notify: token request X-TIMESTAMP outside the allowed skew")
	// ErrUnknownClient: no DOKU public key is configured for X-CLIENT-KEY.
	// On the wire it is answered exactly as ErrInvalidSignature (4017300
	// "Unauthorized. Invalid Signature", the same bytes), so a caller
	// cannot enumerate client keys; the log line and the metric outcome
	// (unknown_client) keep the difference.
	ErrUnknownClient = errors.New("notify: token request from an unknown client key")
	// ErrInvalidSignature: X-SIGNATURE does not verify with any of the
	// client's keys (4017300 "Unauthorized. Invalid Signature").
	ErrInvalidSignature = errors.New("notify: token request signature is invalid")
	// ErrBodyTooLarge: the body is over MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("notify: token request body too large")
	// ErrBodyMalformed: the body is not a JSON object (4007300), or has a
	// key twice (4007301 Invalid Field Format {key}; the error also
	// matches schemas.ErrDuplicateKey).
	ErrBodyMalformed = errors.New("notify: token request body is not a JSON object")
	// ErrMissingGrantType: the body has no grantType (4007302).
	ErrMissingGrantType = errors.New("notify: token request grantType missing")
	// ErrGrantType: grantType is not "client_credentials" or not a string
	// (4007301).
	ErrGrantType = errors.New("notify: token request grantType is not client_credentials")
)

// TokenRequestError is the error of TokenEndpoint.Check and Verify: which
// check failed, why, and the SNAP answer TokenEndpoint gives for it. It
// unwraps to one of the sentinels above (and, for a bad signature, to the
// sign package's error). It never holds the signature or the body.
type TokenRequestError struct {
	// Outcome is the bounded metric label of the failure, e.g.
	// "bad_signature", "stale_timestamp".
	Outcome string
	// Reason says what was expected, e.g. "X-TIMESTAMP is 10m0s in the
	// past; at most 5m0s is allowed".
	Reason string
	// Status is the HTTP status answered (400, 401, 405, 413).
	Status int
	// ResponseCode is the SNAP responseCode answered, e.g. "4017300".
	ResponseCode string
	// ResponseMessage is the SNAP responseMessage answered.
	ResponseMessage string

	code  respond.SNAPCode
	err   error // the sentinel
	cause error // the sign error behind ErrInvalidSignature, schemas.ErrDuplicateKey, or nil
}

// Error is the sentinel's text and the reason; it never quotes the
// signature or the body.
func (e *TokenRequestError) Error() string {
	return e.err.Error() + ": " + e.Reason
}

// Unwrap returns the sentinel and, for a bad signature, the sign package's
// error (sign.ErrSignatureMismatch or sign.ErrBadSignatureEncoding), for a
// duplicate key schemas.ErrDuplicateKey.
func (e *TokenRequestError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.err}
	}
	return []error{e.err, e.cause}
}

func reqErr(outcome string, code respond.SNAPCode, msg string, err error, reason string) *TokenRequestError {
	return &TokenRequestError{Outcome: outcome, Reason: reason, Status: code.HTTP, ResponseCode: code.String(),
		ResponseMessage: msg, code: code, err: err}
}

func snapCode(status, c int) respond.SNAPCode {
	return respond.SNAPCode{HTTP: status, Service: tokenService, Case: c}
}

// msgUnauthorizedSignature answers both an unknown X-CLIENT-KEY and a bad
// signature: one answer for both keeps client keys from being enumerated.
const msgUnauthorizedSignature = "Unauthorized. Invalid Signature"

// Metric outcomes of dokukit_token_requests_total.
var tokenOutcomes = []string{
	"issued", "method_not_allowed", "missing_header", "malformed_timestamp", "stale_timestamp",
	"future_timestamp", "unknown_client", "bad_signature", "body_too_large", "malformed_body",
	"missing_grant_type", "bad_grant_type", "issue_failed",
}

// TokenEndpointConfig configures a TokenEndpoint. Zero values are safe
// defaults except DOKUPublicKeys and Issuer, which are required.
type TokenEndpointConfig struct {
	// DOKUPublicKeys are DOKU's public keys by X-CLIENT-KEY. A client may
	// have several keys while DOKU rotates: a signature is accepted if any
	// of them verifies it, and the index of the key that did is reported
	// (TokenRequest.KeyIndex, the log). Remove a key to rotate it out.
	DOKUPublicKeys map[string][]*rsa.PublicKey
	// Issuer makes the tokens. Required.
	Issuer *TokenIssuer
	// MaxSkewPast and MaxSkewFuture bound how far X-TIMESTAMP may lie
	// behind or ahead of Now. Default 5 minutes each.
	MaxSkewPast, MaxSkewFuture time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds the request body. Default 1 MiB.
	MaxBodyBytes int64
	// Registerer receives dokukit_token_requests_total{outcome}. Nil: no
	// metrics. The global registry is never used behind the caller's back.
	Registerer prometheus.Registerer
	// Logger receives one line per request. Nil: discard. Tokens,
	// signatures and bodies are never logged.
	Logger *slog.Logger
}

// TokenRequest is what Verify learned from an accepted token request.
type TokenRequest struct {
	ClientID  string    // X-CLIENT-KEY
	KeyIndex  int       // index in DOKUPublicKeys[ClientID] of the key that verified
	Timestamp time.Time // X-TIMESTAMP, parsed
}

// TokenEndpoint is the merchant's SNAP B2B token endpoint that DOKU calls
// (POST /authorization/v1/access-token/b2b) before sending SNAP
// notifications. It allows a POST whose X-SIGNATURE is DOKU's SHA256withRSA
// signature over X-CLIENT-KEY|X-TIMESTAMP (as received) with a key configured
// for that client, whose X-TIMESTAMP is within the skew, and whose body is
// {"grantType":"client_credentials"}; it answers 2007300 with a fresh token.
// Everything else is rejected with the SNAP code of the first failed check,
// in this order: method, headers, timestamp format, skew, client, signature,
// body size, body JSON, grantType.
//
// A TokenEndpoint is safe for concurrent use.
type TokenEndpoint struct {
	keys       map[string][]*rsa.PublicKey
	decoy      *rsa.PublicKey // verified against for an unknown client, result discarded
	fps        map[string][]string
	issuer     *TokenIssuer
	past, fut  time.Duration
	now        func() time.Time
	maxBody    int64
	log        *slog.Logger
	requests   *prometheus.CounterVec
	outcomeCtr map[string]prometheus.Counter
}

// NewTokenEndpoint validates cfg and returns the endpoint. It fails on a
// missing issuer, no keys, a nil or short key, negative skews or body limit,
// or a metric that cannot be registered.
func NewTokenEndpoint(cfg TokenEndpointConfig) (*TokenEndpoint, error) {
	if cfg.Issuer == nil {
		return nil, errors.New("notify: token endpoint needs an Issuer")
	}
	if len(cfg.DOKUPublicKeys) == 0 {
		return nil, errors.New("notify: token endpoint needs DOKU's public key for at least one client key")
	}
	e := &TokenEndpoint{
		keys:   make(map[string][]*rsa.PublicKey, len(cfg.DOKUPublicKeys)),
		fps:    make(map[string][]string, len(cfg.DOKUPublicKeys)),
		issuer: cfg.Issuer, past: cfg.MaxSkewPast, fut: cfg.MaxSkewFuture, now: cfg.Now,
		maxBody: cfg.MaxBodyBytes, log: cfg.Logger,
	}
	decoyClient := ""
	for client, keys := range cfg.DOKUPublicKeys {
		if client == "" {
			return nil, errors.New("notify: empty client key in DOKUPublicKeys")
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("notify: no public key for client key %q", client)
		}
		for i, k := range keys {
			if k == nil || k.N == nil {
				return nil, fmt.Errorf("notify: public key %d of client key %q is nil", i, client)
			}
			if k.N.BitLen() < sign.MinRSABits {
				return nil, fmt.Errorf("notify: public key %d of client key %q: %w (need %d bits)", i, client, sign.ErrKeyTooShort, sign.MinRSABits)
			}
			e.fps[client] = append(e.fps[client], fingerprint(k))
		}
		e.keys[client] = append([]*rsa.PublicKey(nil), keys...)
		if e.decoy == nil || client < decoyClient {
			e.decoy, decoyClient = keys[0], client
		}
	}
	if e.past < 0 || e.fut < 0 || e.maxBody < 0 {
		return nil, errors.New("notify: token endpoint skews and body limit must not be negative")
	}
	if e.past == 0 {
		e.past = DefaultTokenSkew
	}
	if e.fut == 0 {
		e.fut = DefaultTokenSkew
	}
	if e.maxBody == 0 {
		e.maxBody = DefaultTokenMaxBodyBytes
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Registerer != nil {
		cv := prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dokukit_token_requests_total",
			Help: "SNAP B2B token requests received from DOKU, by outcome.",
		}, []string{"outcome"})
		cv, err := promreg.Register(cfg.Registerer, cv)
		if err != nil {
			return nil, fmt.Errorf("notify: registering token metrics: %w", err)
		}
		e.requests = cv
		e.outcomeCtr = make(map[string]prometheus.Counter, len(tokenOutcomes))
		for _, o := range tokenOutcomes {
			e.outcomeCtr[o] = cv.WithLabelValues(o) // every outcome visible from the start, at 0
		}
	}
	return e, nil
}

// fingerprint is the first 8 bytes of SHA-256 over the key's SPKI DER: it
// names a public key in logs without printing it.
func fingerprint(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "unknown"
	}
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:8])
}

// Check decides whether r is a valid token request from DOKU and returns
// its X-CLIENT-KEY; see Verify.
func (e *TokenEndpoint) Check(r *http.Request) (clientID string, err error) {
	tr, err := e.Verify(r)
	return tr.ClientID, err
}

// Verify checks r as the type doc describes, without writing anything. It
// reads at most MaxBodyBytes+1 bytes of r.Body and replaces r.Body with a
// reader over what it read, so a handler after it sees the same body. The
// error is a *TokenRequestError.
func (e *TokenEndpoint) Verify(r *http.Request) (TokenRequest, error) {
	tr := TokenRequest{KeyIndex: -1}
	if r.Method != http.MethodPost {
		return tr, reqErr("method_not_allowed", snapCode(http.StatusMethodNotAllowed, 0), "Method Not Allowed",
			ErrMethodNotAllowed, "method "+strconv.Quote(truncate(r.Method, 16))+" is not POST")
	}
	clientKey, ts, sig := r.Header.Get("X-CLIENT-KEY"), r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")
	for _, h := range [...]struct{ name, v string }{{"X-CLIENT-KEY", clientKey}, {"X-TIMESTAMP", ts}, {"X-SIGNATURE", sig}} {
		if h.v == "" {
			return tr, reqErr("missing_header", snapCode(400, 2), "Invalid Mandatory Field {"+h.name+"}",
				ErrMissingHeader, h.name+" is required")
		}
	}
	tr.ClientID = clientKey
	t, err := verify.ParseTimestamp(ts)
	if err != nil {
		return tr, reqErr("malformed_timestamp", snapCode(400, 1), "Invalid Field Format {X-TIMESTAMP}",
			ErrTimestampFormat, "X-TIMESTAMP must be ISO-8601 with a zone, like 2020-12-21T14:56:11+07:00 or 2020-12-21T07:56:11.000Z")
	}
	tr.Timestamp = t
	now := e.now()
	if d := now.Sub(t); d > e.past {
		return tr, reqErr("stale_timestamp", snapCode(401, 0), "Unauthorized. Invalid Timestamp",
			ErrTimestampSkew, fmt.Sprintf("X-TIMESTAMP is %v in the past; at most %v is allowed", d, e.past))
	} else if -d > e.fut {
		return tr, reqErr("future_timestamp", snapCode(401, 0), "Unauthorized. Invalid Timestamp",
			ErrTimestampSkew, fmt.Sprintf("X-TIMESTAMP is %v in the future; at most %v is allowed", -d, e.fut))
	}
	keys, ok := e.keys[clientKey]
	if !ok {
		// Verify against a configured key anyway and discard the result, so
		// an unknown client costs what a bad signature costs: the answer's
		// timing does not tell the two apart either.
		_ = sign.VerifyToken(e.decoy, clientKey, ts, sig)
		return tr, reqErr("unknown_client", snapCode(401, 0), msgUnauthorizedSignature,
			ErrUnknownClient, "no DOKU public key is configured for this X-CLIENT-KEY")
	}
	var verr error
	for i, k := range keys {
		if verr = sign.VerifyToken(k, clientKey, ts, sig); verr == nil {
			tr.KeyIndex = i
			break
		}
	}
	if verr != nil {
		re := reqErr("bad_signature", snapCode(401, 0), msgUnauthorizedSignature, ErrInvalidSignature,
			fmt.Sprintf("X-SIGNATURE is not SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP with any of the client's %d key(s)", len(keys)))
		re.cause = verr
		return tr, re
	}
	if err := e.checkBody(r); err != nil {
		return tr, err
	}
	return tr, nil
}

// checkBody reads and restores the body, then checks grantType.
func (e *TokenEndpoint) checkBody(r *http.Request) error {
	tooLarge := func() error {
		return reqErr("body_too_large", snapCode(http.StatusRequestEntityTooLarge, 0), "Request Entity Too Large",
			ErrBodyTooLarge, fmt.Sprintf("the body must be at most %d bytes", e.maxBody))
	}
	if r.ContentLength > e.maxBody {
		return tooLarge()
	}
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, e.maxBody+1))
		r.Body.Close()
		if err != nil {
			return reqErr("malformed_body", snapCode(400, 0), "Bad Request", ErrBodyMalformed, "the body could not be read")
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if int64(len(body)) > e.maxBody {
		return tooLarge()
	}
	missing := func() error {
		return reqErr("missing_grant_type", snapCode(400, 2), "Invalid Mandatory Field {grantType}",
			ErrMissingGrantType, `the body must be {"grantType":"client_credentials"}`)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return missing()
	}
	// One reading of the body, as the notifications get: a key twice
	// (encoding/json would keep the last grantType) is refused, naming it.
	var dup *schemas.ValidationError
	if err := schemas.CheckKeys(body); errors.As(err, &dup) && errors.Is(err, schemas.ErrDuplicateKey) {
		key := dup.Fields[0].Path
		re := reqErr("malformed_body", snapCode(400, 1), "Invalid Field Format {"+key+"}", ErrBodyMalformed,
			"the body has the key "+strconv.Quote(key)+" more than once")
		re.cause = schemas.ErrDuplicateKey
		return re
	}
	// Field names are matched exactly: encoding/json's case-insensitive
	// match would take "GRANTTYPE" for grantType, which SNAP does not.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		// json's own message may quote a byte of the body: keep only where.
		reason := "the body is not a JSON object"
		var se *json.SyntaxError
		if errors.As(err, &se) {
			reason += " (syntax error at byte " + strconv.FormatInt(se.Offset, 10) + ")"
		}
		return reqErr("malformed_body", snapCode(400, 0), "Bad Request", ErrBodyMalformed, reason)
	}
	raw, ok := fields["grantType"]
	if !ok || string(raw) == "null" {
		return missing()
	}
	var grantType string
	if err := json.Unmarshal(raw, &grantType); err != nil {
		return reqErr("bad_grant_type", snapCode(400, 1), "Invalid Field Format {grantType}",
			ErrGrantType, "grantType must be the string client_credentials")
	}
	if grantType == "" {
		return missing()
	}
	if grantType != GrantTypeClientCredentials {
		return reqErr("bad_grant_type", snapCode(400, 1), "Invalid Field Format {grantType}",
			ErrGrantType, "grantType must be client_credentials")
	}
	return nil
}

// TokenResponse is the 2007300 body. ExpiresIn is the string "900", as in
// the DOKU Wallet SNAP page and DOKU's SDKs; other DOKU pages show the
// number 900 and DOKU's client reads both, so the kit writes that page's
// spelling. AdditionalInfo is written as the empty object: the DOKU Wallet SNAP page shows
// "", other DOKU pages {}, and SNAP defines the field as an object.
// Unmarshalling accepts every spelling (see UnmarshalJSON), so a DOKU-side
// simulator or a client can read any of them.
type TokenResponse struct {
	ResponseCode    string         `json:"responseCode"`
	ResponseMessage string         `json:"responseMessage"`
	AccessToken     string         `json:"accessToken"`
	TokenType       string         `json:"tokenType"`
	ExpiresIn       string         `json:"expiresIn"`
	AdditionalInfo  map[string]any `json:"additionalInfo"`
}

// UnmarshalJSON reads a token response, taking expiresIn as a string ("900")
// or a number (900) and additionalInfo as an object, "" or null.
func (t *TokenResponse) UnmarshalJSON(b []byte) error {
	var aux struct {
		ResponseCode    string          `json:"responseCode"`
		ResponseMessage string          `json:"responseMessage"`
		AccessToken     string          `json:"accessToken"`
		TokenType       string          `json:"tokenType"`
		ExpiresIn       json.RawMessage `json:"expiresIn"`
		AdditionalInfo  json.RawMessage `json:"additionalInfo"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r := TokenResponse{ResponseCode: aux.ResponseCode, ResponseMessage: aux.ResponseMessage,
		AccessToken: aux.AccessToken, TokenType: aux.TokenType}
	switch e := aux.ExpiresIn; {
	case len(e) == 0 || string(e) == "null":
	case e[0] == '"':
		if err := json.Unmarshal(e, &r.ExpiresIn); err != nil {
			return err
		}
	default:
		var n json.Number
		if err := json.Unmarshal(e, &n); err != nil {
			return errors.New("notify: expiresIn is neither a string nor a number")
		}
		r.ExpiresIn = n.String()
	}
	switch a := aux.AdditionalInfo; {
	case len(a) == 0 || string(a) == "null" || string(a) == `""`:
	default:
		if err := json.Unmarshal(a, &r.AdditionalInfo); err != nil {
			return errors.New("notify: additionalInfo is neither an object nor \"\"")
		}
	}
	*t = r
	return nil
}

// ServeHTTP answers a token request: 2007300 with a token on success, the
// SNAP error of the first failed check otherwise (see TokenRequestError).
func (e *TokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tr, err := e.Verify(r)
	if err != nil {
		var re *TokenRequestError
		if !errors.As(err, &re) { // cannot happen; fail closed
			re = reqErr("malformed_body", snapCode(400, 0), "Bad Request", err, "rejected")
		}
		e.count(re.Outcome)
		e.log.LogAttrs(r.Context(), slog.LevelWarn, "snap token request rejected",
			slog.String("outcome", re.Outcome), slog.String("reason", re.Error()),
			slog.String("client_id", truncate(tr.ClientID, 64)), slog.String("remote_addr", r.RemoteAddr))
		if re.Status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		respond.WriteSNAP(w, re.code, re.ResponseMessage)
		return
	}
	tok, ttl, err := e.issuer.Issue(tr.ClientID)
	if err != nil {
		e.count("issue_failed")
		e.log.LogAttrs(r.Context(), slog.LevelError, "snap token issue failed",
			slog.String("client_id", truncate(tr.ClientID, 64)), slog.String("error", err.Error()))
		respond.WriteSNAP(w, snapCode(500, 0), "General Error")
		return
	}
	e.count("issued")
	e.log.LogAttrs(r.Context(), slog.LevelInfo, "snap token issued",
		slog.String("client_id", truncate(tr.ClientID, 64)), slog.Int("key_index", tr.KeyIndex),
		slog.String("key_fingerprint", e.fps[tr.ClientID][tr.KeyIndex]),
		slog.Duration("expires_in", ttl))
	respond.WriteJSON(w, http.StatusOK, TokenResponse{
		ResponseCode:    snapCode(200, 0).String(),
		ResponseMessage: "Successful",
		AccessToken:     tok,
		TokenType:       "Bearer",
		ExpiresIn:       strconv.FormatInt(int64(ttl/time.Second), 10),
		AdditionalInfo:  map[string]any{},
	})
}

func (e *TokenEndpoint) count(outcome string) {
	if e.outcomeCtr != nil {
		e.outcomeCtr[outcome].Inc()
	}
}

// truncate bounds attacker-chosen strings before they reach a log line.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
