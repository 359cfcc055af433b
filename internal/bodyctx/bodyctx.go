// Package bodyctx carries a verified request's body from
// middleware.Verification, which read it, to the layers behind it (the
// duplicate guard in dedupe, the notify channels), so the body is read once
// and within one limit. It sits below both: dedupe must not import
// middleware (middleware's deprecated Idempotency wrappers import dedupe).
package bodyctx

import "context"

// Key is the context key middleware.Verification stores its Carrier under.
type Key struct{}

// Carrier is the context value of a verified request.
type Carrier interface {
	// VerifiedBody returns the whole body the verification read, or false
	// once the request has finished and the buffer may be reused.
	VerifiedBody() ([]byte, bool)
}

// Body returns the verified body in ctx, if any. The bytes are valid until
// the handler the verification wrapped returns; they must not be modified
// or kept.
// Hasher is a Carrier that also knows the body's SHA-256 of its minified
// form (sign.BodyHash), when the verifier computed it.
type Hasher interface {
	VerifiedBodyHash() ([32]byte, bool)
}

// BodyHash returns the verified body's minified SHA-256 when the verifier
// in front computed it (SNAP schemes), and the body is still valid.
func BodyHash(ctx context.Context) ([32]byte, bool) {
	h, ok := ctx.Value(Key{}).(Hasher)
	if !ok {
		return [32]byte{}, false
	}
	return h.VerifiedBodyHash()
}

// Body is the verified body the middleware in front read, if any, while
// the request is being served.
func Body(ctx context.Context) ([]byte, bool) {
	c, ok := ctx.Value(Key{}).(Carrier)
	if !ok {
		return nil, false
	}
	return c.VerifiedBody()
}
