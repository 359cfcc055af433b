package dedupe_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/schemas"
)

// businessKeyCases pair a business key path the guard can read with the
// typed notification the channel decodes, and the typed value at that path.
var businessKeyCases = []struct {
	path  string
	newV  func() any
	typed func(v any) string
}{
	{"originalPartnerReferenceNo", func() any { return new(schemas.SNAPDebitNotify) },
		func(v any) string { return string(v.(*schemas.SNAPDebitNotify).OriginalPartnerReferenceNo) }},
	{"latestTransactionStatus", func() any { return new(schemas.SNAPDebitNotify) },
		func(v any) string { return string(v.(*schemas.SNAPDebitNotify).LatestTransactionStatus) }},
	{"amount.value", func() any { return new(schemas.SNAPDebitNotify) },
		func(v any) string { return string(v.(*schemas.SNAPDebitNotify).Amount.Value) }},
	{"virtualAccountNo", func() any { return new(schemas.SNAPVANotify) },
		func(v any) string { return string(v.(*schemas.SNAPVANotify).VirtualAccountNo) }},
	{"order.invoice_number", func() any { return new(schemas.NonSNAPNotification) },
		func(v any) string { return string(v.(*schemas.NonSNAPNotification).Order.InvoiceNumber) }},
	{"order.amount", func() any { return new(schemas.NonSNAPNotification) },
		func(v any) string { return string(v.(*schemas.NonSNAPNotification).Order.Amount) }},
	{"transactionId", func() any { return new(schemas.KirimNotification) },
		func(v any) string { return string(v.(*schemas.KirimNotification).TransactionID) }},
	{"referenceNo", func() any { return new(schemas.WalletDebitPaymentResponse) },
		func(v any) string { return string(v.(*schemas.WalletDebitPaymentResponse).ReferenceNo) }},
}

// FuzzBusinessKeyAgreesWithDecode: the duplicate guard's business key and
// the typed decode the channel runs read one body the same way. On every
// input both accept (a non-empty key, Decode nil), the key is the typed
// value; and a body with a duplicate key has no business key at all.
func FuzzBusinessKeyAgreesWithDecode(f *testing.F) {
	for _, glob := range []string{"notify.*.request.json", "kirim.*_notification.request.json", "wallet.debit_payment.response.json"} {
		files, _ := filepath.Glob(filepath.Join("..", "schemas", "testdata", "samples", glob))
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				for i := range businessKeyCases {
					f.Add(b, uint8(i), false)
				}
			}
		}
	}
	debit := `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"10000.00","currency":"IDR"}}`
	for _, s := range []string{
		debit,
		`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"06","latestTransactionStatus":"00"}`,
		`{"originalPartnerReferenceNo":"INV-1","originalPartnerReferenceNo":"INV-2","latestTransactionStatus":"00"}`,
		`{"OriginalPartnerReferenceNo":"INV-1","originalPartnerReferenceNo":"INV-2","latestTransactionStatus":"00"}`,
		`{"ORIGINALPARTNERREFERENCENO":"INV-1","latestTransactionStatus":"00"}`,
		`{"originalPartnerReferenceNo":"INV-1","OriginalPartnerReferenceNo":"INV-2","latestTransactionStatus":"00"}`,
		`{"originalPartnerReferenceNo":"INV\u002d1","latestTransactionStatus":"0"}`,
		`{"original\u0050artnerReferenceNo":"INV-1","originalPartnerReferenceNo":"INV-2","latestTransactionStatus":"00"}`,
		`{"originalPartnerReferenceNo":12345678901234567890,"latestTransactionStatus":0,"amount":{"value":1e3}}`,
		`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"1.00","Value":"2.00"}}`,
		`{"order":{"invoice_number":"INV-1","amount":90000},"transaction":{"status":"SUCCESS"}}`,
		`{"order":{"invoice_number":"INV-1","INVOICE_NUMBER":"INV-2"},"transaction":{"status":"SUCCESS"}}`,
		`{"order":{"invoice_number":"INV-1"},"order":{"invoice_number":"INV-2"},"transaction":{"status":"SUCCESS"}}`,
		`{"transactionId":"DK1","transactionId":"DK2"}`,
		`{"transactionId":"DK1"} {"transactionId":"DK2"}`,
		`{"responseCode":"2005400","responseMessage":"ok","referenceNo":"R1","ReferenceNo":"R2"}`,
		"{\"transactionId\":\"DK\xff1\"}",
	} {
		for i := range businessKeyCases {
			f.Add([]byte(s), uint8(i), false)
			f.Add([]byte(s), uint8(i), true)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, pick uint8, strict bool) {
		c := businessKeyCases[int(pick)%len(businessKeyCases)]
		key := dedupe.JSONKey(c.path)(nil, body)
		if schemas.CheckKeys(body) != nil && key != "" {
			t.Fatalf("%s: business key %q from a body without a single reading", c.path, key)
		}
		v := c.newV()
		if key == "" || schemas.Decode(body, v, strict) != nil {
			return
		}
		if got := c.typed(v); got != key {
			t.Fatalf("%s: the guard reads %q, the handler %q", c.path, key, got)
		}
	})
}
