package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's first snippet passes the whole snap-debit conformance suite
// over HTTP — the token call first, then signature, token, duplicates,
// schema and the ack — and runs the business code once per distinct
// notification.
func TestQuickstartPassesConformance(t *testing.T) {
	for _, env := range [][2]string{
		{"DOKU_CLIENT_ID", "DOKU-TEST-CLIENT"},
		{"DOKU_SNAP_SECRET", "SK-snap-secret-123"},
		{"DOKU_PUBLIC_KEY_FILE", mustPath(t, testvectors.PublicSPKI)},
		{"MERCHANT_PRIVATE_KEY_FILE", mustPath(t, testvectors.PrivatePKCS1)},
	} {
		t.Setenv(env[0], env[1])
	}
	var mu sync.Mutex
	paid := map[string]int{}
	h, err := newHandler(func(_ context.Context, order string) error {
		mu.Lock()
		defer mu.Unlock()
		paid[order]++
		return nil
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	results, err := conformance.RunURL(context.Background(), nil, srv.URL, conformance.Config{
		Channel: conformance.SNAPDebit, Secret: []byte("SK-snap-secret-123"),
		DOKUPrivateKey: dokuPrivate(t), ClientID: "DOKU-TEST-CLIENT",
	})
	require.NoError(t, err)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Pass, "%s: %s", r.Case, r.Message)
	}
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, paid, "the valid notifications reach the business code")
	for order, n := range paid {
		assert.Equal(t, 1, n, "order %s marked paid once, duplicates answered from the store", order)
	}
}

// An empty secret is refused at start-up, never a weaker check.
func TestQuickstartFailsClosed(t *testing.T) {
	t.Setenv("DOKU_CLIENT_ID", "DOKU-TEST-CLIENT")
	t.Setenv("DOKU_SNAP_SECRET", "")
	t.Setenv("DOKU_PUBLIC_KEY_FILE", mustPath(t, testvectors.PublicSPKI))
	t.Setenv("MERCHANT_PRIVATE_KEY_FILE", mustPath(t, testvectors.PrivatePKCS1))
	_, err := newHandler(markPaid)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "secret"), err.Error())
}

// The shared fixtures: a known-answer file's path and the TEST-ONLY key
// that signs as DOKU.
var (
	mustPath    = testkit.VectorPath
	dokuPrivate = testkit.Key
)
