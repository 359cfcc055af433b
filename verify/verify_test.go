package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/sign"
)

// signedSNAP builds a valid SNAP notification signed with secret.
func signedSNAP(t testing.TB, secret, target string, body []byte) Message {
	t.Helper()
	s, err := sign.NewSNAPSymmetric([]byte(secret))
	require.NoError(t, err)
	sig, err := s.Sign("POST", target, snapToken, body, snapTS)
	require.NoError(t, err)
	return Message{Method: "POST", Target: target, Header: snapHeader(sig), Body: body}
}

// snapRejection is one TestSNAPRejections case: an edit of a signed
// message (or another verifier) and the error, status, SNAP case and field
// it must be refused with.
type snapRejection struct {
	name   string
	edit   func(m *Message)
	v      *SNAP
	want   error
	status int
	kase   int
	field  string
}

func TestSNAPRejections(t *testing.T) {
	body := []byte(protoBody)
	ctx := context.Background()
	cases := []snapRejection{
		{name: "body byte", edit: func(m *Message) { m.Body = bytes.Replace(m.Body, []byte("10000"), []byte("90000"), 1) }, want: ErrSignatureMismatch, status: 401, kase: 0, field: "X-SIGNATURE"},
		{name: "path", edit: func(m *Message) { m.Target = "/v1.0/debit/notify2" }, want: ErrSignatureMismatch, status: 401},
		{name: "query added", edit: func(m *Message) { m.Target += "?amount=1" }, want: ErrSignatureMismatch, status: 401},
		{name: "method", edit: func(m *Message) { m.Method = "PUT" }, want: ErrSignatureMismatch, status: 401},
		{name: "token", edit: func(m *Message) { m.Header.Set("Authorization", "Bearer other") }, want: ErrSignatureMismatch, status: 401},
		{name: "timestamp changed", edit: func(m *Message) { m.Header.Set("X-TIMESTAMP", "2024-01-01T12:00:01+07:00") }, want: ErrSignatureMismatch, status: 401},
		{name: "wrong secret", v: snapVerifier(t, "SK-other"), want: ErrSignatureMismatch, status: 401},
		{name: "unknown partner", edit: func(m *Message) { m.Header.Set("X-PARTNER-ID", "PARTNER-2") }, want: ErrUnknownClient, status: 401, field: "X-PARTNER-ID"},
		{name: "signature not base64", edit: func(m *Message) { m.Header.Set("X-SIGNATURE", "not base64!") }, want: ErrBadSignatureEncoding, status: 401},
		{name: "bearer missing scheme", edit: func(m *Message) { m.Header.Set("Authorization", snapToken) }, want: ErrInvalidToken, status: 401, kase: 1, field: "Authorization"},
		{name: "bearer only", edit: func(m *Message) { m.Header.Set("Authorization", "Bearer ") }, want: ErrInvalidToken, status: 401, kase: 1},
		{name: "malformed timestamp", edit: func(m *Message) { m.Header.Set("X-TIMESTAMP", "2024-01-12'T'07:30:12") }, want: ErrBadTimestamp, status: 400, kase: 1, field: "X-TIMESTAMP"},
		{name: "zoneless timestamp", edit: func(m *Message) { m.Header.Set("X-TIMESTAMP", "2024-01-01T12:00:00") }, want: ErrBadTimestamp, status: 400, kase: 1},
		{name: "invalid JSON", edit: func(m *Message) { m.Body = []byte(`{"a":`) }, want: ErrInvalidJSON, status: 400, kase: 1, field: "body"},
		{name: "whitespace-only body", edit: func(m *Message) { m.Body = []byte("  ") }, want: ErrInvalidJSON, status: 400, kase: 1},
	}
	for _, hn := range snapHeaders {
		h := hn.display
		cases = append(cases, snapRejection{name: "missing " + h, edit: func(m *Message) { m.Header.Del(h) }, want: ErrMissingHeader, status: 400, kase: 2, field: h})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := signedSNAP(t, snapSecret, "/v1.0/debit/notify", body)
			if c.edit != nil {
				c.edit(&m)
			}
			v := c.v
			if v == nil {
				v = snapVerifier(t)
			}
			_, err := v.VerifyMessage(ctx, m)
			require.ErrorIs(t, err, c.want)
			var ve *Error
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, c.status, ve.Status)
			assert.Equal(t, c.kase, ve.Case)
			if c.field != "" {
				assert.Equal(t, c.field, ve.Field)
			}
			assert.Len(t, ve.SNAPResponseCode(56), 7)
			assert.NotContains(t, err.Error(), snapSecret)
			if sig := m.Header.Get("X-SIGNATURE"); sig != "" {
				assert.NotContains(t, err.Error(), sig)
			}
		})
	}
}

func TestSkewWindow(t *testing.T) {
	base := time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC)
	p := Timestamps{MaxPast: 5 * time.Minute, MaxFuture: time.Minute, Now: func() time.Time { return base }}
	for _, c := range []struct {
		ts   string
		want error
	}{
		{"2024-01-01T12:00:00+07:00", nil},
		{"2024-01-01T04:55:00.000Z", nil},        // exactly 5 min old
		{"2024-01-01T04:54:59Z", ErrStale},       // one second too old
		{"2024-01-01T05:01:00Z", nil},            // exactly 1 min ahead
		{"2024-01-01T05:01:01Z", ErrFuture},      // one second too far ahead
		{"2024-01-01T12:06:00+07:00", ErrFuture}, // same instant rules in another zone
		{"2024-01-01T04:58:00.123456Z", nil},     // fractional seconds
		{"2024-09-17T14:41:52. 022+07:00", ErrBadTimestamp},
		{"", ErrBadTimestamp},
		{"1704085200", ErrBadTimestamp},
		{"2024-01-01T4:58:00Z", ErrBadTimestamp},             // one-digit hour: time.Parse alone takes it
		{"2024-01-01T04:58:00+0700", ErrBadTimestamp},        // zone without a colon
		{"2024-01-01T04:58:00.1234567890Z", ErrBadTimestamp}, // more than nine fraction digits
		{"2024-01-01T04:58:00.Z", ErrBadTimestamp},           // a dot without digits
		{"2024-01-01T04:58:00.123456789Z", nil},
	} {
		_, _, err := p.Check(SchemeSNAP, "X-TIMESTAMP", c.ts)
		if c.want == nil {
			assert.NoError(t, err, c.ts)
		} else {
			assert.ErrorIs(t, err, c.want, c.ts)
		}
	}
	// Unchecked still checks the format.
	_, age, err := Timestamps{Unchecked: true, Now: func() time.Time { return base }}.Check(SchemeSNAP, "X-TIMESTAMP", "2020-10-21T03:38:28Z")
	assert.NoError(t, err)
	assert.Greater(t, age, 24*time.Hour)
	_, _, err = Timestamps{Unchecked: true}.Check(SchemeSNAP, "X-TIMESTAMP", "yesterday")
	assert.ErrorIs(t, err, ErrBadTimestamp)
	// Zero policy is ±DefaultSkew.
	_, _, err = Timestamps{Now: func() time.Time { return base }}.Check(SchemeNonSNAP, "Request-Timestamp", base.Add(-DefaultSkew-time.Second).Format(time.RFC3339))
	assert.ErrorIs(t, err, ErrStale)
}

func TestKeyRotationReportsMatchingKey(t *testing.T) {
	old, err := NewSecret("2026-10", []byte("SK-old"))
	require.NoError(t, err)
	cur, err := NewSecret("2026-11", []byte("SK-new"))
	require.NoError(t, err)
	v, err := NewSNAP(SNAPConfig{Secrets: Secrets{"PARTNER-1": {cur, old}}, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	ctx := context.Background()
	res, err := v.VerifyMessage(ctx, signedSNAP(t, "SK-old", "/n", []byte(`{}`)))
	require.NoError(t, err)
	assert.Equal(t, "2026-10", res.KeyID)
	res, err = v.VerifyMessage(ctx, signedSNAP(t, "SK-new", "/n", []byte(`{}`)))
	require.NoError(t, err)
	assert.Equal(t, "2026-11", res.KeyID)

	// Rotated out: the old key no longer verifies.
	v2, err := NewSNAP(SNAPConfig{Secrets: Secrets{"PARTNER-1": {cur}}, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	_, err = v2.VerifyMessage(ctx, signedSNAP(t, "SK-old", "/n", []byte(`{}`)))
	assert.ErrorIs(t, err, ErrSignatureMismatch)
}

type downStore struct{}

func (downStore) Lookup(context.Context, string) ([]*Secret, error) {
	return nil, errors.New("vault https://vault.internal/secret/doku: connection refused")
}

func TestKeyStoreFailureIsServerError(t *testing.T) {
	v, err := NewSNAP(SNAPConfig{Secrets: downStore{}, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	_, err = v.VerifyMessage(context.Background(), signedSNAP(t, snapSecret, "/n", []byte(`{}`)))
	require.ErrorIs(t, err, ErrKey)
	var ve *Error
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, 500, ve.Status)
	assert.NotContains(t, err.Error(), "vault", "the store's error may name internal paths")
}

func TestFailClosedConstruction(t *testing.T) {
	_, err := NewSecret("k", nil)
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewSecret("k", []byte{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = SecretsFor("c")
	assert.ErrorIs(t, err, ErrConfig)
	_, err = SecretsFor("", []byte("x"))
	assert.ErrorIs(t, err, ErrConfig)
	_, err = SecretsFor("c", []byte("x"), nil)
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewSNAP(SNAPConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	var nilSecrets Secrets
	_, err = NewSNAP(SNAPConfig{Secrets: nilSecrets})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewNonSNAP(NonSNAPConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewKirim(KirimConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewSNAPRSA(SNAPRSAConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewSNAPToken(SNAPTokenConfig{})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewPublicKey("k", nil)
	assert.ErrorIs(t, err, ErrConfig)
	small := shortKey(t)
	_, err = NewPublicKey("k", &small.PublicKey)
	assert.ErrorIs(t, err, ErrConfig)
	_, err = PublicKeysFor("c", &small.PublicKey)
	assert.ErrorIs(t, err, ErrConfig)
	// A secret prints as its id only.
	s, err := NewSecret("k1", []byte("SK-very-secret"))
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, sprintf(f, s), "SK-very-secret", f)
	}
}

func TestNonSNAPRejections(t *testing.T) {
	ctx := context.Background()
	valid := func() Message {
		return Message{Method: "POST", Target: "/credit-card/v1/payment-page", Header: nsHeader("HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM="), Body: []byte(nsBody)}
	}
	v := nonSNAPVerifier(t)
	_, err := v.VerifyMessage(ctx, valid())
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		edit   func(*Message)
		want   error
		status int
	}{
		{"body whitespace", func(m *Message) { m.Body = append(m.Body, ' ') }, ErrSignatureMismatch, 401},
		{"target", func(m *Message) { m.Target = "/shop/credit-card/v1/payment-page" }, ErrSignatureMismatch, 401},
		{"request id", func(m *Message) { m.Header.Set("Request-Id", "x") }, ErrSignatureMismatch, 401},
		{"no prefix", func(m *Message) { m.Header.Set("Signature", "BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM=") }, ErrBadSignatureEncoding, 401},
		{"unknown client", func(m *Message) { m.Header.Set("Client-Id", "MCH-2") }, ErrUnknownClient, 401},
		{"stale", func(m *Message) { m.Header.Set("Request-Timestamp", "2020-10-21T03:30:00Z") }, ErrStale, 401},
		{"missing Request-Id", func(m *Message) { m.Header.Del("Request-Id") }, ErrMissingHeader, 400},
		{"missing Signature", func(m *Message) { m.Header.Del("Signature") }, ErrMissingHeader, 400},
	} {
		m := valid()
		c.edit(&m)
		_, err := v.VerifyMessage(ctx, m)
		require.ErrorIs(t, err, c.want, c.name)
		var ve *Error
		require.True(t, errors.As(err, &ve))
		assert.Equal(t, c.status, ve.Status, c.name)
	}
	// A correctly signed body that is not JSON: 400 after the signature passed.
	s, _ := sign.NewNonSNAP([]byte(nsSecret))
	m := valid()
	m.Body = []byte(`{"order":`)
	m.Header.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: nsRequestID, Timestamp: nsTS, Target: m.Target, Body: m.Body}))
	_, err = v.VerifyMessage(ctx, m)
	assert.ErrorIs(t, err, ErrInvalidJSON)

	// Target policy: a proxy strips /shop; the verifier adds it back.
	set, _ := SecretsFor(nsClient, []byte(nsSecret))
	pv, err := NewNonSNAP(NonSNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(nsTS)}, Target: Target{Prefix: "/shop"}})
	require.NoError(t, err)
	m = valid()
	m.Target = "/credit-card/v1/payment-page"
	m.Header.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: nsRequestID, Timestamp: nsTS, Target: "/shop/credit-card/v1/payment-page", Body: m.Body}))
	res, err := pv.VerifyMessage(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, "/shop/credit-card/v1/payment-page", res.Target)
}

func TestTargetPolicy(t *testing.T) {
	for _, c := range []struct {
		t        Target
		received string
		keep     bool
		want     string
	}{
		{Target{}, "/a?b=1", true, "/a?b=1"},
		{Target{}, "/a?b=1", false, "/a"},
		{Target{Query: QueryDrop}, "/a?b=1", true, "/a"},
		{Target{Query: QueryKeep}, "/a?b=1", false, "/a?b=1"},
		{Target{Prefix: "/shop"}, "/a?b=1", true, "/shop/a?b=1"},
		{Target{Fixed: "/public/notify"}, "/internal?x", true, "/public/notify"},
	} {
		assert.Equal(t, c.want, c.t.resolve(c.received, c.keep))
	}
}

func TestNonSNAPResponseSignature(t *testing.T) {
	s, _ := sign.NewNonSNAP([]byte(nsSecret))
	body := []byte(`{"order":{"invoice_number":"INV-1"}}`)
	h := http.Header{"Client-Id": {nsClient}, "Request-Id": {nsRequestID}, "Response-Timestamp": {nsTS}}
	h.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: nsRequestID, Timestamp: nsTS, Target: "/checkout/v1/payment", Body: body, Response: true}))
	resp := &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}
	v := nonSNAPVerifier(t)
	_, err := v.VerifyResponse(context.Background(), resp, "/checkout/v1/payment")
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	assert.Equal(t, body, got, "the body is put back")
	// Signed as a request (Request-Timestamp): does not verify as a response.
	h.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: nsRequestID, Timestamp: nsTS, Target: "/checkout/v1/payment", Body: body}))
	resp = &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}
	_, err = v.VerifyResponse(context.Background(), resp, "/checkout/v1/payment")
	assert.ErrorIs(t, err, ErrSignatureMismatch)
	_, err = v.VerifyResponseBody(context.Background(), h, body, "/checkout/v1/payment")
	assert.ErrorIs(t, err, ErrSignatureMismatch, "the same verdict over bytes already read")

	// VerifyResponseBody: the answer's bytes as read, same verdicts.
	h.Set("Signature", s.Sign(sign.Components{ClientID: nsClient, RequestID: nsRequestID, Timestamp: nsTS, Target: "/checkout/v1/payment", Body: body, Response: true}))
	res, err := v.VerifyResponseBody(context.Background(), h, body, "/checkout/v1/payment")
	require.NoError(t, err)
	assert.Equal(t, nsRequestID, res.RequestID)
	_, err = v.VerifyResponseBody(context.Background(), h, append(body[:len(body):len(body)], ' '), "/checkout/v1/payment")
	assert.ErrorIs(t, err, ErrSignatureMismatch, "one more byte: the digest covers the raw body")
	small, err := NewNonSNAP(NonSNAPConfig{Secrets: v.cfg.Secrets, Timestamps: v.cfg.Timestamps, MaxBodyBytes: int64(len(body) - 1)})
	require.NoError(t, err)
	_, err = small.VerifyResponseBody(context.Background(), h, body, "/checkout/v1/payment")
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	_, err = small.VerifyResponse(context.Background(), &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}, "/checkout/v1/payment")
	assert.ErrorIs(t, err, ErrBodyTooLarge, "both paths keep the limit")
}

func TestKirimRejections(t *testing.T) {
	set, _ := SecretsFor("A41418", []byte(kirimKey))
	v, _ := NewKirim(KirimConfig{Keys: set})
	sig, _ := sign.KirimSignature([]byte(kirimKey), "A41418", "req-1")
	h := func() http.Header {
		return http.Header{"Requestid": {"req-1"}, "Agentkey": {"A41418"}, "Signature": {sig}}
	}
	ctx := context.Background()
	_, err := v.VerifyMessage(ctx, Message{Header: h(), Body: []byte(`{}`)})
	require.NoError(t, err)
	hh := h()
	hh.Set("requestId", "req-2")
	_, err = v.VerifyMessage(ctx, Message{Header: hh, Body: []byte(`{}`)})
	assert.ErrorIs(t, err, ErrSignatureMismatch)
	hh = h()
	hh.Set("agentKey", "OTHER")
	_, err = v.VerifyMessage(ctx, Message{Header: hh})
	assert.ErrorIs(t, err, ErrUnknownClient)
	_, err = v.VerifyMessage(ctx, Message{Header: h(), Body: []byte(`{`)})
	assert.ErrorIs(t, err, ErrInvalidJSON)
	hh = h()
	hh.Del("signature")
	_, err = v.VerifyMessage(ctx, Message{Header: hh})
	assert.ErrorIs(t, err, ErrMissingHeader)
	// A key of the wrong length for AES is a server-side configuration error.
	bad, _ := SecretsFor("A41418", []byte("short"))
	bv, _ := NewKirim(KirimConfig{Keys: bad})
	_, err = bv.VerifyMessage(ctx, Message{Header: h()})
	assert.ErrorIs(t, err, ErrKey)
	// Lower-case raw header names (a capture) are found too.
	raw := http.Header{"requestid": {"req-1"}, "agentkey": {"A41418"}, "signature": {sig}}
	_, err = v.VerifyMessage(ctx, Message{Header: raw})
	assert.NoError(t, err)
}

// What a passing Kirim signature is worth: the blocks of two signatures
// Kirim DOKU sent splice, without the key, into one this verifier accepts
// for a requestId DOKU never used. The verifier cannot tell; notify's Kirim
// channels check the transfer for that reason.
func TestKirimSignatureSplicesFromObservedOnes(t *testing.T) {
	set, _ := SecretsFor("A41418", []byte(kirimKey))
	v, _ := NewKirim(KirimConfig{Keys: set})
	r1, r2 := "fd53b1e3-9c35-4dfa-a95c-a8dbc5695485", "0b7c21aa-4e1f-4c55-8d0e-3f9a6b2c7d10"
	s1, _ := sign.KirimSignature([]byte(kirimKey), "A41418", r1)
	s2, _ := sign.KirimSignature([]byte(kirimKey), "A41418", r2)
	c1, _ := base64.StdEncoding.DecodeString(s1)
	c2, _ := base64.StdEncoding.DecodeString(s2)
	// agentKey+requestId is 42 bytes: blocks agentKey+r[0:10], r[10:26], r[26:]+padding.
	forgedRID := r1[:10] + r2[10:26] + r1[26:]
	forged := base64.StdEncoding.EncodeToString(slices.Concat(c1[:16], c2[16:32], c1[32:]))
	res, err := v.VerifyMessage(context.Background(), Message{Header: http.Header{"Requestid": {forgedRID}, "Agentkey": {"A41418"}, "Signature": {forged}},
		Body: []byte(`{"transactionId":"DK-NEVER-MADE","transactionStatus":"40"}`)})
	require.NoError(t, err)
	assert.Equal(t, forgedRID, res.RequestID)
}

func TestVerifyRequestRestoresBodyAndLimits(t *testing.T) {
	body := []byte(protoBody)
	m := signedSNAP(t, snapSecret, "/v1.0/debit/notify?src=doku", body)
	set, _ := SecretsFor("PARTNER-1", []byte(snapSecret))
	v, err := NewSNAP(SNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(snapTS)}, MaxBodyBytes: int64(len(body))})
	require.NoError(t, err)

	var seen []byte
	var res Result
	var verr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, verr = v.Verify(r)
		seen, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	post := func(b []byte, chunked bool) {
		var rd io.Reader = bytes.NewReader(b)
		if chunked {
			rd = io.MultiReader(rd) // unknown length → chunked
		}
		req, err := http.NewRequest("POST", srv.URL+m.Target, rd)
		require.NoError(t, err)
		req.Header = m.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	post(body, false)
	require.NoError(t, verr)
	assert.Equal(t, body, seen, "the next handler reads the exact bytes")
	assert.Equal(t, "/v1.0/debit/notify?src=doku", res.Target)
	post(body, true)
	require.NoError(t, verr, "chunked body within the limit")
	post(append(append([]byte{}, body...), ' '), false)
	assert.ErrorIs(t, verr, ErrBodyTooLarge)
	post(append(append([]byte{}, body...), ' '), true)
	assert.ErrorIs(t, verr, ErrBodyTooLarge)
}

func TestReasonsAreBounded(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range []error{nil, ErrMissingHeader, ErrBadTimestamp, ErrStale, ErrFuture, ErrSignatureMismatch, ErrBadSignatureEncoding,
		ErrUnknownClient, ErrBodyTooLarge, ErrInvalidJSON, ErrInvalidToken, ErrBodyRead, ErrKey, errors.New("other")} {
		r := Reason(e)
		assert.False(t, seen[r], "reason %q used twice", r)
		seen[r] = true
		assert.Equal(t, strings.ToLower(r), r)
	}
}

func TestTokenValidatorRuns(t *testing.T) {
	set, _ := SecretsFor("PARTNER-1", []byte(snapSecret))
	var got, gotPartner string
	v, _ := NewSNAP(SNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(snapTS)}, Tokens: func(_ context.Context, tok, partner string) error {
		got = tok
		gotPartner = partner
		return errors.New("not issued by us")
	}})
	_, err := v.VerifyMessage(context.Background(), signedSNAP(t, snapSecret, "/n", []byte(`{}`)))
	require.ErrorIs(t, err, ErrInvalidToken)
	assert.Equal(t, snapToken, got, "the validator gets the token without Bearer")
	assert.Equal(t, "PARTNER-1", gotPartner, "and the signed X-PARTNER-ID, to bind the token to its client")
	assert.NotContains(t, err.Error(), "not issued", "the validator's reason is not shown to the sender")
	var ve *Error
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, "4015601", ve.SNAPResponseCode(56))
	// "bearer" in lower case is the same scheme (RFC 6750).
	m := signedSNAP(t, snapSecret, "/n", []byte(`{}`))
	m.Header.Set("Authorization", "bearer "+snapToken)
	v2, _ := NewSNAP(SNAPConfig{Secrets: set, Timestamps: Timestamps{Now: at(snapTS)}})
	_, err = v2.VerifyMessage(context.Background(), m)
	assert.NoError(t, err)
}
