package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiagnoseGolden(t *testing.T) {
	cases := []goldenCase{
		{"snap_valid.http", envSNAP, nil, 0, "valid", nil, ""},
		{"snap_unminified.http", envSNAP, nil, 0, "explained: the sender hashed the body without minifying it", []string{"mistakes: body-raw", "stringToSign (sender):   POST:/v1.0/debit/notify:"}, ""},
		{"snap_tampered.http", envSNAP, nil, 1, "unexplained: no known mistake reproduces the signature", []string{"candidates tried:"}, ""},
		{"nonsnap_literal_newline.http", envNonSNAP, nil, 0, "explained: the sender joined the component lines with a literal backslash-n", []string{"mistakes: component-literal-n", `Client-Id:MCH-0001-10791114622547\\nRequest-Id`}, ""},
		{"nonsnap_valid_lf.http", envNonSNAP, []string{"--target", "/shop/credit-card/v1/payment-page"}, 0, "explained: the sender signed the path without the /shop prefix", nil, "1 byte(s) after Content-Length"},
		{"kirim_wrong_request_id.http", envKirim, nil, 1, "unexplained:", nil, ""},
		{"snap_valid.http", envSNAP, []string{"--max-skew", "10s"}, 0, "explained: the signature is valid; the request was rejected because timestamp is 1m0s old", nil, ""},
		// The header named is the one verify names for the same capture.
		{"snap_valid.http", envSNAP, []string{"--scheme", "nonsnap"}, 1, "unexplained: the capture lacks a header the scheme needs: Client-Id", []string{"verify: invalid: missing header Client-Id"}, ""},
	}
	for _, c := range cases {
		t.Run(c.file+" "+strings.Join(c.args, " "), func(t *testing.T) {
			args := append(append([]string{"diagnose", "--now", gNow}, c.args...), golden(c.file))
			c.check(t, cli(t, c.env, "", args...))
		})
	}
}

// --alt-token and --route-pattern feed the variants that need inputs the
// capture lacks; the capture arrives on stdin as a HAR file.
func TestDiagnoseAltTokenAndRoute(t *testing.T) {
	// Signed with a token the merchant fetched and the route pattern.
	body := `{"a":1}`
	sig := signSNAPForTest(t, "SK-snap-secret-123", "POST", "/notify/{channel}", "fetched-token", body, gTS)
	har := `{"log":{"entries":[{"request":{"method":"POST","url":"http://127.0.0.1/notify/debit","headers":[` +
		`{"name":"Authorization","value":"Bearer received-token"},{"name":"X-TIMESTAMP","value":"` + gTS + `"},{"name":"X-SIGNATURE","value":"` + sig + `"},` +
		`{"name":"X-PARTNER-ID","value":"DOKU-TEST-CLIENT"},{"name":"X-EXTERNAL-ID","value":"41807553358950093184162180797837"}],` +
		`"postData":{"mimeType":"application/json","text":"{\"a\":1}"}}}]}}`
	r := cli(t, envSNAP, har, "diagnose", "--json", "-", "--alt-token", "Bearer fetched-token", "--route-pattern", "/notify/{channel}")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &d))
	assert.Equal(t, true, d["explained"])
	assert.Equal(t, false, d["valid"])
	assert.Equal(t, []any{"path-route", "token-alt"}, d["mistakes"])
	assert.Contains(t, d["explanation"], "route pattern /notify/{channel}")
	assert.Contains(t, d["explanation"], "--alt-token")

	// Without the flags nothing explains it.
	r = cli(t, envSNAP, har, "diagnose", "-")
	assert.Equal(t, 1, r.code, r.stdout)
}
