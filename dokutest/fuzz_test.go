package dokutest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// Any body, correctly signed, on any route the simulator serves gets a
// JSON answer and never a 5xx or a panic: bad input is the caller's error.
func FuzzRoutes(f *testing.F) {
	var routes []schemas.Route
	for _, rt := range schemas.Routes() {
		if rt.Direction == schemas.MerchantToDOKU {
			routes = append(routes, rt)
			f.Add(uint8(len(routes)-1), []byte(`{}`))
		}
	}
	f.Add(uint8(0), []byte(`{"partnerReferenceNo":"INV-1","amount":{"value":"1.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`))
	f.Add(uint8(1), []byte(`{"originalPartnerReferenceNo":"INV-1","partnerRefundNo":"R","refundAmount":{"value":"99999999999999999999.00","currency":"IDR"},"additionalInfo":{"channel":"EMONEY_DANA_SNAP"}}`))
	f.Add(uint8(2), []byte(`{"order":{"invoice_number":"X","amount":-1}}`))
	f.Add(uint8(3), []byte(`[1,2`))
	s := newTestServer(f, func(c *Config) { c.AutoComplete = true })
	c := newClient(f, s)
	c.tokenB2B()
	c.bindCustomer("1300000001")
	snapSigner, _ := sign.NewSNAPSymmetric([]byte(testSecret))
	nsSigner, _ := sign.NewNonSNAP([]byte(testNonSNAP))
	var n int64
	f.Fuzz(func(t *testing.T, i uint8, body []byte) {
		rt := routes[int(i)%len(routes)]
		n++
		req := httptest.NewRequest(http.MethodPost, rt.Path, bytes.NewReader(body))
		h := req.Header
		switch rt.Family {
		case schemas.NonSNAP:
			ts := time.Now().UTC().Format("2006-01-02T15:04:05Z")
			rid := "fuzz-" + strconv.FormatInt(n, 10)
			h.Set("Client-Id", testClient)
			h.Set("Request-Id", rid)
			h.Set("Request-Timestamp", ts)
			h.Set("Signature", nsSigner.Sign(sign.Components{ClientID: testClient, RequestID: rid, Timestamp: ts, Target: rt.Path, Body: body}))
		default:
			ts := sign.FormatTimestamp(time.Now())
			sig, err := snapSigner.Sign(http.MethodPost, rt.Path, c.b2b, body, ts)
			if err != nil {
				sig = "AAAA"
			}
			h.Set("X-TIMESTAMP", ts)
			h.Set("X-SIGNATURE", sig)
			h.Set("X-PARTNER-ID", testClient)
			h.Set("X-EXTERNAL-ID", "9"+strconv.FormatInt(time.Now().UnixNano(), 10))
			h.Set("X-DEVICE-ID", "D1")
			h.Set("Authorization", "Bearer "+c.b2b)
			h.Set("Authorization-Customer", c.customer)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s answered %d to %q: %s", rt.Name, w.Code, body, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s answered non-JSON: %q", rt.Name, w.Body)
		}
	})
}
