package schemas

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mutate loads a route's corrected request (or response) sample as a
// generic JSON tree, applies f and returns the re-encoded body.
func mutate(t *testing.T, name string, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(readSample(t, name), &m))
	f(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func obj(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

type want struct {
	path    string
	rule    string
	missing bool
}

// One failing case per rule: each mutation of a valid sample breaks exactly
// the rule named, and the error names the field by its JSON path.
func TestRulesEachFail(t *testing.T) {
	cases := []struct {
		name   string
		route  string
		part   string
		mut    func(m map[string]any)
		expect []want
	}{
		{"cards invoice over 64", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["invoice_number"] = strings.Repeat("A", 65)
		}, []want{{"order.invoice_number", "max", false}}},
		{"cards invoice over 27 with Mandiri", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["invoice_number"] = strings.Repeat("A", 28)
			obj(m, "payment")["acquirer"] = "BANK_MANDIRI"
		}, []want{{"order.invoice_number", "max", false}}},
		{"cards line items do not sum", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["amount"] = 90001
		}, []want{{"order.line_items", "sum", false}}},
		{"cards line item price missing", "cards.payment_page", "request", func(m map[string]any) {
			delete(obj(m, "order")["line_items"].([]any)[1].(map[string]any), "price")
		}, []want{{"order.line_items[1].price", "required", true}}},
		{"cards line item name over 255", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["line_items"].([]any)[0].(map[string]any)["name"] = strings.Repeat("n", 256)
		}, []want{{"order.line_items[0].name", "max", false}}},
		{"cards neither email nor phone", "cards.payment_page", "request", func(m map[string]any) {
			delete(obj(m, "customer"), "email")
			delete(obj(m, "customer"), "phone")
		}, []want{{"customer.email", "required_without", true}, {"customer.phone", "required_without", true}}},
		{"cards bad email", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "customer")["email"] = "not-an-email"
		}, []want{{"customer.email", "email", false}}},
		{"cards installment without acquirer and tenor", "cards.payment_page", "request", func(m map[string]any) {
			delete(obj(m, "payment"), "acquirer")
			delete(obj(m, "payment"), "tenor")
		}, []want{{"payment.acquirer", "required_if", true}, {"payment.tenor", "required_if", true}}},
		{"cards unknown acquirer", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "payment")["acquirer"] = "BANK_X"
		}, []want{{"payment.acquirer", "oneof", false}}},
		{"cards unknown payment type", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "payment")["type"] = "CASH"
		}, []want{{"payment.type", "oneof", false}}},
		{"cards auto redirect without callback", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["auto_redirect"] = "true"
			delete(obj(m, "order"), "callback_url")
		}, []want{{"order.callback_url", "required_if", true}}},
		{"cards auto redirect not true/false", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["auto_redirect"] = "yes"
		}, []want{{"order.auto_redirect", "oneof", false}}},
		{"cards save card without customer id", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "card")["save"] = true
			delete(obj(m, "customer"), "id")
		}, []want{{"customer.id", "required", true}}},
		{"cards country not ISO 3166", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "customer")["country"] = "IDN"
		}, []want{{"customer.country", "iso3166_1_alpha2", false}}},
		{"cards colour with hash", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "override_configuration", "themes")["font_color"] = "#1A1A1"
		}, []want{{"override_configuration.themes.font_color", "hexadecimal", false}}},
		{"cards language", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "override_configuration", "themes")["language"] = "FR"
		}, []want{{"override_configuration.themes.language", "oneof", false}}},
		{"cards promo bin not digits", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "override_configuration")["promo"].([]any)[2].(map[string]any)["bin"] = "09123X"
		}, []want{{"override_configuration.promo[2].bin", "numeric", false}}},
		{"cards amount with decimals", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["amount"] = 90000.5
		}, []want{{"order.amount", "type", false}}},
		{"cards amount absent", "cards.payment_page", "request", func(m map[string]any) {
			delete(obj(m, "order"), "amount")
		}, []want{{"order.amount", "required", true}}},
		{"cards callback not a URL", "cards.payment_page", "request", func(m map[string]any) {
			obj(m, "order")["callback_url"] = "merchant success page"
		}, []want{{"order.callback_url", "url", false}}},
		{"cards capture without authorize id", "cards.capture", "request", func(m map[string]any) {
			delete(obj(m, "payment"), "authorize_id")
		}, []want{{"payment.authorize_id", "required", true}}},
		{"cards refund request id too long", "cards.refund", "request", func(m map[string]any) {
			obj(m, "payment")["original_request_id"] = strings.Repeat("r", 129)
		}, []want{{"payment.original_request_id", "max", false}}},
		{"cards refund response unknown type", "cards.refund", "response", func(m map[string]any) {
			obj(m, "refund")["type"] = "HALF_REFUND"
		}, []want{{"refund.type", "oneof", false}}},
		{"cards delete token response status", "cards.delete_token", "response", func(m map[string]any) {
			m["status"] = "DELETED"
		}, []want{{"status", "oneof", false}}},
		{"akulaku line item without sku and category", "akulaku.generate_order", "request", func(m map[string]any) {
			li := obj(m, "order")["line_items"].([]any)[1].(map[string]any)
			delete(li, "sku")
			delete(li, "category")
		}, []want{{"order.line_items[1].sku", "required", true}, {"order.line_items[1].category", "required", true}}},
		{"akulaku phone over 16", "akulaku.generate_order", "request", func(m map[string]any) {
			obj(m, "customer")["phone"] = "62856945661471234"
		}, []want{{"customer.phone", "max", false}}},
		{"akulaku quantity over 4 digits", "akulaku.generate_order", "request", func(m map[string]any) {
			li := obj(m, "order")["line_items"].([]any)[0].(map[string]any)
			li["quantity"] = 10000
			li["price"] = 6
		}, []want{{"order.line_items[0].quantity", "lte", false}}},
		{"akulaku items do not sum", "akulaku.generate_order", "request", func(m map[string]any) {
			obj(m, "order")["amount"] = 60000
		}, []want{{"order.line_items", "sum", false}}},
		{"akulaku no line items", "akulaku.generate_order", "request", func(m map[string]any) {
			delete(obj(m, "order"), "line_items")
		}, []want{{"order.line_items", "required", true}}},
		{"akulaku refund with an amount", "akulaku.refund", "request", func(m map[string]any) {
			obj(m, "refund")["amount"] = 110000
		}, []want{{"refund.amount", "isdefault", false}}},
		{"akulaku refund without identifier", "akulaku.refund", "request", func(m map[string]any) {
			delete(obj(m, "payment"), "identifier")
		}, []want{{"payment.identifier", "required", true}}},
		{"snap money one decimal", "dana.payment", "request", func(m map[string]any) {
			obj(m, "amount")["value"] = "10000.0"
		}, []want{{"amount.value", "snapamount", false}}},
		{"snap money no decimals", "dana.refund", "request", func(m map[string]any) {
			obj(m, "refundAmount")["value"] = "10000"
		}, []want{{"refundAmount.value", "snapamount", false}}},
		{"snap money currency", "dana.payment", "request", func(m map[string]any) {
			obj(m, "amount")["currency"] = "idr"
		}, []want{{"amount.currency", "iso4217", false}}},
		{"snap timestamp without zone", "dana.payment", "request", func(m map[string]any) {
			m["validUpto"] = "2024-07-10T11:57:58"
		}, []want{{"validUpto", "iso8601", false}}},
		{"snap mandatory absent", "dana.payment", "request", func(m map[string]any) {
			delete(m, "partnerReferenceNo")
		}, []want{{"partnerReferenceNo", "required", true}}},
		{"dana wrong channel", "dana.payment", "request", func(m map[string]any) {
			obj(m, "additionalInfo")["channel"] = "EMONEY_OVO_SNAP"
		}, []want{{"additionalInfo.channel", "eq", false}}},
		{"dana point of initiation", "dana.payment", "request", func(m map[string]any) {
			m["pointOfInitiation"] = "kiosk"
		}, []want{{"pointOfInitiation", "oneof", false}}},
		{"token grant type", "wallet.token_b2b", "request", func(m map[string]any) {
			m["grantType"] = "password"
		}, []want{{"grantType", "eq", false}}},
		{"b2b2c token without auth code", "wallet.token_b2b2c", "request", func(m map[string]any) {
			delete(m, "authCode")
		}, []want{{"authCode", "required_if", true}}},
		{"kirim account number over 16", "kirim.balance_inquiry", "request", func(m map[string]any) {
			m["accountNo"] = strings.Repeat("1", 17)
		}, []want{{"accountNo", "max", false}}},
		{"kirim session id over 25", "kirim.transfer_bank", "request", func(m map[string]any) {
			m["sessionId"] = strings.Repeat("S", 26)
		}, []want{{"sessionId", "max", false}}},
		{"kirim status unknown", "kirim.unpaid_notification", "request", func(m map[string]any) {
			m["transactionStatus"] = "30"
		}, []want{{"transactionStatus", "oneof", false}}},
		{"kirim notification without transaction id", "kirim.refund_notification", "request", func(m map[string]any) {
			delete(m, "transactionId")
		}, []want{{"transactionId", "required", true}}},
		{"snap response code not seven digits", "wallet.debit_payment", "response", func(m map[string]any) {
			m["responseCode"] = "200"
		}, []want{{"responseCode", "snapcode", false}}},
		{"lenient money not a number", "wallet.balance_inquiry", "response", func(m map[string]any) {
			obj(m, "accountInfo", "amount")["value"] = "lots"
		}, []want{{"accountInfo.amount.value", "flexnum", false}}},
		{"lenient timestamp unreadable", "wallet.debit_refund", "response", func(m map[string]any) {
			m["refundTime"] = "yesterday"
		}, []want{{"refundTime", "dokutime", false}}},
		{"wallet email", "wallet.account_creation", "request", func(m map[string]any) {
			m["email"] = "SNAPaccount"
		}, []want{{"email", "email", false}}},
		{"wallet service code", "wallet.debit_status", "request", func(m map[string]any) {
			m["serviceCode"] = "5"
		}, []want{{"serviceCode", "len", false}}},
		{"nonsnap notification without invoice", "notify.nonsnap", "request", func(m map[string]any) {
			delete(obj(m, "order"), "invoice_number")
		}, []want{{"order.invoice_number", "required", true}}},
		{"debit notify without status", "notify.snap_debit", "request", func(m map[string]any) {
			delete(m, "latestTransactionStatus")
		}, []want{{"latestTransactionStatus", "required", true}}},
		{"va notify paid amount", "notify.snap_va_payment", "request", func(m map[string]any) {
			obj(m, "paidAmount")["value"] = ""
		}, []want{{"paidAmount.value", "required", true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := RouteByName(c.route)
			require.True(t, ok)
			v, strict := partTarget(r, c.part)
			err := Decode(mutate(t, c.route+"."+c.part+".json", c.mut), v, strict)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.ErrorIs(t, err, ErrInvalid)
			assert.NotErrorIs(t, err, ErrMalformed)
			require.Len(t, ve.Fields, len(c.expect), "%v", ve.Fields)
			for i, w := range c.expect {
				assert.Equal(t, w.path, ve.Fields[i].Path)
				assert.Equal(t, w.rule, ve.Fields[i].Rule)
				assert.Equal(t, w.missing, ve.Fields[i].Missing)
				assert.NotEmpty(t, ve.Fields[i].Message)
			}
		})
	}
}

// Positive controls for the conditional rules: the condition off, the rule
// does not fire.
func TestRulesConditionsOff(t *testing.T) {
	ok := func(route string, f func(m map[string]any)) {
		t.Helper()
		r, _ := RouteByName(route)
		assert.NoError(t, Decode(mutate(t, route+".request.json", f), r.NewRequest(), true))
	}
	ok("cards.payment_page", func(m map[string]any) { // 28 chars is fine when the acquirer is not Mandiri
		obj(m, "order")["invoice_number"] = strings.Repeat("A", 28)
	})
	ok("cards.payment_page", func(m map[string]any) { // phone alone is enough
		delete(obj(m, "customer"), "email")
	})
	ok("cards.payment_page", func(m map[string]any) { // no line items: nothing to sum
		delete(obj(m, "order"), "line_items")
		obj(m, "order")["amount"] = 12345
	})
	ok("cards.payment_page", func(m map[string]any) { // SALE needs no acquirer/tenor
		m["payment"] = map[string]any{"type": "SALE"}
	})
	ok("cards.payment_page", func(m map[string]any) { // auto redirect on, callback given
		obj(m, "order")["auto_redirect"] = "true"
	})
}

func TestCheckCardsMandiri(t *testing.T) {
	r := &CardsPaymentRequest{}
	r.Order.InvoiceNumber = strings.Repeat("A", 27)
	assert.NoError(t, CheckCardsMandiri(r))
	r.Order.InvoiceNumber += "A"
	var ve *ValidationError
	require.ErrorAs(t, CheckCardsMandiri(r), &ve)
	assert.Equal(t, []string{"order.invoice_number"}, ve.Paths())
	assert.NoError(t, CheckCardsMandiri(nil))
}

func TestCheckRefundType(t *testing.T) {
	for _, c := range []struct {
		typ           string
		refund, order int64
		ok            bool
	}{
		{RefundVoid, 90000, 90000, true},
		{RefundVoid, 50000, 90000, false},
		{RefundFull, 90000, 90000, true},
		{RefundFull, 90001, 90000, false},
		{RefundManualFull, 90000, 90000, true},
		{RefundManualFull, 1, 90000, false},
		{RefundPartial, 50000, 90000, true},
		{RefundPartial, 90000, 90000, false},
		{RefundManualPartial, 1, 90000, true},
		{RefundManualPartial, 0, 90000, false},
		{"HALF", 1, 2, false},
	} {
		err := CheckRefundType(c.typ, c.refund, c.order)
		if c.ok {
			assert.NoError(t, err, "%+v", c)
			continue
		}
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%+v", c)
		assert.Contains(t, []string{"refund.amount", "refund.type"}, ve.Fields[0].Path)
	}
}

func TestDecodeEdges(t *testing.T) {
	r, _ := RouteByName("wallet.balance_inquiry")

	t.Run("unknown field strict vs lenient", func(t *testing.T) {
		body := []byte(`{"partnerReferenceNo":"P1","extra":1}`)
		var ve *ValidationError
		require.ErrorAs(t, Decode(body, r.NewRequest(), true), &ve)
		assert.Equal(t, []FieldError{{Path: "extra", Rule: "unknown", Message: "is not a field of this message"}}, ve.Fields)
		assert.NoError(t, Decode(body, r.NewRequest(), false))
	})
	t.Run("malformed", func(t *testing.T) {
		for _, body := range []string{``, `{`, `[1,2]`, `"x"`, `{"partnerReferenceNo":"P1"} {}`, `{"partnerReferenceNo":"P1"}x`} {
			err := Decode([]byte(body), r.NewRequest(), false)
			assert.ErrorIs(t, err, ErrMalformed, body)
			assert.ErrorIs(t, err, ErrInvalid, body)
		}
	})
	t.Run("type error and validation errors together", func(t *testing.T) {
		cr, _ := RouteByName("cards.payment_page")
		body := mutate(t, "cards.payment_page.request.json", func(m map[string]any) {
			obj(m, "order")["amount"] = "90000"
			obj(m, "customer")["email"] = "nope"
		})
		var ve *ValidationError
		require.ErrorAs(t, Decode(body, cr.NewRequest(), true), &ve)
		assert.Equal(t, []string{"order.amount", "customer.email"}, ve.Paths())
		assert.Equal(t, "type", ve.Fields[0].Rule)
		assert.NotContains(t, ve.Error(), "nope", "errors never echo values")
	})
	t.Run("type error path carries the array index", func(t *testing.T) {
		body := []byte(`{"order":{"invoice_number":"I","amount":3,"auto_redirect":"false","line_items":[{"price":1,"quantity":1},{"price":"2","quantity":1}]},"customer":{"email":"a@b.co"}}`)
		var ve *ValidationError
		require.ErrorAs(t, Decode(body, new(CardsPaymentRequest), false), &ve)
		assert.Equal(t, []string{"order.line_items[1].price"}, ve.Paths())
	})
	t.Run("a lenient type's error stops decoding: no invented missing fields", func(t *testing.T) {
		body := []byte(`{"order":{"invoice_number":{"x":1},"amount":5},"transaction":{"status":"SUCCESS"}}`)
		var ve *ValidationError
		require.ErrorAs(t, Decode(body, new(NonSNAPNotification), false), &ve)
		assert.Equal(t, []string{"order.invoice_number"}, ve.Paths())
		body = []byte(`{"responseCode":"2001200","responseMessage":"ok","detailData":"nope"}`)
		require.ErrorAs(t, Decode(body, new(WalletHistoryListResponse), false), &ve)
		assert.Equal(t, []string{"detailData"}, ve.Paths())
		body = []byte(`{"order":{"invoice_number":"I"},"transaction":{"status":"SUCCESS"},"virtual_account_payment":{"identifier":"x"}}`)
		require.ErrorAs(t, Decode(body, new(NonSNAPNotification), false), &ve)
		assert.Equal(t, []string{"virtual_account_payment"}, ve.Paths())
	})
	t.Run("validate non-messages", func(t *testing.T) {
		for _, v := range []any{nil, (*CardsPaymentRequest)(nil), 42, "x"} {
			assert.ErrorIs(t, Validate(v), ErrInvalid)
		}
	})
	t.Run("first missing", func(t *testing.T) {
		ve := &ValidationError{Fields: []FieldError{{Path: "a"}, {Path: "b", Missing: true}}}
		f, ok := ve.FirstMissing()
		assert.True(t, ok)
		assert.Equal(t, "b", f.Path)
		_, ok = (&ValidationError{}).FirstMissing()
		assert.False(t, ok)
	})
}

func TestLenientTypes(t *testing.T) {
	var tok SNAPTokenResponse
	require.NoError(t, Decode([]byte(`{"responseCode":2007300,"responseMessage":"ok","accessToken":"a","tokenType":"Bearer","expiresIn":900,"additionalInfo":""}`), &tok, false))
	n, err := tok.ExpiresIn.Int64()
	require.NoError(t, err)
	assert.Equal(t, int64(900), n)
	assert.Equal(t, "2007300", tok.ResponseCode.String())
	assert.True(t, tok.AdditionalInfo.Empty())

	require.NoError(t, Decode([]byte(`{"responseCode":"2007300","responseMessage":"ok","accessToken":"a","tokenType":"Bearer","expiresIn":"900","additionalInfo":{"k":7}}`), &tok, false))
	assert.Equal(t, "7", tok.AdditionalInfo.Get("k"))
	b, err := json.Marshal(tok.AdditionalInfo)
	require.NoError(t, err)
	assert.JSONEq(t, `{"k":7}`, string(b))

	var m LenientMoney
	require.NoError(t, json.Unmarshal([]byte(`{"value":1095086.98,"currency":"IDR"}`), &m))
	assert.Equal(t, FlexString("1095086.98"), m.Value, "literal kept, no float rounding")

	var fs FlexString
	assert.Error(t, json.Unmarshal([]byte(`{"a":1}`), &fs))
	require.NoError(t, json.Unmarshal([]byte(`null`), &fs))
	assert.Equal(t, FlexString(""), fs)

	var st SNAPStatusResponse
	require.NoError(t, json.Unmarshal([]byte(`{"latestTransactionStatus":0}`), &st))
	assert.Equal(t, SNAPStatusSuccess, st.Status())

	var notif NonSNAPNotification
	require.NoError(t, json.Unmarshal([]byte(`{"virtual_account_payment":{"identifer":[{"name":"A","value":1}],"identifier":[{"name":"B","value":"2"}]}}`), &notif))
	require.Len(t, notif.VirtualAccountPayment.Identifier, 2)
	assert.Equal(t, FlexString("1"), notif.VirtualAccountPayment.Identifier[1].Value)

	var kb KirimBalanceInquiryResponse
	require.NoError(t, json.Unmarshal(readSample(t, "kirim.balance_inquiry.response.json"), &kb))
	av, ok := kb.AvailableBalance()
	require.True(t, ok)
	assert.Equal(t, FlexString("823781442.13"), av.Value)

	kn := KirimNotification{TransactionStatus: "40"}
	assert.True(t, kn.IsRefund())
	kn.TransactionStatus = "50"
	assert.False(t, kn.IsRefund())
	ack := NewKirimNotificationAck("DK1")
	assert.NoError(t, Validate(&ack))
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-12'T'07:30:12":          "2024-01-12T07:30:12+07:00",
		"2024-09-17T14:41:52. 022+07:00": "2024-09-17T14:41:52.022+07:00",
		"2022-11-11T10:02:46+07:00\"":    "2022-11-11T10:02:46+07:00",
		"2024-01-01T09:09:00.123":        "2024-01-01T09:09:00.123+07:00",
		"2022-10-18T11:15:07.376472":     "2022-10-18T11:15:07.376472+07:00",
		"2024-09-17 13:56:57":            "2024-09-17T13:56:57+07:00",
		"20200313095850":                 "2020-03-13T09:58:50+07:00",
		"1699520040340":                  "2023-11-09T08:54:00.34Z",
		"2020-12-21T07:56:11.000Z":       "2020-12-21T07:56:11Z",
	} {
		got, err := ParseTime(in)
		require.NoError(t, err, in)
		w, _ := time.Parse(time.RFC3339Nano, want)
		assert.True(t, w.Equal(got), "%s: got %s want %s", in, got, want)
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01T00:00:00Z", "12/01/2024"} {
		_, err := ParseTime(bad)
		assert.True(t, errors.Is(err, ErrTimestamp), bad)
	}
	assert.True(t, ValidTimestamp("2020-12-21T14:56:11+07:00"))
	assert.False(t, ValidTimestamp("2020-12-21T14:56:11"))
	assert.False(t, ValidTimestamp("2020-02-30T14:56:11Z"))
	assert.True(t, ValidSNAPAmount("10000.00"))
	assert.False(t, ValidSNAPAmount("1e4"))
}
