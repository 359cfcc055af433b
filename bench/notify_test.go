package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// notifyBatch is how many distinct notifications are signed, with the
// timer stopped, before each timed run of them: X-EXTERNAL-ID is not
// signed, so each new notification needs its own body and signature (the
// guard refuses a signature seen before under another id).
const notifyBatch = 1024

// BenchmarkNotify serves SNAP debit notifications through a whole
// notify.NewSNAPDebit channel in-process: method check, HMAC signature and
// bearer token verification, the duplicate guard on the in-memory store,
// the typed decode and validation, the merchant's func and the ack. new:
// every notification is a first delivery; replay: one notification
// delivered again (the stored ack is sent, the func does not run). The
// allocs/op of new is the allocations per notification.
func BenchmarkNotify(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	now := mwNow()
	clock := func() time.Time { return now }
	tokens, err := notify.NewTokenIssuer(key, notify.TokenIssuerConfig{Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := tokens.Issue(mwPartner)
	if err != nil {
		b.Fatal(err)
	}
	set, _ := verify.SecretsFor(mwPartner, []byte(mwSecret))
	signer, _ := sign.NewSNAPSymmetric([]byte(mwSecret))
	ts := now.Format("2006-01-02T15:04:05Z07:00")
	channel := func() http.Handler {
		h, err := notify.NewSNAPDebit(notify.SNAPConfig{
			Common:  notify.Common{Timestamps: verify.Timestamps{Now: clock}, Store: idempotency.NewMemory(idempotency.MemoryMaxKeys(1 << 24))},
			Secrets: set, Tokens: tokens,
		}, func(context.Context, *schemas.SNAPDebitNotify) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	type delivery struct {
		id, sig string
		body    []byte
	}
	deliveries := func(from, n int) []delivery {
		ds := make([]delivery, n)
		for i := range ds {
			ref := strconv.Itoa(from + i)
			body := bytes.Replace(notifyBody, []byte("INV-20240101-0001"), []byte("INV-"+ref), 1)
			sig, err := signer.Sign(http.MethodPost, "/v1.0/debit/notify", tok, body, ts)
			if err != nil {
				b.Fatal(err)
			}
			ds[i] = delivery{id: "EXT-" + ref, sig: sig, body: body}
		}
		return ds
	}
	r, _ := http.NewRequest(http.MethodPost, "/v1.0/debit/notify", nil)
	r.RequestURI = "/v1.0/debit/notify"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-TIMESTAMP", ts)
	r.Header.Set("X-PARTNER-ID", mwPartner)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("X-SIGNATURE", "")
	r.Header.Set("X-EXTERNAL-ID", "")
	w := &discardWriter{h: http.Header{}}
	rd := bytes.NewReader(nil)
	deliver := func(h http.Handler, d *delivery) {
		r.Header["X-Signature"][0] = d.sig
		r.Header["X-External-Id"][0] = d.id
		rd.Reset(d.body)
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(d.body))
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.Run("snap-debit/new", func(b *testing.B) {
		h := channel()
		b.SetBytes(int64(len(notifyBody)))
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; {
			b.StopTimer()
			ds := deliveries(done, min(notifyBatch, b.N-done))
			b.StartTimer()
			for i := range ds {
				deliver(h, &ds[i])
			}
			done += len(ds)
		}
	})
	b.Run("snap-debit/replay", func(b *testing.B) {
		h := channel()
		d := deliveries(0, 1)[0]
		deliver(h, &d)
		b.SetBytes(int64(len(notifyBody)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			deliver(h, &d)
		}
	})
}
