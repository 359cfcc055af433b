package verify

import (
	"fmt"
	"net/http"
)

// core is what the verifiers of this package share, embedded in each: the
// scheme, the body limit, and Verify, which reads the body within the limit
// and checks the request with the verifier's own VerifyMessage (self).
type core struct {
	scheme Scheme
	limit  int64
	self   Verifier
}

// Scheme implements Verifier.
func (c *core) Scheme() Scheme { return c.scheme }

// Limit implements Verifier.
func (c *core) Limit() int64 { return c.limit }

// Verify implements Verifier.
func (c *core) Verify(r *http.Request) (Result, error) {
	res, _, err := VerifyRequest(c.self, r, nil)
	return res, err
}

func (c *core) base() *core { return c }

// newVerifier ends a constructor: v with its core set up for scheme s and a
// body limit of maxBody (0 or less: DefaultMaxBodyBytes), or ErrConfig
// saying problem when its key set (keys) is nil: verification fails closed.
func newVerifier[V interface {
	Verifier
	base() *core
}](v V, s Scheme, maxBody int64, keys any, problem string) (V, error) {
	if isNilSet(keys) {
		var none V
		return none, fmt.Errorf("%w: %s", ErrConfig, problem)
	}
	*v.base() = core{scheme: s, limit: limitOr(maxBody), self: v}
	return v, nil
}
