package verify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/sign"
)

// One concept, one sentinel: verify's names for what sign names too are
// sign's concept as well, and the two skew directions are one skew.
func TestSentinelsChainToTheirConcept(t *testing.T) {
	for _, c := range []struct{ err, concept error }{
		{ErrStale, ErrTimestampSkew},
		{ErrFuture, ErrTimestampSkew},
		{ErrBadTimestamp, sign.ErrBadTimestamp},
		{ErrSignatureMismatch, sign.ErrSignatureMismatch},
		{ErrBadSignatureEncoding, sign.ErrBadSignatureEncoding},
		{ErrInvalidJSON, sign.ErrInvalidJSON},
	} {
		assert.ErrorIs(t, c.err, c.concept, "%v", c.err)
		assert.ErrorIs(t, fail(SchemeSNAP, CheckSignature, "X", c.err), c.concept, "a *Error with %v", c.err)
	}
	assert.NotErrorIs(t, ErrStale, ErrFuture)
	_, err := ParseTimestamp("2020-12-21T14:56:11")
	assert.ErrorIs(t, err, ErrBadTimestamp)
	assert.ErrorIs(t, err, sign.ErrBadTimestamp)
}

// *Error keeps what lies underneath: sign's error and the key store's,
// reachable with errors.Is/As but never printed.
func TestErrorKeepsItsCause(t *testing.T) {
	v, err := NewSNAP(SNAPConfig{Secrets: storeDown{}, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	_, err = v.VerifyMessage(context.Background(), signedSNAP(t, snapSecret, "/n", []byte(`{}`)))
	assert.ErrorIs(t, err, ErrKey)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "deadline")

	set, _ := SecretsFor("PARTNER-1", []byte(snapSecret))
	v, _ = NewSNAP(SNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(snapTS)}})
	m := signedSNAP(t, snapSecret, "/n", []byte(`{}`))
	m.Body = []byte(`{"a":`)
	_, err = v.VerifyMessage(context.Background(), m)
	var se *sign.SyntaxError
	require.ErrorAs(t, err, &se, "sign's *SyntaxError is the cause of ErrInvalidJSON")
	assert.ErrorIs(t, err, ErrInvalidJSON)

	_, err = NewPublicKey("old", &shortKey(t).PublicKey)
	assert.ErrorIs(t, err, ErrConfig)
	assert.ErrorIs(t, err, sign.ErrKeyTooShort)
}

type storeDown struct{}

func (storeDown) Lookup(context.Context, string) ([]*Secret, error) {
	return nil, context.DeadlineExceeded
}

// With TokenOptional an RSA-signed request without Authorization passes
// (DOKU's RSA notifications carry none), and a token that is there is
// still validated.
func TestSNAPRSATokenOptional(t *testing.T) {
	vs := fileVectors(t)
	body := shared(t, "debit_notify_body.json")
	asym := vs["SNAP asymmetric transactional signature (notification to merchant)"]
	keys, err := PublicKeysFor("PARTNER-1", testPublicKey(t))
	require.NoError(t, err)
	calls := 0
	tokens := func(_ context.Context, token, _ string) error {
		calls++
		if token != "good" {
			return errors.New("not ours")
		}
		return nil
	}
	v, err := NewSNAPRSA(SNAPRSAConfig{PublicKeys: keys, Tokens: tokens, TokenOptional: true, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	req := func(authz string) *http.Request {
		r := httptest.NewRequest("POST", "/v1.0/debit/notify", strings.NewReader(string(body)))
		r.Header = snapHeader(asym.Signature)
		r.Header.Del("Authorization")
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		return r
	}
	_, err = v.Verify(req(""))
	assert.NoError(t, err, "no token: the signature authenticates it")
	assert.Equal(t, 0, calls)
	_, err = v.Verify(req("Bearer good"))
	assert.NoError(t, err)
	_, err = v.Verify(req("Bearer forged"))
	assert.ErrorIs(t, err, ErrInvalidToken, "a token that is there is still validated")
	_, err = v.Verify(req("Basic x"))
	assert.ErrorIs(t, err, ErrInvalidToken)
	assert.Equal(t, 2, calls)

	strict, err := NewSNAPRSA(SNAPRSAConfig{PublicKeys: keys, Tokens: tokens, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	_, err = strict.Verify(req(""))
	assert.ErrorIs(t, err, ErrMissingHeader, "without TokenOptional the token stays required")
}

// The table in the package doc, checked: sentinel → HTTP status → SNAP
// case and message.
func TestErrorTable(t *testing.T) {
	for _, c := range []struct {
		err    error
		field  string
		status int
		code   string
		msg    string
	}{
		{ErrMissingHeader, "X-TIMESTAMP", 400, "4005602", "Invalid Mandatory Field {X-TIMESTAMP}"},
		{ErrBadTimestamp, "X-TIMESTAMP", 400, "4005601", "Invalid Field Format {X-TIMESTAMP}"},
		{ErrInvalidJSON, "body", 400, "4005601", "Invalid Field Format {body}"},
		{ErrBodyRead, "body", 400, "4005601", "General Error"},
		{ErrStale, "X-TIMESTAMP", 401, "4015600", "Unauthorized. Invalid Timestamp"},
		{ErrFuture, "X-TIMESTAMP", 401, "4015600", "Unauthorized. Invalid Timestamp"},
		{ErrSignatureMismatch, "X-SIGNATURE", 401, "4015600", "Unauthorized. Invalid Signature"},
		{ErrBadSignatureEncoding, "X-SIGNATURE", 401, "4015600", "Unauthorized. Invalid Signature"},
		{ErrUnknownClient, "X-PARTNER-ID", 401, "4015600", "Unauthorized. Invalid Signature"},
		{ErrInvalidToken, "Authorization", 401, "4015601", "Invalid Token (B2B)"},
		{ErrBodyTooLarge, "body", 413, "4135600", "Request Entity Too Large"},
		{ErrKey, "", 500, "5005600", "General Error"},
	} {
		e := fail(SchemeSNAP, CheckHeader, c.field, c.err)
		assert.Equal(t, c.status, e.Status, "%v", c.err)
		assert.Equal(t, c.code, e.SNAPResponseCode(56), "%v", c.err)
		assert.Equal(t, c.msg, e.SNAPMessage(), "%v", c.err)
	}
}
