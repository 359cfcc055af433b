package sign

import (
	"testing"
)

// literalsBody is heavy in true/false/null, the minifier's literal cases.
const literalsBody = `{ "a": true, "b": false, "c": null, "d": [ true, false, null, true, false, null ],
  "e": { "f": null, "g": true, "h": false }, "i": [ null, null, true ] }`

func BenchmarkMinify(b *testing.B) {
	for _, c := range []struct{ name, body string }{{"protocol", protocolSNAPBody}, {"literals", literalsBody}} {
		b.Run(c.name, func(b *testing.B) {
			src := []byte(c.body)
			dst := make([]byte, 0, len(src))
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var err error
				if dst, err = AppendMinified(dst[:0], src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	body := []byte(protocolSNAPBody)
	b.Run("snap", func(b *testing.B) {
		s, _ := NewSNAPSymmetric([]byte("SK-snap-secret-123"))
		dst := make([]byte, 0, 88)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst, _ = s.AppendSignature(dst[:0], "POST", "/v1.0/debit/notify", "tok", body, "2024-01-01T12:00:00+07:00")
		}
	})
	b.Run("nonsnap", func(b *testing.B) {
		s, _ := NewNonSNAP([]byte("SK-hCJ42G28TA0MKG9LE2E"))
		c := Components{ClientID: "MCH-0001", RequestID: "req-1", Timestamp: "2020-10-21T03:38:28Z", Target: "/checkout/v1/payment", Body: body}
		dst := make([]byte, 0, 56)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst = s.AppendSignature(dst[:0], c)
		}
	})
	b.Run("parse-public-key", func(b *testing.B) {
		pem := readVector(b, "test_rsa_public_spki.pem")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := ParsePublicKey(pem); err != nil {
				b.Fatal(err)
			}
		}
	})
}
