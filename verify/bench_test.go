package verify

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// benchVerify runs v over m b.N times; every call must fail with want (nil:
// pass).
func benchVerify(b *testing.B, v Verifier, m Message, want error) {
	b.Helper()
	ctx := context.Background()
	if _, err := v.VerifyMessage(ctx, m); !errors.Is(err, want) || (want == nil) != (err == nil) {
		b.Fatalf("got %v, want %v", err, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = v.VerifyMessage(ctx, m)
	}
}

// flipSig changes one base64 character of a signature, keeping its length
// and encoding: it decodes, and does not verify.
func flipSig(sig string) string {
	b := []byte(sig)
	if b[10] == 'A' {
		b[10] = 'B'
	} else {
		b[10] = 'A'
	}
	return string(b)
}

// BenchmarkVerify is every verifier on a passing message, and the RSA ones
// on the two failures whose cost must match: an unknown client (verified
// against the decoy key) and a bad signature from a known one.
func BenchmarkVerify(b *testing.B) {
	vs := fileVectors(b)

	b.Run("snap", func(b *testing.B) {
		m := Message{Method: "POST", Target: "/direct-debit/core/v1/debit/payment-host-to-host",
			Header: snapHeader("zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ=="), Body: []byte(protoBody)}
		benchVerify(b, snapVerifier(b), m, nil)
	})
	b.Run("nonsnap", func(b *testing.B) {
		m := Message{Method: "POST", Target: "/credit-card/v1/payment-page", Header: nsHeader("HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM="), Body: []byte(nsBody)}
		benchVerify(b, nonSNAPVerifier(b), m, nil)
	})
	b.Run("kirim", func(b *testing.B) {
		set, _ := SecretsFor("A41418", []byte(kirimKey))
		v, _ := NewKirim(KirimConfig{Keys: set})
		h := http.Header{"Requestid": {"fd53b1e3-9c35-4dfa-a95ca8dbc5695485"}, "Agentkey": {"A41418"}, "Signature": {"y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6"}}
		benchVerify(b, v, Message{Method: "POST", Target: "/kirim/unpaid", Header: h, Body: []byte(`{"transactionStatus":"50"}`)}, nil)
	})

	rv, tv := rsaVerifiers(b, staticKeys)
	asym := vs["SNAP asymmetric transactional signature (notification to merchant)"]
	b.Run("snap-rsa", func(b *testing.B) { benchVerify(b, rv, rsaNotification(b, asym.Signature, "PARTNER-1"), nil) })
	b.Run("snap-rsa/bad-signature", func(b *testing.B) {
		benchVerify(b, rv, rsaNotification(b, flipSig(asym.Signature), "PARTNER-1"), ErrSignatureMismatch)
	})
	b.Run("snap-rsa/unknown-client", func(b *testing.B) {
		benchVerify(b, rv, rsaNotification(b, asym.Signature, "PARTNER-2"), ErrUnknownClient)
	})

	tok := vs["SNAP token request signature"]
	b.Run("token", func(b *testing.B) { benchVerify(b, tv, tokenRequest(tok.Signature, tokClient), nil) })
	b.Run("token/bad-signature", func(b *testing.B) {
		benchVerify(b, tv, tokenRequest(flipSig(tok.Signature), tokClient), ErrSignatureMismatch)
	})
	b.Run("token/unknown-client", func(b *testing.B) {
		benchVerify(b, tv, tokenRequest(tok.Signature, "BRN-0002-1700000000000"), ErrUnknownClient)
	})
}
