package notify

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A signed notification whose body has no single reading — a key twice
// (encoding/json keeps the last: "06" then "00" reads as success) or a key
// in another case ("AMOUNT") — is refused naming the key, and the
// merchant's func does not run.
func TestNotificationsHaveOneReading(t *testing.T) {
	m, d, tok := merchantWithDOKU(t)
	srv := d.url

	dupStatus := []byte(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"06","latestTransactionStatus":"00",` +
		`"amount":{"value":"10000.00","currency":"IDR"}}`)
	assert.Equal(t, reply{400, "4005601", `{"responseCode":"4005601","responseMessage":"Invalid Field Format {latestTransactionStatus}"}`},
		d.notify(DefaultSNAPDebitPath, "EXT-DUP", dupStatus, tok, nil))
	upper := []byte(`{"originalPartnerReferenceNo":"INV-2","latestTransactionStatus":"00","AMOUNT":{"value":"10000.00","currency":"IDR"}}`)
	assert.Equal(t, reply{400, "4005601", `{"responseCode":"4005601","responseMessage":"Invalid Field Format {AMOUNT}"}`},
		d.notify(DefaultSNAPDebitPath, "EXT-UPPER", upper, tok, nil))
	nested := []byte(`{"originalPartnerReferenceNo":"INV-3","latestTransactionStatus":"00","amount":{"value":"1.00","value":"10000.00","currency":"IDR"}}`)
	assert.Equal(t, "4005601", d.notify(DefaultSNAPDebitPath, "EXT-NESTED", nested, tok, nil).code)

	status, raw := nonSNAPPost(t, srv, "REQ-DUP", `{"order":{"invoice_number":"INV-1","invoice_number":"INV-2"},"transaction":{"status":"SUCCESS"}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, `{"error":{"code":"invalid_notification","message":"the notification does not match its schema","type":"invalid_request_error",`+
		`"fields":[{"field":"order.invoice_number","message":"appears more than once in its object"}]}}`, raw)
	status, raw = nonSNAPPost(t, srv, "REQ-CASE", `{"order":{"invoice_number":"INV-1"},"transaction":{"Status":"SUCCESS"}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, `{"error":{"code":"invalid_notification","message":"the notification does not match its schema","type":"invalid_request_error",`+
		`"fields":[{"field":"transaction.Status","message":"must be spelled status (keys are matched exactly)"}]}}`, raw)

	for ch, c := range m.effects {
		assert.EqualValues(t, 0, c.Load(), "%s ran for a body with two readings", ch)
	}
}

// The token endpoint reads its body the same way: a grantType twice is
// refused (encoding/json would keep the last, so
// {"grantType":"password","grantType":"client_credentials"} got a token).
func TestTokenEndpointRejectsDuplicateKeys(t *testing.T) {
	f := newFixture(t, nil)
	for _, body := range []string{
		`{"grantType":"password","grantType":"client_credentials"}`,
		`{"grantType":"client_credentials","grantType":"client_credentials"}`,
	} {
		r := f.valid(t)
		r.body = body
		a := f.do(t, r)
		assert.Equal(t, http.StatusBadRequest, a.status, body)
		assert.Equal(t, `{"responseCode":"4007301","responseMessage":"Invalid Field Format {grantType}"}`, a.raw, body)
	}
	r := f.valid(t)
	r.body = `{"grantType":"client_credentials","additionalInfo":{"a":1,"a":2}}`
	a := f.do(t, r)
	assert.Equal(t, `{"responseCode":"4007301","responseMessage":"Invalid Field Format {additionalInfo.a}"}`, a.raw, "at any depth")
	assert.Contains(t, f.logs.String(), `"outcome":"malformed_body"`)

	req := f.valid(t)
	req.body = `{"GRANTTYPE":"client_credentials"}`
	assert.Equal(t, "4007302", f.do(t, req).body["responseCode"], "keys are matched exactly")
	require.Equal(t, http.StatusOK, f.do(t, f.valid(t)).status)
}
