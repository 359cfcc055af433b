package dedupe

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/bodyctx"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// carrier stands for middleware.Verification's context value: the verified
// body and the body hash the SNAP verifier computed for its string to sign.
type carrier struct {
	body []byte
	hash [32]byte
}

func (c carrier) VerifiedBody() ([]byte, bool)       { return c.body, true }
func (c carrier) VerifiedBodyHash() ([32]byte, bool) { return c.hash, true }

// Behind a SNAP verifier the guard fingerprints with the verifier's body
// hash instead of minifying and hashing the body again; without one it
// computes FingerprintBody itself. (The two are the same value for a real
// verifier: sign.BodyHash of the same bytes.)
func TestFingerprintIsTheVerifiersBodyHash(t *testing.T) {
	body := []byte(`{"originalPartnerReferenceNo":"INV-1"}`)
	for name, tc := range map[string]struct {
		carried *carrier
		want    idempotency.Fingerprint
	}{
		"behind a verifier": {&carrier{body: body, hash: [32]byte{1, 2, 3}}, idempotency.Fingerprint{1, 2, 3}},
		"standalone":        {nil, idempotency.FingerprintBody(body)},
	} {
		t.Run(name, func(t *testing.T) {
			store := idempotency.NewMemory()
			g, err := New(Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56})
			require.NoError(t, err)
			r := httptest.NewRequest("POST", "/v1.0/debit/notify", bytes.NewReader(body))
			r.Header.Set("X-PARTNER-ID", "P1")
			r.Header.Set("X-EXTERNAL-ID", "E1")
			if tc.carried != nil {
				r = r.WithContext(context.WithValue(r.Context(), bodyctx.Key{}, *tc.carried))
			}
			d, err := g.Decide(r)
			require.NoError(t, err)
			require.Nil(t, d.Replay)
			key, err := idempotency.RequestKey(r.Header, idempotency.SchemeSNAP)
			require.NoError(t, err)
			res, err := store.Reserve(context.Background(), key.String(), idempotency.Fingerprint{}, time.Minute)
			require.NoError(t, err)
			assert.Equal(t, idempotency.StateInFlight, res.State)
			assert.Equal(t, tc.want, res.Fingerprint)
		})
	}
}
