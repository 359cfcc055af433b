package verify

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A SNAP notification from an unknown X-PARTNER-ID is answered exactly as
// one with a bad signature (status, case, responseCode, responseMessage),
// so partner ids cannot be enumerated; Reason and errors.Is keep the
// difference for logs and metrics.
func TestSNAPUnknownPartnerLooksLikeBadSignature(t *testing.T) {
	set, _ := SecretsFor("PARTNER-1", []byte(snapSecret))
	v, err := NewSNAP(SNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)

	m := signedSNAP(t, snapSecret, "/n", []byte(`{}`))
	m.Header.Set("X-PARTNER-ID", "PARTNER-2")
	_, unknown := v.VerifyMessage(context.Background(), m)
	m = signedSNAP(t, "another-secret", "/n", []byte(`{}`))
	_, badSig := v.VerifyMessage(context.Background(), m)

	var u, b *Error
	require.True(t, errors.As(unknown, &u))
	require.True(t, errors.As(badSig, &b))
	assert.ErrorIs(t, unknown, ErrUnknownClient)
	assert.ErrorIs(t, badSig, ErrSignatureMismatch)
	assert.Equal(t, "Unauthorized. Invalid Signature", u.SNAPMessage())
	assert.Equal(t, b.SNAPMessage(), u.SNAPMessage())
	assert.Equal(t, b.SNAPResponseCode(56), u.SNAPResponseCode(56))
	assert.Equal(t, "4015600", u.SNAPResponseCode(56))
	assert.Equal(t, b.Status, u.Status)
	assert.Equal(t, "unknown_client", Reason(unknown), "metrics keep the label")
	assert.Equal(t, "signature_mismatch", Reason(badSig))
}

// Answered turns an unknown client into the scheme's wrong signature and
// leaves every other failure as it is; the original keeps the reason.
func TestErrorAnswered(t *testing.T) {
	for s, field := range map[Scheme]string{SchemeSNAP: "X-SIGNATURE", SchemeNonSNAP: "Signature", SchemeKirim: "signature"} {
		e := fail(s, CheckKey, "X-PARTNER-ID", ErrUnknownClient)
		a := e.Answered()
		assert.ErrorIs(t, a, ErrSignatureMismatch, s)
		assert.Equal(t, CheckSignature, a.Check, s)
		assert.Equal(t, field, a.Field, s)
		assert.Equal(t, e.Status, a.Status, s)
		assert.Equal(t, "unknown_client", Reason(e), "the original keeps the distinction")
		other := fail(s, CheckSignature, field, ErrSignatureMismatch)
		assert.Same(t, other, other.Answered(), s)
	}
}
