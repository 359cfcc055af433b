package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/sign"
)

// simulateKeys writes a fresh merchant key pair as PEM files.
func simulateKeys(t *testing.T) (*rsa.PrivateKey, string, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return k, writeFile(t, "merchant_public.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))),
		writeFile(t, "doku_private.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})))
}

// The real binary on :0 prints the bound address first, serves DOKU's
// token endpoint, and exits 0 on SIGTERM.
func TestSimulateServesUntilSIGTERM(t *testing.T) {
	key, pubFile, _ := simulateKeys(t)
	cmd := exec.Command(binPath, "simulate", "--addr", "127.0.0.1:0", "--client-id", "BRN-1", "--merchant-public-key", pubFile)
	cmd.Env = []string{"DOKU_SNAP_SECRET=SK-snap-test"}
	stdout, stderr := testkit.Start(t, cmd)

	line, err := stdout.ReadString('\n')
	require.NoError(t, err, stderr.String())
	require.True(t, strings.HasPrefix(line, "simulate: listening on http://127.0.0.1:"), line)
	base := strings.TrimSpace(strings.TrimPrefix(line, "simulate: listening on "))
	_, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	assert.NotEqual(t, "0", port, "the port actually bound")

	ts := time.Now().Format(time.RFC3339)
	sig, err := sign.SignSNAPToken(key, "BRN-1", ts)
	require.NoError(t, err)
	req, _ := http.NewRequest("POST", base+"/authorization/v1/access-token/b2b", strings.NewReader(`{"grantType":"client_credentials"}`))
	req.Header.Set("X-CLIENT-KEY", "BRN-1")
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, string(b))
	assert.Contains(t, string(b), `"responseCode":"2007300"`)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exit 0 after SIGTERM; stderr:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("simulate did not stop on SIGTERM")
	}
	assert.Contains(t, stderr.String(), "the Cards and Akulaku routes refuse every call")
	assert.Contains(t, stderr.String(), "the Kirim DOKU routes refuse every call")
	assert.Contains(t, stderr.String(), "route=wallet.token_b2b", "one log line per request on stderr")
	assert.NotContains(t, stderr.String(), "SK-snap-test")
}

func TestSimulateExitCodes(t *testing.T) {
	_, pubFile, privFile := simulateKeys(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	base := []string{"simulate", "--client-id", "BRN-1", "--merchant-public-key", pubFile}
	secret := []string{"DOKU_SNAP_SECRET=SK-snap-test"}
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		err  string
	}{
		{"bad flag", secret, append(append([]string{}, base...), "--addr", "127.0.0.1:0", "--no-such-flag"), 2, "not defined"},
		{"no --addr", secret, base, 2, "--addr"},
		{"no SNAP secret", nil, append(append([]string{}, base...), "--addr", "127.0.0.1:0"), 2, "DOKU_SNAP_SECRET"},
		{"notify without DOKU key", secret, append(append([]string{}, base...), "--addr", "127.0.0.1:0", "--notify-url", "http://127.0.0.1:8080"), 2, "--doku-private-key"},
		{"not loopback", secret, append(append([]string{}, base...), "--addr", "0.0.0.0:0"), 2, "loopback"},
		{"cannot listen", secret, append(append([]string{}, base...), "--addr", taken.Addr().String(), "--doku-private-key", privFile), 1, "listen"},
		{"DOKU_SECRET accepted, bad Kirim key", []string{"DOKU_SECRET=SK-x", "DOKU_KIRIM_KEY=short"}, append(append([]string{}, base...), "--addr", "127.0.0.1:0"), 2, "KirimKey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, c.env, "", c.args...)
			assert.Equal(t, c.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, c.err)
			assert.Empty(t, r.stdout, "nothing on stdout unless listening")
		})
	}
	r := cli(t, nil, "", "simulate", "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "usage: doku-verify simulate --addr 127.0.0.1:PORT --client-id ID --merchant-public-key FILE")
	assert.Contains(t, r.stdout, "--auto-complete")
}
