package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

const (
	secret    = "SK-snap-secret-123"
	nsSecret  = "SK-hCJ42G28TA0MKG9LE2E"
	partner   = "PARTNER-1"
	client    = "MCH-0001-10791114622547"
	token     = "eyJhbGciOiJSUzI1NiJ9.test.token"
	kirimKey  = "0123456789abcdef"
	agentKey  = "A41418"
	notifyURL = "/v1.0/debit/notify"
)

var clock = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

func debitBody(t testing.TB) []byte {
	b, err := testvectors.Read(testvectors.DebitNotifyBody)
	require.NoError(t, err)
	return b
}

// recorder is the merchant's handler: it records the body it sees and the
// verified identity, and answers the SNAP debit ack.
type recorder struct {
	calls atomic.Int32
	body  atomic.Value
	res   atomic.Value
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	b, _ := io.ReadAll(r.Body)
	h.body.Store(b)
	if res, ok := Verified(r.Context()); ok {
		h.res.Store(res)
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`)
}

// snapVerifier verifies SNAP requests of partner signed with secret, at
// the fixed clock, reading bodies of up to maxBody bytes (≤ 0: the default).
func snapVerifier(t testing.TB, maxBody int64) *verify.SNAP {
	t.Helper()
	set, err := verify.SecretsFor(partner, []byte(secret))
	require.NoError(t, err)
	v, err := verify.NewSNAP(verify.SNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Now: fixedNow}, MaxBodyBytes: maxBody})
	require.NoError(t, err)
	return v
}

func snapServer(t testing.TB, opts ...Option) (*httptest.Server, *recorder) {
	t.Helper()
	v := snapVerifier(t, 4096)
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("POST "+notifyURL, Verify(v, append([]Option{WithServiceCode(56)}, opts...)...)(rec))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, rec
}

// tamper edits a signed request before it goes on the wire.
type tamper struct {
	base http.RoundTripper
	edit func(r *http.Request, body []byte) []byte
}

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	body = t.edit(r, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return t.base.RoundTrip(r)
}

func snapClient(edit func(r *http.Request, body []byte) []byte, sec string) *http.Client {
	var base http.RoundTripper = http.DefaultTransport
	if edit != nil {
		base = tamper{base: base, edit: edit}
	}
	return &http.Client{Transport: &SNAPTransport{Base: base, Secret: []byte(sec), PartnerID: partner, Token: StaticToken(token), Now: fixedNow}}
}

type snapAnswer struct {
	Status int
	Code   string `json:"responseCode"`
	Msg    string `json:"responseMessage"`
}

func postSNAP(t testing.TB, c *http.Client, url string, body []byte) snapAnswer {
	t.Helper()
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var a snapAnswer
	b, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(b, &a), string(b))
	a.Status = resp.StatusCode
	return a
}

func TestSNAPEndToEnd(t *testing.T) {
	srv, rec := snapServer(t)
	body := debitBody(t)
	pretty := bytes.ReplaceAll(body, []byte(","), []byte(",\n  "))

	a := postSNAP(t, snapClient(nil, secret), srv.URL+notifyURL, body)
	assert.Equal(t, snapAnswer{200, "2005600", "Request has been processed successfully"}, a)
	assert.Equal(t, body, rec.body.Load(), "the handler sees the exact bytes")
	res := rec.res.Load().(verify.Result)
	assert.Equal(t, partner, res.ClientID)
	assert.Equal(t, "0", res.KeyID)
	assert.Len(t, res.ExternalID, 32)

	a = postSNAP(t, snapClient(nil, secret), srv.URL+notifyURL, pretty)
	assert.Equal(t, 200, a.Status, "whitespace outside strings is not signed")
	assert.Equal(t, pretty, rec.body.Load())

	type tc struct {
		name   string
		edit   func(r *http.Request, b []byte) []byte
		secret string
		code   string
		status int
	}
	setHeader := func(k, v string) func(r *http.Request, b []byte) []byte {
		return func(r *http.Request, b []byte) []byte { r.Header.Set(k, v); return b }
	}
	shift := func(d time.Duration) func(r *http.Request, b []byte) []byte {
		return func(r *http.Request, b []byte) []byte {
			// Re-sign with a shifted clock so only the skew is wrong.
			ts := sign.FormatTimestamp(clock.Add(d))
			s, _ := sign.NewSNAPSymmetric([]byte(secret))
			sig, _ := s.Sign("POST", notifyURL, token, b, ts)
			r.Header.Set("X-TIMESTAMP", ts)
			r.Header.Set("X-SIGNATURE", sig)
			return b
		}
	}
	cases := []tc{
		{"body byte", func(r *http.Request, b []byte) []byte {
			return bytes.Replace(b, []byte("5000.00"), []byte("9000.00"), 1)
		}, secret, "4015600", 401},
		{"path", func(r *http.Request, b []byte) []byte { r.URL.Path = notifyURL + "/"; return b }, secret, "", 404},
		{"query", func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "x=1"; return b }, secret, "4015600", 401},
		{"token", setHeader("Authorization", "Bearer other"), secret, "4015600", 401},
		{"bearer missing", setHeader("Authorization", token), secret, "4015601", 401},
		{"timestamp", setHeader("X-TIMESTAMP", clock.In(sign.WIB).Add(time.Second).Format("2006-01-02T15:04:05-07:00")), secret, "4015600", 401},
		{"stale", shift(-6 * time.Minute), secret, "4015600", 401},
		{"future", shift(6 * time.Minute), secret, "4015600", 401},
		{"malformed timestamp", setHeader("X-TIMESTAMP", "2024-01-12'T'07:30:12"), secret, "4005601", 400},
		{"wrong secret", nil, "SK-other", "4015600", 401},
		{"unknown partner", setHeader("X-PARTNER-ID", "PARTNER-2"), secret, "4015600", 401},
		{"oversized", func(r *http.Request, b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), 4096)...) }, secret, "4135600", 413},
		{"invalid json", func(r *http.Request, b []byte) []byte { return b[:len(b)-1] }, secret, "4005601", 400},
	}
	for _, h := range []string{"X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "Authorization"} {
		h := h
		cases = append(cases, tc{"missing " + h, func(r *http.Request, b []byte) []byte { r.Header.Del(h); return b }, secret, "4005602", 400})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := rec.calls.Load()
			resp, err := snapClient(c.edit, c.secret).Post(srv.URL+notifyURL, "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, c.status, resp.StatusCode, string(b))
			if c.code != "" {
				var a snapAnswer
				require.NoError(t, json.Unmarshal(b, &a))
				assert.Equal(t, c.code, a.Code)
				assert.NotEmpty(t, a.Msg)
			}
			assert.Equal(t, before, rec.calls.Load(), "the handler must not run")
		})
	}
}

func TestNonSNAPAndKirimEndToEnd(t *testing.T) {
	nsSet, _ := verify.SecretsFor(client, []byte(nsSecret))
	ns, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: nsSet, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	kSet, _ := verify.SecretsFor(agentKey, []byte(kirimKey))
	kv, err := verify.NewKirim(verify.KirimConfig{Keys: kSet, MaxBodyBytes: 1024})
	require.NoError(t, err)
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/payments/notifications", Verify(ns)(rec))
	mux.Handle("/kirim/unpaid", Verify(kv)(rec))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	body := []byte(`{"order":{"invoice_number":"INV-1","amount":90000},"transaction":{"status":"SUCCESS"}}`)
	c := &http.Client{Transport: &NonSNAPTransport{ClientID: client, Secret: []byte(nsSecret), Now: fixedNow}}
	resp, err := c.Post(srv.URL+"/payments/notifications?src=doku", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the query is not part of the non-SNAP Request-Target")
	assert.Equal(t, body, rec.body.Load())

	// Wrong secret → 401 with the non-SNAP error body naming the reason.
	c = &http.Client{Transport: &NonSNAPTransport{ClientID: client, Secret: []byte("SK-other"), Now: fixedNow}}
	resp, err = c.Post(srv.URL+"/payments/notifications", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var e struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "signature_mismatch", e.Error.Code)

	// Missing header → 400.
	req, _ := http.NewRequest("POST", srv.URL+"/payments/notifications", bytes.NewReader(body))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)

	// Kirim: valid, then a changed requestId, then oversized.
	kirim := func(reqID, sigFor string, b []byte) (int, map[string]any) {
		sig, _ := sign.KirimSignature([]byte(kirimKey), agentKey, sigFor)
		req, _ := http.NewRequest("POST", srv.URL+"/kirim/unpaid", bytes.NewReader(b))
		req.Header.Set("requestId", reqID)
		req.Header.Set("agentKey", agentKey)
		req.Header.Set("signature", sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	kb := []byte(`{"transactionId":"T1","transactionStatus":"50"}`)
	st, _ := kirim("r-1", "r-1", kb)
	assert.Equal(t, 200, st)
	st, m := kirim("r-2", "r-1", kb)
	assert.Equal(t, 401, st)
	assert.Equal(t, false, m["status"])
	st, _ = kirim("r-1", "r-1", append(kb, bytes.Repeat([]byte(" "), 1024)...))
	assert.Equal(t, 413, st)
}

func TestNonSNAPTransportVerifiesResponses(t *testing.T) {
	s, _ := sign.NewNonSNAP([]byte(nsSecret))
	var forge atomic.Bool
	doku := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := []byte(`{"order":{"invoice_number":"INV-1"},"response":{"payment":{"url":"https://pay.example/1"}}}`)
		ts := clock.Format("2006-01-02T15:04:05Z")
		key := []byte(nsSecret)
		if forge.Load() {
			key = []byte("SK-attacker")
		}
		f, _ := sign.NewNonSNAP(key)
		w.Header().Set("Client-Id", r.Header.Get("Client-Id"))
		w.Header().Set("Request-Id", r.Header.Get("Request-Id"))
		w.Header().Set("Response-Timestamp", ts)
		w.Header().Set("Signature", f.Sign(sign.Components{ClientID: r.Header.Get("Client-Id"), RequestID: r.Header.Get("Request-Id"), Timestamp: ts, Target: r.URL.Path, Body: body, Response: true}))
		// Check the request's signature the way DOKU does.
		rb, _ := io.ReadAll(r.Body)
		want := s.Sign(sign.Components{ClientID: client, RequestID: r.Header.Get("Request-Id"), Timestamp: r.Header.Get("Request-Timestamp"), Target: r.URL.Path, Body: rb})
		if r.Header.Get("Signature") != want {
			w.WriteHeader(401)
		}
		w.Write(body)
	}))
	defer doku.Close()
	set, _ := verify.SecretsFor(client, []byte(nsSecret))
	rv, _ := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Now: fixedNow}})
	c := &http.Client{Transport: &NonSNAPTransport{ClientID: client, Secret: []byte(nsSecret), Now: fixedNow, Responses: rv}}
	resp, err := c.Post(doku.URL+"/checkout/v1/payment", "application/json", strings.NewReader(`{"order":{"amount":1}}`))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(b), "pay.example")

	forge.Store(true)
	_, err = c.Post(doku.URL+"/checkout/v1/payment", "application/json", strings.NewReader(`{}`))
	assert.ErrorIs(t, err, verify.ErrSignatureMismatch, "a response not signed by DOKU is refused")
}

func TestMetricsAndNoSecretsInLogs(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	var logs bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var denied []string
	deny := func(w http.ResponseWriter, r *http.Request, err error) {
		denied = append(denied, err.Error())
		DefaultDeny(56)(w, r, err)
	}
	srv, _ := snapServer(t, WithMetrics(m), WithLogger(l), WithDeny(deny))
	body := debitBody(t)
	var responses bytes.Buffer
	send := func(c *http.Client, b []byte) {
		resp, err := c.Post(srv.URL+notifyURL, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		io.Copy(&responses, resp.Body)
		resp.Body.Close()
	}
	var sigs []string
	capture := func(r *http.Request, b []byte) []byte { sigs = append(sigs, r.Header.Get("X-SIGNATURE")); return b }
	send(snapClient(capture, secret), body)
	send(snapClient(capture, "SK-other"), body)
	send(snapClient(func(r *http.Request, b []byte) []byte { capture(r, b); r.Header.Del("X-TIMESTAMP"); return b }, secret), body)
	send(snapClient(func(r *http.Request, b []byte) []byte { capture(r, b); return b[:10] }, secret), body)

	assert.NoError(t, testutil.CollectAndCompare(m.verifications, strings.NewReader(`
# HELP dokukit_verifications_total DOKU signature verifications by scheme and outcome (ok or the failure reason).
# TYPE dokukit_verifications_total counter
dokukit_verifications_total{outcome="invalid_json",scheme="snap"} 1
dokukit_verifications_total{outcome="missing_header",scheme="snap"} 1
dokukit_verifications_total{outcome="ok",scheme="snap"} 1
dokukit_verifications_total{outcome="signature_mismatch",scheme="snap"} 1
`)))
	assert.Equal(t, 1, testutil.CollectAndCount(m.duration), "one series per scheme")
	fams, err := reg.Gather()
	assert.NoError(t, err, "pedantic registry accepts the metrics")
	samples := map[string]uint64{}
	for _, f := range fams {
		if h := f.GetMetric()[0].GetHistogram(); h != nil {
			samples[f.GetName()] = h.GetSampleCount()
		}
	}
	assert.Equal(t, map[string]uint64{"dokukit_verify_duration_seconds": 4, "dokukit_request_body_bytes": 4}, samples)
	again, err := NewMetrics(reg)
	require.NoError(t, err, "a second route on the same registry shares the collectors")
	assert.Same(t, m.verifications, again.verifications)
	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_verifications_total", Help: "not ours"}))
	_, err = NewMetrics(clash)
	assert.Error(t, err, "a different metric under our name is reported")

	require.Len(t, denied, 3)
	everything := logs.String() + strings.Join(denied, "\n") + responses.String()
	assert.Contains(t, logs.String(), `"reason":"signature_mismatch"`)
	for _, s := range append([]string{secret, "SK-other", token}, sigs...) {
		assert.NotContains(t, everything, s)
	}
}

func TestConstructionFailsClosed(t *testing.T) {
	_, err := NewVerification(nil)
	assert.Error(t, err)
	assert.Panics(t, func() { Verify(nil) })
	_, err = NewMetrics(nil)
	assert.Error(t, err)
	_, err = (&SNAPTransport{PartnerID: partner, Token: StaticToken(token)}).RoundTrip(httptest.NewRequest("POST", "/x", nil))
	assert.ErrorIs(t, err, ErrTransport, "an empty secret never signs")
	_, err = (&NonSNAPTransport{ClientID: client}).RoundTrip(httptest.NewRequest("POST", "/x", nil))
	assert.ErrorIs(t, err, ErrTransport)
}

func TestVerifiedOutsideMiddleware(t *testing.T) {
	_, ok := Verified(context.Background())
	assert.False(t, ok)
}

// An unknown Client-Id or agentKey is answered with exactly the bytes of a
// wrong signature (non-SNAP and Kirim), so client ids cannot be enumerated;
// the metrics still tell the two apart.
func TestUnknownClientLooksLikeBadSignature(t *testing.T) {
	nsSet, _ := verify.SecretsFor(client, []byte(nsSecret))
	ns, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: nsSet, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	kSet, _ := verify.SecretsFor(agentKey, []byte(kirimKey))
	kv, err := verify.NewKirim(verify.KirimConfig{Keys: kSet})
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	metrics, err := NewMetrics(reg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/payments/notifications", Verify(ns, WithMetrics(metrics))(&recorder{}))
	mux.Handle("/kirim/unpaid", Verify(kv, WithMetrics(metrics))(&recorder{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	answer := func(resp *http.Response, err error) (int, string) {
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}

	body := []byte(`{"order":{"invoice_number":"INV-1","amount":90000},"transaction":{"status":"SUCCESS"}}`)
	nonSNAP := func(clientID, secret string) (int, string) {
		c := &http.Client{Transport: &NonSNAPTransport{ClientID: clientID, Secret: []byte(secret), Now: fixedNow}}
		return answer(c.Post(srv.URL+"/payments/notifications", "application/json", bytes.NewReader(body)))
	}
	badSigStatus, badSig := nonSNAP(client, "SK-other")
	unknownStatus, unknown := nonSNAP("MCH-NOBODY", nsSecret)
	assert.Equal(t, http.StatusUnauthorized, badSigStatus)
	assert.Equal(t, badSigStatus, unknownStatus)
	assert.Equal(t, badSig, unknown, "same bytes for an unknown Client-Id and a wrong signature")

	kirim := func(agent string) (int, string) {
		sig, err := sign.KirimSignature([]byte("fedcba9876543210"), agent, "r-1")
		require.NoError(t, err)
		req, _ := http.NewRequest("POST", srv.URL+"/kirim/unpaid", bytes.NewReader([]byte(`{"transactionId":"T1","transactionStatus":"50"}`)))
		req.Header.Set("requestId", "r-1")
		req.Header.Set("agentKey", agent)
		req.Header.Set("signature", sig)
		return answer(http.DefaultClient.Do(req))
	}
	kBadStatus, kBad := kirim(agentKey)
	kUnknownStatus, kUnknown := kirim("NOBODY")
	assert.Equal(t, http.StatusUnauthorized, kBadStatus)
	assert.Equal(t, kBadStatus, kUnknownStatus)
	assert.Equal(t, kBad, kUnknown, "same bytes for an unknown agentKey and a wrong signature")

	// The metrics keep the distinction.
	out, err := reg.Gather()
	require.NoError(t, err)
	var labels []string
	for _, mf := range out {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
		}
	}
	assert.Contains(t, labels, "unknown_client")
	assert.Contains(t, labels, "signature_mismatch")
}
