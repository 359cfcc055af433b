package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/sign"
)

const testNSSecret = "SK-cli-e2e-secret"

// nsMerchant is a minimal correct non-SNAP notification endpoint for the CLI
// end-to-end tests (the conformance package tests its table in depth);
// lax turns off the signature check.
type nsMerchant struct {
	lax     bool
	effects atomic.Int64
	mu      sync.Mutex
	seen    map[string]bool
}

func (m *nsMerchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		respond.WriteNonSNAP(w, 413, "body_too_large", "too large", nil)
		return
	}
	for _, h := range []string{"Client-Id", "Request-Id", "Request-Timestamp", "Signature"} {
		if r.Header.Get(h) == "" {
			respond.WriteNonSNAP(w, 400, "missing_header", h, nil)
			return
		}
	}
	ts, err := time.Parse(time.RFC3339, r.Header.Get("Request-Timestamp"))
	if !m.lax && (err != nil || time.Since(ts).Abs() > 5*time.Minute || r.Header.Get("Client-Id") != "DOKU-TEST-CLIENT") {
		respond.WriteNonSNAP(w, 401, "invalid_signature", "stale or unknown", nil)
		return
	}
	s, _ := sign.NewNonSNAP([]byte(testNSSecret))
	c := sign.Components{ClientID: r.Header.Get("Client-Id"), RequestID: r.Header.Get("Request-Id"), Timestamp: r.Header.Get("Request-Timestamp"), Target: r.URL.Path, Body: body}
	if !m.lax && s.Verify(r.Header.Get("Signature"), c) != nil {
		respond.WriteNonSNAP(w, 401, "invalid_signature", "signature mismatch", nil)
		return
	}
	var v struct {
		Order       *json.RawMessage `json:"order"`
		Transaction *struct{}        `json:"transaction"`
	}
	if json.Unmarshal(body, &v) != nil || v.Order == nil || (*v.Order)[0] != '{' || v.Transaction == nil {
		respond.WriteNonSNAP(w, 400, "invalid_body", "bad body", nil)
		return
	}
	m.mu.Lock()
	if !m.seen[r.Header.Get("Request-Id")] {
		m.seen[r.Header.Get("Request-Id")] = true
		m.effects.Add(1)
	}
	m.mu.Unlock()
	w.WriteHeader(200)
}

func startMerchant(t *testing.T, lax bool) (*nsMerchant, string) {
	m := &nsMerchant{lax: lax, seen: map[string]bool{}}
	mux := http.NewServeMux()
	mux.Handle("/payments/notifications", m)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	return m, srv.URL
}

var nsEnv = []string{"DOKU_SECRET=" + testNSSecret}

func TestSendEndToEnd(t *testing.T) {
	m, base := startMerchant(t, false)
	url := base + "/payments/notifications"

	r := cli(t, nsEnv, "", "send", "--url", url, "--channel", "nonsnap", "--repeat", "3")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Equal(t, 3, strings.Count(r.stdout, "HTTP 200"))
	assert.Equal(t, 3, strings.Count(r.stdout, "ok: the ack DOKU expects"))
	assert.Equal(t, int64(1), m.effects.Load(), "three deliveries of one notification")

	for _, tk := range []string{"body", "signature", "timestamp", "path", "secret", "header"} {
		r := cli(t, nsEnv, "", "send", "--url", url, "--channel", "nonsnap", "--tamper", tk)
		assert.Equal(t, 0, r.code, "%s: %s", tk, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, "ok: rejected as it should be", tk)
	}
	assert.Equal(t, int64(1), m.effects.Load(), "no tampered notification had an effect")

	body := writeFile(t, "body.json", `{"order":{"invoice_number":"INV-CLI-1","amount":5},"transaction":{"status":"SUCCESS"}}`)
	r = cli(t, nsEnv, "", "send", "--url", url, "--channel", "nonsnap", "--body", body)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	r = cli(t, nsEnv, `{"order":"x"}`, "send", "--url", url, "--channel", "nonsnap", "--body", "-")
	assert.Equal(t, 1, r.code, "a body the merchant rejects is not the ack: %s", r.stdout)
	assert.Contains(t, r.stdout, "NOT WHAT DOKU EXPECTS")
	assert.Contains(t, r.stdout, "retries")
}

func TestSendAgainstLaxMerchantFails(t *testing.T) {
	_, base := startMerchant(t, true)
	r := cli(t, nsEnv, "", "send", "--url", base+"/payments/notifications", "--channel", "nonsnap", "--tamper", "body")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "NOT WHAT DOKU EXPECTS")
	assert.Contains(t, r.stdout, "forged")
}

func TestSendUsageErrors(t *testing.T) {
	usageErrors(t, []usageCase{
		{"", nsEnv, []string{"send", "--channel", "nonsnap"}, "missing required flag --url"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "sms"}, `unknown --channel "sms"`},
		{"", nsEnv, []string{"send", "--url", "127.0.0.1/x", "--channel", "nonsnap"}, "--url must be an http(s) URL"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x?a=1", "--channel", "nonsnap"}, "query string"},
		{"", nil, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "nonsnap"}, "missing secret"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "snap-debit"}, "needs --doku-private-key"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "nonsnap", "--tamper", "teleport"}, `unknown tamper kind "teleport"`},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "nonsnap", "--tamper", "token"}, "only SNAP notifications carry a bearer token"},
		{"", []string{"DOKU_SECRET=0123456789abcdef"}, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "kirim-unpaid", "--tamper", "body"}, "does not cover the body"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "nonsnap", "--repeat", "0"}, "--repeat"},
		{"", nsEnv, []string{"send", "--url", "http://127.0.0.1:1/x", "--channel", "snap-debit", "--doku-private-key", "/nonexistent.pem"}, "cannot read private key"},
	}, testNSSecret)
}

func TestConformanceEndToEnd(t *testing.T) {
	_, base := startMerchant(t, false)
	junit := filepath.Join(t.TempDir(), "out.xml")
	r := cli(t, nsEnv, "", "conformance", "--url", base+"/payments/notifications", "--channel", "nonsnap", "--junit", junit)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "PASS  valid ")
	assert.Contains(t, r.stdout, "PASS  tamper/body-byte ")
	assert.Contains(t, r.stdout, " 0 failed (nonsnap at ")
	assert.NotContains(t, r.stdout, "FAIL")

	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &doc))
	require.Len(t, doc.Suites, 1)
	assert.Greater(t, doc.Suites[0].Tests, 15)
	assert.Equal(t, 0, doc.Suites[0].Failures)

	// A merchant that checks no signature fails the tamper cases, and the
	// report says what DOKU would do.
	_, lax := startMerchant(t, true)
	r = cli(t, nsEnv, "", "conformance", "--url", lax+"/payments/notifications", "--channel", "nonsnap", "--junit", junit)
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "FAIL  tamper/body-byte ")
	assert.Contains(t, r.stdout, "FAIL tamper/body-byte: ")
	assert.Contains(t, r.stdout, "never signed this request")
	b, err = os.ReadFile(junit)
	require.NoError(t, err)
	doc.Suites = nil
	require.NoError(t, xml.Unmarshal(b, &doc))
	require.Len(t, doc.Suites, 1)
	assert.Greater(t, doc.Suites[0].Failures, 3)

	// Nobody listening: one clear line and exit 2, not a list of failed cases.
	r = cli(t, nsEnv, "", "conformance", "--url", "http://127.0.0.1:1/payments/notifications", "--channel", "nonsnap")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "doku-verify conformance: cannot connect to the merchant at 127.0.0.1:1: connect: connection refused (is the merchant server running?)\n", r.stderr)
	assert.Empty(t, r.stdout)
	r = cli(t, nsEnv, "", "send", "--url", "http://127.0.0.1:1/payments/notifications", "--channel", "nonsnap")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "connection refused (is the merchant server running?)")
	assert.Empty(t, r.stdout)

	// The valid notification refused as unauthorized: one hint naming both
	// likely causes.
	r = cli(t, []string{"DOKU_SECRET=not-the-merchants-secret"}, "", "send", "--url", base+"/payments/notifications", "--channel", "nonsnap")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "hint: the valid notification was refused as unauthorized: check that --client-id (DOKU-TEST-CLIENT)")
	assert.Contains(t, r.stderr, "DOKU_SECRET / --secret-file")
	r = cli(t, nsEnv, "", "conformance", "--url", base+"/payments/notifications", "--channel", "nonsnap", "--client-id", "SOMEONE-ELSE")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 1, strings.Count(r.stderr, "hint:"), r.stderr)
	assert.Contains(t, r.stderr, "--client-id (SOMEONE-ELSE)")

	r = cli(t, nsEnv, "", "conformance", "--url", base+"/x", "--channel", "nonsnap", "--junit", "/nonexistent/dir/out.xml")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "cannot write --junit")
}
