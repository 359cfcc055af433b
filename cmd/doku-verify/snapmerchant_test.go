package main

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/sign"
)

const snapMerchantSecret = "SK-snap-cli-secret"

// snapMerchant: a token endpoint trusting the shared test DOKU key and a
// debit notify endpoint accepting only tokens it issued — just enough to
// exercise the CLI's SNAP plumbing (--doku-private-key, --token-url,
// --token) end to end.
func snapMerchant(t *testing.T) string {
	pemB, err := os.ReadFile(shared("test_rsa_public_spki.pem"))
	require.NoError(t, err)
	pub, err := sign.ParsePublicKey(pemB)
	require.NoError(t, err)
	var mu sync.Mutex
	tokens := map[string]bool{"fixed-token": true}
	seen := map[string][]byte{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
		if sign.VerifySNAPToken(pub, r.Header.Get("X-Client-Key"), r.Header.Get("X-Timestamp"), r.Header.Get("X-Signature")) != nil {
			respond.WriteSNAP(w, respond.SNAPCode{HTTP: 401, Service: 73, Case: 0}, "Unauthorized. Invalid Signature")
			return
		}
		var b [8]byte
		rand.Read(b[:])
		tok := hex.EncodeToString(b[:])
		mu.Lock()
		tokens[tok] = true
		mu.Unlock()
		respond.WriteJSON(w, 200, map[string]any{"responseCode": "2007300", "responseMessage": "Successful", "accessToken": tok, "tokenType": "Bearer", "expiresIn": 900})
	})
	mux.HandleFunc("POST /v1.0/debit/notify", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		tok := sign.StripBearer(r.Header.Get("Authorization"))
		mu.Lock()
		ok := tokens[tok]
		mu.Unlock()
		if !ok {
			respond.WriteSNAP(w, respond.SNAPCode{HTTP: 401, Service: 56, Case: 1}, "Invalid Token (B2B)")
			return
		}
		s, _ := sign.NewSNAPSymmetric([]byte(snapMerchantSecret))
		if s.Verify(r.Header.Get("X-Signature"), r.Method, r.URL.RequestURI(), tok, body, r.Header.Get("X-Timestamp")) != nil {
			respond.WriteSNAP(w, respond.SNAPCode{HTTP: 401, Service: 56, Case: 0}, "Unauthorized. Invalid Signature")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("X-External-Id")
		if prev, ok := seen[key]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Write(prev)
			return
		}
		out := []byte(`{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`)
		seen[key] = out
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSendSNAPEndToEnd(t *testing.T) {
	base := snapMerchant(t)
	env := []string{"DOKU_SECRET=" + snapMerchantSecret}
	key := shared("test_rsa_private_pkcs1.pem")
	url := base + "/v1.0/debit/notify"

	r := cli(t, env, "", "send", "--url", url, "--channel", "snap-debit", "--doku-private-key", key, "--token-url", base+"/auth/token", "--repeat", "2")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Equal(t, 2, strings.Count(r.stdout, `"responseCode":"2005600"`))

	r = cli(t, env, "", "send", "--url", url, "--channel", "snap-debit", "--token", "fixed-token")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	for _, tk := range []string{"body", "signature", "timestamp", "path", "token", "secret", "header"} {
		r = cli(t, env, "", "send", "--url", url, "--channel", "snap-debit", "--token", "fixed-token", "--tamper", tk)
		assert.Equal(t, 0, r.code, "%s: %s", tk, r.stdout+r.stderr)
		assert.Contains(t, r.stdout, "HTTP 401", tk)
	}

	// The token endpoint itself, as a channel.
	r = cli(t, nil, "", "send", "--url", base+"/auth/token", "--channel", "snap-token", "--doku-private-key", key)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "2007300")
	r = cli(t, nil, "", "send", "--url", base+"/auth/token", "--channel", "snap-token", "--doku-private-key", key, "--tamper", "signature")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "4017300")

	// A token endpoint on another host is refused.
	r = cli(t, env, "", "send", "--url", url, "--channel", "snap-debit", "--doku-private-key", key, "--token-url", "http://example.com/t")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "same host")
}
