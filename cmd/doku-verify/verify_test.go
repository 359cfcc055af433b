package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/capture"
	"github.com/dokukit/dokukit/sign"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite cmd/doku-verify/testdata captures")

// Secrets of the golden captures: docs/protocol.md's published test values.
var (
	envSNAP    = []string{"DOKU_SECRET=SK-snap-secret-123"}
	envNonSNAP = []string{"DOKU_SECRET=SK-hCJ42G28TA0MKG9LE2E"}
	envKirim   = []string{"DOKU_SECRET=0123456789abcdef"}
)

const (
	gTok  = "eyJhbGciOiJSUzI1NiJ9.test.token"
	gTS   = "2024-01-01T12:00:00+07:00"
	gNow  = "2024-01-01T12:01:00+07:00"
	notif = `{"originalPartnerReferenceNo":"INV-001","latestTransactionStatus":"00","amount":{"value":"5000.00","currency":"IDR"}}`
	nsB   = `{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`
)

func golden(name string) string { return filepath.Join("testdata", name) }

// goldenCaptures builds every capture from the published vectors, so
// -update-golden reproduces the checked-in files byte for byte.
func goldenCaptures(t *testing.T) map[string][]byte {
	t.Helper()
	snap, _ := sign.NewSNAPSymmetric([]byte("SK-snap-secret-123"))
	ns, _ := sign.NewNonSNAP([]byte("SK-hCJ42G28TA0MKG9LE2E"))
	privB, err := os.ReadFile(shared("test_rsa_private_pkcs8.pem"))
	require.NoError(t, err)
	priv, err := sign.ParsePrivateKey(privB)
	require.NoError(t, err)
	pretty, err := os.ReadFile(shared("debit_notify_body.json"))
	require.NoError(t, err)

	snapReq := func(body []byte, sig string) *capture.Request {
		return &capture.Request{Method: "POST", Target: "/v1.0/debit/notify", Header: http.Header{
			"Host": {"shop.example"}, "Content-Type": {"application/json"}, "Authorization": {"Bearer " + gTok},
			"X-Timestamp": {gTS}, "X-Partner-Id": {"DOKU"}, "X-External-Id": {"41807553358950093184162180797837"}, "Channel-Id": {"DOKU"},
			"X-Signature": {sig}}, Body: body}
	}
	out := map[string][]byte{}
	sig, _ := snap.Sign("POST", "/v1.0/debit/notify", gTok, pretty, gTS)
	out["snap_valid.http"] = snapReq(pretty, sig).Raw()

	// HAR of the same request.
	har := map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{map[string]any{"request": map[string]any{
		"method": "POST", "url": "https://shop.example/v1.0/debit/notify", "httpVersion": "HTTP/1.1",
		"headers": []any{
			map[string]string{"name": "authorization", "value": "Bearer " + gTok},
			map[string]string{"name": "x-timestamp", "value": gTS},
			map[string]string{"name": "x-partner-id", "value": "DOKU"},
			map[string]string{"name": "x-external-id", "value": "41807553358950093184162180797837"},
			map[string]string{"name": "x-signature", "value": sig},
		},
		"postData": map[string]string{"mimeType": "application/json", "text": string(pretty)},
	}}}}}
	out["snap_valid.har"], _ = json.MarshalIndent(har, "", "  ")

	// The sender hashed the pretty body without minifying it.
	rawHash := sha256.Sum256(pretty)
	sts := "POST:/v1.0/debit/notify:" + gTok + ":" + hexs(rawHash[:]) + ":" + gTS
	out["snap_unminified.http"] = snapReq(pretty, string(snap.AppendSignString(nil, []byte(sts)))).Raw()
	// One body byte changed after signing: nothing explains it.
	out["snap_tampered.http"] = snapReq([]byte(strings.Replace(string(pretty), "5000.00", "9000.00", 1)), sig).Raw()

	rsaSig, _ := sign.SignSNAPRSA(priv, "POST", "/v1.0/debit/notify", pretty, gTS)
	r := snapReq(pretty, rsaSig)
	r.Header.Del("Authorization")
	out["snap_rsa_valid.http"] = r.Raw()

	tokSig, _ := sign.SignSNAPToken(priv, "BRN-0001-1700000000000", gTS)
	out["token_valid.http"] = (&capture.Request{Method: "POST", Target: "/authorization/v1/access-token/b2b", Header: http.Header{
		"X-Client-Key": {"BRN-0001-1700000000000"}, "X-Timestamp": {gTS}, "X-Signature": {tokSig}, "Content-Type": {"application/json"}},
		Body: []byte(`{"grantType":"client_credentials"}`)}).Raw()

	nsReq := func(target string, sig string) *capture.Request {
		return &capture.Request{Method: "POST", Target: target, Header: http.Header{
			"Client-Id": {"MCH-0001-10791114622547"}, "Request-Id": {"cc682442-6c22-493e-8121-b9ef6b3fa728"},
			"Request-Timestamp": {"2020-10-21T03:38:28Z"}, "Signature": {sig}}, Body: []byte(nsB)}
	}
	c := sign.Components{ClientID: "MCH-0001-10791114622547", RequestID: "cc682442-6c22-493e-8121-b9ef6b3fa728", Timestamp: "2020-10-21T03:38:28Z", Target: "/credit-card/v1/payment-page", Body: []byte(nsB)}
	// LF line endings and an editor's trailing newline after the body.
	lf := strings.ReplaceAll(string(nsReq("/credit-card/v1/payment-page?via=proxy", ns.Sign(c)).Raw()), "\r\n", "\n") + "\n"
	out["nonsnap_valid_lf.http"] = []byte(lf)
	comp := strings.ReplaceAll(string(sign.AppendComponent(nil, c)), "\n", `\n`)
	out["nonsnap_literal_newline.http"] = nsReq("/credit-card/v1/payment-page", string(ns.AppendSignString(nil, []byte(comp)))).Raw()
	chunked := nsReq("/credit-card/v1/payment-page", ns.Sign(c))
	raw := strings.Replace(string((&capture.Request{Method: chunked.Method, Target: chunked.Target, Header: chunked.Header}).Raw()), "\r\n\r\n", "\r\nTransfer-Encoding: chunked\r\n\r\n", 1)
	out["nonsnap_chunked.http"] = []byte(raw + "20\r\n" + nsB[:32] + "\r\n" + hexLen(len(nsB)-32) + "\r\n" + nsB[32:] + "\r\n0\r\n\r\n")

	ksig, _ := sign.KirimSignature([]byte("0123456789abcdef"), "A41418", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485")
	kreq := func(rid string) []byte {
		return (&capture.Request{Method: "POST", Target: "/kirim/unpaid", Header: http.Header{
			"Requestid": {rid}, "Agentkey": {"A41418"}, "Signature": {ksig}, "Content-Type": {"application/json"}},
			Body: []byte(`{"transactionId":"DK0018353","invoiceNumber":"I088787987870912","transactionStatus":"50","activityCode":"200","message":"Transaction is Success","processDate":"2024-01-12T07:30:12","createdTime":"1699520040340"}`)}).Raw()
	}
	out["kirim_valid.http"] = kreq("fd53b1e3-9c35-4dfa-a95ca8dbc5695485")
	out["kirim_wrong_request_id.http"] = kreq("fd53b1e3-9c35-4dfa-a95ca8dbc5695486")

	out["truncated.http"] = []byte("POST /v1.0/debit/notify HTTP/1.1\r\nX-SIGNATURE: x\r\nX-TIMESTAMP: " + gTS + "\r\nContent-Length: 500\r\n\r\n" + notif)
	return out
}

func hexs(b []byte) string {
	const h = "0123456789abcdef"
	o := make([]byte, 0, 2*len(b))
	for _, c := range b {
		o = append(o, h[c>>4], h[c&15])
	}
	return string(o)
}

func hexLen(n int) string { return strings.TrimLeft(hexs([]byte{byte(n >> 8), byte(n)}), "0") }

// The checked-in goldens are exactly what the vectors produce (so a change
// in signing or rendering shows up here), or are rewritten with
// -update-golden.
func TestGoldenCapturesUpToDate(t *testing.T) {
	for name, want := range goldenCaptures(t) {
		if *updateGolden {
			require.NoError(t, os.WriteFile(golden(name), want, 0o644))
			continue
		}
		got, err := os.ReadFile(golden(name))
		require.NoError(t, err, "run go test ./cmd/doku-verify -run Golden -update-golden")
		assert.Equal(t, string(want), string(got), name)
	}
}

// goldenCase is one run of a command on a testdata capture: its exit code,
// the start of its first line, what stdout contains, and what stderr
// contains ("": nothing at all). No run prints the secret.
type goldenCase struct {
	file      string
	env       []string
	args      []string
	code      int
	first     string
	more      []string
	stderrHas string
}

func (c goldenCase) check(t *testing.T, r cliResult) {
	t.Helper()
	assert.Equal(t, c.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	first, _, _ := strings.Cut(r.stdout, "\n")
	assert.True(t, strings.HasPrefix(first, c.first), "first line %q, want %q", first, c.first)
	for _, m := range c.more {
		assert.Contains(t, r.stdout, m)
	}
	if c.stderrHas != "" {
		assert.Contains(t, r.stderr, c.stderrHas)
	} else {
		assert.Empty(t, r.stderr)
	}
	for _, e := range c.env {
		assert.NotContains(t, r.stdout+r.stderr, strings.TrimPrefix(e, "DOKU_SECRET="))
	}
}

func TestVerifyGolden(t *testing.T) {
	pub := shared("test_rsa_public_spki.pem")
	cases := []goldenCase{
		{"snap_valid.http", envSNAP, nil, 0, "valid", []string{"scheme: snap", "timestamp: 2024-01-01T12:00:00+07:00 (age 1m0s)", "stringToSign: POST:/v1.0/debit/notify:eyJh…oken:dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:" + gTS}, ""},
		{"snap_valid.http", envSNAP, []string{"--show-secrets"}, 0, "valid", []string{"stringToSign: POST:/v1.0/debit/notify:" + gTok + ":dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:" + gTS}, ""},
		{"snap_valid.har", envSNAP, nil, 0, "valid", []string{"scheme: snap"}, ""},
		{"snap_unminified.http", envSNAP, nil, 1, "invalid: signature mismatch", []string{"scheme: snap"}, ""},
		{"snap_tampered.http", envSNAP, nil, 1, "invalid: signature mismatch", nil, ""},
		{"snap_valid.http", []string{"DOKU_SECRET=wrong"}, nil, 1, "invalid: signature mismatch", nil, ""},
		{"snap_rsa_valid.http", nil, []string{"--public-key", pub}, 0, "valid", []string{"scheme: snap-rsa", "stringToSign: POST:/v1.0/debit/notify:dbbcf244"}, ""},
		{"token_valid.http", nil, []string{"--public-key", pub}, 0, "valid", []string{"scheme: token", "stringToSign: BRN-0001-1700000000000|" + gTS}, ""},
		// snap-token is the spelling help shows; token, the older one, still works.
		{"token_valid.http", nil, []string{"--scheme", "snap-token", "--public-key", pub}, 0, "valid", []string{"scheme: token"}, ""},
		{"token_valid.http", nil, []string{"--scheme", "token", "--public-key", pub}, 0, "valid", []string{"scheme: token"}, ""},
		{"nonsnap_valid_lf.http", envNonSNAP, nil, 0, "valid", []string{"scheme: nonsnap", `Request-Target:/credit-card/v1/payment-page\n`}, "1 byte(s) after Content-Length"},
		{"nonsnap_valid_lf.http", envNonSNAP, []string{"--target", "/credit-card/v1/payment-page?via=proxy"}, 1, "invalid: signature mismatch", nil, "after Content-Length"},
		{"nonsnap_chunked.http", envNonSNAP, nil, 0, "valid", nil, ""},
		{"nonsnap_literal_newline.http", envNonSNAP, nil, 1, "invalid: signature mismatch", nil, ""},
		{"kirim_valid.http", envKirim, nil, 0, "valid", []string{"scheme: kirim", "timestamp: none (Kirim DOKU signs no timestamp)"}, ""},
		{"kirim_wrong_request_id.http", envKirim, nil, 1, "invalid: signature mismatch", nil, ""},
		{"snap_valid.http", envSNAP, []string{"--max-skew", "30s"}, 1, "invalid: timestamp is 1m0s old, beyond --max-skew 30s", nil, ""},
		{"snap_valid.http", envSNAP, []string{"--max-skew", "5m", "--now", "2024-01-01T04:50:00Z"}, 1, "invalid: timestamp is 10m0s in the future", nil, ""},
		{"snap_valid.http", envSNAP, []string{"--max-skew", "5m"}, 0, "valid", nil, ""},
		{"snap_valid.http", envSNAP, []string{"--scheme", "nonsnap"}, 1, "invalid: missing header Client-Id", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.file+" "+strings.Join(c.args, " "), func(t *testing.T) {
			args := append([]string{"verify", "--now", gNow}, c.args...)
			if c.file == "snap_valid.http" && len(c.args) == 2 && c.args[0] == "--max-skew" && c.args[1] == "5m" {
				// flags after the positional argument are honoured too
				args = []string{"verify", golden(c.file), "--now", gNow, "--max-skew", "5m"}
			} else {
				args = append(args, golden(c.file))
			}
			c.check(t, cli(t, c.env, "", args...))
		})
	}
}

func TestVerifyJSON(t *testing.T) {
	data, err := os.ReadFile(golden("snap_unminified.http"))
	require.NoError(t, err)
	r := cli(t, envSNAP, string(data), "verify", "--json", "--now", gNow, "-")
	require.Equal(t, 1, r.code, r.stderr)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), r.stdout)
	assert.Equal(t, false, v["valid"])
	assert.Equal(t, "snap", v["scheme"])
	assert.Contains(t, v["reason"], "signature mismatch")
	assert.Contains(t, v["stringToSign"], "POST:/v1.0/debit/notify:")
	assert.Equal(t, "1m0s", v["timestampAge"])
	assert.Equal(t, 60.0, v["timestampAgeSeconds"])
	assert.Equal(t, 1, strings.Count(r.stdout, "\n"), "one JSON object on one line")

	// Never the expected signature: compute it and look for it.
	expected := base64.StdEncoding.EncodeToString(hmacSum([]byte("SK-snap-secret-123"), []byte(v["stringToSign"].(string))))
	assert.NotContains(t, r.stdout, expected)
	assert.NotContains(t, r.stdout, "SK-snap-secret-123")
}

func hmacSum(key, msg []byte) []byte {
	m := hmac.New(sha512.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func TestVerifyUsageErrors(t *testing.T) {
	usageErrors(t, []usageCase{
		{"no capture", envSNAP, []string{"verify"}, "exactly one CAPTURE"},
		{"two captures", envSNAP, []string{"verify", "a", "b"}, "exactly one CAPTURE"},
		{"unreadable", envSNAP, []string{"verify", "/nonexistent/cap.http"}, "cannot read capture: /nonexistent/cap.http"},
		{"truncated", envSNAP, []string{"verify", golden("truncated.http")}, "truncated body"},
		{"no secret", nil, []string{"verify", golden("snap_valid.http")}, "missing secret"},
		{"rsa without key", nil, []string{"verify", golden("token_valid.http")}, "needs --public-key"},
		{"bad scheme", envSNAP, []string{"verify", "--scheme", "md5", golden("snap_valid.http")}, `unknown --scheme "md5"`},
		{"bad now", envSNAP, []string{"verify", "--now", "yesterday", golden("snap_valid.http")}, "--now"},
		{"bad flag", envSNAP, []string{"verify", "--frob"}, "flag provided but not defined"},
		{"diagnose truncated", envSNAP, []string{"diagnose", golden("truncated.http")}, "truncated body"},
	})
}

func signSNAPForTest(t *testing.T, secret, method, path, token, body, ts string) string {
	t.Helper()
	s, err := sign.NewSNAPSymmetric([]byte(secret))
	require.NoError(t, err)
	sig, err := s.Sign(method, path, token, []byte(body), ts)
	require.NoError(t, err)
	return sig
}
