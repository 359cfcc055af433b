package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestValidateCLI(t *testing.T) {
	good := sample(t, "samples/cards.payment_page.request.json")
	r := cli(t, nil, good, "validate", "--route", "cards.payment_page", "-")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "valid\nroute: cards.payment_page (Cards payment page, POST /credit-card/v1/payment-page)"), r.stdout)

	// A DOKU page slip: auto_redirect as a JSON boolean where the table says string.
	r = cli(t, nil, sample(t, "slips/cards_auto_redirect_boolean.json"), "validate", "--route", "cards.payment_page", "-")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "invalid: 1 field\n")
	assert.Contains(t, r.stdout, "  order.auto_redirect: ")

	// A capture picks its route from method and path; --json for machines.
	capture := "POST /credit-card/v1/payment-page HTTP/1.1\r\nContent-Type: application/json\r\n\r\n" +
		strings.Replace(good, `"invoice_number"`, `"invoice_numbr"`, 1)
	r = cli(t, nil, capture, "validate", "--json", "-")
	assert.Equal(t, 1, r.code)
	var out validateResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	assert.Equal(t, "cards.payment_page", out.Route)
	paths := []string{}
	for _, f := range out.Fields {
		paths = append(paths, f.Path)
	}
	assert.Contains(t, paths, "order.invoice_numbr", "merchant-sent requests are strict: the unknown field is named by its full path")

	// DOKU-sent responses are lenient: a numeric responseCode is accepted.
	r = cli(t, nil, sample(t, "slips/wallet_response_code_number.json"), "validate", "--route", "wallet.account_creation", "--response", "-")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)

	r = cli(t, nil, good, "validate", "--route", "no.such.route", "-")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown route "no.such.route"`)
	r = cli(t, nil, good, "validate", "-")
	assert.Equal(t, 2, r.code, "a bare body without --route has no route")

	r = cli(t, nil, "", "validate", "--list")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, len(schemas.Routes()), strings.Count(r.stdout, "\n"))
}

// DOKU's Node SDK adds additionalInfo.origin to its dana.payment body:
// validate accepts it, and names any other unknown member by full path.
func TestValidateSDKOrigin(t *testing.T) {
	body := `{"partnerReferenceNo":"INV-SDK-1","amount":{"value":"15000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP",` +
		`"successPaymentUrl":"https://merchant.example/paid","failedPaymentUrl":"https://merchant.example/failed",` +
		`"origin":{"product":"SDK","source":"NODE JS","sourceVersion":"1.0.45","system":"doku-nodejs-library","apiFormat":"SNAP"}}}`
	r := cli(t, nil, body, "validate", "--route", "dana.payment", "-")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	r = cli(t, nil, strings.Replace(body, `"apiFormat":"SNAP"`, `"apiFormat":"SNAP","extra":1`, 1), "validate", "--route", "dana.payment", "-")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "additionalInfo.origin.extra")
}
