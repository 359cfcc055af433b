package bench

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/dokukit/dokukit/schemas"
)

// cardsPaymentBody is the Cards payment page's request (corrected
// sample), the typical non-SNAP request a merchant sends.
func cardsPaymentBody(tb testing.TB) []byte {
	b, err := os.ReadFile("../schemas/testdata/samples/cards.payment_page.request.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkSchemasCardsPayment measures schemas.Decode (decode + validate
// with the shared, struct-info-caching validator) beside two naive
// baselines: a fresh validator per request (what code that calls
// validator.New() in a handler does: no cached struct info, rules
// re-registered) and json.Unmarshal into a map with hand-written checks.
func BenchmarkSchemasCardsPayment(b *testing.B) {
	body := cardsPaymentBody(b)

	b.Run("dokukit/Decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req schemas.CardsPaymentRequest
			if err := schemas.Decode(body, &req, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dokukit/ValidateOnly", func(b *testing.B) {
		var req schemas.CardsPaymentRequest
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := schemas.Validate(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive/FreshValidatorPerRequest", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req schemas.CardsPaymentRequest
			if err := json.Unmarshal(body, &req); err != nil {
				b.Fatal(err)
			}
			v := validator.New(validator.WithRequiredStructEnabled())
			v.RegisterTagNameFunc(func(f reflect.StructField) string {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				return name
			})
			for _, tag := range []string{"snapamount", "flexnum", "snapcode", "iso8601", "dokutime"} {
				_ = v.RegisterValidation(tag, func(validator.FieldLevel) bool { return true })
			}
			if err := v.Struct(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive/MapAndManualChecks", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if errs := naiveCardsCheck(body); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
}

// BenchmarkSchemasCardsPaymentInvalid: the rejection path, where every bad
// field is collected and translated to JSON paths.
func BenchmarkSchemasCardsPaymentInvalid(b *testing.B) {
	body := []byte(strings.Replace(string(cardsPaymentBody(b)), `"jotaro_kujo@example.com"`, `"nope"`, 1))
	body = []byte(strings.Replace(string(body), `"amount": 90000`, `"amount": 90001`, 1))
	b.Run("dokukit/Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req schemas.CardsPaymentRequest
			if err := schemas.Decode(body, &req, false); err == nil {
				b.Fatal("accepted")
			}
		}
	})
	b.Run("naive/MapAndManualChecks", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if errs := naiveCardsCheck(body); len(errs) == 0 {
				b.Fatal("accepted")
			}
		}
	})
}

var (
	naiveEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	naiveHex   = regexp.MustCompile(`^[0-9A-Fa-f]{6}$`)
)

// naiveCardsCheck is the hand-rolled alternative: decode into a map and
// check a subset of the page's rules by hand (fewer rules than schemas
// checks, so it is an optimistic baseline).
func naiveCardsCheck(body []byte) []string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []string{"body"}
	}
	var errs []string
	order, _ := m["order"].(map[string]any)
	inv, _ := order["invoice_number"].(string)
	if inv == "" || len(inv) > 64 {
		errs = append(errs, "order.invoice_number")
	}
	amount, _ := order["amount"].(float64)
	if amount <= 0 || amount != float64(int64(amount)) {
		errs = append(errs, "order.amount")
	}
	if ar, _ := order["auto_redirect"].(string); ar != "true" && ar != "false" {
		errs = append(errs, "order.auto_redirect")
	}
	var sum float64
	items, _ := order["line_items"].([]any)
	for _, it := range items {
		li, _ := it.(map[string]any)
		p, _ := li["price"].(float64)
		q, _ := li["quantity"].(float64)
		if p <= 0 || q <= 0 {
			errs = append(errs, "order.line_items")
		}
		sum += p * q
	}
	if len(items) > 0 && sum != amount {
		errs = append(errs, "order.line_items")
	}
	cust, _ := m["customer"].(map[string]any)
	email, _ := cust["email"].(string)
	phone, _ := cust["phone"].(string)
	if email == "" && phone == "" {
		errs = append(errs, "customer.email")
	}
	if email != "" && !naiveEmail.MatchString(email) {
		errs = append(errs, "customer.email")
	}
	if pay, ok := m["payment"].(map[string]any); ok {
		if pay["type"] == "INSTALLMENT" && (pay["acquirer"] == nil || pay["tenor"] == nil) {
			errs = append(errs, "payment")
		}
	}
	if oc, ok := m["override_configuration"].(map[string]any); ok {
		if th, ok := oc["themes"].(map[string]any); ok {
			for _, k := range []string{"background_color", "font_color", "button_background_color", "button_font_color"} {
				if s, ok := th[k].(string); ok && !naiveHex.MatchString(s) {
					errs = append(errs, "override_configuration.themes."+k)
				}
			}
		}
	}
	return errs
}

// The baselines must agree with schemas on the sample, or the comparison
// means nothing.
func TestSchemasBaselinesAgree(t *testing.T) {
	body := cardsPaymentBody(t)
	if errs := naiveCardsCheck(body); len(errs) != 0 {
		t.Fatalf("naive rejects the valid sample: %v", errs)
	}
	var req schemas.CardsPaymentRequest
	if err := schemas.Decode(body, &req, false); err != nil {
		t.Fatal(err)
	}
	bad := []byte(strings.Replace(string(body), `"amount": 90000`, `"amount": 90001`, 1))
	if len(naiveCardsCheck(bad)) == 0 || schemas.Decode(bad, new(schemas.CardsPaymentRequest), false) == nil {
		t.Fatal("a line-item mismatch must be rejected by both")
	}
}
