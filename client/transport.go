package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dokukit/dokukit/internal/uuid"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// ErrTransport reports a request the signing transports could not sign
// (its body could not be read, the token source failed, no secret).
var ErrTransport = errors.New("client: cannot sign request")

// TokenSource returns the current B2B access token for SNAP calls (without
// "Bearer "). Implementations cache the token until it expires.
type TokenSource func(ctx context.Context) (string, error)

// StaticToken is a TokenSource that always returns token.
func StaticToken(token string) TokenSource {
	return func(context.Context) (string, error) { return token, nil }
}

// SNAPTransport signs outgoing SNAP transactional requests (HMAC-SHA512)
// the way DOKU verifies them: it sets X-TIMESTAMP, X-SIGNATURE,
// X-PARTNER-ID, X-EXTERNAL-ID (a fresh one unless the request has one),
// CHANNEL-ID and Authorization: Bearer <token>. The EndpointUrl is the
// request's path and query; the body is minified for the hash only and sent
// as is. The request passed in is not modified. Safe for concurrent use.
type SNAPTransport struct {
	// Base sends the signed request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Secret is the client secret. Required.
	Secret []byte
	// PartnerID is X-PARTNER-ID (the client id). Required.
	PartnerID string
	// ChannelID is CHANNEL-ID; default "95221" (DOKU's samples).
	ChannelID string
	// Token gives the bearer token. Required.
	Token TokenSource
	// Now is the clock; default time.Now.
	Now func() time.Time
	// ExternalID makes X-EXTERNAL-ID when the request has none; default a
	// random 32-digit number (unique per day, as SNAP requires).
	ExternalID func() string

	signer atomic.Pointer[sign.SNAPSymmetric]
}

// signerOf is the transport's signer, built from secret on first use and
// kept in p; a secret the signer refuses is an ErrTransport.
func signerOf[S any](p *atomic.Pointer[S], secret []byte, build func([]byte) (*S, error)) (*S, error) {
	if s := p.Load(); s != nil {
		return s, nil
	}
	s, err := build(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTransport, err)
	}
	p.Store(s)
	return s, nil
}

// RoundTrip implements http.RoundTripper.
func (t *SNAPTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, err := signerOf(&t.signer, t.Secret, sign.NewSNAPSymmetric)
	if err != nil {
		return nil, err
	}
	if t.PartnerID == "" || t.Token == nil {
		return nil, fmt.Errorf("%w: SNAPTransport needs PartnerID and Token", ErrTransport)
	}
	out, body, err := cloneWithBody(req)
	if err != nil {
		return nil, err
	}
	tok, err := t.Token(req.Context())
	if err != nil {
		return nil, fmt.Errorf("%w: token source: %w", ErrTransport, err)
	}
	ts := sign.FormatTimestamp(now(t.Now))
	sig, err := s.Sign(out.Method, out.URL.RequestURI(), tok, body, ts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTransport, err)
	}
	h := out.Header
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", t.PartnerID)
	if h.Get("X-EXTERNAL-ID") == "" {
		h.Set("X-EXTERNAL-ID", externalID(t.ExternalID))
	}
	channel := t.ChannelID
	if channel == "" {
		channel = "95221"
	}
	h.Set("CHANNEL-ID", channel)
	h.Set("Authorization", "Bearer "+tok)
	if len(body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return base(t.Base).RoundTrip(out)
}

// NonSNAPTransport signs outgoing non-SNAP requests (Cards payment page,
// Checkout, Akulaku): it sets Client-Id, Request-Id (a fresh UUID unless
// the request has one), Request-Timestamp and Signature, with the Digest
// over the exact body bytes and Request-Target = the request path. With
// Responses set, it also verifies the signature DOKU puts on each response
// and returns the verification error instead of an unverified response.
// The request passed in is not modified. Safe for concurrent use.
type NonSNAPTransport struct {
	// Base sends the signed request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// ClientID is Client-Id. Required.
	ClientID string
	// Secret is the secret key. Required.
	Secret []byte
	// Now is the clock; default time.Now.
	Now func() time.Time
	// RequestID makes Request-Id when the request has none; default a
	// random UUID v4.
	RequestID func() string
	// Responses, when set, verifies DOKU's response signatures.
	Responses *verify.NonSNAP

	signer atomic.Pointer[sign.NonSNAP]
}

// RoundTrip implements http.RoundTripper.
func (t *NonSNAPTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, err := signerOf(&t.signer, t.Secret, sign.NewNonSNAP)
	if err != nil {
		return nil, err
	}
	if t.ClientID == "" {
		return nil, fmt.Errorf("%w: NonSNAPTransport needs ClientID", ErrTransport)
	}
	out, body, err := cloneWithBody(req)
	if err != nil {
		return nil, err
	}
	if req.Body == nil || req.Body == http.NoBody {
		body = nil // no body: no Digest line
	}
	h := out.Header
	reqID := h.Get("Request-Id")
	if reqID == "" {
		reqID = requestID(t.RequestID)
		h.Set("Request-Id", reqID)
	}
	ts := now(t.Now).UTC().Format("2006-01-02T15:04:05Z")
	target := out.URL.EscapedPath()
	h.Set("Client-Id", t.ClientID)
	h.Set("Request-Timestamp", ts)
	h.Set("Signature", s.Sign(sign.Components{ClientID: t.ClientID, RequestID: reqID, Timestamp: ts, Target: target, Body: body}))
	if len(body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	resp, err := base(t.Base).RoundTrip(out)
	if err != nil || t.Responses == nil {
		return resp, err
	}
	if _, verr := t.Responses.VerifyResponse(req.Context(), resp, target); verr != nil {
		resp.Body.Close()
		return nil, verr
	}
	return resp, nil
}

// cloneWithBody copies req (RoundTrippers must not modify it) and reads its
// body so it can be signed and sent.
func cloneWithBody(req *http.Request) (*http.Request, []byte, error) {
	out := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return out, []byte{}, nil
	}
	var rc io.ReadCloser
	if req.GetBody != nil {
		var err error
		if rc, err = req.GetBody(); err != nil {
			return nil, nil, fmt.Errorf("%w: body: %w", ErrTransport, err)
		}
	} else {
		rc = req.Body
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: body: %w", ErrTransport, err)
	}
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	out.ContentLength = int64(len(body))
	return out, body, nil
}

func base(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

func now(f func() time.Time) time.Time {
	if f == nil {
		return time.Now()
	}
	return f()
}

func externalID(f func() string) string {
	if f != nil {
		return f()
	}
	var b [16]byte
	rand.Read(b[:])
	var out [32]byte
	for i, x := range b {
		out[2*i] = '0' + (x%100)/10
		out[2*i+1] = '0' + x%10
	}
	return string(out[:])
}

func requestID(f func() string) string {
	if f != nil {
		return f()
	}
	return uuid.V4()
}
