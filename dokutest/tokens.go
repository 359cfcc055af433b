package dokutest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Token kinds (IssuedToken.Kind).
const (
	TokenB2B     = "b2b"     // the merchant's access token (Authorization: Bearer)
	TokenB2B2C   = "b2b2c"   // a customer's access token (Authorization-Customer)
	TokenRefresh = "refresh" // a customer's refresh token (grant refresh_token)
)

// IssuedToken is a token the simulator handed out. Value is a live
// credential for this simulator only: a test may use it, nothing should log it.
type IssuedToken struct {
	Kind     string `json:"kind"`
	ClientID string `json:"clientId"`
	// AccountID is the bound DOKU Wallet account of a customer token.
	AccountID string    `json:"accountId,omitempty"`
	Value     string    `json:"-"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// Valid is false once expired or replaced by a newer token.
	Valid bool `json:"valid"`
}

type token struct {
	IssuedToken
	revoked bool
}

func (t *token) live(now time.Time) bool { return !t.revoked && now.Before(t.ExpiresAt) }

// randomToken is an opaque 256-bit bearer value.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Tokens lists every token issued so far, oldest first, with whether it is
// still valid.
func (s *Server) Tokens() []IssuedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	out := make([]IssuedToken, 0, len(s.st.tokenOrder))
	for _, t := range s.st.tokenOrder {
		it := t.IssuedToken
		it.Valid = t.live(now)
		out = append(out, it)
	}
	return out
}

// issue records a new token, revoking the previous one of the same kind
// and owner: "the latest access token … will be processed".
func (s *Server) issue(kind, owner, accountID string, ttl time.Duration, now time.Time) *token {
	t := &token{IssuedToken: IssuedToken{Kind: kind, ClientID: s.cfg.ClientID, AccountID: accountID, Value: randomToken(), IssuedAt: now, ExpiresAt: now.Add(ttl)}}
	k := kind + "\x00" + owner
	if prev := s.st.latest[k]; prev != nil {
		prev.revoked = true
	}
	s.st.latest[k] = t
	s.st.tokens[t.Value] = t
	s.st.tokenOrder = append(s.st.tokenOrder, t)
	return t
}

// checkB2B is the SNAP verifier's token check: a live B2B token this
// simulator issued to the partner that signed the call.
func (s *Server) checkB2B(_ context.Context, tok, partnerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.st.tokens[tok]; t != nil && t.Kind == TokenB2B && t.ClientID == partnerID && t.live(s.cfg.Now()) {
		return nil
	}
	return errors.New("not a live B2B token of this partner")
}

// touchB2B extends a token by the TTL: it stays valid "as long as there is
// activity".
func (s *Server) touchB2B(tok string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.st.tokens[tok]; t != nil && t.live(now) {
		t.ExpiresAt = now.Add(s.cfg.TokenTTL)
	}
}

// customerFor returns the binding a live B2B2C token belongs to (and
// extends the token), or nil.
func (s *Server) customerFor(tok string, now time.Time) *binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tokens[tok]
	if t == nil || t.Kind != TokenB2B2C || !t.live(now) {
		return nil
	}
	b := s.st.bindings[t.AccountID]
	if b == nil || b.unbound {
		return nil
	}
	t.ExpiresAt = now.Add(s.cfg.TokenTTL)
	return b
}

// readTokenRequest checks the RSA signature, client and timestamp of an
// access-token request (B2B and B2B2C alike), then decodes its body into
// req strictly. When it fails, the answer is DOKU's to that failure.
func (s *Server) readTokenRequest(r *http.Request, rt schemas.Route, body []byte, req any) (answer, bool) {
	for _, h := range []string{"X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE"} {
		if r.Header.Get(h) == "" {
			return snapAnswer(rt, http.StatusBadRequest, 2, "Invalid Mandatory Field {"+h+"}", outcomeBadRequest), false
		}
	}
	_, err := s.token.VerifyMessage(r.Context(), verify.Message{Method: r.Method, Target: r.URL.RequestURI(), Header: r.Header, Body: body})
	if err != nil {
		var ve *verify.Error
		if errors.As(err, &ve) && ve.Status == http.StatusBadRequest {
			return snapAnswer(rt, ve.Status, ve.Case, ve.SNAPMessage(), outcomeBadRequest), false
		}
		// Bad signature, unknown client, stale or future timestamp.
		return snapAnswer(rt, http.StatusUnauthorized, 0, "Unauthorized. Invalid Signature", outcomeUnauthorized), false
	}
	if err := schemas.Decode(body, req, true); err != nil {
		return snapFieldError(rt, err), false
	}
	return answer{}, true
}

// serveTokenB2B is POST /authorization/v1/access-token/b2b.
func (s *Server) serveTokenB2B(r *http.Request, rt schemas.Route, body []byte) answer {
	var req schemas.SNAPTokenRequest
	if a, ok := s.readTokenRequest(r, rt, body, &req); !ok {
		return a
	}
	s.mu.Lock()
	t := s.issue(TokenB2B, s.cfg.ClientID, "", s.cfg.TokenTTL, s.cfg.Now())
	s.mu.Unlock()
	resp := schemas.SNAPTokenResponse{ResponseCode: "2007300", ResponseMessage: "Successful", AccessToken: t.Value, TokenType: "Bearer",
		ExpiresIn: schemas.FlexString(strconv.FormatInt(int64(s.cfg.TokenTTL/time.Second), 10))}
	return answer{status: http.StatusOK, body: mustJSON(resp), code: "2007300", outcome: outcomeOK}
}

// refreshTTL is how long a customer's refresh token lasts (the DOKU Wallet
// page's sample: 15 days after the access token's expiry).
const refreshTTL = 15 * 24 * time.Hour

// serveTokenB2B2C is POST /authorization/v1/access-token/b2b2c: grant
// authorization_code (an authCode from the binding flow, single use) or
// refresh_token (the customer's latest refresh token).
func (s *Server) serveTokenB2B2C(r *http.Request, rt schemas.Route, body []byte) answer {
	var req schemas.SNAPB2B2CTokenRequest
	if a, ok := s.readTokenRequest(r, rt, body, &req); !ok {
		return a
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var account string
	switch req.GrantType {
	case "authorization_code":
		account = s.st.authCodes[req.AuthCode]
		if account == "" {
			return snapAnswer(rt, http.StatusUnauthorized, 1, "Invalid Token (B2B2C). Unknown or used authCode", outcomeInvalidToken)
		}
		delete(s.st.authCodes, req.AuthCode) // single use
	default: // refresh_token
		t := s.st.tokens[req.RefreshToken]
		if t == nil || t.Kind != TokenRefresh || !t.live(now) {
			return snapAnswer(rt, http.StatusUnauthorized, 1, "Invalid Token (B2B2C). Unknown or replaced refreshToken", outcomeInvalidToken)
		}
		account = t.AccountID
	}
	if b := s.st.bindings[account]; b == nil || b.unbound {
		return snapAnswer(rt, http.StatusUnauthorized, 1, "Invalid Token (B2B2C). Account is not bound", outcomeInvalidToken)
	}
	at := s.issue(TokenB2B2C, account, account, s.cfg.TokenTTL, now)
	rf := s.issue(TokenRefresh, account, account, s.cfg.TokenTTL+refreshTTL, now)
	resp := schemas.SNAPTokenResponse{ResponseCode: "2007400", ResponseMessage: "Successful", AccessToken: at.Value, TokenType: "Bearer",
		AccessTokenExpiryTime: schemas.FlexString(sign.FormatTimestamp(at.ExpiresAt)), RefreshToken: rf.Value,
		RefreshTokenExpiryTime: schemas.FlexString(sign.FormatTimestamp(rf.ExpiresAt)),
		ExpiresIn:              schemas.FlexString(strconv.FormatInt(int64(s.cfg.TokenTTL/time.Second), 10))}
	return answer{status: http.StatusOK, body: mustJSON(resp), code: "2007400", outcome: outcomeOK}
}
