package notify

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/sign"
)

// A notification claiming a negative amount is not acknowledged: no DOKU
// page defines one. SNAP answers 400xx01 naming the field, non-SNAP 400
// naming it, and the merchant's func never runs.
func TestNegativeAmountsAreRejected(t *testing.T) {
	m, d, tok := merchantWithDOKU(t)
	srv := d.url

	neg := bytes.Replace(debitBody("INV-NEG"), []byte(`"value":"10000.00"`), []byte(`"value":"-10000.00"`), 1)
	require.Contains(t, string(neg), `"-10000.00"`)
	a := d.notify(DefaultSNAPDebitPath, "EXT-NEG", neg, tok, nil)
	assert.Equal(t, reply{400, "4005601", `{"responseCode":"4005601","responseMessage":"Invalid Field Format {amount.value}"}`}, a)
	num := bytes.Replace(debitBody("INV-NEG2"), []byte(`"value":"10000.00"`), []byte(`"value":-10000`), 1)
	assert.Equal(t, "4005601", d.notify(DefaultSNAPDebitPath, "EXT-NEG2", num, tok, nil).code, "a JSON number too")

	va := []byte(`{"partnerServiceId":"   88899","customerNo":"1","virtualAccountNo":"   888991","virtualAccountName":"Jane",` +
		`"trxId":"INV-1","paymentRequestId":"P1","paidAmount":{"value":"-10000.00","currency":"IDR"},"additionalInfo":{}}`)
	a = d.notify(DefaultSNAPVAPath, "EXT-NEG3", va, tok, nil)
	assert.Equal(t, reply{400, "4002501", `{"responseCode":"4002501","responseMessage":"Invalid Field Format {paidAmount.value}"}`}, a)

	for _, amount := range []string{`-90000`, `"-90000"`, `"-90000.00"`} {
		body := `{"order":{"invoice_number":"INV-1","amount":` + amount + `},"transaction":{"status":"SUCCESS"}}`
		status, raw := nonSNAPPost(t, srv, "REQ-NEG-"+amount, body)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, `{"error":{"code":"invalid_notification","message":"the notification does not match its schema","type":"invalid_request_error",`+
			`"fields":[{"field":"order.amount","message":"must be a non-negative number"}]}}`, raw)
	}

	for ch, c := range m.effects {
		assert.EqualValues(t, 0, c.Load(), "%s ran for a negative amount", ch)
	}
	// The positive amount still passes.
	assert.Equal(t, 200, d.notify(DefaultSNAPDebitPath, "EXT-POS", debitBody("INV-POS"), tok, nil).status)
	status, raw := nonSNAPPost(t, srv, "REQ-POS", `{"order":{"invoice_number":"INV-1","amount":90000},"transaction":{"status":"SUCCESS"}}`)
	assert.Equal(t, http.StatusOK, status, raw)
}

func nonSNAPPost(t *testing.T, url, requestID, body string) (int, string) {
	t.Helper()
	s, err := sign.NewNonSNAP([]byte(nsSecret))
	require.NoError(t, err)
	ts := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	req, err := http.NewRequest(http.MethodPost, url+DefaultNonSNAPPath, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Client-Id", muxClient)
	req.Header.Set("Request-Id", requestID)
	req.Header.Set("Request-Timestamp", ts)
	req.Header.Set("Signature", s.Sign(sign.Components{ClientID: muxClient, RequestID: requestID, Timestamp: ts, Target: DefaultNonSNAPPath, Body: []byte(body)}))
	status, _, raw := send(t, req)
	return status, raw
}
