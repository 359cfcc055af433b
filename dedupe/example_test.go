package dedupe_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// A DOKU debit notification (SNAP service 56) delivered twice ships the
// order once; the retry gets the first answer, byte for byte. A different
// body under the same X-EXTERNAL-ID is a conflict. With several replicas,
// pass idempotency.NewRedis(client) instead of NewMemory.
func ExampleGuard_Handler() {
	shipped := 0
	notify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		shipped++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully","approvalCode":"%d"}`, shipped)
	})
	g, err := dedupe.New(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeSNAP, ServiceCode: 56})
	if err != nil {
		panic(err)
	}
	h := g.Handler(notify)

	deliver := func(body string) {
		r := httptest.NewRequest(http.MethodPost, "/v1.0/debit/notify", strings.NewReader(body))
		r.Header.Set("X-PARTNER-ID", "DOKU")
		r.Header.Set("X-EXTERNAL-ID", "418075533589")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	deliver(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00"}`)
	deliver(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00"}`) // DOKU retry
	deliver(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"06"}`) // same id, other body
	fmt.Println("shipped:", shipped)
	// Output:
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully","approvalCode":"1"}
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully","approvalCode":"1"}
	// 409 {"responseCode":"4095600","responseMessage":"Conflict"}
	// shipped: 1
}
