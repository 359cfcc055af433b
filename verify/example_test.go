package verify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dokukit/dokukit/verify"
)

// Verify a captured SNAP notification (docs/protocol.md's vector) at the byte
// level, as doku-verify does, then see how a tampered copy fails.
func Example() {
	secrets, err := verify.SecretsFor("PARTNER-1", []byte("SK-snap-secret-123"))
	if err != nil {
		panic(err)
	}
	v, err := verify.NewSNAP(verify.SNAPConfig{
		Secrets:    secrets,
		Timestamps: verify.Timestamps{Now: func() time.Time { return time.Date(2024, 1, 1, 5, 1, 0, 0, time.UTC) }},
	})
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set("X-TIMESTAMP", "2024-01-01T12:00:00+07:00")
	h.Set("X-SIGNATURE", "CtmbtoLOg00Gks/4O1t9hE563tTVWl8udVZOW1edErL6l5TYU3QfieMyQ3DYLu03fZ3sdfrbi5lfPfuLnkm3Nw==")
	h.Set("X-PARTNER-ID", "PARTNER-1")
	h.Set("X-EXTERNAL-ID", "418075533589")
	h.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.test.token")
	body := []byte(`{"originalPartnerReferenceNo":"INV-001","latestTransactionStatus":"00","amount":{"value":"5000.00","currency":"IDR"}}`)

	res, err := v.VerifyMessage(context.Background(), verify.Message{Method: "POST", Target: "/v1.0/debit/notify", Header: h, Body: body})
	fmt.Println(err, res.ClientID, res.ExternalID, res.Age)

	body[len(body)-10] = '9' // "5000.00" → "9000.00"
	_, err = v.VerifyMessage(context.Background(), verify.Message{Method: "POST", Target: "/v1.0/debit/notify", Header: h, Body: body})
	var ve *verify.Error
	fmt.Println(errors.Is(err, verify.ErrSignatureMismatch), errors.As(err, &ve) && ve.SNAPResponseCode(56) == "4015600")
	fmt.Println(err)
	// Output:
	// <nil> PARTNER-1 418075533589 1m0s
	// true true
	// verify: snap: signature mismatch X-SIGNATURE
}
