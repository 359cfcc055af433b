package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The bearer token inside a printed string to sign is cut to its first
// and last four characters in text and --json output of verify and
// diagnose, unless --show-secrets.
func TestTokensAreRedactedInReports(t *testing.T) {
	for _, cmd := range []string{"verify", "diagnose"} {
		r := cli(t, envSNAP, "", cmd, "--json", golden("snap_valid.http"))
		require.Equal(t, 0, r.code, r.stderr)
		var v struct {
			StringToSign string `json:"stringToSign"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
		assert.Equal(t, "POST:/v1.0/debit/notify:eyJh…oken:dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:"+gTS, v.StringToSign, cmd)
		assert.NotContains(t, r.stdout, gTok, cmd)

		r = cli(t, envSNAP, "", cmd, "--json", "--show-secrets", golden("snap_valid.http"))
		require.Equal(t, 0, r.code)
		assert.Contains(t, r.stdout, gTok, "%s --show-secrets prints the token whole", cmd)
	}
	r := cli(t, envSNAP, "", "diagnose", golden("snap_unminified.http"))
	assert.Equal(t, 0, r.code)
	assert.NotContains(t, r.stdout, gTok)
	assert.Equal(t, 2, strings.Count(r.stdout, "eyJh…oken"), "protocol and sender strings both redacted")

	assert.Equal(t, "[redacted]", redactToken("short-token"))
	assert.Equal(t, "abcd…wxyz", redactToken("abcdefghijklmnopqrstuvwxyz"))
}

// A bearer token can come from a file or DOKU_ACCESS_TOKEN, so it need not
// sit in ps output; giving the flag and the file is a usage error.
func TestTokenFromFileOrEnvironment(t *testing.T) {
	args := []string{"sign", "snap", "--method", "GET", "--path", "/v1.0/example/status?referenceNo=INV-1", "--timestamp", gTS}
	const want = "6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ==\n"
	r := cli(t, append(envSNAP, "DOKU_ACCESS_TOKEN="+gTok), "", args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want, r.stdout)
	file := writeFile(t, "token", gTok+"\n")
	r = cli(t, envSNAP, "", append(args, "--token-file", file)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want, r.stdout)
	r = cli(t, envSNAP, "", append(args, "--token-file", file, "--token", gTok)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "give --token or --token-file, not both")
	r = cli(t, envSNAP, "", append(args, "--token-file", "/nonexistent/tok")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "cannot read --token-file")

	// send takes the token the same way (a wrong one is refused by the merchant).
	addr := exampleMerchant(t)
	r = cli(t, append(envSNAP, "DOKU_ACCESS_TOKEN=not.a.token.we.issued"), "", "send", "--url", "http://"+addr, "--channel", "snap-debit")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, `"responseCode":"4015601"`, "the token from the environment was sent")
	r = cli(t, envSNAP, "", "send", "--url", "http://"+addr, "--channel", "snap-debit", "--token", "x", "--token-file", file)
	assert.Equal(t, 2, r.code)
}
