package dokutest

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
)

// skipOrFail skips a test whose tool is missing, except in CI (CI=true),
// where a missing tool must fail the build rather than hide a test.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: .ci/run installs it)", msg)
	}
	t.Skip(msg)
}

// DOKU's official Node SDK (doku-nodejs-library from npm, installed by
// `npm ci` in dokutest/nodesdk) pointed at the simulator gets its B2B
// token, binds an account, pays with DANA and refunds, as it does against
// DOKU; its binding call on its own default path (not a route of the
// table) gets 404.
func TestNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	dir, err := filepath.Abs("nodesdk")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "doku-nodejs-library", "package.json")); err != nil {
		skipOrFail(t, "doku-nodejs-library is not installed: run npm ci in dokutest/nodesdk")
	}
	mk, _ := keys(t)
	der, err := x509.MarshalPKCS8PrivateKey(mk)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "merchant_private.pem")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))

	s := newTestServer(t, nil)
	cmd := exec.Command(node, "sdk.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOKU_BASE_URL="+s.URL, "DOKU_CLIENT_ID="+testClient, "DOKU_SNAP_SECRET="+testSecret,
		"DOKU_PRIVATE_KEY_FILE="+keyFile, "TZ=Asia/Jakarta")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	rd, stderr := testkit.Start(t, cmd)
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()

	line, err := rd.ReadString('\n')
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	var wait struct{ WaitingForCompletion string }
	require.NoError(t, json.Unmarshal([]byte(line), &wait), line)
	if wait.WaitingForCompletion == "" {
		t.Fatalf("the SDK script stopped before the payment: %s\nstderr:\n%s", line, stderr.String())
	}
	require.NoError(t, s.Complete(wait.WaitingForCompletion, StatusSuccess), line)
	_, err = io.WriteString(stdin, "go\n")
	require.NoError(t, err)
	line, err = rd.ReadString('\n')
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	require.NoError(t, cmd.Wait(), "stdout: %s\nstderr:\n%s", line, stderr.String())

	var out struct {
		Steps     map[string]map[string]any
		Reference string
		Fatal     string
	}
	require.NoError(t, json.Unmarshal([]byte(line), &out), line)
	require.Empty(t, out.Fatal)
	st := out.Steps
	assert.Equal(t, "2007300", st["token"]["responseCode"], line)
	assert.Equal(t, "Bearer", st["token"]["tokenType"])
	assert.EqualValues(t, 404, st["bindingDefaultPath"]["status"], "the SDK's direct-debit binding path is not a route of the table: %s", line)
	assert.Equal(t, "2000700", st["binding"]["responseCode"], line)
	assert.NotEmpty(t, st["binding"]["linkId"])
	assert.Equal(t, "2000800", st["bindingInquiry"]["responseCode"], line)
	assert.Equal(t, true, st["bindingInquiry"]["hasAuthCode"])
	assert.Equal(t, "2000500", st["payment"]["responseCode"], line)
	assert.Equal(t, out.Reference, st["payment"]["partnerReferenceNo"], "the SDK reads the lower-case partnerReferenceNo")
	assert.Equal(t, "2000700", st["refund"]["responseCode"], line)
	assert.EqualValues(t, 404, st["refundTooMuch"]["status"])
	assert.Equal(t, "4045813", st["refundTooMuch"]["responseCode"])

	p, ok := s.Payment(out.Reference)
	require.True(t, ok)
	assert.Equal(t, "5000.00", p.Refunded)
	var sawOrigin, sawB2B2C bool
	for _, r := range s.Requests() {
		sawOrigin = sawOrigin || (r.Route == "dana.payment" && strings.Contains(r.Body, `"origin":{`))
		sawB2B2C = sawB2B2C || (r.Route == "wallet.token_b2b2c" && r.Status == 200)
		assert.NotContains(t, r.Body, testSecret)
	}
	assert.True(t, sawOrigin, "the SDK's additionalInfo.origin reached the DANA route and was accepted")
	assert.True(t, sawB2B2C, "the SDK exchanged the authCode for a B2B2C token")
}
