package schemas

import (
	"reflect"
	"testing"
)

// BenchmarkKeyCheck is the cost the one-reading check adds to Decode: one
// pass over the Cards payment page request (the bench module's body).
func BenchmarkKeyCheck(b *testing.B) {
	body := readSample(b, "cards.payment_page.request.json")
	t := reflect.TypeFor[*CardsPaymentRequest]()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if verr, ok := checkKeys(body, t); verr != nil || !ok {
			b.Fatal(verr)
		}
	}
}
