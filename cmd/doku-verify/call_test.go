package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
)

const callNonSNAPSecret = "SK-nonsnap-secret-123"

// exampleSimulator is a simulated DOKU with the shipped TEST-ONLY keys and
// the README's secrets; it returns its host:port.
func exampleSimulator(t *testing.T) string {
	return strings.TrimPrefix(callSim(t).URL, "http://")
}

func callSim(t *testing.T) *dokutest.Server {
	t.Helper()
	pub, err := sign.ParsePublicKey(testvectors.MustRead(testvectors.PublicSPKI))
	require.NoError(t, err)
	s, err := dokutest.NewServer(dokutest.Config{ClientID: "DOKU-TEST-CLIENT", MerchantPublicKey: pub, SNAPSecret: []byte("SK-snap-secret-123"),
		NonSNAPSecret: []byte(callNonSNAPSecret), KirimKey: []byte("0123456789abcdef")})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

var callEnv = []string{"DOKU_SNAP_SECRET=SK-snap-secret-123", "DOKU_NONSNAP_SECRET=" + callNonSNAPSecret}

func callArgs(s *dokutest.Server, extra ...string) []string {
	return append([]string{"call", "--base-url", s.URL, "--client-id", "DOKU-TEST-CLIENT", "--private-key", shared(testvectors.PrivatePKCS8)}, extra...)
}

func samplePath(route string) string {
	return filepath.Join("..", "..", "schemas", "testdata", "samples", route+".request.json")
}

func seen(s *dokutest.Server, route string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Route == route {
			n++
		}
	}
	return n
}

func TestCallExit0(t *testing.T) {
	s := callSim(t)
	r := cli(t, callEnv, "", callArgs(s, "--body", samplePath("dana.payment"), "--device-id", "D1", "dana.payment")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &body), "stdout is DOKU's body")
	assert.Equal(t, "2000500", body["responseCode"])

	// The route may come first, and --json has the contract's shape.
	args := append([]string{"call", "kirim.balance_inquiry"}, callArgs(s, "--body", "-", "--json")[1:]...)
	sampleBody, err := os.ReadFile(samplePath("kirim.balance_inquiry"))
	require.NoError(t, err)
	r = cli(t, callEnv, string(sampleBody), args...)
	require.Equal(t, 0, r.code, r.stderr)
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	keys := []string{}
	for k := range out {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"route", "status", "responseCode", "ok", "attempts", "body"}, keys)
	assert.JSONEq(t, `"kirim.balance_inquiry"`, string(out["route"]))
	assert.JSONEq(t, `200`, string(out["status"]))
	assert.JSONEq(t, `"2001100"`, string(out["responseCode"]))
	assert.JSONEq(t, `true`, string(out["ok"]))
	assert.JSONEq(t, `1`, string(out["attempts"]))
	assert.Contains(t, string(out["body"]), `"responseCode":"2001100"`)

	// Non-SNAP: signed with DOKU_NONSNAP_SECRET, answer verified.
	r = cli(t, callEnv, "", callArgs(s, "--body", samplePath("cards.payment_page"), "cards.payment_page")...)
	assert.Equal(t, 0, r.code, r.stderr)
}

func TestCallExit1(t *testing.T) {
	s := callSim(t)
	// DOKU answers an error: a refund of a payment it never saw.
	r := cli(t, callEnv, "", callArgs(s, "--body", samplePath("dana.refund"), "--device-id", "D1", "--json", "dana.refund")...)
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `^doku-verify call: dana\.refund: HTTP 404 responseCode 4045801 .*\n$`, r.stderr)
	var out struct {
		OK     bool            `json:"ok"`
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.False(t, out.OK)
	assert.Equal(t, 404, out.Status)
	assert.Contains(t, string(out.Body), "4045801", "DOKU's body is printed")

	// A wrongly signed non-SNAP answer.
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "cards.payment_page", BadSignature: true}))
	r = cli(t, callEnv, "", callArgs(s, "--body", samplePath("cards.payment_page"), "cards.payment_page")...)
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `^doku-verify call: cards\.payment_page: HTTP 200: the response Signature does not verify\n$`, r.stderr)

	// A payment answered 500: outcome unknown, not resent.
	require.NoError(t, s.InjectFault(dokutest.Fault{Route: "kirim.transfer_bank", Status: 500}))
	r = cli(t, callEnv, "", callArgs(s, "--body", samplePath("kirim.transfer_bank"), "kirim.transfer_bank")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "doku-verify call: kirim.transfer_bank: outcome UNKNOWN (HTTP 500): not resent; ask kirim.qr_mpm_status")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"))
	assert.Equal(t, 1, seen(s, "kirim.transfer_bank"))
}

func TestCallExit2(t *testing.T) {
	s := callSim(t)
	usageErrors(t, []usageCase{
		{"no base url", callEnv, []string{"call", "--client-id", "X", "--body", samplePath("kirim.balance_inquiry"), "kirim.balance_inquiry"}, "missing --base-url or --env"},
		{"bad env", callEnv, []string{"call", "--env", "staging", "--client-id", "X", "--body", samplePath("kirim.balance_inquiry"), "kirim.balance_inquiry"}, "--env must be sandbox or production"},
		{"no route", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry")), "missing ROUTE"},
		{"unknown route", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "nope"), `unknown route "nope"`},
		{"token route", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "wallet.token_b2b"), "not callable: the client gets access tokens itself (hint:"},
		{"b2b2c token", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "wallet.token_b2b2c"), "not callable"},
		{"notification", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "notify.snap_debit"), "not a merchant-to-DOKU route"},
		{"schema", callEnv, callArgs(s, "--body", samplePath("dana.refund"), "kirim.balance_inquiry"), "does not match the route's request schema (nothing sent)"},
		{"device id", callEnv, callArgs(s, "--body", samplePath("dana.payment"), "dana.payment"), "pass --device-id"},
		{"auth code", callEnv, callArgs(s, "--body", samplePath("wallet.balance_inquiry"), "wallet.balance_inquiry"), "pass --auth-code"},
		{"no body", callEnv, callArgs(s, "kirim.balance_inquiry"), "--body"},
		{"bad token cache", callEnv, callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "--token-cache", "memcached://x", "kirim.balance_inquiry"), "--token-cache must be redis://"},
		{"bad flag", callEnv, callArgs(s, "--nope", "kirim.balance_inquiry"), ""},
	})
	r := cli(t, nil, "", callArgs(s, "--body", samplePath("kirim.balance_inquiry"), "kirim.balance_inquiry")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "missing secret: set DOKU_SNAP_SECRET")
	assert.Zero(t, seen(s, "kirim.balance_inquiry")+seen(s, "dana.payment")+seen(s, "wallet.balance_inquiry"), "nothing was sent")

	// Nobody listening: a network error before anything was sent.
	s.Close()
	r = cli(t, callEnv, "", callArgs(s, "--body", samplePath("cards.payment_page"), "--json", "cards.payment_page")...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "doku-verify call: cards.payment_page: ")
}

// --auth-code is exchanged once; with --token-cache the next process finds
// the customer's token (and the B2B token) in Redis: an authCode is single
// use, so a second exchange would fail.
func TestCallAuthCodeAndTokenCache(t *testing.T) {
	rs := redistest.Start(t)
	cache := "redis://" + rs.Addr() + "/0"
	s := callSim(t)
	bindBody := writeFile(t, "bind.json", `{"partnerReferenceNo":"BIND-CLI-1","redirectUrl":"https://merchant.example/bound","successParams":{"accountId":"1120349999"}}`)
	r := cli(t, callEnv, "", callArgs(s, "--token-cache", cache, "--body", bindBody, "wallet.binding")...)
	require.Equal(t, 0, r.code, r.stderr)
	inq := writeFile(t, "inq.json", `{"partnerReferenceNo":"INQ-CLI-1","additionalInfo":{"accountId":"1120349999"}}`)
	r = cli(t, callEnv, "", callArgs(s, "--token-cache", cache, "--body", inq, "wallet.binding_inquiry")...)
	require.Equal(t, 0, r.code, r.stderr)
	var ans struct {
		AdditionalInfo struct {
			AuthCode string `json:"authCode"`
		} `json:"additionalInfo"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ans))
	require.NotEmpty(t, ans.AdditionalInfo.AuthCode)
	for range 2 {
		r = cli(t, callEnv, "", callArgs(s, "--token-cache", cache, "--auth-code", ans.AdditionalInfo.AuthCode, "--body", samplePath("wallet.balance_inquiry"), "wallet.balance_inquiry")...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.NotContains(t, r.stdout+r.stderr, ans.AdditionalInfo.AuthCode)
	}
	kinds := map[string]int{}
	for _, tok := range s.Tokens() {
		kinds[tok.Kind]++
	}
	assert.Equal(t, 1, kinds[dokutest.TokenB2B], "one B2B token across four processes")
	assert.Equal(t, 1, kinds[dokutest.TokenB2B2C], "the authCode was exchanged once")

	// A used authCode without the cache: DOKU refuses the exchange, exit 1.
	r = cli(t, callEnv, "", callArgs(s, "--auth-code", ans.AdditionalInfo.AuthCode, "--body", samplePath("wallet.balance_inquiry"), "wallet.balance_inquiry")...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "wallet.token_b2b2c answered HTTP 401 responseCode 4017401")
}
