package notify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// methodServer mounts every channel and the token endpoint and records
// what each Func ran with.
type methodServer struct {
	url     string
	mu      sync.Mutex
	ran     map[string]int
	targets map[string]string
}

func newMethodServer(t *testing.T) *methodServer {
	t.Helper()
	doku, mkey, _ := keys(t)
	s := &methodServer{ran: map[string]int{}, targets: map[string]string{}}
	record := func(ch string, ctx context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.ran[ch]++
		res, _ := middleware.Verified(ctx)
		s.targets[ch] = res.Target
		return nil
	}
	snapSet, nsSet, kSet := muxSecrets(t)
	m, err := NewMux(MuxConfig{
		TokenKey:       mkey,
		DOKUPublicKeys: map[string][]*rsa.PublicKey{muxClient: {&doku.PublicKey}},
		SNAPSecrets:    snapSet,
		NonSNAPSecrets: nsSet,
		KirimKeys:      kSet,
		SNAPDebit:      func(ctx context.Context, n *schemas.SNAPDebitNotify) error { return record("snap-debit", ctx) },
		SNAPVA:         func(ctx context.Context, n *schemas.SNAPVANotify) error { return record("snap-va", ctx) },
		NonSNAP:        func(ctx context.Context, n *schemas.NonSNAPNotification) error { return record("nonsnap", ctx) },
		KirimUnpaid:    func(ctx context.Context, n *schemas.KirimNotification) error { return record("kirim-unpaid", ctx) },
		KirimRefund:    func(ctx context.Context, n *schemas.KirimNotification) error { return record("kirim-refund", ctx) },
		KirimTransfers: awaits([]conformance.KirimTransfer{{TransactionID: "DK0018353"}}), // kirimBody's transfer
	})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func send(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(raw)
}

const nonSNAPBody = `{"order":{"invoice_number":"INV-1","amount":10000},"transaction":{"status":"SUCCESS"}}`
const kirimBody = `{"transactionId":"DK0018353","invoiceNumber":"I1","transactionStatus":"50"}`

// nonSNAPRequest is a non-SNAP notification signed with the kit's signer
// for path (the Request-Target DOKU signs: the path, no query), sent as
// method to path+query.
func nonSNAPRequest(t *testing.T, url, method, path, query, requestID string) *http.Request {
	t.Helper()
	s, err := sign.NewNonSNAP([]byte(nsSecret))
	require.NoError(t, err)
	ts := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	req, err := http.NewRequest(method, url+path+query, bytes.NewReader([]byte(nonSNAPBody)))
	require.NoError(t, err)
	req.Header.Set("Client-Id", muxClient)
	req.Header.Set("Request-Id", requestID)
	req.Header.Set("Request-Timestamp", ts)
	req.Header.Set("Signature", s.Sign(sign.Components{ClientID: muxClient, RequestID: requestID, Timestamp: ts, Target: path, Body: []byte(nonSNAPBody)}))
	return req
}

func kirimRequest(t *testing.T, url, method, path, query, requestID string) *http.Request {
	t.Helper()
	sig, err := sign.KirimSignature([]byte(kirimSecret), kirimAgent, requestID)
	require.NoError(t, err)
	req, err := http.NewRequest(method, url+path+query, bytes.NewReader([]byte(kirimBody)))
	require.NoError(t, err)
	req.Header.Set("requestId", requestID)
	req.Header.Set("agentKey", kirimAgent)
	req.Header.Set("signature", sig)
	return req
}

// Every channel and the token endpoint answer any method but POST with 405,
// "Allow: POST" and the scheme's body, and run nothing. A correctly signed
// non-SNAP or Kirim notification re-sent with another method (neither
// signature covers the method) is refused, not processed.
func TestChannelsArePOSTOnly(t *testing.T) {
	s := newMethodServer(t)
	snap := func(svc string) string {
		return `{"responseCode":"405` + svc + `00","responseMessage":"Method Not Allowed"}`
	}
	want := map[string]string{
		TokenPath:              snap("73"),
		DefaultSNAPDebitPath:   snap("56"),
		DefaultSNAPVAPath:      snap("25"),
		DefaultNonSNAPPath:     `{"error":{"code":"method_not_allowed","message":"notifications are accepted by POST only","type":"invalid_request_error"}}`,
		DefaultKirimUnpaidPath: `{"status":false,"transactionId":"","responseCode":"405","responseMessage":"Method Not Allowed"}`,
		DefaultKirimRefundPath: `{"status":false,"transactionId":"","responseCode":"405","responseMessage":"Method Not Allowed"}`,
	}
	for path, body := range want {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
			t.Run(method+path, func(t *testing.T) {
				req, err := http.NewRequest(method, s.url+path, bytes.NewReader([]byte(`{}`)))
				require.NoError(t, err)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				raw, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
				assert.Equal(t, "POST", resp.Header.Get("Allow"))
				assert.Equal(t, body, string(raw))
				if path != TokenPath {
					assert.True(t, resp.Close, "the unread body is not drained: the connection closes")
				}
			})
		}
		t.Run("HEAD"+path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodHead, s.url+path, nil)
			require.NoError(t, err)
			status, h, _ := send(t, req)
			assert.Equal(t, http.StatusMethodNotAllowed, status)
			assert.Equal(t, "POST", h.Get("Allow"))
		})
	}

	// Signed deliveries sent with PUT: refused, nothing run.
	for _, method := range []string{http.MethodPut, http.MethodGet} {
		status, h, raw := send(t, nonSNAPRequest(t, s.url, method, DefaultNonSNAPPath, "", "REQ-"+method))
		assert.Equal(t, http.StatusMethodNotAllowed, status, raw)
		assert.Equal(t, "POST", h.Get("Allow"))
		status, _, raw = send(t, kirimRequest(t, s.url, method, DefaultKirimUnpaidPath, "", "KREQ-"+method))
		assert.Equal(t, http.StatusMethodNotAllowed, status, raw)
	}
	assert.Empty(t, s.ran, "no Func ran for another method")

	// POST still works.
	status, _, raw := send(t, nonSNAPRequest(t, s.url, http.MethodPost, DefaultNonSNAPPath, "", "REQ-POST"))
	assert.Equal(t, http.StatusOK, status, raw)
	status, _, raw = send(t, kirimRequest(t, s.url, http.MethodPost, DefaultKirimUnpaidPath, "", "KREQ-POST"))
	assert.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, map[string]int{"nonsnap": 1, "kirim-unpaid": 1}, s.ran)
}

// The non-SNAP and Kirim signatures do not cover the query string: a
// notification sent with one added is still verified (DOKU's signature is
// over the path), but nothing of the query reaches Func — the verified
// Target it can read from its context is the path alone.
func TestUnsignedQueryDoesNotReachFunc(t *testing.T) {
	s := newMethodServer(t)
	const q = "?amount=99999999&status=SUCCESS"
	status, _, raw := send(t, nonSNAPRequest(t, s.url, http.MethodPost, DefaultNonSNAPPath, q, "REQ-Q"))
	require.Equal(t, http.StatusOK, status, raw)
	status, _, raw = send(t, kirimRequest(t, s.url, http.MethodPost, DefaultKirimUnpaidPath, q, "KREQ-Q"))
	require.Equal(t, http.StatusOK, status, raw)
	status, _, raw = send(t, kirimRequest(t, s.url, http.MethodPost, DefaultKirimRefundPath, q, "KREQ-R"))
	require.Equal(t, http.StatusOK, status, raw)
	assert.Equal(t, map[string]string{
		"nonsnap":      DefaultNonSNAPPath,
		"kirim-unpaid": DefaultKirimUnpaidPath,
		"kirim-refund": DefaultKirimRefundPath,
	}, s.targets)
}

func newTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
