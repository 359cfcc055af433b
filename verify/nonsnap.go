package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strings"

	"github.com/dokukit/dokukit/sign"
)

// NonSNAPConfig configures a non-SNAP verifier.
type NonSNAPConfig struct {
	// Secrets are the secret keys, looked up by Client-Id. Required.
	Secrets SecretSet
	// Timestamps is the Request-Timestamp policy (default ±5 min).
	Timestamps Timestamps
	// Target is the Request-Target policy. The default signs the path
	// without the query string: DOKU's docs say "the path of the
	// notification URL".
	Target Target
	// MaxBodyBytes limits the body Verify reads (default 1 MiB).
	MaxBodyBytes int64
}

// NonSNAP verifies non-SNAP ("Jokul") signatures, the scheme of the Cards
// payment page, Checkout, Akulaku and DOKU's non-SNAP notifications:
//
//	Signature: HMACSHA256=base64(HMAC-SHA256(secretKey,
//	    "Client-Id:…\nRequest-Id:…\nRequest-Timestamp:…\nRequest-Target:…\nDigest:base64(SHA-256(body))"))
//
// Required headers: Client-Id, Request-Id, Request-Timestamp, Signature. The
// Digest is computed here from the exact bytes received (DOKU sends no
// Digest header). A non-empty body must be JSON; it is checked after the
// signature, so a forged body is reported as a forgery. Every secret valid
// for the Client-Id is tried. Safe for concurrent use.
type NonSNAP struct {
	core
	cfg NonSNAPConfig
}

// NewNonSNAP builds the verifier; a nil secret set is an error.
func NewNonSNAP(cfg NonSNAPConfig) (*NonSNAP, error) {
	return newVerifier(&NonSNAP{cfg: cfg}, SchemeNonSNAP, cfg.MaxBodyBytes, cfg.Secrets, "non-SNAP verifier needs a secret set")
}

var nonSNAPHeaders = names("Client-Id", "Request-Id", "Request-Timestamp", "Signature")
var nonSNAPResponseHeaders = names("Client-Id", "Request-Id", "Response-Timestamp", "Signature")

// VerifyMessage implements Verifier.
func (v *NonSNAP) VerifyMessage(ctx context.Context, m Message) (Result, error) {
	return v.check(ctx, m, v.cfg.Target.resolve(m.Target, false), false)
}

// VerifyResponse checks the signature DOKU puts on its response to a
// non-SNAP request: the same scheme with Response-Timestamp in place of
// Request-Timestamp and Request-Target = the target of the request that was
// sent (requestTarget, taken as is). It reads resp.Body within the limit
// and puts it back.
func (v *NonSNAP) VerifyResponse(ctx context.Context, resp *http.Response, requestTarget string) (Result, error) {
	var body []byte
	if resp.Body != nil {
		b, err := io.ReadAll(io.LimitReader(resp.Body, v.limit+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return Result{}, fail(SchemeNonSNAP, CheckBody, "body", ErrBodyRead)
		}
		body = b
	}
	return v.VerifyResponseBody(ctx, resp.Header, body, requestTarget)
}

// VerifyResponseBody is VerifyResponse for an answer already read: its
// headers and body as received. A body longer than the verifier's limit is
// ErrBodyTooLarge, as VerifyResponse reports it. The body is not kept.
func (v *NonSNAP) VerifyResponseBody(ctx context.Context, header http.Header, body []byte, requestTarget string) (Result, error) {
	if int64(len(body)) > v.limit {
		return Result{}, fail(SchemeNonSNAP, CheckBody, "body", ErrBodyTooLarge)
	}
	return v.check(ctx, Message{Header: header, Body: body}, requestTarget, true)
}

func (v *NonSNAP) check(ctx context.Context, m Message, target string, response bool) (Result, error) {
	const s = SchemeNonSNAP
	hs := nonSNAPHeaders
	if response {
		hs = nonSNAPResponseHeaders
	}
	res := Result{Scheme: s, Target: target}
	var h [4]string
	if err := need(s, m.Header, hs, h[:]); err != nil {
		return res, err
	}
	client, reqID, ts, sig := h[0], h[1], h[2], h[3]
	res.ClientID, res.RequestID = client, reqID
	var buf [512]byte
	comp := sign.AppendComponent(buf[:0], sign.Components{ClientID: client, RequestID: reqID, Timestamp: ts, Target: target, Body: m.Body, Response: response})
	if m.Explain {
		res.StringToSign = string(comp)
	}
	if !strings.HasPrefix(sig, sign.NonSNAPPrefix) {
		return res, fail(s, CheckSignature, "Signature", ErrBadSignatureEncoding).with(`want "HMACSHA256=" prefix`)
	}
	if !isBase64(sig[len(sign.NonSNAPPrefix):], sha256.Size) {
		return res, fail(s, CheckSignature, "Signature", ErrBadSignatureEncoding).with("want base64 of 32 bytes")
	}
	var err error
	if res.Timestamp, res.Age, err = v.cfg.Timestamps.Check(s, hs[2].display, ts); err != nil {
		return res, err
	}
	kid, err := verifyRaw(ctx, s, v.cfg.Secrets, "Client-Id", client, m.Body, func(k *Secret) error { return k.plain.VerifyString(sig, comp) })
	if err != nil {
		return res, err
	}
	res.KeyID = kid
	return res, nil
}

// verifyRaw ends the checks of the schemes that sign the body's raw bytes,
// or none of it, rather than a minified body (non-SNAP, Kirim): it looks up
// client's secrets (by field) in set and returns the id of the one whose
// check (try) passes; a non-empty body must then still be JSON. The body is
// checked after the signature so that a forged body is reported as a
// forgery.
func verifyRaw(ctx context.Context, s Scheme, set SecretSet, field, client string, body []byte, try func(*Secret) error) (string, error) {
	keys, err := set.Lookup(ctx, client)
	if err != nil {
		return "", lookupErr(s, field, err)
	}
	kid, err := match(s, keys, try)
	if err != nil {
		return "", err
	}
	if len(body) > 0 && !sign.Valid(body) {
		return "", fail(s, CheckBody, "body", ErrInvalidJSON)
	}
	return kid, nil
}

// KirimConfig configures a Kirim DOKU callback verifier.
type KirimConfig struct {
	// Keys are the encryption keys (16, 24 or 32 bytes), looked up by the
	// agentKey header. Required.
	Keys SecretSet
	// MaxBodyBytes limits the body Verify reads (default 1 MiB).
	MaxBodyBytes int64
}

// Kirim verifies Kirim DOKU callbacks (unpaid and refund notifications):
// signature = base64(AES-ECB-PKCS5(agentKey + requestId)) under the
// encryption key (docs/protocol.md §6). Required headers: requestId, agentKey,
// signature.
//
// A signature that passes proves nothing beyond "someone saw earlier
// signatures": it does not show the sender holds the key. ECB encrypts each
// 16-byte block of agentKey + requestId on its own, so the blocks of two
// observed signatures splice into a valid one for a requestId DOKU never
// sent, and the signature covers neither the body nor a time, so any body
// can ride on it. Treat every field of the callback as a claim: act only on
// callbacks about transfers you made and still await (notify's Kirim
// channels require such a check) and confirm the outcome with DOKU's status
// call (route "kirim.qr_mpm_status") before paying out or refunding. Pair it
// with the idempotency middleware (requestId is the dedup key). A non-empty
// body must be JSON. Safe for concurrent use.
type Kirim struct {
	core
	cfg KirimConfig
}

// NewKirim builds the verifier; a nil key set is an error.
func NewKirim(cfg KirimConfig) (*Kirim, error) {
	return newVerifier(&Kirim{cfg: cfg}, SchemeKirim, cfg.MaxBodyBytes, cfg.Keys, "Kirim verifier needs a key set")
}

var kirimHeaders = names("requestId", "agentKey", "signature")

// VerifyMessage implements Verifier.
func (v *Kirim) VerifyMessage(ctx context.Context, m Message) (Result, error) {
	const s = SchemeKirim
	res := Result{Scheme: s, Target: m.Target}
	var h [3]string
	if err := need(s, m.Header, kirimHeaders, h[:]); err != nil {
		return res, err
	}
	reqID, agent, sig := h[0], h[1], h[2]
	res.ClientID, res.RequestID = agent, reqID
	if m.Explain {
		res.StringToSign = agent + reqID
	}
	kid, err := verifyRaw(ctx, s, v.cfg.Keys, "agentKey", agent, m.Body, func(k *Secret) error { return sign.VerifyKirim(k.raw, agent, reqID, sig) })
	if err != nil {
		return res, err
	}
	res.KeyID = kid
	return res, nil
}
