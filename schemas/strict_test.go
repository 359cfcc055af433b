package schemas

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const debitOK = `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DOKU_SNAP"}}`

// A body encoding/json would read one way and an exact, first-key reader
// another is rejected, naming the key, in lenient and strict mode alike.
func TestDecodeHasOneReading(t *testing.T) {
	cases := []struct {
		name, body, path, rule string
		sentinel               error
	}{
		{"duplicate status, last wins in encoding/json", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"06","latestTransactionStatus":"00","amount":{"value":"1.00"}}`,
			"latestTransactionStatus", "duplicate", ErrDuplicateKey},
		{"duplicate nested", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"1.00","value":"99999.00"}}`,
			"amount.value", "duplicate", ErrDuplicateKey},
		{"duplicate inside a free-form object", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"1.00"},"additionalInfo":{"x":{"a":1,"a":2}}}`,
			"additionalInfo.x.a", "duplicate", ErrDuplicateKey},
		{"duplicate spelled with an escape", `{"originalPartnerReferenceNo":"INV-1","original\u0050artnerReferenceNo":"INV-2","latestTransactionStatus":"00","amount":{"value":"1.00"}}`,
			"originalPartnerReferenceNo", "duplicate", ErrDuplicateKey},
		{"duplicate through invalid UTF-8 (both read as U+FFFD)", "{\"originalPartnerReferenceNo\":\"INV-1\",\"latestTransactionStatus\":\"00\",\"amount\":{\"value\":\"1.00\"},\"\xff\":1,\"\xfe\":2}",
			"\uFFFD", "duplicate", ErrDuplicateKey},
		{"upper-case key", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","AMOUNT":{"value":"-1.00"}}`,
			"AMOUNT", "case", ErrKeyCase},
		{"nested other case", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"Value":"1.00"}}`,
			"amount.Value", "case", ErrKeyCase},
		{"Unicode fold (long s)", `{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"1.00"},"tranſactionStatusDesc":"x"}`,
			"tranſactionStatusDesc", "case", ErrKeyCase},
	}
	for _, c := range cases {
		for _, strict := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				var n SNAPDebitNotify
				err := Decode([]byte(c.body), &n, strict)
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.ErrorIs(t, err, c.sentinel)
				assert.False(t, ve.Malformed)
				require.Len(t, ve.Fields, 1, "reported alone")
				assert.Equal(t, c.path, ve.Fields[0].Path)
				assert.Equal(t, c.rule, ve.Fields[0].Rule)
			})
		}
	}
	var n SNAPDebitNotify
	err := Decode([]byte(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","AMOUNT":{}}`), &n, false)
	assert.EqualError(t, err, "schemas: invalid message: AMOUNT: must be spelled amount (keys are matched exactly)")
	err = Decode([]byte(`{"a":1,"a":2}`), &n, false)
	assert.EqualError(t, err, "schemas: invalid message: a: appears more than once in its object")

	require.NoError(t, Decode([]byte(debitOK), &n, false))
	assert.Equal(t, "10000.00", string(n.Amount.Value))
}

// Keys are checked in arrays, in OneOrMany lists and single objects, and in
// the wire form of a type with its own UnmarshalJSON.
func TestDecodeOneReadingEverywhere(t *testing.T) {
	var cards CardsPaymentResponse
	err := Decode([]byte(`{"order":{"line_items":[{"price":1},{"price":1,"price":2}]}}`), &cards, false)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "order.line_items[1].price", ve.Fields[0].Path)
	assert.ErrorIs(t, err, ErrDuplicateKey)

	var hist WalletHistoryListResponse
	for _, body := range []string{`{"detailData":{"Amount":{}}}`, `{"detailData":[{},{"Amount":{}}]}`} {
		err = Decode([]byte(body), &hist, false)
		assert.ErrorIs(t, err, ErrKeyCase, body)
	}

	var notif NonSNAPNotification
	err = Decode([]byte(`{"order":{"invoice_number":"I"},"transaction":{"status":"SUCCESS"},"virtual_account_payment":{"IDENTIFER":[]}}`), &notif, false)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "virtual_account_payment.IDENTIFER", ve.Fields[0].Path)
	assert.Equal(t, "identifer", ve.Fields[0].Param)
	require.NoError(t, Decode([]byte(`{"order":{"invoice_number":"I"},"transaction":{"status":"SUCCESS"},"virtual_account_payment":{"identifer":[{"name":"A","value":1}]}}`), &notif, false))
	require.Len(t, notif.VirtualAccountPayment.Identifier, 1, "BCA's spelling still read")

	// An object with many keys (past the linear comparison) still finds
	// its duplicate.
	var b strings.Builder
	b.WriteString(`{"order":{"invoice_number":"I"},"transaction":{"status":"SUCCESS"}`)
	for i := 0; i < 200; i++ {
		b.WriteString(`,"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1`)
	}
	many := b.String()
	require.NoError(t, Decode([]byte(many+`}`), &notif, false))
	err = Decode([]byte(many+`,"transaction":{}}`), &notif, false)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "transaction", ve.Fields[0].Path)
}

// The DOKU Wallet SNAP page's capitalised keys are explicit aliases:
// accepted and read, but only in that spelling, and not beside the other.
func TestDecodeAliases(t *testing.T) {
	var pay WalletDebitPaymentResponse
	require.NoError(t, Decode([]byte(`{"responseCode":2005400,"responseMessage":"ok","ReferenceNo":"R1","PartnerReferenceNo":"P1"}`), &pay, false))
	assert.Equal(t, "R1", string(pay.ReferenceNo))
	assert.Equal(t, "P1", string(pay.PartnerReferenceNo))
	pay = WalletDebitPaymentResponse{}
	require.NoError(t, Decode([]byte(`{"responseCode":2005400,"responseMessage":"ok","referenceNo":"R1"}`), &pay, true))
	assert.Equal(t, "R1", string(pay.ReferenceNo))

	err := Decode([]byte(`{"responseCode":2005400,"responseMessage":"ok","ReferenceNo":"R1","referenceNo":"R2"}`), &pay, false)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrDuplicateKey, "an alias is the same key as its name")
	assert.Equal(t, "referenceNo", ve.Fields[0].Path)
	err = Decode([]byte(`{"responseCode":2005400,"responseMessage":"ok","REFERENCENO":"R1"}`), &pay, false)
	assert.ErrorIs(t, err, ErrKeyCase, "only the declared spelling")

	for _, v := range []any{&WalletDebitCancelResponse{}, &WalletDebitRefundResponse{}} {
		require.NoError(t, Decode([]byte(`{"responseCode":2005700,"responseMessage":"ok","OriginalReferenceNo":"R","OriginalPartnerReferenceNo":"P"}`), v, false))
	}
	var cancel WalletDebitCancelResponse
	require.NoError(t, Decode([]byte(`{"responseCode":2005700,"responseMessage":"ok","OriginalReferenceNo":"R","OriginalPartnerReferenceNo":"P"}`), &cancel, false))
	assert.Equal(t, "R", string(cancel.OriginalReferenceNo))
	assert.Equal(t, "P", string(cancel.OriginalPartnerReferenceNo))
	// Not an alias elsewhere: the notification's originalReferenceNo has
	// no other spelling on any DOKU page.
	var n SNAPDebitNotify
	err = Decode([]byte(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","OriginalReferenceNo":"R"}`), &n, false)
	assert.ErrorIs(t, err, ErrKeyCase)
}

func TestFlexObjectDecodeHasOneReading(t *testing.T) {
	var v struct {
		Channel string `json:"channel"`
	}
	assert.ErrorIs(t, FlexObject{Raw: []byte(`{"Channel":"X"}`)}.Decode(&v), ErrKeyCase)
	assert.ErrorIs(t, FlexObject{Raw: []byte(`{"channel":"X","channel":"Y"}`)}.Decode(&v), ErrDuplicateKey)
	assert.Empty(t, v.Channel)
	require.NoError(t, FlexObject{Raw: []byte(`{"channel":"X","other":1}`)}.Decode(&v))
	assert.Equal(t, "X", v.Channel)
}

func TestCheckKeys(t *testing.T) {
	for _, ok := range []string{`{}`, `[]`, `1`, `"x"`, `{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`, ` {"a" : [ ] , "b" : { } } `, `{"a\"":1,"a":2}`} {
		assert.NoError(t, CheckKeys([]byte(ok)), ok)
	}
	for body, path := range map[string]string{
		`{"a":1,"a":1}`:                 "a",
		`{"a":[{"b":1},{"b":1,"b":2}]}`: "a[1].b",
		`[{"x":{"y":1,"y":1}}]`:         "[0].x.y",
		`{"\\":1,"\u005c":2}`:           `\`,
	} {
		err := CheckKeys([]byte(body))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, body)
		assert.ErrorIs(t, err, ErrDuplicateKey)
		assert.Equal(t, path, ve.Fields[0].Path, body)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `{"a":1} x`, "{\"a\x01\":1}"} {
		err := CheckKeys([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformed, "%q", bad)
	}
}

func TestValueAt(t *testing.T) {
	body := []byte(`{"partnerReferenceNo":"P\u00e9","order":{"invoice_number":"INV-1","amount":90000.50,"items":[{"id":"x"}]},"flag":true}`)
	for path, want := range map[string]string{"partnerReferenceNo": "Pé", "order.invoice_number": "INV-1", "order.amount": "90000.50"} {
		got, ok := ValueAt(body, strings.Split(path, ".")...)
		assert.True(t, ok, path)
		assert.Equal(t, want, got, path)
	}
	for _, path := range []string{"flag", "order", "order.items", "order.items.id", "missing", "PARTNERREFERENCENO", "order.invoice_number.x"} {
		_, ok := ValueAt(body, strings.Split(path, ".")...)
		assert.False(t, ok, path)
	}
	_, ok := ValueAt([]byte(`{"a":"1","a":"2"}`), "a")
	assert.False(t, ok, "no single reading")
	_, ok = ValueAt([]byte(`{"a":"1","b":{"c":1,"c":2}}`), "a")
	assert.False(t, ok, "a duplicate anywhere")
	_, ok = ValueAt([]byte(`{"a":"1"} {}`), "a")
	assert.False(t, ok, "trailing data")
	_, ok = ValueAt([]byte(`{"a":"1"}`))
	assert.False(t, ok)
}

// The key check is on every notification's hot path: no allocation for an
// ordinary body.
func TestCheckKeysAllocFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
	for _, name := range []string{"cards.payment_page.request.json", "notify.snap_debit.request.json", "notify.nonsnap.request.json", "wallet.history_list.response.json"} {
		body := readSample(t, name)
		r, ok := RouteByName(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".request"), ".response"))
		require.True(t, ok, name)
		v := r.NewRequest()
		if strings.Contains(name, "response") {
			v = r.NewResponse()
		}
		_, _ = checkKeys(body, reflect.TypeOf(v)) // build the type's key schema once
		allocs := testing.AllocsPerRun(100, func() {
			if verr, ok := checkKeys(body, reflect.TypeOf(v)); verr != nil || !ok {
				t.Fatal(name, verr)
			}
		})
		assert.Zero(t, allocs, name)
	}
}

// Every aliased or wire-read key schema builds (an alias that is not a case
// variant of its name panics at first use).
func TestKeySchemasBuild(t *testing.T) {
	for _, r := range Routes() {
		for _, f := range []func() any{r.NewRequest, r.NewResponse} {
			if f != nil {
				assert.NotPanics(t, func() { nodeOf(reflect.TypeOf(f())) }, r.Name)
			}
		}
	}
	assert.True(t, errors.Is(&ValidationError{Fields: []FieldError{{Rule: "duplicate"}}}, ErrDuplicateKey))
}
