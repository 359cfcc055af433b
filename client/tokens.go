package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// tokens is the token lifecycle of one Client: an in-process cache in
// front of the shared store, one refresh per key at a time in process
// (single flight) and across processes (the store's lock), and a fallback
// to an in-process store when the shared one fails.
type tokens struct {
	c      *Client
	store  TokenStore
	local  *MemoryStore // fallback when store fails
	mu     sync.Mutex
	cache  map[string]Token
	flight map[string]*flight
	hot    atomic.Pointer[Token] // the B2B token, read without the lock
}

type flight struct {
	done chan struct{}
	tok  Token
	err  error
}

func newTokens(c *Client, store TokenStore) *tokens {
	return &tokens{c: c, store: store, local: NewMemoryStore(), cache: map[string]Token{}, flight: map[string]*flight{}}
}

func (ts *tokens) b2bKey() string { return "b2b:" + ts.c.cfg.ClientID }

func (ts *tokens) customerKey(customer string) string {
	// The customer id is the merchant's; hashed so a key never shows it.
	h := sha256.Sum256([]byte(customer))
	return "b2b2c:" + ts.c.cfg.ClientID + ":" + hex.EncodeToString(h[:16])
}

// usable: the token is not within the margin of its expiry.
func (ts *tokens) usable(t Token) bool {
	if t.Value == "" {
		return false
	}
	return ts.c.now().Before(t.ExpiresAt.Add(-ts.margin(t)))
}

// margin is Config.TokenMargin, at most a quarter of the token's life.
func (ts *tokens) margin(t Token) time.Duration {
	m := ts.c.cfg.TokenMargin
	if life := t.ExpiresAt.Sub(t.IssuedAt); life > 0 && m > life/4 {
		m = life / 4
	}
	return m
}

// b2b returns a usable B2B token.
func (ts *tokens) b2b(ctx context.Context) (string, error) {
	if t := ts.hot.Load(); t != nil && ts.usable(*t) {
		return t.Value, nil // the hot path: no lock
	}
	key := ts.b2bKey()
	ts.mu.Lock()
	t, ok := ts.cache[key]
	ts.mu.Unlock()
	if ok && ts.usable(t) {
		ts.hot.Store(&t)
		return t.Value, nil
	}
	t, err := ts.refresh(ctx, key, t.Value, ts.fetchB2B)
	if err == nil {
		ts.hot.Store(&t)
	}
	return t.Value, err
}

// rejected handles DOKU refusing tok (401xx01): the next b2b call re-reads
// the store and fetches only if the store still holds tok.
func (ts *tokens) rejected(ctx context.Context, key, tok string, fetch fetchFunc) (Token, error) {
	if key == ts.b2bKey() {
		ts.hot.Store(nil)
	}
	t, err := ts.refresh(ctx, key, tok, fetch)
	if err == nil && key == ts.b2bKey() {
		ts.hot.Store(&t)
	}
	return t, err
}

// customer returns a usable B2B2C token of customer, refreshing it with
// its refresh token when it is due.
func (ts *tokens) customer(ctx context.Context, customer string) (string, error) {
	key := ts.customerKey(customer)
	ts.mu.Lock()
	t, ok := ts.cache[key]
	ts.mu.Unlock()
	if ok && ts.usable(t) {
		return t.Value, nil
	}
	t, err := ts.refresh(ctx, key, t.Value, ts.fetchRefresh)
	return t.Value, err
}

type fetchFunc func(ctx context.Context, stored Token) (Token, error)

// refresh returns a usable token under key other than stale, fetching one
// only if neither this process nor the store has one: single flight in
// process, then the store's lock, then a re-read under it (the fencing
// check: another replica may have refreshed while we waited).
func (ts *tokens) refresh(ctx context.Context, key, stale string, fetch fetchFunc) (Token, error) {
	ts.mu.Lock()
	if t, ok := ts.cache[key]; ok && t.Value != stale && ts.usable(t) {
		ts.mu.Unlock()
		return t, nil
	}
	if f, ok := ts.flight[key]; ok {
		ts.mu.Unlock()
		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	ts.flight[key] = f
	ts.mu.Unlock()

	// The refresh runs detached from the caller that started it (bounded by
	// the token request's own timeout), so one caller giving up does not
	// fail the others waiting on it.
	go func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*ts.c.cfg.AttemptTimeout)
		defer cancel()
		tok, err := ts.refreshShared(rctx, key, stale, fetch)
		ts.mu.Lock()
		f.tok, f.err = tok, err
		if err == nil {
			ts.cache[key] = tok
		}
		delete(ts.flight, key)
		ts.mu.Unlock()
		close(f.done)
	}()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

func (ts *tokens) refreshShared(ctx context.Context, key, stale string, fetch fetchFunc) (Token, error) {
	t, err := ts.underLock(ctx, ts.store, key, stale, fetch)
	if err == nil || !errors.Is(err, ErrStore) {
		return t, err
	}
	// The shared store is down: keep working with a token of this
	// process, and say so.
	ts.c.metrics.fallbacks.Inc()
	ts.c.log(ctx, slog.LevelWarn, "dokukit client: token store unavailable, using an in-process token", slog.String("key_kind", keyKind(key)), slog.String("error", err.Error()))
	return ts.underLock(ctx, ts.local, key, stale, fetch)
}

func (ts *tokens) underLock(ctx context.Context, store TokenStore, key, stale string, fetch fetchFunc) (Token, error) {
	t, err := store.Load(ctx, key)
	if err != nil && !errors.Is(err, ErrNoToken) {
		return Token{}, wrapStore(err)
	}
	if err == nil && t.Value != stale && ts.usable(t) {
		return t, nil
	}
	lock, err := store.Lock(ctx, key)
	if err != nil {
		return Token{}, wrapStore(err)
	}
	defer lock.Unlock(context.WithoutCancel(ctx))
	t, err = store.Load(ctx, key)
	if err != nil && !errors.Is(err, ErrNoToken) {
		return Token{}, wrapStore(err)
	}
	if err == nil && t.Value != stale && ts.usable(t) {
		return t, nil // another holder refreshed while we waited
	}
	nt, err := fetch(ctx, t)
	if err != nil {
		return Token{}, err
	}
	if err := lock.Save(ctx, nt); err != nil {
		// The token is good; only sharing it failed. Use it.
		ts.c.log(ctx, slog.LevelWarn, "dokukit client: could not save a new token to the store", slog.String("key_kind", keyKind(key)), slog.String("error", err.Error()))
	}
	return nt, nil
}

func wrapStore(err error) error {
	if errors.Is(err, ErrStore) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrStore, err)
}

func keyKind(key string) string {
	if len(key) > 6 && key[:6] == "b2b2c:" {
		return "b2b2c"
	}
	return "b2b"
}

// fetchB2B asks DOKU for a B2B token.
func (ts *tokens) fetchB2B(ctx context.Context, _ Token) (Token, error) {
	return ts.tokenRequest(ctx, "wallet.token_b2b", "b2b", []byte(`{"grantType":"client_credentials"}`))
}

// fetchRefresh uses a customer's refresh token.
func (ts *tokens) fetchRefresh(ctx context.Context, stored Token) (Token, error) {
	if stored.RefreshToken == "" || !ts.c.now().Before(stored.RefreshExpiresAt) {
		return Token{}, fmt.Errorf("%w: bind the account again and pass its authCode to Authorize", ErrNoCustomerToken)
	}
	body, _ := json.Marshal(schemas.SNAPB2B2CTokenRequest{GrantType: "refresh_token", RefreshToken: stored.RefreshToken})
	return ts.tokenRequest(ctx, "wallet.token_b2b2c", "b2b2c", body)
}

// tokenRequest posts a signed access-token request (SHA256withRSA over
// clientId|X-TIMESTAMP).
func (ts *tokens) tokenRequest(ctx context.Context, route, kind string, body []byte) (tok Token, err error) {
	c := ts.c
	defer func() { c.metrics.refreshes.Inc(kind, refreshResult(err)) }()
	if c.cfg.PrivateKey == nil {
		return Token{}, fmt.Errorf("%w: %w: Config.PrivateKey is needed for SNAP routes", ErrToken, ErrConfig)
	}
	rt, _ := schemas.RouteByName(route)
	start := c.now()
	ts0 := sign.FormatTimestamp(start)
	sig, err := sign.SignSNAPToken(c.cfg.PrivateKey, c.cfg.ClientID, ts0)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrToken, err)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.base+rt.Path, bytes.NewReader(body))
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrToken, err)
	}
	req.Header.Set("X-CLIENT-KEY", c.cfg.ClientID)
	req.Header.Set("X-TIMESTAMP", ts0)
	req.Header.Set("X-SIGNATURE", sig)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrToken, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Token{}, fmt.Errorf("%w: reading the answer: %w", ErrToken, err)
	}
	var tr schemas.SNAPTokenResponse
	derr := schemas.Decode(raw, &tr, false)
	if resp.StatusCode/100 != 2 || string(tr.ResponseCode) != rt.SuccessCode || derr != nil || tr.AccessToken == "" {
		code, msg := snapCode(raw)
		return Token{}, fmt.Errorf("%w: %w", ErrToken, &APIError{Route: route, Status: resp.StatusCode, ResponseCode: code, Message: msg, Body: redactTokenBody(raw)})
	}
	secs, err := strconv.ParseInt(string(tr.ExpiresIn), 10, 64)
	if err != nil || secs <= 0 {
		secs = 900 // the DOKU Wallet page's lifetime
	}
	tok = Token{Value: tr.AccessToken, IssuedAt: start, ExpiresAt: start.Add(time.Duration(secs) * time.Second), RefreshToken: tr.RefreshToken}
	if tr.RefreshToken != "" {
		tok.RefreshExpiresAt = tok.ExpiresAt
		if t, err := schemas.ParseTime(string(tr.RefreshTokenExpiryTime)); err == nil {
			tok.RefreshExpiresAt = t
		}
	}
	c.log(ctx, slog.LevelInfo, "dokukit client: access token issued", slog.String("kind", kind), slog.Int64("expires_in", secs))
	return tok, nil
}

// redactTokenBody keeps an error body but never a token in it.
func redactTokenBody(raw []byte) []byte {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for _, k := range []string{"accessToken", "refreshToken"} {
		if _, ok := m[k]; ok {
			m[k] = "[redacted]"
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// Authorize exchanges a customer's authCode (from DOKU Wallet account
// binding: binding inquiry's additionalInfo.authCode) for a B2B2C token and
// its refresh token, stored under customer (the merchant's own id for the
// customer) in the token store, where every Client sharing the store finds
// it. Calls WithCustomer(customer) then send it as Authorization-Customer
// and refresh it with the refresh token. An authCode is single use.
func (c *Client) Authorize(ctx context.Context, customer, authCode string) error {
	if customer == "" || authCode == "" {
		return fmt.Errorf("%w: Authorize needs a customer and an authCode", ErrConfig)
	}
	body, _ := json.Marshal(schemas.SNAPB2B2CTokenRequest{GrantType: "authorization_code", AuthCode: authCode})
	key := c.tokens.customerKey(customer)
	fetch := func(ctx context.Context, _ Token) (Token, error) {
		return c.tokens.tokenRequest(ctx, "wallet.token_b2b2c", "b2b2c", body)
	}
	t, err := c.tokens.exchange(ctx, c.tokens.store, key, fetch)
	if errors.Is(err, ErrStore) {
		c.metrics.fallbacks.Inc()
		t, err = c.tokens.exchange(ctx, c.tokens.local, key, fetch)
	}
	if err != nil {
		return err
	}
	c.tokens.mu.Lock()
	c.tokens.cache[key] = t
	c.tokens.mu.Unlock()
	return nil
}

// exchange fetches and saves under the lock, whatever the store holds.
func (ts *tokens) exchange(ctx context.Context, store TokenStore, key string, fetch fetchFunc) (Token, error) {
	lock, err := store.Lock(ctx, key)
	if err != nil {
		return Token{}, wrapStore(err)
	}
	defer lock.Unlock(context.WithoutCancel(ctx))
	t, err := fetch(ctx, Token{})
	if err != nil {
		return Token{}, err
	}
	if err := lock.Save(ctx, t); err != nil {
		ts.c.log(ctx, slog.LevelWarn, "dokukit client: could not save a customer token to the store", slog.String("error", err.Error()))
	}
	return t, nil
}

// HasCustomer reports whether the store holds a token (or a live refresh
// token) for customer.
func (c *Client) HasCustomer(ctx context.Context, customer string) bool {
	t, err := c.tokens.store.Load(ctx, c.tokens.customerKey(customer))
	if err != nil {
		return false
	}
	return c.tokens.usable(t) || (t.RefreshToken != "" && c.now().Before(t.RefreshExpiresAt))
}
