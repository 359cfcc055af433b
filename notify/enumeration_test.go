package notify

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An unknown X-CLIENT-KEY and a bad signature for a known one get the same
// answer, byte for byte (status, SNAP code, message, headers that matter),
// so DOKU's client keys cannot be enumerated through the token endpoint.
// The log line and the metric outcome keep the difference for the
// merchant.
func TestTokenEndpointUnknownClientLooksLikeBadSignature(t *testing.T) {
	doku, _, other := keys(t)
	f := newFixture(t, nil)
	const ts = "2020-12-21T14:56:11+07:00"

	unknown := f.do(t, signedReq(t, doku, "BRN-9999-UNKNOWN", ts))
	badSig := f.do(t, signedReq(t, other, clientID, ts))

	assert.Equal(t, http.StatusUnauthorized, unknown.status)
	assert.Equal(t, `{"responseCode":"4017300","responseMessage":"Unauthorized. Invalid Signature"}`, unknown.raw)
	assert.Equal(t, badSig.status, unknown.status)
	assert.Equal(t, badSig.raw, unknown.raw, "same body bytes")
	for _, h := range []string{"Content-Type", "Content-Length", "Allow"} {
		assert.Equal(t, badSig.header.Get(h), unknown.header.Get(h), h)
	}

	logs := f.logs.String()
	assert.Contains(t, logs, `"outcome":"unknown_client"`)
	assert.Contains(t, logs, `"outcome":"bad_signature"`)
	want := tokenRequestsWant(map[string]int{"bad_signature": 1, "unknown_client": 1})
	require.NoError(t, testutil.GatherAndCompare(f.reg, strings.NewReader(want), "dokukit_token_requests_total"))
}
