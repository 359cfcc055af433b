package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

const (
	mwSecret  = "SK-snap-secret-123"
	mwPartner = "PARTNER-1"
	mwToken   = "eyJhbGciOiJSUzI1NiJ9.test.token"
	mwTS      = "2026-11-25T15:00:00+07:00"
	nsClient  = "MCH-0001-10791114622547"
	nsTS      = "2026-11-25T08:00:00Z"
)

var mwNow = func() time.Time { return time.Date(2026, 11, 25, 8, 0, 30, 0, time.UTC) }

// ack is the merchant's handler: it reads the body, as a real one does.
var ack = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.WriteHeader(200)
})

func snapRequest(b *testing.B, body []byte) *http.Request {
	s, _ := sign.NewSNAPSymmetric([]byte(mwSecret))
	sig, err := s.Sign("POST", "/v1.0/debit/notify", mwToken, body, mwTS)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("POST", "/v1.0/debit/notify", nil)
	r.RequestURI = "/v1.0/debit/notify"
	r.Header.Set("X-TIMESTAMP", mwTS)
	r.Header.Set("X-SIGNATURE", sig)
	r.Header.Set("X-PARTNER-ID", mwPartner)
	r.Header.Set("X-EXTERNAL-ID", "41807553358950093184162180797837")
	r.Header.Set("Authorization", "Bearer "+mwToken)
	r.ContentLength = int64(len(body))
	return r
}

func nonSNAPRequest(body []byte) *http.Request {
	s, _ := sign.NewNonSNAP([]byte(mwSecret))
	r, _ := http.NewRequest("POST", "/payments/notifications", nil)
	r.RequestURI = "/payments/notifications"
	r.Header.Set("Client-Id", nsClient)
	r.Header.Set("Request-Id", "cc682442-6c22-493e-8121-b9ef6b3fa728")
	r.Header.Set("Request-Timestamp", nsTS)
	r.Header.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: "cc682442-6c22-493e-8121-b9ef6b3fa728", Timestamp: nsTS, Target: "/payments/notifications", Body: body}))
	r.ContentLength = int64(len(body))
	return r
}

// serve runs h on r b.N times with a fresh body reader each time.
func serve(b *testing.B, h http.Handler, r *http.Request, body []byte) {
	w := &discardWriter{h: http.Header{}}
	rd := bytes.NewReader(body)
	rc := io.NopCloser(rd)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		r.Body = rc
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// naiveSNAP is a re-serializing verifier, what DOKU's Node SDK does:
// JSON.parse + JSON.stringify in place of minify, a fresh HMAC per call.
// (It is also wrong: it reorders keys and rewrites escapes.)
func naiveSNAP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(400)
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			w.WriteHeader(400)
			return
		}
		re, _ := json.Marshal(v)
		sum := sha256.Sum256(re)
		sts := r.Method + ":" + r.URL.RequestURI() + ":" + mwToken + ":" + hex.EncodeToString(sum[:]) + ":" + r.Header.Get("X-TIMESTAMP")
		mac := hmac.New(sha512.New, []byte(mwSecret))
		mac.Write([]byte(sts))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		_ = hmac.Equal([]byte(want), []byte(r.Header.Get("X-SIGNATURE"))) // always false for pretty bodies; measured, not trusted
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// BenchmarkMiddlewareSNAP: a 1 KiB (and 64 KiB) SNAP notification through
// the verification middleware, beside the bare handler (the floor) and a
// re-serializing verifier (the naive baseline).
func BenchmarkMiddlewareSNAP(b *testing.B) {
	set, _ := verify.SecretsFor(mwPartner, []byte(mwSecret))
	v, err := verify.NewSNAP(verify.SNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Now: mwNow}})
	if err != nil {
		b.Fatal(err)
	}
	wrapped := middleware.Verify(v, middleware.WithServiceCode(56))(ack)
	for _, sz := range sizes {
		body := PrettyBody(sz.n)
		r := snapRequest(b, body)
		b.Run("bare/"+sz.name, func(b *testing.B) { serve(b, ack, r, body) })
		b.Run("dokukit/"+sz.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if wrapped.ServeHTTP(w, r); len(w.h) != 0 {
				b.Fatal("the valid request was rejected")
			}
			serve(b, wrapped, r, body)
		})
		b.Run("reserialize/"+sz.name, func(b *testing.B) { serve(b, naiveSNAP(ack), r, body) })
	}
}

// BenchmarkMiddlewareNonSNAP: a 1 KiB non-SNAP notification, bare vs
// verified.
func BenchmarkMiddlewareNonSNAP(b *testing.B) {
	set, _ := verify.SecretsFor(nsClient, []byte(mwSecret))
	v, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Now: mwNow}})
	if err != nil {
		b.Fatal(err)
	}
	wrapped := middleware.Verify(v)(ack)
	body := PrettyBody(1 << 10)
	r := nonSNAPRequest(body)
	b.Run("bare/1KiB", func(b *testing.B) { serve(b, ack, r, body) })
	b.Run("dokukit/1KiB", func(b *testing.B) {
		w := &discardWriter{h: http.Header{}}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if wrapped.ServeHTTP(w, r); len(w.h) != 0 {
			b.Fatal("the valid request was rejected")
		}
		serve(b, wrapped, r, body)
	})
}
