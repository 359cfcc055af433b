package dedupe_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/bodyctx"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// carrier is what middleware.Verification puts in the context.
type carrier []byte

func (c carrier) VerifiedBody() ([]byte, bool) { return c, true }

// untouchable fails the test if the guard reads the request body.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the guard read the body the verification had already read")
	return 0, errors.New("read")
}
func (u untouchable) Close() error { return nil }

// Behind a verification the guard fingerprints the verified body and does
// not read r.Body; the fingerprint is the one a standalone guard computes,
// so a retry that reaches a replica without the verification in front is
// still a replay. The verified body is held to the guard's limit too.
func TestGuardUsesTheVerifiedBody(t *testing.T) {
	store := idempotency.NewMemory()
	var runs int
	h := guard(dedupe.Config{Store: store, Scheme: idempotency.SchemeSNAP, ServiceCode: 56, MaxBodyBytes: 100})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs++
		_, _ = io.WriteString(w, `{"responseCode":"2005600"}`)
	}))
	verified := func(ext, body string) *http.Request {
		r := idemSnapReq(ext, "")
		r.Body = untouchable{t}
		return r.WithContext(context.WithValue(r.Context(), bodyctx.Key{}, carrier(body)))
	}
	first := idemServe(h, verified("E1", idemBody1))
	require.Equal(t, 200, first.Code)
	assert.Equal(t, first.Body.String(), idemServe(h, idemSnapReq("E1", idemBody1)).Body.String(), "standalone read: the same fingerprint")
	assert.Equal(t, 409, idemServe(h, verified("E1", idemBody2)).Code)
	assert.Equal(t, 413, idemServe(h, verified("E2", `{"pad":"`+strings.Repeat("x", 100)+`"}`)).Code)
	assert.Equal(t, 1, runs)
}

// The whole stack: Verification reads and verifies the body once, the
// guard and the handler see the same bytes, and the handler can still read
// r.Body from the start.
func TestGuardBehindVerification(t *testing.T) {
	set, _ := verify.SecretsFor("MCH-1", []byte("SK-body-once"))
	v, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: set, Timestamps: verify.Timestamps{Unchecked: true}})
	require.NoError(t, err)
	var seen []string
	h := middleware.Verify(v)(guard(dedupe.Config{Store: idempotency.NewMemory(), Scheme: idempotency.SchemeNonSNAP})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vb, ok := middleware.VerifiedBody(r.Context())
		require.True(t, ok)
		rb, _ := io.ReadAll(r.Body)
		seen = append(seen, string(vb), string(rb))
	})))
	body := `{"order":{"invoice_number":"INV-1"}}`
	s, _ := sign.NewNonSNAP([]byte("SK-body-once"))
	r := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(body))
	r.Header.Set("Client-Id", "MCH-1")
	r.Header.Set("Request-Id", "R1")
	r.Header.Set("Request-Timestamp", "2026-11-25T08:00:00Z")
	r.Header.Set("Signature", s.Sign(sign.Components{ClientID: "MCH-1", RequestID: "R1", Timestamp: "2026-11-25T08:00:00Z", Target: "/notify", Body: []byte(body)}))
	w := idemServe(h, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.Equal(t, []string{body, body}, seen)
	_, ok := middleware.VerifiedBody(r.Context())
	assert.False(t, ok, "outside the verification")
}
