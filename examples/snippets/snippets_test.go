package snippets

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dokukit/dokukit/client"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/redistest"
	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/middleware"
)

const (
	clientID   = "DOKU-TEST-CLIENT"
	snapSecret = "SK-snap-secret-123"
)

// The shared fixtures: a known-answer file's path and the TEST-ONLY key
// that signs as DOKU.
var (
	testPath    = testkit.VectorPath
	dokuPrivate = testkit.Key
)

// The middleware snippet lets a correctly signed notification through to
// the merchant's handler and answers a tampered one 401xx00 itself.
func TestVerifyOnlySnippet(t *testing.T) {
	t.Setenv("DOKU_SNAP_SECRET", snapSecret)
	var reached int
	h, err := VerifyOnly(clientID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := middleware.Verified(r.Context())
		assert.True(t, ok)
		assert.Equal(t, clientID, id.ClientID)
		reached++
		w.WriteHeader(http.StatusOK)
	}))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := []byte(`{"originalPartnerReferenceNo":"INV-1","latestTransactionStatus":"00","amount":{"value":"5000.00","currency":"IDR"}}`)
	send := func(tamper bool) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1.0/debit/notify", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		rt := &client.SNAPTransport{Secret: []byte(snapSecret), PartnerID: clientID, Token: client.StaticToken("tok")}
		if tamper {
			rt.Base = tamperBody{}
		}
		resp, err := (&http.Client{Transport: rt}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, _ := send(false)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, reached)
	status, answer := send(true)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, answer, `"responseCode":"4015600"`)
	assert.Equal(t, 1, reached, "a tampered notification never reaches the handler")

	t.Setenv("DOKU_SNAP_SECRET", "")
	_, err = VerifyOnly(clientID, http.NotFoundHandler())
	assert.Error(t, err, "an empty secret fails closed")
}

// tamperBody changes one body byte after signing.
type tamperBody struct{}

func (tamperBody) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	b = bytes.Replace(b, []byte("5000.00"), []byte("9000.00"), 1)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return http.DefaultTransport.RoundTrip(r)
}

type recordingShop struct {
	mu    sync.Mutex
	paid  map[string]int
	trans map[string]int
}

func (s *recordingShop) MarkPaid(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paid[id]++
	return nil
}

func (s *recordingShop) AwaitsTransfer(_ context.Context, id string) (bool, error) {
	for _, tr := range conformance.DefaultKirimTransfers() {
		if tr.TransactionID == id {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.trans[id] == 0, nil
		}
	}
	return false, nil
}

func (s *recordingShop) TransferSettled(_ context.Context, id string, _ bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trans[id]++
	return nil
}

// The NewMux snippet, with its Redis store on a real redis-server, prints
// exactly the paths it serves and passes the conformance suite on each
// channel it mounts; each distinct notification runs the business code
// once.
func TestEveryChannelSnippet(t *testing.T) {
	rs := redistest.Start(t)
	for k, v := range map[string]string{
		"DOKU_CLIENT_ID": clientID, "DOKU_KIRIM_AGENT": "A41418",
		"DOKU_PUBLIC_KEY_FILE":      testPath(t, testvectors.PublicSPKI),
		"MERCHANT_PRIVATE_KEY_FILE": testPath(t, testvectors.PrivatePKCS1),
		"DOKU_SNAP_SECRET":          snapSecret, "DOKU_NONSNAP_SECRET": "SK-nonsnap-secret", "DOKU_KIRIM_KEY": "0123456789abcdef",
		"REDIS_ADDR": rs.Addr(),
	} {
		t.Setenv(k, v)
	}
	// The snippet registers on the default registry; give it a fresh one.
	old := prometheus.DefaultRegisterer
	prometheus.DefaultRegisterer = prometheus.NewPedanticRegistry()
	defer func() { prometheus.DefaultRegisterer = old }()

	shop := &recordingShop{paid: map[string]int{}, trans: map[string]int{}}
	var out strings.Builder
	m, err := EveryChannel(shop, &out, nil)
	require.NoError(t, err)
	assert.Equal(t, "DOKU calls POST /authorization/v1/access-token/b2b (token)\n"+
		"DOKU calls POST /v1.0/debit/notify (snap-debit)\n"+
		"DOKU calls POST /payments/notifications (nonsnap)\n"+
		"DOKU calls POST /kirim/refund (kirim-refund)\n", out.String())

	srv := httptest.NewServer(m)
	defer srv.Close()
	for ch, secret := range map[conformance.Channel]string{
		conformance.SNAPDebit: snapSecret, conformance.NonSNAP: "SK-nonsnap-secret", conformance.KirimRefund: "0123456789abcdef",
	} {
		results, err := conformance.RunURL(context.Background(), nil, srv.URL, conformance.Config{
			Channel: ch, Secret: []byte(secret), DOKUPrivateKey: dokuPrivate(t), ClientID: clientID, AgentKey: "A41418",
		})
		require.NoError(t, err)
		require.NotEmpty(t, results)
		for _, r := range results {
			assert.True(t, r.Pass, "%s %s: %s", ch, r.Case, r.Message)
		}
	}
	shop.mu.Lock()
	defer shop.mu.Unlock()
	require.NotEmpty(t, shop.paid)
	require.NotEmpty(t, shop.trans)
	for id, n := range shop.paid {
		assert.Equal(t, 1, n, id)
	}
	for id, n := range shop.trans {
		assert.Equal(t, 1, n, id)
	}
}
