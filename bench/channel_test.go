package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// debitNotifyBody is DOKU's SNAP debit notification (the sample) with its
// reference made distinct, so each is a new notification to the guard.
func debitNotifyBody(i int) []byte {
	return fmt.Appendf(nil, `{"originalPartnerReferenceNo":"INV-%08d","originalReferenceNo":"c8c73c4635794cdcae7d9fe325251088",`+
		`"originalExternalId":"418075533589","latestTransactionStatus":"00","transactionStatusDesc":"Success",`+
		`"amount":{"value":"10000.00","currency":"IDR"},`+
		`"additionalInfo":{"custIdMerchant":"CUST-1","accountType":"WALLET","channel":"EMONEY_DOKU_SNAP"}}`, i)
}

// BenchmarkNotifyChannelSNAPDebit serves new SNAP debit notifications, each
// with a distinct body and X-EXTERNAL-ID, through notify.NewSNAPDebit
// (HMAC signature, the merchant's RS256 bearer token, the in-memory
// duplicate guard, decode and validate, the ack) on an
// httptest.NewRecorder, in process: allocs/op is the allocations per
// notification. DOKU reuses one token for 900 s, so every request carries
// the same token, as DOKU's do. The requests are signed before the timer.
func BenchmarkNotifyChannelSNAPDebit(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return mwNow() }
	iss, err := notify.NewTokenIssuer(key, notify.TokenIssuerConfig{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := iss.Issue(mwPartner)
	if err != nil {
		b.Fatal(err)
	}
	secrets, err := verify.SecretsFor(mwPartner, []byte(mwSecret))
	if err != nil {
		b.Fatal(err)
	}
	h, err := notify.NewSNAPDebit(notify.SNAPConfig{Common: notify.Common{Timestamps: verify.Timestamps{Now: now}},
		Secrets: secrets, Tokens: iss},
		func(context.Context, *schemas.SNAPDebitNotify) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	signer, err := sign.NewSNAPSymmetric([]byte(mwSecret))
	if err != nil {
		b.Fatal(err)
	}
	next := 0
	newRequests := func(n int) ([]*http.Request, [][]byte) {
		reqs, bodies := make([]*http.Request, n), make([][]byte, n)
		for i := range n {
			next++
			body := debitNotifyBody(next)
			sig, err := signer.Sign("POST", "/v1.0/debit/notify", tok, body, mwTS)
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest("POST", "/v1.0/debit/notify", nil)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-TIMESTAMP", mwTS)
			r.Header.Set("X-SIGNATURE", sig)
			r.Header.Set("X-PARTNER-ID", mwPartner)
			r.Header.Set("X-EXTERNAL-ID", fmt.Sprintf("%032d", next))
			r.Header.Set("CHANNEL-ID", "95221")
			r.Header.Set("Authorization", "Bearer "+tok)
			r.ContentLength = int64(len(body))
			reqs[i], bodies[i] = r, body
		}
		return reqs, bodies
	}
	// One notification first: it validates the token (the first one of
	// its 900 s) and checks the wiring.
	reqs, bodies := newRequests(1)
	reqs[0].Body = io.NopCloser(bytes.NewReader(bodies[0]))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, reqs[0])
	if rec.Code != http.StatusOK || rec.Body.String() != `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}` {
		b.Fatal(rec.Code, rec.Body.String())
	}
	b.Run("new", func(b *testing.B) {
		reqs, bodies := newRequests(b.N)
		recs := make([]*httptest.ResponseRecorder, b.N)
		for i := range recs {
			recs[i] = httptest.NewRecorder()
			reqs[i].Body = io.NopCloser(bytes.NewReader(bodies[i]))
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			h.ServeHTTP(recs[i], reqs[i])
		}
		b.StopTimer()
		for _, rec := range recs {
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkDecodeNotify decodes and validates DOKU's SNAP debit and VA
// notifications (schemas.Decode, lenient FlexString fields) beside a plain
// json.Unmarshal into the same type (no key check, no validation): the
// floor.
func BenchmarkDecodeNotify(b *testing.B) {
	for _, c := range []struct {
		name string
		file string
		new  func() any
	}{
		{"snap-debit", "notify.snap_debit.request.json", func() any { return new(schemas.SNAPDebitNotify) }},
		{"snap-va", "notify.snap_va_payment.request.json", func() any { return new(schemas.SNAPVANotify) }},
	} {
		body := readSample(b, c.file)
		b.Run(c.name+"/dokukit/Decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := schemas.Decode(body, c.new(), false); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/floor/json.Unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := json.Unmarshal(body, c.new()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// readSample reads one of the schemas package's DOKU samples.
func readSample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("../schemas/testdata/samples/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
