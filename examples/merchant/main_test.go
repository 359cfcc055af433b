package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/syncbuf"
	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/internal/testvectors"
)

func TestSelfTestPassesEveryChannel(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-selftest"}, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 0, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "all channels conform")
	assert.NotContains(t, out.String(), "FAIL")
	for _, ch := range []string{"snap-token", "snap-debit", "snap-va", "nonsnap", "kirim-unpaid", "kirim-refund"} {
		assert.Contains(t, out.String(), ch)
	}
}

func TestServeRefusesToStartWithoutKeys(t *testing.T) {
	env := map[string]string{"DOKU_CLIENT_ID": "c", "DOKU_AGENT_KEY": "a", "DOKU_SNAP_SECRET": "s"}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, &out, &errOut, func(k string) string { return env[k] })
	assert.Equal(t, 2, code)
	assert.True(t, strings.Contains(errOut.String(), "DOKU_NONSNAP_SECRET is not set"), errOut.String())
	assert.NotContains(t, errOut.String(), "s\n", "the secret value is not echoed")
}

// -h lists every environment variable the server reads, on stdout.
func TestHelpListsEveryEnvironmentVariable(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-h"}, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut.String())
	for _, v := range envVars {
		assert.Contains(t, out.String(), "  "+v[0]+" ")
	}
	// Every variable fromEnv needs is in the list: take each away in turn.
	full := serveEnv(t)
	for _, v := range envVars {
		env := map[string]string{}
		for k, val := range full {
			if k != v[0] {
				env[k] = val
			}
		}
		_, err := fromEnv(func(k string) string { return env[k] })
		assert.ErrorContains(t, err, v[0], "fromEnv needs %s", v[0])
	}
}

func serveEnv(t *testing.T) map[string]string {
	t.Helper()
	pub, priv := testkit.VectorPath(t, testvectors.PublicSPKI), testkit.VectorPath(t, testvectors.PrivatePKCS1)
	return map[string]string{"DOKU_CLIENT_ID": "DOKU-TEST-CLIENT", "DOKU_AGENT_KEY": "A41418", "DOKU_SNAP_SECRET": "SK-snap-secret-123",
		"DOKU_NONSNAP_SECRET": "SK-nonsnap", "DOKU_KIRIM_KEY": "0123456789abcdef", "DOKU_PUBLIC_KEY_FILE": pub, "MERCHANT_KEY_FILE": priv}
}

// Serving prints every mounted path, answers DOKU's token call, and
// returns 0 once its context is cancelled (what SIGINT/SIGTERM do in main).
func TestServePrintsMountsAndShutsDownGracefully(t *testing.T) {
	env := serveEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, out, out, func(k string) string { return env[k] })
	}()
	var base string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out.String())
		if m != nil {
			base = m[1]
		}
		return m != nil && strings.Contains(out.String(), "(kirim-refund)")
	}, 5*time.Second, 10*time.Millisecond)
	for _, mt := range []string{"/authorization/v1/access-token/b2b (token)", "/v1.0/debit/notify (snap-debit)", "/v1.0/transfer-va/payment (snap-va)",
		"/payments/notifications (nonsnap)", "/kirim/unpaid (kirim-unpaid)", "/kirim/refund (kirim-refund)"} {
		assert.Contains(t, out.String(), "  POST "+mt+"\n")
	}
	resp, err := http.Post(base+"/authorization/v1/access-token/b2b", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "the token endpoint answers (unsigned request: 400)")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, out.String())
	case <-time.After(shutdownGrace + 2*time.Second):
		t.Fatal("server did not shut down")
	}
	assert.Contains(t, out.String(), "shutting down")
	_, err = http.Get(base + "/")
	assert.Error(t, err, "the listener is closed")
}

// The server's limits are set, each one (a zero would mean "no limit").
func TestServerTimeouts(t *testing.T) {
	s := newServer(http.NotFoundHandler())
	assert.Equal(t, 5*time.Second, s.ReadHeaderTimeout)
	assert.Equal(t, 15*time.Second, s.ReadTimeout)
	assert.Equal(t, 30*time.Second, s.WriteTimeout)
	assert.Equal(t, 60*time.Second, s.IdleTimeout)
	assert.Equal(t, 64<<10, s.MaxHeaderBytes)
}
