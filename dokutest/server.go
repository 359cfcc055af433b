package dokutest

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Sentinel errors; every error this package returns wraps one of them.
var (
	// ErrConfig: NewServer was given a missing or unusable setting.
	ErrConfig = errors.New("dokutest: invalid configuration")
	// ErrNotFound: no payment, transfer or order has that reference.
	ErrNotFound = errors.New("dokutest: unknown reference")
	// ErrState: the payment is not in a state that allows the operation
	// (completing one that is not pending).
	ErrState = errors.New("dokutest: invalid transaction state")
	// ErrFault: a fault specification is unusable (unknown route,
	// negative times).
	ErrFault = errors.New("dokutest: invalid fault")
	// ErrClosed: the server has been closed.
	ErrClosed = errors.New("dokutest: server closed")
)

// DefaultTokenTTL is how long an access token lives without activity (the
// DOKU Wallet page: 900 s).
const DefaultTokenTTL = 900 * time.Second

// DefaultRetrySchedule is when DOKU retries a notification that did not get
// a 2xx answer, counted from the first try (DOKU's "Retry Notification"
// page): 30 minutes, 6 hours and 12 hours.
var DefaultRetrySchedule = []time.Duration{30 * time.Minute, 6 * time.Hour, 12 * time.Hour}

// DefaultAgentKey is the Kirim DOKU agentKey the simulator's callbacks
// carry when Config.AgentKey is empty (the Kirim DOKU page's example).
const DefaultAgentKey = "A41418"

// Config configures a simulated DOKU. The zero value of every optional
// field is a safe default.
type Config struct {
	// Addr is where to listen; it must be a loopback address. Default
	// "127.0.0.1:0" (a free port).
	Addr string
	// ClientID is the merchant's DOKU client id: X-CLIENT-KEY and
	// X-PARTNER-ID on SNAP calls, Client-Id on non-SNAP ones. Required.
	ClientID string
	// MerchantPublicKey verifies the merchant's access-token requests
	// (SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP). Required.
	MerchantPublicKey *rsa.PublicKey
	// SNAPSecret is the SNAP client secret (HMAC-SHA512 of transactional
	// calls and of the simulator's SNAP notifications). Required.
	SNAPSecret []byte
	// NonSNAPSecret is the non-SNAP secret key (Cards, Akulaku). Without
	// it the non-SNAP routes refuse every call.
	NonSNAPSecret []byte
	// KirimKey is the Kirim DOKU encryption key (16, 24 or 32 bytes) that
	// signs the simulator's Kirim DOKU callbacks. Without it the Kirim DOKU
	// routes refuse every call.
	KirimKey []byte
	// AgentKey is the agentKey header of Kirim DOKU callbacks (default
	// DefaultAgentKey).
	AgentKey string
	// DOKUPrivateKey is the simulator's own DOKU key: it signs the token
	// request made to the merchant before each SNAP notification. Required
	// with NotifyURL.
	DOKUPrivateKey *rsa.PrivateKey
	// TokenTTL is the access-token lifetime without activity (default
	// DefaultTokenTTL); every accepted call extends the token by it.
	TokenTTL time.Duration
	// NotifyURL is the merchant's base URL (http://127.0.0.1:8080/shop);
	// when set, completed payments and transfers are notified there, on
	// NotifyPaths appended to it. Empty: no notifications are sent.
	NotifyURL string
	// NotifyPaths are the merchant's notification paths; empty members are
	// notify.Mux's defaults.
	NotifyPaths notify.Paths
	// RetrySchedule is when an unacknowledged notification is retried,
	// from its first try (default DefaultRetrySchedule), each multiplied by
	// RetryScale (default 1; 0.0001 turns 30 minutes into 180 ms).
	RetrySchedule []time.Duration
	RetryScale    float64
	// AutoComplete completes every accepted payment at once; otherwise it
	// stays pending until Complete (or POST /_dokutest/complete).
	AutoComplete bool
	// Skew is the allowed timestamp distance in either direction (default
	// 5 minutes).
	Skew time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Registerer receives the simulator's metrics; nil: no metrics. Never
	// the global default unless passed in.
	Registerer prometheus.Registerer
	// Logger receives one line per request (route, outcome, status, code)
	// and per notification try; never a secret, token or signature. Nil:
	// no logging.
	Logger *slog.Logger
	// HTTPClient sends the notifications (default: a 10 s timeout client
	// that does not follow redirects).
	HTTPClient *http.Client
}

// Server is a running simulated DOKU on loopback. All methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT, with the port actually
	// bound.
	URL string

	cfg     Config
	ln      net.Listener
	srv     *http.Server
	ctx     context.Context
	cancel  context.CancelFunc
	notifWG sync.WaitGroup
	metrics metrics
	log     *slog.Logger

	snap     *verify.SNAP
	token    *verify.SNAPToken
	nonsnap  *verify.NonSNAP
	nsSigner *sign.NonSNAP
	notifyTo *url.URL

	mu     sync.Mutex
	closed bool // set by Close; no notification starts after it
	st     *state
	reqs   []Request
	dels   []Delivery
	fault  []*faultState
}

// NewServer validates cfg and starts serving on cfg.Addr. Close it when done.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, st: newState(), log: cfg.Logger}
	secrets, err := verify.SecretsFor(cfg.ClientID, cfg.SNAPSecret)
	if err != nil {
		return nil, fmt.Errorf("%w: SNAP secret: %w", ErrConfig, err)
	}
	ts := verify.Timestamps{MaxPast: cfg.Skew, MaxFuture: cfg.Skew, Now: cfg.Now}
	if s.snap, err = verify.NewSNAP(verify.SNAPConfig{Secrets: secrets, Timestamps: ts, Tokens: s.checkB2B}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	keys, err := verify.PublicKeysFor(cfg.ClientID, cfg.MerchantPublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: merchant public key: %w", ErrConfig, err)
	}
	if s.token, err = verify.NewSNAPToken(verify.SNAPTokenConfig{PublicKeys: keys, Timestamps: ts}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(cfg.NonSNAPSecret) > 0 {
		ns, err := verify.SecretsFor(cfg.ClientID, cfg.NonSNAPSecret)
		if err != nil {
			return nil, fmt.Errorf("%w: non-SNAP secret: %w", ErrConfig, err)
		}
		if s.nonsnap, err = verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: ns, Timestamps: ts}); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		if s.nsSigner, err = sign.NewNonSNAP(cfg.NonSNAPSecret); err != nil {
			return nil, fmt.Errorf("%w: non-SNAP secret: %w", ErrConfig, err)
		}
	}
	if cfg.NotifyURL != "" {
		u, err := url.Parse(cfg.NotifyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: NotifyURL must be http(s)://host[:port][/path]", ErrConfig)
		}
		s.notifyTo = u
	}
	if s.metrics, err = newMetrics(cfg.Registerer); err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrConfig, err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dokutest: listen on %s: %w", cfg.Addr, err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) // returns ErrServerClosed once Close is called
	return s, nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c, fmt.Errorf("%w: Addr %q: want host:port", ErrConfig, c.Addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return c, fmt.Errorf("%w: Addr must be a loopback address (127.0.0.1), not %q", ErrConfig, host)
	}
	if c.ClientID == "" {
		return c, fmt.Errorf("%w: ClientID is required", ErrConfig)
	}
	if c.MerchantPublicKey == nil {
		return c, fmt.Errorf("%w: MerchantPublicKey is required", ErrConfig)
	}
	if len(c.SNAPSecret) == 0 {
		return c, fmt.Errorf("%w: SNAPSecret is required", ErrConfig)
	}
	if len(c.KirimKey) > 0 && len(c.KirimKey) != 16 && len(c.KirimKey) != 24 && len(c.KirimKey) != 32 {
		return c, fmt.Errorf("%w: KirimKey must be 16, 24 or 32 bytes", ErrConfig)
	}
	if c.NotifyURL != "" && c.DOKUPrivateKey == nil {
		return c, fmt.Errorf("%w: NotifyURL needs DOKUPrivateKey (SNAP notifications start with a signed token request)", ErrConfig)
	}
	if c.TokenTTL < 0 || c.RetryScale < 0 || c.Skew < 0 {
		return c, fmt.Errorf("%w: TokenTTL, RetryScale and Skew must not be negative", ErrConfig)
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.TokenTTL%time.Second != 0 {
		return c, fmt.Errorf("%w: TokenTTL must be whole seconds (expiresIn is in seconds)", ErrConfig)
	}
	if c.RetrySchedule == nil {
		c.RetrySchedule = DefaultRetrySchedule
	}
	if c.RetryScale == 0 {
		c.RetryScale = 1
	}
	if c.Skew == 0 {
		c.Skew = verify.DefaultSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AgentKey == "" {
		c.AgentKey = DefaultAgentKey
	}
	p := &c.NotifyPaths
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&p.Token, notify.TokenPath)
	def(&p.SNAPDebit, notify.DefaultSNAPDebitPath)
	def(&p.SNAPVA, notify.DefaultSNAPVAPath)
	def(&p.NonSNAP, notify.DefaultNonSNAPPath)
	def(&p.KirimUnpaid, notify.DefaultKirimUnpaidPath)
	def(&p.KirimRefund, notify.DefaultKirimRefundPath)
	for _, v := range []string{p.Token, p.SNAPDebit, p.SNAPVA, p.NonSNAP, p.KirimUnpaid, p.KirimRefund} {
		if !strings.HasPrefix(v, "/") {
			return c, fmt.Errorf("%w: notification path %q must start with /", ErrConfig, v)
		}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return c, nil
}

// Close stops serving, cancels pending notification retries and waits for
// notification tries in flight to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.srv.Close()
	s.notifWG.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Flush waits until every notification sent so far has been acknowledged or
// has used up its retries (or ctx ends). With a small RetryScale it is how a
// test waits for notifications without sleeping.
func (s *Server) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.notifWG.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP serves the DOKU routes of the route table and the /_dokutest/
// controls; any other path is 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	start := time.Now()
	body, readErr := io.ReadAll(io.LimitReader(r.Body, verify.DefaultMaxBodyBytes+1))
	rt, ok := schemas.LookupDirection(r.Method, r.URL.Path, schemas.MerchantToDOKU)
	var a answer
	switch {
	case !ok:
		a = answer{status: http.StatusNotFound, body: mustJSON(map[string]string{"responseCode": "4040000", "responseMessage": "Not Found"}), code: "4040000", outcome: outcomeNoRoute}
	case readErr != nil:
		a = s.errorFor(rt, http.StatusBadRequest, 1, "Invalid Field Format {body}", "bad_request")
	case int64(len(body)) > verify.DefaultMaxBodyBytes:
		a = s.errorFor(rt, http.StatusRequestEntityTooLarge, 0, "Request Entity Too Large", "bad_request")
	default:
		a = s.serveRoute(w, r, rt, body)
	}
	name := rt.Name
	if !ok {
		name = "unknown"
	}
	s.record(r, name, body, a)
	s.metrics.Observe(name, a.outcome, time.Since(start))
	if s.log != nil {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "dokutest request",
			slog.String("route", name), slog.String("method", r.Method), slog.Int("status", a.status),
			slog.String("code", a.code), slog.String("outcome", a.outcome), slog.Duration("duration", time.Since(start)))
	}
	if a.drop {
		dropConnection(w)
		return
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	reserved := len(a.jobs) > 0 && s.reserve(len(a.jobs))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	w.Write(a.body)
	if reserved {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		for _, j := range a.jobs {
			s.start(j)
		}
	}
}

// dropConnection closes the connection without an answer, as a timed-out
// DOKU would look to the client.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
