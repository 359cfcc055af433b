package dokutest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	dokuclient "github.com/dokukit/dokukit/client"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// The kit's own signing transports talk to the simulator: SNAPTransport for
// a DANA payment and refund, NonSNAPTransport (verifying DOKU's response
// signatures) for a Cards payment page; a broken response signature is
// caught by the transport.
func TestKitTransports(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.AutoComplete = true })
	c := newClient(t, s)
	tok := c.tokenB2B()

	snapClient := &http.Client{Transport: &dokuclient.SNAPTransport{Secret: []byte(testSecret), PartnerID: testClient,
		Token: func(context.Context) (string, error) { return tok, nil }}}
	post := func(cl *http.Client, path string, body []byte, h http.Header) (*http.Response, []byte, error) {
		req, err := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
		require.NoError(t, err)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := cl.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	dev := http.Header{"X-Device-Id": {"DEVICE1"}}
	resp, b, err := post(snapClient, danaPay, danaBody(t, "INV-KIT", "15000.00"), dev)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var pay schemas.DANAPaymentResponse
	require.NoError(t, schemas.Decode(b, &pay, true))
	assert.Equal(t, "2000500", string(pay.ResponseCode))
	resp, b, err = post(snapClient, danaRef, danaRefund(t, "INV-KIT", "RF-KIT", "15000.00"), dev)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, string(b))
	resp, b, err = post(snapClient, danaPay, danaBody(t, "INV-KIT2", "15000.00"), nil)
	require.NoError(t, err)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(b), `"4005402"`, "the DANA page requires X-DEVICE-ID; the transport does not invent one")

	nsv, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: mustSecrets(t, testNonSNAP)})
	require.NoError(t, err)
	nsClient := &http.Client{Transport: &dokuclient.NonSNAPTransport{ClientID: testClient, Secret: []byte(testNonSNAP), Responses: nsv}}
	page := mustMarshal(t, sample(t, "cards.payment_page"))
	resp, b, err = post(nsClient, "/credit-card/v1/payment-page", page, nil)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	assert.NoError(t, schemas.Decode(b, &schemas.CardsPaymentResponse{}, true))

	require.NoError(t, s.InjectFault(Fault{Route: "cards.payment_page", BadSignature: true}))
	_, _, err = post(nsClient, "/credit-card/v1/payment-page", page, nil)
	assert.ErrorIs(t, err, verify.ErrSignatureMismatch, "the transport refuses an answer DOKU did not sign")
}
