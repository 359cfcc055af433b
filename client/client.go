package client

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// DOKU's base URLs, as the DOKU pages give them. There is no default:
// Config.BaseURL must name one (or a simulator's URL), so nothing is ever
// sent to production by accident.
const (
	Sandbox    = "https://api-sandbox.doku.com"
	Production = "https://api.doku.com"
)

// SchemaMode says what a response that does not match its route's response
// schema does.
type SchemaMode int

const (
	// SchemaReport (the default) logs the mismatching fields (paths only)
	// to Config.Logger and returns the response: DOKU adds and reshapes
	// fields. Without a Logger there is no one to report to, so the field
	// rules are not run (duplicate keys still fail the call).
	SchemaReport SchemaMode = iota
	// SchemaStrict fails the call with an *APIError wrapping ErrResponse.
	SchemaStrict
)

// Config configures a Client. The zero value of every optional field is a
// safe default.
type Config struct {
	// BaseURL is DOKU's base URL (Sandbox, Production, or a simulator's
	// http://127.0.0.1:PORT); the route's path is appended. Required.
	BaseURL string
	// ClientID is the merchant's DOKU client id: X-CLIENT-KEY and
	// X-PARTNER-ID on SNAP calls, Client-Id on non-SNAP ones. Required.
	ClientID string
	// PrivateKey signs the access-token requests (SHA256withRSA). Needed
	// for SNAP routes.
	PrivateKey *rsa.PrivateKey
	// SNAPSecret is the SNAP client secret (HMAC-SHA512 of SNAP calls).
	// Needed for SNAP routes; a SNAP call without it fails before sending.
	SNAPSecret []byte
	// NonSNAPSecret is the non-SNAP secret key (Cards, Akulaku): it signs
	// the requests and verifies DOKU's response signatures. Needed for
	// non-SNAP routes.
	NonSNAPSecret []byte
	// Store keeps the B2B and B2B2C tokens; share one (a RedisStore)
	// between replicas. Default: a MemoryStore of this Client.
	Store TokenStore
	// HTTPClient sends the requests (default: a client that does not
	// follow redirects; timeouts come from contexts).
	HTTPClient *http.Client
	// AttemptTimeout bounds each attempt (and each token request); the
	// caller's context bounds the whole call. Default 30 s.
	AttemptTimeout time.Duration
	// MaxAttempts bounds the attempts of one call, retries included
	// (default 3). The one retry after a refused token is not counted.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled each time
	// (default 200 ms).
	Backoff time.Duration
	// TokenMargin is how long before its expiry a token is replaced
	// (default 60 s, at most a quarter of the token's life).
	TokenMargin time.Duration
	// ResponseSchema is what a response off its schema does (default
	// SchemaReport).
	ResponseSchema SchemaMode
	// Registerer receives the metrics; nil: none. Never the global default
	// unless passed in.
	Registerer prometheus.Registerer
	// Logger receives one line per call (route, outcome, status,
	// responseCode, attempts) and per token issued; never a secret, token
	// or signature. Nil: no logging.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ExternalID makes X-EXTERNAL-ID (default: 32 random digits, numeric
	// as the DOKU pages show); RequestID makes non-SNAP Request-Id
	// (default: a random UUID).
	ExternalID func() string
	RequestID  func() string
}

// Client calls DOKU's merchant → DOKU routes: it gets and shares the access
// tokens, sets the headers each route's DOKU page requires, validates the
// request before sending, verifies the answer, and retries only what
// cannot pay twice. Safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	http    *http.Client
	snap    *sign.SNAPSymmetric
	ns      *sign.NonSNAP
	nsv     *verify.NonSNAP
	tokens  *tokens
	metrics metrics
	urls    sync.Map // route name → routeURL
	ts      atomic.Pointer[stamp]
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("%w: BaseURL is required (client.Sandbox, client.Production or a simulator's URL)", ErrConfig)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: BaseURL must be http(s)://host[:port][/path]", ErrConfig)
	}
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: ClientID is required", ErrConfig)
	}
	if len(cfg.SNAPSecret) == 0 && len(cfg.NonSNAPSecret) == 0 {
		return nil, fmt.Errorf("%w: a SNAPSecret or a NonSNAPSecret is required", ErrConfig)
	}
	if cfg.AttemptTimeout < 0 || cfg.MaxAttempts < 0 || cfg.Backoff < 0 || cfg.TokenMargin < 0 {
		return nil, fmt.Errorf("%w: timeouts, attempts, backoff and margin must not be negative", ErrConfig)
	}
	if cfg.AttemptTimeout == 0 {
		cfg.AttemptTimeout = 30 * time.Second
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.TokenMargin == 0 {
		cfg.TokenMargin = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg, base: strings.TrimSuffix(cfg.BaseURL, "/"), http: cfg.HTTPClient}
	if c.http == nil {
		c.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if len(cfg.SNAPSecret) > 0 {
		if c.snap, err = sign.NewSNAPSymmetric(cfg.SNAPSecret); err != nil {
			return nil, fmt.Errorf("%w: SNAPSecret: %w", ErrConfig, err)
		}
	}
	if len(cfg.NonSNAPSecret) > 0 {
		if c.ns, err = sign.NewNonSNAP(cfg.NonSNAPSecret); err != nil {
			return nil, fmt.Errorf("%w: NonSNAPSecret: %w", ErrConfig, err)
		}
		secrets, err := verify.SecretsFor(cfg.ClientID, cfg.NonSNAPSecret)
		if err != nil {
			return nil, fmt.Errorf("%w: NonSNAPSecret: %w", ErrConfig, err)
		}
		if c.nsv, err = verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: secrets, Timestamps: verify.Timestamps{Now: cfg.Now}}); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if c.metrics, err = newMetrics(cfg.Registerer); err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrConfig, err)
	}
	store := cfg.Store
	if store == nil {
		store = NewMemoryStore()
	}
	c.tokens = newTokens(c, store)
	return c, nil
}

func (c *Client) now() time.Time { return c.cfg.Now() }

func (c *Client) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if c.cfg.Logger != nil {
		c.cfg.Logger.LogAttrs(ctx, level, msg, attrs...)
	}
}

// Response is DOKU's answer to one call.
type Response struct {
	Route string
	// Status is the HTTP status and ResponseCode the SNAP responseCode
	// (or the non-SNAP error code; "" on a non-SNAP success).
	Status       int
	ResponseCode string
	// Header and Body are DOKU's answer as received.
	Header http.Header
	Body   []byte
	// Attempts is how many requests the call took (a refused token's
	// retry included).
	Attempts int
	// ExternalID is the X-EXTERNAL-ID or Request-Id of the last attempt.
	ExternalID string
}

// CallOption sets something of one call.
type CallOption func(*callOptions)

type callOptions struct {
	customer, deviceID, ip, externalID string
	header                             http.Header
}

// WithCustomer names the customer whose B2B2C token (see Authorize) is
// sent as Authorization-Customer; required on the B2B2C routes.
func WithCustomer(customer string) CallOption { return func(o *callOptions) { o.customer = customer } }

// WithDeviceID sets X-DEVICE-ID (required on DANA's routes).
func WithDeviceID(id string) CallOption { return func(o *callOptions) { o.deviceID = id } }

// WithIPAddress sets X-IP-ADDRESS (optional on DANA's routes).
func WithIPAddress(ip string) CallOption { return func(o *callOptions) { o.ip = ip } }

// WithExternalID sets the X-EXTERNAL-ID (SNAP) or Request-Id (non-SNAP)
// of the first attempt instead of a generated one.
func WithExternalID(id string) CallOption { return func(o *callOptions) { o.externalID = id } }

// WithHeader adds a header a route's page asks for that has no option of
// its own. It cannot replace a header the client sets.
func WithHeader(name, value string) CallOption {
	return func(o *callOptions) {
		if o.header == nil {
			o.header = http.Header{}
		}
		o.header.Set(name, value)
	}
}

// Do calls the route named route (a MerchantToDOKU route of schemas.Routes
// other than the two token routes) with the JSON body. The body is checked
// against the route's request schema first (ErrInvalidRequest, nothing
// sent), and so are the headers the route's page requires
// (ErrMissingHeader). It returns DOKU's answer when it is the route's
// success; otherwise an error (*APIError, *UnknownOutcomeError, or one
// wrapping ErrNotSent, ErrToken, ...) and, whenever DOKU answered, the
// Response too. Call is the typed form.
func (c *Client) Do(ctx context.Context, route string, body []byte, opts ...CallOption) (*Response, error) {
	rt, ok := schemas.RouteByName(route)
	if !ok {
		return nil, fmt.Errorf("%w: unknown route %q", ErrNotCallable, route)
	}
	var o callOptions
	for _, f := range opts {
		f(&o)
	}
	if err := checkCallable(rt); err != nil {
		return nil, err
	}
	req := rt.NewRequest()
	if err := schemas.Decode(body, req, true); err != nil {
		c.metrics.Observe(rt.Name, outcomeNotSent, 0)
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, rt.Name, err)
	}
	return c.do(ctx, rt, body, o, nil)
}

func checkCallable(rt schemas.Route) error {
	switch {
	case rt.Direction != schemas.MerchantToDOKU:
		return fmt.Errorf("%w: %s is a notification DOKU sends the merchant", ErrNotCallable, rt.Name)
	case rt.Name == "wallet.token_b2b" || rt.Name == "wallet.token_b2b2c":
		return fmt.Errorf("%w: %s: the client gets access tokens itself (Authorize for a customer's)", ErrNotCallable, rt.Name)
	}
	return nil
}

// do runs the attempts of one validated call; out, when set, receives the
// decoded success body.
func (c *Client) do(ctx context.Context, rt schemas.Route, body []byte, o callOptions, out any) (resp *Response, err error) {
	start := time.Now()
	outcome := outcomeNotSent
	defer func() {
		c.metrics.Observe(rt.Name, outcome, time.Since(start))
		if c.cfg.Logger == nil {
			return
		}
		attrs := []slog.Attr{slog.String("route", rt.Name), slog.String("outcome", outcome)}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.Status), slog.String("response_code", resp.ResponseCode), slog.Int("attempts", resp.Attempts))
		}
		level := slog.LevelInfo
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
			level = slog.LevelWarn
		}
		c.log(ctx, level, "dokukit client call", attrs...)
	}()
	if err := c.preflight(rt, o); err != nil {
		return nil, err
	}
	id := o.externalID
	if id == "" {
		id = c.newID(rt)
	}
	tokenRetried := false
	wait := c.cfg.Backoff
	attempts := 0
	for n := 1; ; n++ {
		attempts++
		a := c.attempt(ctx, rt, body, id, o)
		if a.err != nil {
			switch {
			case errors.Is(a.err, ErrToken) || errors.Is(a.err, ErrNoCustomerToken) || errors.Is(a.err, ErrConfig):
				return nil, fmt.Errorf("%s: %w", rt.Name, a.err)
			case !a.sent:
				if n < c.cfg.MaxAttempts && ctx.Err() == nil && c.backoff(ctx, &wait) {
					continue // nothing reached DOKU: same id
				}
				return nil, fmt.Errorf("%w: %s: %w", ErrNotSent, rt.Name, a.err)
			case rt.Effect == schemas.ReadOnly && n < c.cfg.MaxAttempts && ctx.Err() == nil && c.backoff(ctx, &wait):
				id = c.newID(rt)
				continue
			case rt.Effect == schemas.ReadOnly:
				outcome = outcomeAPIError
				return nil, fmt.Errorf("%w: %s after %d attempts: %w", ErrNoAnswer, rt.Name, attempts, a.err)
			default:
				outcome = outcomeUnknown
				return nil, c.unknown(rt, id, 0, a.err, body, o)
			}
		}
		resp = &Response{Route: rt.Name, Status: a.status, Header: a.header, Body: a.body, Attempts: attempts, ExternalID: id}
		resp.ResponseCode, _ = answerCode(rt, a.body)
		if rt.Family == schemas.SNAP && a.status == http.StatusUnauthorized && isInvalidToken(resp.ResponseCode) && !tokenRetried {
			// Refused before processing: retry once with the same
			// X-EXTERNAL-ID after replacing the rejected token.
			tokenRetried = true
			n--
			if err := c.replaceRejected(ctx, rt, a, o); err != nil {
				outcome = outcomeAPIError
				return resp, fmt.Errorf("%s: %w", rt.Name, err)
			}
			continue
		}
		if a.status >= 500 {
			if rt.Effect == schemas.ReadOnly {
				if n < c.cfg.MaxAttempts && ctx.Err() == nil && c.backoff(ctx, &wait) {
					id = c.newID(rt)
					continue
				}
			} else {
				outcome = outcomeUnknown
				return resp, c.unknown(rt, id, a.status, nil, body, o)
			}
		}
		if err := c.check(ctx, rt, resp, id, out); err != nil {
			outcome = outcomeAPIError
			if errors.Is(err, ErrResponse) {
				outcome = outcomeBadResponse
			}
			return resp, err
		}
		outcome = outcomeOK
		return resp, nil
	}
}

func (c *Client) preflight(rt schemas.Route, o callOptions) error {
	switch rt.Family {
	case schemas.SNAP:
		if c.snap == nil {
			return fmt.Errorf("%w: %s is a SNAP route: Config.SNAPSecret is required", ErrConfig, rt.Name)
		}
		if c.cfg.PrivateKey == nil {
			return fmt.Errorf("%w: %s is a SNAP route: Config.PrivateKey is required for its access token", ErrConfig, rt.Name)
		}
	case schemas.NonSNAP:
		if c.ns == nil {
			return fmt.Errorf("%w: %s is a non-SNAP route: Config.NonSNAPSecret is required", ErrConfig, rt.Name)
		}
	}
	for _, h := range rt.Headers {
		var v string
		switch http.CanonicalHeaderKey(h) {
		case "X-Device-Id":
			v = o.deviceID
		case "Authorization-Customer":
			v = o.customer
		default:
			v = o.header.Get(h)
		}
		if strings.TrimSpace(v) == "" {
			hint := ""
			switch http.CanonicalHeaderKey(h) {
			case "X-Device-Id":
				hint = " (WithDeviceID)"
			case "Authorization-Customer":
				hint = " (WithCustomer, after Authorize)"
			}
			return fmt.Errorf("%w: %s needs %s%s, as its DOKU page marks it required", ErrMissingHeader, rt.Name, h, hint)
		}
	}
	return nil
}

func (c *Client) newID(rt schemas.Route) string {
	if rt.Family == schemas.NonSNAP {
		return requestID(c.cfg.RequestID)
	}
	return externalID(c.cfg.ExternalID)
}

// backoff waits before a retry; false if ctx ended first.
func (c *Client) backoff(ctx context.Context, wait *time.Duration) bool {
	t := time.NewTimer(*wait)
	defer t.Stop()
	*wait *= 2
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *Client) unknown(rt schemas.Route, id string, status int, cause error, body []byte, o callOptions) error {
	return &UnknownOutcomeError{Route: rt.Name, StatusRoute: rt.StatusRoute, ExternalID: id, Status: status, Cause: cause,
		body: body, opts: o, sentAt: c.now()}
}

type attemptResult struct {
	status int
	header http.Header
	body   []byte
	sent   bool
	err    error
	token  string // the B2B token sent
	ctoken string // the customer token sent
}

// maxAnswer bounds what is read of an answer: a DOKU message, so the kit's
// one body limit.
const maxAnswer = verify.DefaultMaxBodyBytes

func (c *Client) attempt(ctx context.Context, rt schemas.Route, body []byte, id string, o callOptions) (a attemptResult) {
	actx := ctx
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > c.cfg.AttemptTimeout {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.cfg.AttemptTimeout)
		defer cancel()
	}
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
	u, err := c.routeURL(rt)
	if err != nil {
		a.err = err
		return a
	}
	req := (&http.Request{Method: http.MethodPost, URL: u.url, Header: make(http.Header, 12), Host: u.url.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	}).WithContext(httptrace.WithClientTrace(actx, trace))
	h := req.Header
	for k, v := range o.header {
		h[k] = v
	}
	// Canonical keys set directly: these are the kit's own headers.
	h["Content-Type"] = []string{"application/json"}
	switch rt.Family {
	case schemas.SNAP:
		if a.token, err = c.tokens.b2b(actx); err != nil {
			a.err = err
			return a
		}
		if rt.Customer {
			if a.ctoken, err = c.tokens.customer(actx, o.customer); err != nil {
				a.err = err
				return a
			}
			h["Authorization-Customer"] = []string{"Bearer " + a.ctoken}
		}
		ts := c.snapTimestamp()
		sig, err := c.snap.Sign(http.MethodPost, u.requestURI, a.token, body, ts)
		if err != nil {
			a.err = fmt.Errorf("%w: %w", ErrConfig, err)
			return a
		}
		h["X-Timestamp"] = []string{ts}
		h["X-Signature"] = []string{sig}
		h["X-Partner-Id"] = []string{c.cfg.ClientID}
		h["X-External-Id"] = []string{id}
		h["Authorization"] = []string{"Bearer " + a.token}
		// X-DEVICE-ID and X-IP-ADDRESS go only where the route's page
		// lists them.
		if o.deviceID != "" && lists(rt, "X-DEVICE-ID") {
			h["X-Device-Id"] = []string{o.deviceID}
		}
		if o.ip != "" && lists(rt, "X-IP-ADDRESS") {
			h["X-Ip-Address"] = []string{o.ip}
		}
		if rt.ChannelID != "" {
			h["Channel-Id"] = []string{rt.ChannelID}
		}
	default:
		ts := c.now().UTC().Format("2006-01-02T15:04:05Z")
		h["Client-Id"] = []string{c.cfg.ClientID}
		h["Request-Id"] = []string{id}
		h["Request-Timestamp"] = []string{ts}
		h["Signature"] = []string{c.ns.Sign(sign.Components{ClientID: c.cfg.ClientID, RequestID: id, Timestamp: ts, Target: u.url.EscapedPath(), Body: body})}
	}
	resp, err := c.http.Do(req)
	a.sent = sent.Load()
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.status, a.header = resp.StatusCode, resp.Header
	if a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer)); err != nil {
		a.err = err // dropped mid-answer: sent, outcome unknown
		return a
	}
	return a
}

func lists(rt schemas.Route, h string) bool {
	for _, x := range rt.Headers {
		if x == h {
			return true
		}
	}
	for _, x := range rt.OptionalHeaders {
		if x == h {
			return true
		}
	}
	return false
}

type routeURL struct {
	url        *url.URL
	requestURI string
}

// routeURL parses a route's URL once; each request gets its own copy.
func (c *Client) routeURL(rt schemas.Route) (routeURL, error) {
	if v, ok := c.urls.Load(rt.Name); ok {
		r := v.(routeURL)
		cp := *r.url
		return routeURL{url: &cp, requestURI: r.requestURI}, nil
	}
	u, err := url.Parse(c.base + rt.Path)
	if err != nil {
		return routeURL{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	r := routeURL{url: u, requestURI: u.RequestURI()}
	c.urls.Store(rt.Name, r)
	cp := *u
	return routeURL{url: &cp, requestURI: r.requestURI}, nil
}

// snapTimestamp is X-TIMESTAMP (WIB, to the second), formatted once per
// second.
func (c *Client) snapTimestamp() string {
	now := c.now()
	sec := now.Unix()
	if v := c.ts.Load(); v != nil && v.sec == sec {
		return v.s
	}
	s := sign.FormatTimestamp(now)
	c.ts.Store(&stamp{sec: sec, s: s})
	return s
}

type stamp struct {
	sec int64
	s   string
}

// isInvalidToken: 401xx01, SNAP's "Invalid Token".
func isInvalidToken(code string) bool {
	return len(code) == 7 && strings.HasPrefix(code, "401") && strings.HasSuffix(code, "01")
}

// replaceRejected replaces the token DOKU refused: the customer token when
// DOKU's message names it, else the B2B token. The store is re-read first;
// a new token is fetched only if it still holds the rejected one.
func (c *Client) replaceRejected(ctx context.Context, rt schemas.Route, a attemptResult, o callOptions) error {
	_, msg := snapCode(a.body)
	lm := strings.ToLower(msg)
	if rt.Customer && (strings.Contains(lm, "customer") || strings.Contains(lm, "b2b2c")) {
		_, err := c.tokens.rejected(ctx, c.tokens.customerKey(o.customer), a.ctoken, c.tokens.fetchRefresh)
		return err
	}
	_, err := c.tokens.rejected(ctx, c.tokens.b2bKey(), a.token, c.tokens.fetchB2B)
	return err
}

// snapCode reads responseCode/responseMessage of a SNAP body, or
// error.code/error.message of a non-SNAP error body.
func snapCode(raw []byte) (code, msg string) {
	var v struct {
		ResponseCode    schemas.FlexString `json:"responseCode"`
		ResponseMessage schemas.FlexString `json:"responseMessage"`
		Error           *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return "", ""
	}
	if v.ResponseCode == "" && v.Error != nil {
		return v.Error.Code, v.Error.Message
	}
	return string(v.ResponseCode), string(v.ResponseMessage)
}

// answerCode reads the answer's code, cheaply when the body starts with
// "responseCode" as DOKU's SNAP answers do.
func answerCode(_ schemas.Route, raw []byte) (string, string) {
	const lead = `{"responseCode":"`
	if len(raw) > len(lead)+8 && string(raw[:len(lead)]) == lead {
		rest := raw[len(lead):]
		if i := bytes.IndexByte(rest[:9], '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i]), ""
		}
	}
	return snapCode(raw)
}

// bodyFailures are the routes whose 2xx answer can still say the
// operation failed.
var bodyFailures = map[string]struct {
	path   []string
	failed string
}{
	"cards.refund":       {[]string{"refund", "status"}, "FAILED"},
	"cards.capture":      {[]string{"payment", "status"}, "FAILED"},
	"cards.delete_token": {[]string{"status"}, "DELETE FAILED"},
	"akulaku.cancel":     {[]string{"cancel", "status"}, "FAILED"},
	"akulaku.refund":     {[]string{"refund", "status"}, "FAILED"},
}

// check decides whether an answer is the route's success.
func (c *Client) check(ctx context.Context, rt schemas.Route, resp *Response, id string, out any) error {
	apiErr := func(reason string, cause error) error {
		_, msg := snapCode(resp.Body)
		e := &APIError{Route: rt.Name, Status: resp.Status, ResponseCode: resp.ResponseCode, Message: msg, Body: resp.Body, Reason: reason, Cause: cause}
		return e
	}
	if rt.Family == schemas.NonSNAP {
		if resp.Status/100 != 2 {
			return apiErr("", nil)
		}
		if _, err := c.nsv.VerifyResponseBody(ctx, resp.Header, resp.Body, rt.Path); err != nil {
			return apiErr("the response Signature does not verify", fmt.Errorf("%w: %w", ErrResponse, err))
		}
		if got := resp.Header.Get("Request-Id"); got != id {
			return apiErr("Request-Id is not echoed", ErrResponse)
		}
		if got := resp.Header.Get("Client-Id"); got != c.cfg.ClientID {
			return apiErr("Client-Id is not echoed", ErrResponse)
		}
	} else if resp.Status/100 != 2 || resp.ResponseCode != rt.SuccessCode {
		reason := ""
		if resp.Status/100 == 2 {
			reason = "responseCode is not the route's success " + rt.SuccessCode
		}
		return apiErr(reason, nil)
	}
	if f, ok := bodyFailures[rt.Name]; ok {
		if v, _ := schemas.ValueAt(resp.Body, f.path...); v == f.failed {
			return apiErr(strings.Join(f.path, ".")+" is "+f.failed, nil)
		}
	}
	if out == nil {
		out = rt.NewResponse()
	}
	if c.cfg.ResponseSchema == SchemaReport && c.cfg.Logger == nil {
		// No one to report to: decode without the field rules, but never
		// accept a body with duplicate keys (two readings of one answer).
		if err := schemas.CheckKeys(resp.Body); err != nil {
			return apiErr("the response has duplicate or ambiguous keys", fmt.Errorf("%w: %w", ErrResponse, err))
		}
		_ = json.Unmarshal(resp.Body, out)
		return nil
	}
	if err := schemas.Decode(resp.Body, out, false); err != nil {
		var ve *schemas.ValidationError
		paths := ""
		if errors.As(err, &ve) {
			paths = strings.Join(ve.Paths(), ",")
		}
		if c.cfg.ResponseSchema == SchemaStrict {
			return apiErr("the response does not match the route's schema: "+paths, fmt.Errorf("%w: %w", ErrResponse, err))
		}
		c.log(ctx, slog.LevelWarn, "dokukit client: response off its schema", slog.String("route", rt.Name), slog.String("fields", paths))
	}
	return nil
}
