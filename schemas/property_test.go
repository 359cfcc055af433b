package schemas

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/require"
)

const propertySeed = 20261125

func params(t *testing.T) *gopter.TestParameters {
	t.Logf("gopter seed %d", propertySeed)
	p := gopter.DefaultTestParametersWithSeed(propertySeed)
	p.MinSuccessfulTests = 300
	return p
}

// genCards generates valid Cards payment page requests.
func genCards() gopter.Gen {
	return gopter.CombineGens(
		gen.IntRange(1, 64),
		gen.IntRange(1, 5),
		gen.SliceOfN(5, gen.Int64Range(1, 5_000_000)),
		gen.SliceOfN(5, gen.Int64Range(1, 20)),
		gen.IntRange(0, 2), // contact: email, phone, both
		gen.Bool(),
		gen.Bool(),
		gen.Int64Range(1, 36),
		gen.OneConstOf("BNI", "BRI", "BANK_CIMB", "BCA", "BANK_PERMATA", "DANAMON", "BUKOPIN", "HSBC", "OCBC_NISP"),
		gen.AlphaString(),
	).Map(func(v []any) *CardsPaymentRequest {
		n := v[1].(int)
		inv := strings.Repeat("X", v[0].(int))
		if s := v[9].(string); s != "" {
			inv = (s + inv)[:v[0].(int)]
		}
		r := &CardsPaymentRequest{}
		r.Order.InvoiceNumber = inv
		r.Order.AutoRedirect = "false"
		if v[6].(bool) {
			r.Order.AutoRedirect = "true"
			r.Order.CallbackURL = "https://merchant.example/ok"
		}
		prices, qtys := v[2].([]int64), v[3].([]int64)
		for i := 0; i < n; i++ {
			r.Order.LineItems = append(r.Order.LineItems, CardsLineItem{Name: fmt.Sprintf("item %d", i), Price: prices[i], Quantity: qtys[i]})
			r.Order.Amount += prices[i] * qtys[i]
		}
		switch v[4].(int) {
		case 0:
			r.Customer.Email = "buyer@example.com"
		case 1:
			r.Customer.Phone = "6281122334455"
		default:
			r.Customer.Email, r.Customer.Phone = "buyer@example.com", "6281122334455"
		}
		if v[5].(bool) {
			r.Payment = &CardsPayment{Type: "INSTALLMENT", Acquirer: v[8].(string), Tenor: v[7].(int64)}
		} else {
			r.Payment = &CardsPayment{Type: "SALE"}
		}
		return r
	})
}

// A violation breaks one field of a valid request and names the path the
// error must report.
type violation struct {
	path  string
	apply func(r *CardsPaymentRequest)
}

func cardsViolations(r *CardsPaymentRequest) []violation {
	last := len(r.Order.LineItems) - 1
	vs := []violation{
		{"order.invoice_number", func(r *CardsPaymentRequest) { r.Order.InvoiceNumber = strings.Repeat("I", 65) }},
		{"order.invoice_number", func(r *CardsPaymentRequest) { r.Order.InvoiceNumber = "" }},
		{"order.amount", func(r *CardsPaymentRequest) { r.Order.Amount = 0 }},
		{"order.line_items", func(r *CardsPaymentRequest) { r.Order.Amount++ }},
		{fmt.Sprintf("order.line_items[%d].price", last), func(r *CardsPaymentRequest) { r.Order.LineItems[last].Price = 0 }},
		{fmt.Sprintf("order.line_items[%d].quantity", last), func(r *CardsPaymentRequest) { r.Order.LineItems[last].Quantity = -1 }},
		{"order.auto_redirect", func(r *CardsPaymentRequest) { r.Order.AutoRedirect = "maybe" }},
		{"order.callback_url", func(r *CardsPaymentRequest) { r.Order.AutoRedirect, r.Order.CallbackURL = "true", "" }},
		{"customer.email", func(r *CardsPaymentRequest) { r.Customer.Email, r.Customer.Phone = "", "" }},
		{"customer.phone", func(r *CardsPaymentRequest) { r.Customer.Phone = "+62-811" }},
		{"customer.country", func(r *CardsPaymentRequest) { r.Customer.Country = "XX" }},
		{"payment.type", func(r *CardsPaymentRequest) { r.Payment.Type = "CASH" }},
	}
	if r.Payment != nil && r.Payment.Type == "INSTALLMENT" {
		vs = append(vs,
			violation{"payment.acquirer", func(r *CardsPaymentRequest) { r.Payment.Acquirer = "" }},
			violation{"payment.tenor", func(r *CardsPaymentRequest) { r.Payment.Tenor = 0 }},
			violation{"order.invoice_number", func(r *CardsPaymentRequest) {
				r.Payment.Acquirer = "BANK_MANDIRI"
				r.Order.InvoiceNumber = strings.Repeat("M", 28)
			}},
		)
	}
	return vs
}

func clone(r *CardsPaymentRequest) *CardsPaymentRequest {
	b, _ := json.Marshal(r)
	var c CardsPaymentRequest
	_ = json.Unmarshal(b, &c)
	return &c
}

func TestPropertyCardsRequests(t *testing.T) {
	props := gopter.NewProperties(params(t))
	props.Property("generated valid requests pass, also through JSON and strict Decode", prop.ForAll(
		func(r *CardsPaymentRequest) bool {
			if Validate(r) != nil {
				return false
			}
			b, _ := json.Marshal(r)
			return Decode(b, new(CardsPaymentRequest), true) == nil
		}, genCards()))
	props.Property("a single-field violation fails, naming that field", prop.ForAll(
		func(r *CardsPaymentRequest, pick int) bool {
			vs := cardsViolations(r)
			v := vs[pick%len(vs)]
			bad := clone(r)
			v.apply(bad)
			b, _ := json.Marshal(bad)
			err := Decode(b, new(CardsPaymentRequest), true)
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Logf("violation %s: no error", v.path)
				return false
			}
			for _, p := range ve.Paths() {
				if p == v.path {
					return true
				}
			}
			t.Logf("violation %s: got %v", v.path, ve.Paths())
			return false
		}, genCards(), gen.IntRange(0, 1000)))
	props.TestingRun(t)
}

// SNAP money: any digits + exactly two decimals pass, anything else fails
// naming amount.value.
func TestPropertySNAPMoney(t *testing.T) {
	props := gopter.NewProperties(params(t))
	sample := readSample(t, "wallet.debit_payment.request.json")
	var base map[string]any
	require.NoError(t, json.Unmarshal(sample, &base))
	check := func(value string) error {
		base["amount"] = map[string]any{"value": value, "currency": "IDR"}
		b, _ := json.Marshal(base)
		return Decode(b, new(WalletDebitPaymentRequest), true)
	}
	props.Property("two-decimal strings pass", prop.ForAll(func(units uint32, cents uint8) bool {
		return check(fmt.Sprintf("%d.%02d", units, cents%100)) == nil
	}, gen.UInt32(), gen.UInt8()))
	props.Property("other decimal counts fail on amount.value", prop.ForAll(func(units uint32, decimals int) bool {
		s := fmt.Sprint(units)
		if decimals > 0 {
			s += "." + strings.Repeat("5", decimals)
		}
		if decimals == 2 {
			return true
		}
		err := check(s)
		ve, ok := err.(*ValidationError)
		return ok && len(ve.Fields) == 1 && ve.Fields[0].Path == "amount.value" && ve.Fields[0].Rule == "snapamount"
	}, gen.UInt32(), gen.IntRange(0, 5)))
	props.TestingRun(t)
}

// walkLeaves calls f with the JSON path (arrays with indexes) and value of
// every scalar in v.
func walkLeaves(v any, prefix string, f func(path string, val any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walkLeaves(c, p, f)
		}
	case []any:
		for i, c := range x {
			walkLeaves(c, fmt.Sprintf("%s[%d]", prefix, i), f)
		}
	default:
		f(prefix, x)
	}
}

// leaves lists the JSON paths of every scalar in v.
func leaves(v any, prefix string, out *[]string) {
	walkLeaves(v, prefix, func(path string, _ any) { *out = append(*out, path) })
}

// setLeaf replaces the scalar at a leaves() path.
func setLeaf(root any, path string, val any) {
	var parent any = root
	var key string
	idx := -1
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if key != "" || idx >= 0 {
			parent = step(parent, key, idx)
		}
		key, idx = name, -1
		for rest != "" {
			var n int
			fmt.Sscanf(rest, "%d]", &n)
			parent = step(parent, key, idx)
			key, idx = "", n
			_, rest, _ = strings.Cut(rest, "[")
		}
	}
	if idx >= 0 {
		parent.([]any)[idx] = val
	} else {
		parent.(map[string]any)[key] = val
	}
}

func step(v any, key string, idx int) any {
	if idx >= 0 {
		return v.([]any)[idx]
	}
	return v.(map[string]any)[key]
}

type leafCase struct {
	route Route
	part  string
	path  string
}

// TestPropertySingleFieldTypeViolation: in any merchant-sent request sample,
// giving any one scalar field a value of the wrong JSON type (an object)
// fails, and the error names exactly that field's JSON path.
func TestPropertySingleFieldTypeViolation(t *testing.T) {
	var cases []leafCase
	for _, r := range Routes() {
		if !r.Strict() {
			continue
		}
		var m any
		require.NoError(t, json.Unmarshal(readSample(t, r.Name+".request.json"), &m))
		var ls []string
		leaves(m, "", &ls)
		for _, l := range ls {
			if strings.HasPrefix(l, "additionalInfo.basket") { // free-form by design
				continue
			}
			cases = append(cases, leafCase{r, "request", l})
		}
	}
	require.Greater(t, len(cases), 150)
	check := func(c leafCase) bool {
		var m any
		_ = json.Unmarshal(readSample(t, c.route.Name+".request.json"), &m)
		setLeaf(m, c.path, map[string]any{"wrong": true})
		b, _ := json.Marshal(m)
		err := Decode(b, c.route.NewRequest(), true)
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Fields) == 0 || ve.Fields[0].Path != c.path || ve.Fields[0].Rule != "type" {
			t.Logf("%s %s: %v", c.route.Name, c.path, err)
			return false
		}
		return true
	}
	checkEveryThenRandom(t, "a wrongly typed field is named by its path", cases, check)
}

// checkEveryThenRandom runs check on every case once, then as a property
// on random picks of them.
func checkEveryThenRandom(t *testing.T, name string, cases []leafCase, check func(leafCase) bool) {
	t.Helper()
	for _, c := range cases {
		require.True(t, check(c), "%s %s %s", c.route.Name, c.part, c.path)
	}
	props := gopter.NewProperties(params(t))
	props.Property(name, prop.ForAll(func(i int) bool {
		return check(cases[i%len(cases)])
	}, gen.IntRange(0, 1<<20)))
	props.TestingRun(t)
}

// isDigitString: digits with an optional decimal part and no leading zero
// (a leading zero would not survive as a JSON number).
func isDigitString(s string) bool {
	if !flexNumRE.MatchString(s) || strings.HasPrefix(s, "-") {
		return false
	}
	return !(len(s) > 1 && s[0] == '0' && s[1] != '.')
}

// TestPropertyDOKUSentDigitsAsNumbers: in anything DOKU sends (responses to
// the merchant's calls, notifications), a digit string may come as a JSON
// number and is still accepted.
func TestPropertyDOKUSentDigitsAsNumbers(t *testing.T) {
	var cases []leafCase
	for _, r := range Routes() {
		part := "response"
		if r.Direction == DOKUToMerchant {
			part = "request"
		} else if r.NewResponse == nil {
			continue
		}
		var m any
		require.NoError(t, json.Unmarshal(readSample(t, r.Name+"."+part+".json"), &m))
		var ls []string
		leaves(m, "", &ls)
		for _, l := range ls {
			if s, ok := leafValue(m, l).(string); ok && isDigitString(s) {
				cases = append(cases, leafCase{r, part, l})
			}
		}
	}
	require.Greater(t, len(cases), 40)
	check := func(c leafCase) bool {
		var m any
		d := json.NewDecoder(strings.NewReader(string(readSample(t, c.route.Name+"."+c.part+".json"))))
		d.UseNumber()
		_ = d.Decode(&m)
		setLeaf(m, c.path, json.Number(leafValue(m, c.path).(string)))
		b, _ := json.Marshal(m)
		v, _ := partTarget(c.route, c.part)
		if err := Decode(b, v, false); err != nil {
			t.Logf("%s %s %s: %v", c.route.Name, c.part, c.path, err)
			return false
		}
		return true
	}
	checkEveryThenRandom(t, "digit strings may be numbers", cases, check)
}

// leafValue returns the scalar at a leaves() path.
func leafValue(root any, path string) any {
	var out any
	walkLeaves(root, "", func(p string, val any) {
		if p == path {
			out = val
		}
	})
	return out
}
