package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/dokukit/dokukit/client"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// A Kirim DOKU unpaid-notification channel. Its signature proves nothing
// beyond "someone saw earlier signatures" (their AES-ECB blocks recombine
// into new ones), so the channel acts only on transfers the merchant made
// and still awaits (Transfers), and the func confirms the outcome with
// DOKU's status call (route kirim.qr_mpm_status) before it pays out.
func ExampleNewKirimUnpaid() {
	const kirimKey, agentKey = "0123456789abcdef", "A41418"
	const snapSecret, partnerID = "SK-snap-secret", "MCH-0001"

	// DOKU's SNAP API. In production this is DOKU's host (its sandbox for
	// tests) and the token comes from DOKU's B2B token endpoint; here a
	// stand-in checks the signed call with the kit's verifier and answers
	// as the Kirim DOKU page's sample does.
	dokuAPI := httptest.NewServer(statusStandIn([]byte(snapSecret), partnerID))
	defer dokuAPI.Close()
	api := &http.Client{Transport: &client.SNAPTransport{Secret: []byte(snapSecret), PartnerID: partnerID,
		Token: client.StaticToken("b2b-token-from-doku")}}
	statusRoute, _ := schemas.RouteByName("kirim.qr_mpm_status")
	transferRoute, _ := schemas.RouteByName("kirim.transfer_bank")

	// The merchant's records: each transfer is written, pending, before
	// the transfer-bank call that makes it.
	type transfer struct{ partnerRef, state string }
	var mu sync.Mutex
	transfers := map[string]*transfer{"DK01123220": {partnerRef: "2020102900000000000001", state: "pending"}}
	lookup := func(n *schemas.KirimNotification) *transfer {
		mu.Lock()
		defer mu.Unlock()
		return transfers[string(n.TransactionID)]
	}

	// confirm asks DOKU what became of the transfer.
	confirm := func(ctx context.Context, tr *transfer, n *schemas.KirimNotification) (string, error) {
		body, err := json.Marshal(schemas.KirimStatusRequest{OriginalPartnerReferenceNo: tr.partnerRef,
			OriginalReferenceNo: string(n.TransactionID), ServiceCode: strconv.Itoa(transferRoute.ServiceCode)})
		if err != nil {
			return "", err
		}
		req, err := http.NewRequestWithContext(ctx, statusRoute.Method, dokuAPI.URL+statusRoute.Path, bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		resp, err := api.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var st schemas.SNAPStatusResponse
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			return "", err
		}
		if string(st.ResponseCode) != statusRoute.SuccessCode {
			return "", fmt.Errorf("status call answered %s", st.ResponseCode)
		}
		return st.Status(), nil
	}

	keys, _ := verify.SecretsFor(agentKey, []byte(kirimKey))
	h, err := notify.NewKirimUnpaid(notify.KirimConfig{Keys: keys,
		Transfers: func(ctx context.Context, n *schemas.KirimNotification) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			tr := transfers[string(n.TransactionID)]
			return tr != nil && tr.state == "pending", nil
		}},
		func(ctx context.Context, n *schemas.KirimNotification) error {
			tr := lookup(n)
			status, err := confirm(ctx, tr, n)
			if err != nil {
				return err // answered 500: Kirim DOKU retries
			}
			mu.Lock()
			defer mu.Unlock()
			if status != schemas.SNAPStatusSuccess {
				fmt.Println("not paid out, DOKU says", status)
				return nil
			}
			tr.state = "paid"
			fmt.Println("paid out:", n.TransactionID, "(confirmed by DOKU)")
			return nil
		})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Callbacks signed as Kirim DOKU signs them.
	callback := func(requestID, body string) {
		sig, _ := sign.KirimSignature([]byte(kirimKey), agentKey, requestID)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/kirim/unpaid", strings.NewReader(body))
		req.Header.Set("requestId", requestID)
		req.Header.Set("agentKey", agentKey)
		req.Header.Set("signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b))
	}
	callback("fd53b1e3-9c35-4dfa-a95c-a8dbc5695485", `{"transactionId":"DK01123220","invoiceNumber":"INV-1","sendTrxId":"TRX-1","transactionStatus":"50"}`)
	// Not a transfer this merchant made.
	callback("0b7c21aa-4e1f-4c55-8d0e-3f9a6b2c7d10", `{"transactionId":"DK09999999","transactionStatus":"50"}`)
	// The same transfer again under a new requestId: already settled.
	callback("5e1a9d02-7b3c-4f8e-9a61-2d4c8b0e7f35", `{"transactionId":"DK01123220","invoiceNumber":"INV-1","sendTrxId":"TRX-1","transactionStatus":"50"}`)
	// Output:
	// paid out: DK01123220 (confirmed by DOKU)
	// 200 {"status":true,"transactionId":"DK01123220","responseCode":"00","responseMessage":"Successfully processed"}
	// 401 {"status":false,"transactionId":"","responseCode":"401","responseMessage":"Unknown transfer"}
	// 401 {"status":false,"transactionId":"","responseCode":"401","responseMessage":"Unknown transfer"}
}

// statusStandIn answers DOKU's Kirim status call for the example: it
// verifies the SNAP signature with the kit's verifier, then answers with the
// Kirim DOKU page's sample for the transfer asked about.
func statusStandIn(secret []byte, partnerID string) http.Handler {
	set, _ := verify.SecretsFor(partnerID, secret)
	v, _ := verify.NewSNAP(verify.SNAPConfig{Secrets: set})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := v.Verify(r); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"responseCode":"4015300","responseMessage":"Unauthorized. Invalid Signature"}`)
			return
		}
		var q schemas.KirimStatusRequest
		json.NewDecoder(r.Body).Decode(&q)
		json.NewEncoder(w).Encode(map[string]any{
			"responseCode": "2005300", "responseMessage": "Successful",
			"originalReferenceNo": q.OriginalReferenceNo, "originalPartnerReferenceNo": q.OriginalPartnerReferenceNo,
			"serviceCode": q.ServiceCode, "latestTransactionStatus": "00",
			"amount":                map[string]string{"value": "65000.00", "currency": "IDR"},
			"transactionStatusDesc": "Transaction is successfully processed",
		})
	})
}
