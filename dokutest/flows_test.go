package dokutest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

func danaBody(t *testing.T, ref, amount string) []byte {
	m := sample(t, "dana.payment")
	m["partnerReferenceNo"] = ref
	m["amount"] = map[string]any{"value": amount, "currency": "IDR"}
	return mustMarshal(t, m)
}

func danaRefund(t *testing.T, ref, refundNo, amount string) []byte {
	m := sample(t, "dana.refund")
	m["originalPartnerReferenceNo"], m["partnerRefundNo"] = ref, refundNo
	m["refundAmount"] = map[string]any{"value": amount, "currency": "IDR"}
	return mustMarshal(t, m)
}

const (
	danaPay    = "/direct-debit/core/v1/debit/payment-host-to-host"
	danaRef    = "/direct-debit/core/v1/debit/refund"
	walletStat = "/snap-adapter/b2b2c/v1.0/debit/status"
)

// A payment is pending until completed, is refundable in parts up to its
// amount (404xx13 beyond), and unknown references are 404xx01.
func TestPaymentLifecycle(t *testing.T) {
	s := newTestServer(t, nil)
	c := newClient(t, s)
	c.tokenB2B()

	r := c.snap(danaPay, danaBody(t, "INV-1", "10000.00"), snapOpts{})
	require.Equal(t, 200, r.status, string(r.body))
	assert.Equal(t, "INV-1", field(t, r.body, "partnerReferenceNo"), "lower-case partnerReferenceNo, as the field table spells it")
	p, ok := s.Payment("INV-1")
	require.True(t, ok)
	assert.Equal(t, StatusPending, p.Status)

	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-0", "1000.00"), snapOpts{})
	assert.Equal(t, "4045800", r.code, "a pending payment cannot be refunded: Invalid Transaction Status")

	require.NoError(t, s.Complete("INV-1", ""))
	assert.ErrorIs(t, s.Complete("INV-1", ""), ErrState)
	assert.ErrorIs(t, s.Complete("INV-404", ""), ErrNotFound)

	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-1", "4000.00"), snapOpts{})
	require.Equal(t, 200, r.status, string(r.body))
	assert.Equal(t, "2000700", r.code)
	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-2", "6000.01"), snapOpts{})
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "4045813", r.code, "more than is left to refund: Invalid Amount")
	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-2", "6000.00"), snapOpts{})
	require.Equal(t, 200, r.status, "a refused refund does not use up its partnerRefundNo: %s", r.body)
	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-3", "0.01"), snapOpts{})
	assert.Equal(t, "4045800", r.code, "fully refunded: Invalid Transaction Status")
	r = c.snap(danaRef, danaRefund(t, "INV-1", "RF-1", "4000.00"), snapOpts{})
	require.Equal(t, 200, r.status, "the same refund again gets the first answer: %s", r.body)
	p, _ = s.Payment("INV-1")
	assert.Equal(t, StatusRefunded, p.Status)
	assert.Equal(t, "10000.00", p.Refunded)

	r = c.snap(danaRef, danaRefund(t, "INV-NOPE", "RF-4", "1.00"), snapOpts{})
	assert.Equal(t, "4045801", r.code, "Transaction Not Found")
}

// X-EXTERNAL-ID is unique per partner per day whatever the body (409xx00);
// a partnerReferenceNo reused with another body is 409xx01, with the same
// body it is answered as the first time.
func TestConflicts(t *testing.T) {
	s := newTestServer(t, nil)
	c := newClient(t, s)
	c.tokenB2B()
	first := c.snap(danaPay, danaBody(t, "INV-A", "10000.00"), snapOpts{extID: "111"})
	require.Equal(t, 200, first.status)
	r := c.snap(danaPay, danaBody(t, "INV-B", "10000.00"), snapOpts{extID: "111"})
	assert.Equal(t, 409, r.status)
	assert.Equal(t, "4095400", r.code)
	r = c.snap(danaPay, danaBody(t, "INV-A", "20000.00"), snapOpts{})
	assert.Equal(t, "4095401", r.code)
	r = c.snap(danaPay, danaBody(t, "INV-A", "10000.00"), snapOpts{})
	assert.Equal(t, 200, r.status)
	assert.Equal(t, string(first.body), string(r.body), "the same request again gets the first answer")
	assert.Len(t, s.Payments(), 1)
}

// A new token for a client makes its previous one invalid; a token stays
// valid while it is used, each accepted call extending it by the TTL.
func TestTokenLifecycle(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := newTestServer(t, func(c *Config) { c.Now = clock })
	c := newClient(t, s)
	c.now = clock
	old := c.tokenB2B()
	fresh := c.tokenB2B()
	require.NotEqual(t, old, fresh)
	r := c.snap(danaPay, danaBody(t, "INV-T0", "1.00"), snapOpts{token: old})
	assert.Equal(t, "4015401", r.code, "the latest token replaces the previous one")

	for i, d := range []time.Duration{800 * time.Second, 800 * time.Second} {
		advance(d)
		r = c.snap(danaPay, danaBody(t, "INV-T"+string(rune('1'+i)), "1.00"), snapOpts{})
		assert.Equal(t, 200, r.status, "activity keeps the token alive (%d)", i)
	}
	advance(901 * time.Second)
	r = c.snap(danaPay, danaBody(t, "INV-T9", "1.00"), snapOpts{})
	assert.Equal(t, "4015401", r.code, "idle for longer than the TTL")
	var valid int
	for _, tok := range s.Tokens() {
		if tok.Valid {
			valid++
		}
	}
	assert.Equal(t, 0, valid)
}

// The B2B2C token: an authCode from binding inquiry is single use, the
// refresh token gets a new access token that replaces the previous one, and
// Authorization-Customer is accepted with or without "Bearer ".
func TestB2B2CTokenFlow(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.AutoComplete = true })
	c := newClient(t, s)
	c.tokenB2B()
	c.bindCustomer("1500000001")
	pay := sample(t, "wallet.debit_payment")
	pay["partnerReferenceNo"] = "WP-1"
	r := c.snap("/snap-adapter/b2b2c/v1.0/debit/payment-host-to-host", mustMarshal(t, pay), snapOpts{customer: "Bearer " + c.customer})
	require.Equal(t, 200, r.status, string(r.body))

	var refresh string
	for _, tok := range s.Tokens() {
		if tok.Kind == TokenRefresh && tok.Valid {
			refresh = tok.Value
		}
	}
	require.NotEmpty(t, refresh)
	mk, _ := keys(t)
	r = c.do("POST", "/authorization/v1/access-token/b2b2c", c.tokenHeaders(mk, testClient),
		mustMarshal(t, map[string]string{"grantType": "refresh_token", "refreshToken": refresh}))
	require.Equal(t, 200, r.status, string(r.body))
	assert.Equal(t, "2007400", r.code)
	st := sample(t, "wallet.debit_status")
	st["partnerReferenceNo"] = "WP-1"
	r = c.snap(walletStat, mustMarshal(t, st), snapOpts{})
	assert.Equal(t, "4015501", r.code, "the refreshed token replaced the old customer token")
	r = c.do("POST", "/authorization/v1/access-token/b2b2c", c.tokenHeaders(mk, testClient),
		mustMarshal(t, map[string]string{"grantType": "refresh_token", "refreshToken": refresh}))
	assert.Equal(t, "4017401", r.code, "a refresh token is replaced by the one issued with it")
}

// Kirim DOKU: inquiry before transfer, and the Kirim page's sandbox rules
// (bank 002 with an account containing 12345 → FAILED; account
// 7746555134 → refunded), notified through the unpaid and refund callbacks.
func TestKirimSandboxAndCallbacks(t *testing.T) {
	var unpaid, refunds []string
	var mu sync.Mutex
	awaited := map[string]bool{} // DOKU's referenceNo of each transfer made, as the merchant records it
	merchant := newMerchant(t, func(cfg *notify.MuxConfig) {
		cfg.KirimTransfers = func(_ context.Context, n *schemas.KirimNotification) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return awaited[string(n.TransactionID)], nil
		}
		cfg.KirimUnpaid = func(_ context.Context, n *schemas.KirimNotification) error {
			mu.Lock()
			unpaid = append(unpaid, string(n.TransactionStatus))
			mu.Unlock()
			return nil
		}
		cfg.KirimRefund = func(_ context.Context, n *schemas.KirimNotification) error {
			mu.Lock()
			refunds = append(refunds, string(n.TransactionStatus))
			mu.Unlock()
			return nil
		}
	})
	s := newTestServer(t, func(c *Config) { c.NotifyURL = merchant.URL })
	c := newClient(t, s)
	c.tokenB2B()
	transfer := func(ref, bank, account string) reply {
		m := sample(t, "kirim.transfer_bank")
		m["partnerReferenceNo"], m["beneficiaryBankCode"], m["beneficiaryAccountNumber"] = ref, bank, account
		delete(m, "sessionId")
		r := c.snap("/v1.0/emoney/transfer-bank", mustMarshal(t, m), snapOpts{})
		if r.status == 200 {
			mu.Lock()
			awaited[field(t, r.body, "referenceNo")] = true
			mu.Unlock()
		}
		return r
	}
	inquire := func(bank, account string) {
		m := sample(t, "kirim.bank_account_inquiry")
		m["beneficiaryAccountNumber"] = account
		m["additionalInfo"].(map[string]any)["beneficiaryBankCode"] = bank
		r := c.snap("/v1.0/emoney/bank-account-inquiry", mustMarshal(t, m), snapOpts{})
		require.Equal(t, 200, r.status, string(r.body))
	}
	status := func(ref string) string {
		m := sample(t, "kirim.qr_mpm_status")
		m["originalPartnerReferenceNo"] = ref
		r := c.snap("/v1.0/qr/qr-mpm-status", mustMarshal(t, m), snapOpts{})
		require.Equal(t, 200, r.status, string(r.body))
		return field(t, r.body, "latestTransactionStatus")
	}

	r := transfer("KT-0", "002", "9912345")
	assert.Equal(t, "4044301", r.code, "no account inquiry for this beneficiary")

	inquire("002", "9912345")
	require.Equal(t, 200, transfer("KT-1", "002", "9912345").status)
	assert.Equal(t, StatusPending, status("KT-1"), "UNPAID until it completes")
	require.NoError(t, s.Complete("KT-1", "00"))
	assert.Equal(t, StatusFailed, status("KT-1"), "bank 002 with 12345 ends FAILED")

	inquire("014", "8812345")
	require.Equal(t, 200, transfer("KT-2", "014", "8812345").status)
	require.NoError(t, s.Complete("KT-2", ""))
	assert.Equal(t, StatusSuccess, status("KT-2"))

	inquire("014", kirimRefundAccount)
	require.Equal(t, 200, transfer("KT-3", "014", kirimRefundAccount).status)
	assert.Equal(t, StatusPending, status("KT-3"))
	require.NoError(t, s.Complete("KT-3", ""))
	assert.Equal(t, StatusRefunded, status("KT-3"), "the refund account is refunded")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Flush(ctx))
	mu.Lock()
	defer mu.Unlock()
	assert.ElementsMatch(t, []string{"35", "50"}, unpaid, "%+v", s.Deliveries())
	assert.Equal(t, []string{"40"}, refunds)
}

// newMerchant is the merchant side: a notify.Mux trusting the test DOKU key
// and secrets, on loopback.
func newMerchant(t *testing.T, edit func(*notify.MuxConfig)) *httptest.Server {
	return newMerchantWrapped(t, edit, nil)
}

func newMerchantWrapped(t *testing.T, edit func(*notify.MuxConfig), wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	mk, dk := keys(t)
	snapSecrets, _ := verify.SecretsFor(testClient, []byte(testSecret))
	nsSecrets, _ := verify.SecretsFor(testClient, []byte(testNonSNAP))
	kirimKeys, _ := verify.SecretsFor(DefaultAgentKey, []byte(testKirimKey))
	var cfg notify.MuxConfig
	edit(&cfg)
	// Only the keys of the channels mounted: NewMux refuses unused keys.
	if cfg.SNAPDebit != nil || cfg.SNAPVA != nil {
		cfg.TokenKey, cfg.DOKUPublicKeys, cfg.SNAPSecrets = mk, map[string][]*rsa.PublicKey{testClient: {&dk.PublicKey}}, snapSecrets
	}
	if cfg.NonSNAP != nil {
		cfg.NonSNAPSecrets = nsSecrets
	}
	if cfg.KirimUnpaid != nil || cfg.KirimRefund != nil {
		cfg.KirimKeys = kirimKeys
	}
	mux, err := notify.NewMux(cfg)
	require.NoError(t, err)
	var h http.Handler = mux
	if wrap != nil {
		h = wrap(mux)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// A completed payment reaches the merchant's notify.Mux exactly once even
// when the first delivery is answered 500 after the merchant processed it
// (a proxy timing out): DOKU retries with the same X-EXTERNAL-ID and the
// Mux's duplicate guard answers without running the func again.
func TestNotificationExactlyOnceAfterFaultedDelivery(t *testing.T) {
	var ran atomic.Int32
	var faulted atomic.Bool
	merchant := newMerchantWrapped(t, func(cfg *notify.MuxConfig) {
		cfg.SNAPDebit = func(_ context.Context, n *schemas.SNAPDebitNotify) error {
			if string(n.OriginalPartnerReferenceNo) == "INV-N1" && n.Status() == schemas.SNAPStatusSuccess {
				ran.Add(1)
			}
			return nil
		}
	}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == notify.DefaultSNAPDebitPath && faulted.CompareAndSwap(false, true) {
				next.ServeHTTP(httptest.NewRecorder(), r) // processed, but the answer is lost
				http.Error(w, "upstream timeout", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	s := newTestServer(t, func(c *Config) { c.NotifyURL = merchant.URL })
	c := newClient(t, s)
	c.tokenB2B()
	require.Equal(t, 200, c.snap(danaPay, danaBody(t, "INV-N1", "25000.00"), snapOpts{}).status)
	assert.Empty(t, s.Deliveries(), "nothing is sent for a pending payment")
	require.NoError(t, s.Complete("INV-N1", StatusSuccess))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Flush(ctx))
	ds := s.Deliveries()
	require.GreaterOrEqual(t, len(ds), 2, "%+v", ds)
	assert.Equal(t, 500, ds[0].Status)
	assert.False(t, ds[0].Acknowledged)
	last := ds[len(ds)-1]
	assert.True(t, last.Acknowledged, "%+v", ds)
	assert.Equal(t, 200, last.Status)
	for _, d := range ds {
		assert.Equal(t, ds[0].NotificationID, d.NotificationID, "every try carries the same X-EXTERNAL-ID")
		assert.Equal(t, "snap-debit", d.Channel)
	}
	assert.Equal(t, int32(1), ran.Load(), "the merchant's func ran exactly once")
}

// Cards and Akulaku payments are notified with signed non-SNAP notifications.
func TestNonSNAPNotification(t *testing.T) {
	got := make(chan string, 4)
	merchant := newMerchant(t, func(cfg *notify.MuxConfig) {
		cfg.NonSNAP = func(_ context.Context, n *schemas.NonSNAPNotification) error {
			got <- string(n.Order.InvoiceNumber) + " " + string(n.Transaction.Status)
			return nil
		}
	})
	s := newTestServer(t, func(c *Config) { c.NotifyURL = merchant.URL; c.AutoComplete = true })
	c := newClient(t, s)
	m := sample(t, "akulaku.generate_order")
	r := c.nonSNAP("/akulaku-peer-to-peer/v2/generate-order", mustMarshal(t, m), nsOpts{})
	require.Equal(t, 200, r.status, string(r.body))
	r = c.nonSNAP("/credit-card/v1/payment-page", mustMarshal(t, sample(t, "cards.payment_page")), nsOpts{})
	require.Equal(t, 200, r.status, string(r.body))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Flush(ctx))
	assert.ElementsMatch(t, []string{"INV-20210707-0001 SUCCESS", "INV-20210118-0001 SUCCESS"}, []string{<-got, <-got})
	for _, d := range s.Deliveries() {
		assert.True(t, d.Acknowledged, "%+v", d)
	}
}

// The controls work over HTTP on the same server, JSON in and out, and
// what /_dokutest/requests shows holds no token or signature.
func TestControlsOverHTTP(t *testing.T) {
	s := newTestServer(t, nil)
	for _, path := range []string{"requests", "payments", "deliveries", "faults"} {
		resp, err := http.Get(s.URL + "/_dokutest/" + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "[]\n", string(b), "an empty list is [], not null: %s", path)
	}
	c := newClient(t, s)
	tok := c.tokenB2B()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, _ := post("/_dokutest/faults", `{"route":"dana.payment","status":500,"responseCode":"5005400","times":1,"delay":"10ms","drop":false,"badSignature":false}`)
	require.Equal(t, 200, st)
	start := time.Now()
	r := c.snap(danaPay, danaBody(t, "INV-F", "10000.00"), snapOpts{})
	assert.Equal(t, 500, r.status)
	assert.Equal(t, "5005400", r.code)
	assert.GreaterOrEqual(t, time.Since(start), 10*time.Millisecond)
	_, ok := s.Payment("INV-F")
	assert.False(t, ok, "a faulted call is not processed")
	r = c.snap(danaPay, danaBody(t, "INV-F", "10000.00"), snapOpts{})
	assert.Equal(t, 200, r.status, "times:1 — the next call succeeds")

	st, body := post("/_dokutest/faults", `{"route":"no.such.route","status":500}`)
	assert.Equal(t, 400, st, body)

	require.NoError(t, s.InjectFault(Fault{Route: "dana.payment", Drop: true}))
	req, _ := http.NewRequest("POST", s.URL+danaPay, strings.NewReader("{}"))
	_, err := http.DefaultClient.Do(req)
	assert.Error(t, err, "a dropped connection gets no answer")

	st, body = post("/_dokutest/complete", `{"reference":"INV-F","status":"00"}`)
	assert.Equal(t, 200, st, body)
	assert.Contains(t, body, `"status":"00"`)
	st, _ = post("/_dokutest/complete", `{"reference":"INV-F","status":"00"}`)
	assert.Equal(t, 409, st, "no longer pending")
	st, _ = post("/_dokutest/complete", `{"reference":"INV-NONE"}`)
	assert.Equal(t, 404, st)

	resp, err := http.Get(s.URL + "/_dokutest/requests")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var reqs []Request
	require.NoError(t, json.Unmarshal(b, &reqs))
	require.NotEmpty(t, reqs)
	assert.Equal(t, "wallet.token_b2b", reqs[0].Route)
	assert.NotContains(t, string(b), tok, "no token in the request log")
	assert.NotContains(t, string(b), testSecret)
	assert.Contains(t, string(b), `"Authorization":["[redacted]"]`)

	resp, err = http.Get(s.URL + "/v1.0/not-a-route")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "only the table's paths are served")
}

// Metrics go to the Registerer given, one log line per request, and
// neither carries a secret or token.
func TestMetricsAndLogs(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	var logs bytes.Buffer
	s := newTestServer(t, func(c *Config) {
		c.Registerer = reg
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	c := newClient(t, s)
	tok := c.tokenB2B()
	c.snap(danaPay, danaBody(t, "INV-M", "10000.00"), snapOpts{})
	c.snap(danaPay, danaBody(t, "INV-M2", "10000.00"), snapOpts{secret: "wrong"})
	m, err := s.metricsCounter("dana.payment", outcomeOK)
	require.NoError(t, err)
	assert.Equal(t, 1.0, m)
	m, _ = s.metricsCounter("dana.payment", outcomeUnauthorized)
	assert.Equal(t, 1.0, m)
	n, err := testutil.GatherAndCount(reg, "dokukit_simulator_requests_total")
	require.NoError(t, err)
	assert.Equal(t, 3, n, "token ok, payment ok, payment unauthorized")
	out := logs.String()
	assert.Equal(t, 3, strings.Count(out, `msg="dokutest request"`), out)
	assert.Contains(t, out, "route=dana.payment")
	assert.NotContains(t, out, tok)
	assert.NotContains(t, out, testSecret)
}

func (s *Server) metricsCounter(route, outcome string) (float64, error) {
	if s.metrics.Routes == nil {
		return 0, errors.New("no metrics")
	}
	return testutil.ToFloat64(s.metrics.Requests.WithLabelValues(route, outcome)), nil
}

// Without the non-SNAP secret or the Kirim key the simulator still starts,
// and those routes refuse every call; bad configurations are errors.
func TestConfig(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.NonSNAPSecret, c.KirimKey = nil, nil })
	c := newClient(t, s)
	c.tokenB2B()
	r := c.nonSNAP("/credit-card/v1/payment-page", mustMarshal(t, sample(t, "cards.payment_page")), nsOpts{})
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "feature_not_allowed", r.code)
	r = c.snap("/v1.0/balance-inquiry", mustMarshal(t, sample(t, "kirim.balance_inquiry")), snapOpts{})
	assert.Equal(t, "4031101", r.code)

	mk, dk := keys(t)
	good := Config{ClientID: testClient, MerchantPublicKey: &mk.PublicKey, SNAPSecret: []byte(testSecret)}
	for name, edit := range map[string]func(*Config){
		"no client id":             func(c *Config) { c.ClientID = "" },
		"no merchant key":          func(c *Config) { c.MerchantPublicKey = nil },
		"no SNAP secret":           func(c *Config) { c.SNAPSecret = nil },
		"not loopback":             func(c *Config) { c.Addr = "0.0.0.0:0" },
		"notify without DOKU key":  func(c *Config) { c.NotifyURL = "http://127.0.0.1:1" },
		"bad notify URL":           func(c *Config) { c.NotifyURL, c.DOKUPrivateKey = "ftp://x", dk },
		"short Kirim key":          func(c *Config) { c.KirimKey = []byte("short") },
		"fractional token seconds": func(c *Config) { c.TokenTTL = 1500 * time.Millisecond },
		"relative notify path":     func(c *Config) { c.NotifyPaths.NonSNAP = "payments" },
	} {
		cfg := good
		edit(&cfg)
		_, err := NewServer(cfg)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
}

// An unacknowledged notification is retried on the schedule (times the
// scale), counted from the first try, then given up.
func TestRetryScheduleThenGiveUp(t *testing.T) {
	var hits atomic.Int32
	merchant := newMerchantWrapped(t, func(cfg *notify.MuxConfig) {
		cfg.SNAPDebit = func(context.Context, *schemas.SNAPDebitNotify) error { return nil }
	}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == notify.DefaultSNAPDebitPath {
				hits.Add(1)
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	reg := prometheus.NewPedanticRegistry()
	s := newTestServer(t, func(c *Config) {
		c.NotifyURL, c.AutoComplete, c.Registerer = merchant.URL, true, reg
		c.RetrySchedule, c.RetryScale = []time.Duration{20 * time.Second, 40 * time.Second, 60 * time.Second}, 0.001
	})
	c := newClient(t, s)
	c.tokenB2B()
	require.Equal(t, 200, c.snap(danaPay, danaBody(t, "INV-R", "1000.00"), snapOpts{}).status)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Flush(ctx))
	ds := s.Deliveries()
	require.Len(t, ds, 4, "the first try and 3 retries")
	for i, d := range ds {
		assert.Equal(t, i+1, d.Attempt)
		assert.Equal(t, 503, d.Status)
		assert.False(t, d.Acknowledged)
	}
	for i, want := range []time.Duration{20, 40, 60} {
		assert.GreaterOrEqual(t, ds[i+1].Time.Sub(ds[0].Time), want*time.Millisecond, "retry %d", i+1)
	}
	assert.Equal(t, int32(4), hits.Load())
	assert.Equal(t, 1.0, testutil.ToFloat64(s.metrics.notifications.WithLabelValues("snap-debit", "gave_up")))
	assert.Equal(t, 3.0, testutil.ToFloat64(s.metrics.notifications.WithLabelValues("snap-debit", "failed")))
}
