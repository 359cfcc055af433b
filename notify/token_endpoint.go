package notify

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Sentinel errors of TokenEndpoint.Check and Verify, each inside a
// *verify.Error that carries the SNAP answer. Test for them with errors.Is.
// The request's headers, timestamp and signature are verify.SNAPToken's
// checks and fail with verify's sentinels; the names below that stand for
// those are verify's values, kept so existing errors.Is checks still match.
var (
	// ErrMethodNotAllowed: the token endpoint answers POST only (405).
	ErrMethodNotAllowed = errors.New("method not allowed")
	// ErrBodyMalformed: the body is not a JSON object (4007300), or has a
	// key twice (4007301 Invalid Field Format {key}; the error also
	// matches schemas.ErrDuplicateKey).
	ErrBodyMalformed = errors.New("token request body is not a JSON object")
	// ErrMissingGrantType: the body has no grantType (4007302).
	ErrMissingGrantType = errors.New("missing body field")
	// ErrGrantType: grantType is not "client_credentials" or not a string
	// (4007301).
	ErrGrantType = errors.New("grant type is not client_credentials")

	// ErrMissingHeader: X-CLIENT-KEY, X-TIMESTAMP or X-SIGNATURE is absent
	// or empty (4007302 Invalid Mandatory Field {X-…}).
	//
	// Deprecated: it is verify.ErrMissingHeader.
	ErrMissingHeader = verify.ErrMissingHeader
	// ErrTimestampFormat: X-TIMESTAMP is not ISO-8601 with a zone
	// (4007301 Invalid Field Format {X-TIMESTAMP}).
	//
	// Deprecated: it is verify.ErrBadTimestamp.
	ErrTimestampFormat = verify.ErrBadTimestamp
	// ErrTimestampSkew: X-TIMESTAMP is further from the clock than allowed,
	// stale (verify.ErrStale) or in the future (verify.ErrFuture); 4017300.
	//
	// Deprecated: it is verify.ErrTimestampSkew.
	ErrTimestampSkew = verify.ErrTimestampSkew
	// ErrUnknownClient: no DOKU public key is configured for X-CLIENT-KEY.
	// On the wire it is answered exactly as a bad signature (4017300
	// "Unauthorized. Invalid Signature", the same bytes), so a caller
	// cannot enumerate client keys; the log line and the metric outcome
	// (unknown_client) keep the difference.
	//
	// Deprecated: it is verify.ErrUnknownClient.
	ErrUnknownClient = verify.ErrUnknownClient
	// ErrInvalidSignature: X-SIGNATURE does not verify with any of the
	// client's keys (4017300 "Unauthorized. Invalid Signature"). A
	// signature that is not base64 is verify.ErrBadSignatureEncoding.
	//
	// Deprecated: it is verify.ErrSignatureMismatch.
	ErrInvalidSignature = verify.ErrSignatureMismatch
	// ErrBodyTooLarge: the body is over MaxBodyBytes (413).
	//
	// Deprecated: it is verify.ErrBodyTooLarge.
	ErrBodyTooLarge = verify.ErrBodyTooLarge
)

// TokenRequestError is the error of TokenEndpoint.Check and Verify.
//
// Deprecated: the endpoint returns a *verify.Error, which this names: read
// Status, SNAPResponseCode(73), SNAPMessage() and Detail from it, and the
// metric outcome with TokenOutcome.
type TokenRequestError = verify.Error

// Metric outcomes of dokukit_token_requests_total, all exported from the
// start at 0. They are verify.Reason's words, except two kept under the
// names dashboards and alerts already use: "malformed_timestamp" (verify's
// bad_timestamp) and "bad_signature" (verify's signature_mismatch and
// bad_signature_encoding). A key store failure (PublicKeys down) is
// "key_error", created when it first happens.
var tokenOutcomes = []string{
	"issued", "method_not_allowed", "missing_header", "malformed_timestamp", "stale_timestamp",
	"future_timestamp", "unknown_client", "bad_signature", "body_too_large", "malformed_body",
	"missing_grant_type", "bad_grant_type", "issue_failed",
}

// TokenOutcome is the dokukit_token_requests_total outcome label of a
// TokenEndpoint.Verify error ("issued" for nil).
func TokenOutcome(err error) string {
	switch {
	case err == nil:
		return "issued"
	case errors.Is(err, ErrMethodNotAllowed):
		return "method_not_allowed"
	case errors.Is(err, ErrMissingGrantType):
		return "missing_grant_type"
	case errors.Is(err, ErrGrantType):
		return "bad_grant_type"
	case errors.Is(err, ErrBodyMalformed):
		return "malformed_body"
	}
	switch r := verify.Reason(err); r {
	case "bad_timestamp":
		return "malformed_timestamp"
	case "signature_mismatch", "bad_signature_encoding":
		return "bad_signature"
	case "body_read", "invalid_json", "internal":
		return "malformed_body"
	default:
		return r
	}
}

// TokenEndpointConfig configures a TokenEndpoint. Zero values are safe
// defaults except the keys (DOKUPublicKeys or PublicKeys) and Issuer, which
// are required.
type TokenEndpointConfig struct {
	// DOKUPublicKeys are DOKU's public keys by X-CLIENT-KEY. A client may
	// have several keys while DOKU rotates: a signature is accepted if any
	// of them verifies it, and the index of the key that did is reported
	// (TokenRequest.KeyIndex, the log). Remove a key to rotate it out.
	DOKUPublicKeys map[string][]*rsa.PublicKey
	// PublicKeys is DOKU's keys as a verify.PublicKeySet by X-CLIENT-KEY
	// (a vault, say), in place of DOKUPublicKeys: set one of the two.
	// TokenRequest.KeyID names the key that verified.
	PublicKeys verify.PublicKeySet
	// Issuer makes the tokens. Required.
	Issuer *TokenIssuer
	// Timestamps is the X-TIMESTAMP policy: how far it may lie behind
	// (MaxPast) or ahead of (MaxFuture) the clock (Now). Default ±5 minutes,
	// time.Now.
	Timestamps verify.Timestamps
	// MaxSkewPast and MaxSkewFuture are Timestamps.MaxPast and MaxFuture,
	// used when those are 0.
	//
	// Deprecated: set Timestamps.
	MaxSkewPast, MaxSkewFuture time.Duration
	// Now is Timestamps.Now, used when that is nil.
	//
	// Deprecated: set Timestamps.Now.
	Now func() time.Time
	// MaxBodyBytes bounds the request body; 0 or less means
	// verify.DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Registerer receives dokukit_token_requests_total{outcome}. Nil: no
	// metrics. The global registry is never used behind the caller's back.
	Registerer prometheus.Registerer
	// Logger receives one line per request. Nil: no logging. Tokens,
	// signatures and bodies are never logged.
	Logger *slog.Logger
}

func (c TokenEndpointConfig) timestamps() verify.Timestamps {
	ts := c.Timestamps
	if ts.MaxPast == 0 {
		ts.MaxPast = c.MaxSkewPast
	}
	if ts.MaxFuture == 0 {
		ts.MaxFuture = c.MaxSkewFuture
	}
	if ts.Now == nil {
		ts.Now = c.Now
	}
	return ts
}

// TokenRequest is what Verify learned from an accepted token request.
type TokenRequest struct {
	ClientID string // X-CLIENT-KEY
	// KeyIndex is the index in DOKUPublicKeys[ClientID] of the key that
	// verified; -1 with a PublicKeys set (see KeyID).
	KeyIndex int
	// KeyID is the verify.PublicKey ID of the key that verified (with
	// DOKUPublicKeys: the index, "0", "1", …).
	KeyID     string
	Timestamp time.Time // X-TIMESTAMP, parsed
}

// TokenEndpoint is the merchant's SNAP B2B token endpoint that DOKU calls
// (POST /authorization/v1/access-token/b2b) before sending SNAP
// notifications. It allows a POST that verify.SNAPToken accepts — X-SIGNATURE
// is DOKU's SHA256withRSA signature over X-CLIENT-KEY|X-TIMESTAMP (as
// received) with a key configured for that client, X-TIMESTAMP within the
// skew — and whose body is {"grantType":"client_credentials"}; it answers
// 2007300 with a fresh token from the Issuer. Everything else is rejected
// with the SNAP code of the first failed check, in this order: method,
// headers, timestamp format, skew, client, signature, body size, body JSON,
// grantType. The request is verified by verify.SNAPToken, the same code
// doku-verify runs, so the two never disagree.
//
// A TokenEndpoint is safe for concurrent use.
type TokenEndpoint struct {
	v          *verify.SNAPToken
	fps        map[string][]string // key fingerprints by client, with DOKUPublicKeys
	issuer     *TokenIssuer
	log        *slog.Logger
	requests   *prometheus.CounterVec
	outcomeCtr map[string]prometheus.Counter
}

// NewTokenEndpoint validates cfg and returns the endpoint. It fails on a
// missing issuer, no keys (or both DOKUPublicKeys and PublicKeys), a nil or
// short key (errors.Is(err, sign.ErrKeyTooShort)), or a metric that cannot
// be registered (another collector of that name on Registerer). Every
// failure wraps verify.ErrConfig (notify.ErrConfig).
func NewTokenEndpoint(cfg TokenEndpointConfig) (*TokenEndpoint, error) {
	if cfg.Issuer == nil {
		return nil, fmt.Errorf("%w: token endpoint needs an Issuer", ErrConfig)
	}
	e := &TokenEndpoint{issuer: cfg.Issuer, log: cfg.Logger}
	keys := cfg.PublicKeys
	switch {
	case len(cfg.DOKUPublicKeys) > 0 && cfg.PublicKeys != nil:
		return nil, fmt.Errorf("%w: token endpoint: set DOKUPublicKeys or PublicKeys, not both", ErrConfig)
	case len(cfg.DOKUPublicKeys) > 0:
		set, fps, err := publicKeySet(cfg.DOKUPublicKeys)
		if err != nil {
			return nil, err
		}
		keys, e.fps = set, fps
	case cfg.PublicKeys == nil:
		return nil, fmt.Errorf("%w: token endpoint needs DOKU's public key for at least one client key", ErrConfig)
	}
	v, err := verify.NewSNAPToken(verify.SNAPTokenConfig{PublicKeys: keys, Timestamps: cfg.timestamps(), MaxBodyBytes: cfg.MaxBodyBytes})
	if err != nil {
		return nil, configErr("token endpoint", err)
	}
	e.v = v
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	metrics := promreg.NewBuilder(cfg.Registerer)
	requests := metrics.Counter("dokukit_token_requests_total", "SNAP B2B token requests received from DOKU, by outcome.", "outcome")
	if err := metrics.Err(); err != nil {
		return nil, fmt.Errorf("%w: registering token metrics: %w", ErrConfig, err)
	}
	if requests != nil {
		e.requests = requests.CounterVec
		e.outcomeCtr = make(map[string]prometheus.Counter, len(tokenOutcomes))
		for _, o := range tokenOutcomes {
			e.outcomeCtr[o] = e.requests.WithLabelValues(o) // every outcome visible from the start, at 0
		}
	}
	return e, nil
}

// publicKeySet turns the raw map into verify's key set (ids "0", "1", … by
// index) and the fingerprints logged for each key. The caller's map is
// copied. (An unknown client is verified against verify's decoy key, for
// this set as for any other.)
func publicKeySet(m map[string][]*rsa.PublicKey) (verify.PublicKeys, map[string][]string, error) {
	set := make(verify.PublicKeys, len(m))
	fps := make(map[string][]string, len(m))
	for client, keys := range m {
		if client == "" {
			return nil, nil, fmt.Errorf("%w: empty client key in DOKUPublicKeys", ErrConfig)
		}
		if len(keys) == 0 {
			return nil, nil, fmt.Errorf("%w: no public key for client key %q", ErrConfig, client)
		}
		for i, k := range keys {
			pk, err := verify.NewPublicKey(strconv.Itoa(i), k)
			if err != nil {
				return nil, nil, configErr(fmt.Sprintf("DOKU public key %d of client key %q", i, client), err)
			}
			set[client] = append(set[client], pk)
			fps[client] = append(fps[client], KeyID(k))
		}
	}
	return set, fps, nil
}

// Check decides whether r is a valid token request from DOKU and returns
// its X-CLIENT-KEY; see Verify.
func (e *TokenEndpoint) Check(r *http.Request) (clientID string, err error) {
	tr, err := e.Verify(r)
	return tr.ClientID, err
}

// Verify checks r as the type doc describes, without writing anything. The
// headers are checked before the body is read; the body is then read
// within MaxBodyBytes and put back, so a handler after it sees the same
// bytes. The error is a *verify.Error (Scheme "token") wrapping one of the
// sentinels above or verify's; sign's error, where one lies underneath,
// stays reachable with errors.Is.
func (e *TokenEndpoint) Verify(r *http.Request) (TokenRequest, error) {
	tr := TokenRequest{KeyIndex: -1}
	if r.Method != http.MethodPost {
		return tr, tokenErr(verify.CheckMethod, "", http.StatusMethodNotAllowed, 0, ErrMethodNotAllowed,
			"method "+strconv.Quote(truncate(r.Method, 16))+" is not POST")
	}
	res, err := e.v.VerifyMessage(r.Context(), verify.Message{Method: r.Method, Target: TokenPath, Header: r.Header})
	tr.ClientID, tr.Timestamp, tr.KeyID = res.ClientID, res.Timestamp, res.KeyID
	if err != nil {
		// An unknown client has cost an RSA verification (verify's decoy)
		// like a bad signature: the answer's timing does not tell the two
		// apart.
		return tr, err
	}
	if e.fps != nil {
		tr.KeyIndex, _ = strconv.Atoi(res.KeyID)
	}
	body, err := verify.ReadBody(e.v, r, nil)
	if err != nil {
		return tr, err
	}
	return tr, checkGrantType(body)
}

func tokenErr(c verify.Check, field string, status, caseCode int, sentinel error, detail string) *verify.Error {
	return &verify.Error{Scheme: verify.SchemeSNAPToken, Check: c, Field: field, Status: status, Case: caseCode,
		Err: sentinel, Detail: detail}
}

// checkGrantType checks the body is {"grantType":"client_credentials"}.
func checkGrantType(body []byte) error {
	missing := func() error {
		return tokenErr(verify.CheckBody, "grantType", http.StatusBadRequest, verify.CaseMissingField,
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
		e := tokenErr(verify.CheckBody, key, http.StatusBadRequest, verify.CaseInvalidFormat, ErrBodyMalformed,
			"the body has the key "+strconv.Quote(key)+" more than once")
		e.Cause = schemas.ErrDuplicateKey
		return e
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
		return tokenErr(verify.CheckBody, "body", http.StatusBadRequest, 0, ErrBodyMalformed, reason)
	}
	raw, ok := fields["grantType"]
	if !ok || string(raw) == "null" {
		return missing()
	}
	var grantType string
	if err := json.Unmarshal(raw, &grantType); err != nil {
		return tokenErr(verify.CheckBody, "grantType", http.StatusBadRequest, verify.CaseInvalidFormat,
			ErrGrantType, "grantType must be the string client_credentials")
	}
	if grantType == "" {
		return missing()
	}
	if grantType != GrantTypeClientCredentials {
		return tokenErr(verify.CheckBody, "grantType", http.StatusBadRequest, verify.CaseInvalidFormat,
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
//
// Deprecated: the endpoint writes schemas.SNAPTokenResponse, the kit's one
// token response type (the same bytes), which reads every spelling too;
// TokenResponse stays for one release for code that reads AdditionalInfo
// as a map.
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
// SNAP error of the first failed check otherwise, rendered as every
// verification failure of the kit is (an unknown client exactly as a bad
// signature).
func (e *TokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tr, err := e.Verify(r)
	if err != nil {
		outcome := TokenOutcome(err)
		e.count(outcome)
		e.log.LogAttrs(r.Context(), slog.LevelWarn, "snap token request rejected",
			slog.String("outcome", outcome), slog.String("reason", err.Error()),
			slog.String("client_id", truncate(tr.ClientID, 64)), slog.String("remote_addr", r.RemoteAddr))
		if errors.Is(err, ErrMethodNotAllowed) {
			w.Header().Set("Allow", http.MethodPost)
		}
		respond.Verification(w, err, tokenService)
		return
	}
	tok, ttl, err := e.issuer.Issue(tr.ClientID)
	if err != nil {
		e.count("issue_failed")
		e.log.LogAttrs(r.Context(), slog.LevelError, "snap token issue failed",
			slog.String("client_id", truncate(tr.ClientID, 64)), slog.String("error", err.Error()))
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusInternalServerError, Service: tokenService}, respond.GeneralError)
		return
	}
	e.count("issued")
	attrs := []slog.Attr{slog.String("client_id", truncate(tr.ClientID, 64)), slog.Int("key_index", tr.KeyIndex),
		slog.String("key_id", truncate(tr.KeyID, 64))}
	if fps := e.fps[tr.ClientID]; tr.KeyIndex >= 0 && tr.KeyIndex < len(fps) {
		attrs = append(attrs, slog.String("key_fingerprint", fps[tr.KeyIndex]))
	}
	attrs = append(attrs, slog.Duration("expires_in", ttl))
	e.log.LogAttrs(r.Context(), slog.LevelInfo, "snap token issued", attrs...)
	// schemas.SNAPTokenResponse is the kit's one token response type: the
	// route table checks it, dokutest answers with it. ExpiresIn is the
	// string "900" and additionalInfo the empty object (see TokenResponse).
	respond.WriteJSON(w, http.StatusOK, schemas.SNAPTokenResponse{
		ResponseCode:    schemas.FlexString(respond.SNAPCode{HTTP: http.StatusOK, Service: tokenService}.String()),
		ResponseMessage: "Successful",
		AccessToken:     tok,
		TokenType:       "Bearer",
		ExpiresIn:       schemas.FlexString(strconv.FormatInt(int64(ttl/time.Second), 10)),
	})
}

func (e *TokenEndpoint) count(outcome string) {
	if e.requests == nil {
		return
	}
	if c, ok := e.outcomeCtr[outcome]; ok {
		c.Inc()
		return
	}
	e.requests.WithLabelValues(outcome).Inc() // key_error: bounded, created when it happens
}

// truncate bounds attacker-chosen strings before they reach a log line.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
