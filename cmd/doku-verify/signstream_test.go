package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/sign"
)

// A body several times the BodyHasher's buffer, from a file and from
// stdin, signs exactly as the one-shot library signer signs it, and an
// invalid one is refused with the body offset.
func TestSignSNAPStreamsLargeBody(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\n  \"items\": [\n")
	for i := 0; b.Len() < 300<<10; i++ {
		b.WriteString(`    { "sku": "SKU \"` + strings.Repeat("x", i%13) + `\" caf\u00e9", "qty": 1.5e-2, "ok": true, "n": null },` + "\n")
	}
	b.WriteString("    {}\n  ]\n}\n")
	body := b.String()
	s, err := sign.NewSNAPSymmetric([]byte("SK-snap-secret-123"))
	require.NoError(t, err)
	want, err := s.Sign("POST", "/v1.0/debit/notify", "TOKEN", []byte(body), "2024-01-01T12:00:00+07:00")
	require.NoError(t, err)
	env := []string{"DOKU_SECRET=SK-snap-secret-123"}
	args := []string{"sign", "snap", "--method", "POST", "--path", "/v1.0/debit/notify", "--token", "TOKEN", "--timestamp", "2024-01-01T12:00:00+07:00", "--body"}

	r := cli(t, env, "", append(args, writeFile(t, "big.json", body))...)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, want+"\n", r.stdout)
	r = cli(t, env, body, append(args, "-")...)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, want+"\n", r.stdout)

	// A stray ']' after a comma, past the first buffers.
	at := 200<<10 + strings.Index(body[200<<10:], "\n") + 1
	bad := body[:at] + "]" + body[at:]
	r = cli(t, env, bad, append(args, "-")...)
	assert.Equal(t, exitUsage, r.code)
	_, werr := sign.BodyHash([]byte(bad))
	require.Error(t, werr)
	assert.Equal(t, "doku-verify sign snap: --body is not valid JSON, which SNAP needs to minify it: "+werr.Error()+"\n", r.stderr)
	assert.Contains(t, r.stderr, fmt.Sprintf("at offset %d: invalid character looking for beginning of value", at))
}
