package client_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
)

// Metrics go to the caller's Registerer with bounded labels; logs say
// route, outcome and codes but never a secret, token, authCode or
// signature.
func TestMetricsAndLogs(t *testing.T) {
	s := newSim(t, nil)
	reg := prometheus.NewPedanticRegistry()
	var logs bytes.Buffer
	c := newClient(t, s, func(cfg *client.Config) {
		cfg.Registerer = reg
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	// A second client on the same registry shares the collectors.
	newClient(t, s, func(cfg *client.Config) { cfg.Registerer = reg })
	bind(t, c, "1120340040")
	must(t, c, "kirim.balance_inquiry", with(t, "kirim.balance_inquiry", nil))
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "wallet.debit_payment", Status: 500}))
	_, err := c.Do(context.Background(), "wallet.debit_payment", with(t, "wallet.debit_payment", nil), opts()...)
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)
	_, err = c.Do(context.Background(), "kirim.balance_inquiry", []byte(`{}`))
	require.ErrorIs(t, err, client.ErrInvalidRequest)

	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dokukit_client_requests_total Calls made to DOKU by route and outcome (ok, api_error, unknown, bad_response, not_sent).
# TYPE dokukit_client_requests_total counter
dokukit_client_requests_total{outcome="not_sent",route="kirim.balance_inquiry"} 1
dokukit_client_requests_total{outcome="ok",route="kirim.balance_inquiry"} 1
dokukit_client_requests_total{outcome="ok",route="wallet.binding"} 1
dokukit_client_requests_total{outcome="ok",route="wallet.binding_inquiry"} 1
dokukit_client_requests_total{outcome="unknown",route="wallet.debit_payment"} 1
# HELP dokukit_client_token_refreshes_total Access-token requests made to DOKU by kind (b2b, b2b2c) and result (ok, error).
# TYPE dokukit_client_token_refreshes_total counter
dokukit_client_token_refreshes_total{kind="b2b",result="ok"} 1
dokukit_client_token_refreshes_total{kind="b2b2c",result="ok"} 1
`), "dokukit_client_requests_total", "dokukit_client_token_refreshes_total"))
	n, err := testutil.GatherAndCount(reg, "dokukit_client_request_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 4, n)

	out := logs.String()
	assert.Contains(t, out, `"route":"wallet.debit_payment"`)
	assert.Contains(t, out, `"outcome":"unknown"`)
	for _, secret := range []string{testSecret, testNonSNAP, "Bearer", "HMACSHA256="} {
		assert.NotContains(t, out, secret)
	}
	for _, tok := range s.Tokens() {
		assert.NotContains(t, out, tok.Value, "a %s token in the logs", tok.Kind)
	}
}
