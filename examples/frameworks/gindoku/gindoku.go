// Package gindoku shows dokukit on a gin-gonic/gin engine.
//
// gin has no adapter for net/http middleware, so Verify is one: it runs
// middleware.Verify's check and, for a verified request, puts the request
// it produced (the verify.Result in its context, the body readable from
// the start) into c.Request and calls c.Next; a rejected request is
// answered in the protocol's shape and the chain is aborted. Inside the
// handler read the verified sender with
// middleware.Verified(c.Request.Context()) — c itself does not see the
// request context unless the engine sets ContextWithFallback. A notify.Mux
// is an http.Handler; MountNotify registers it with gin.WrapH on exactly
// the paths it serves.
//
// gin does not rewrite the request path, so the request-target the
// verifiers check is the path DOKU signed: RedirectTrailingSlash and
// RedirectFixedPath answer a near-miss path with a redirect, and
// RemoveExtraSlash only changes the lookup, never r.URL.Path.
package gindoku

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/dokukit/dokukit/examples/frameworks/internal/notifyroutes"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/verify"
)

// Verify returns middleware.Verify(v, opts...) as gin middleware. A request
// that fails verification is answered by the deny handler (by default in
// the scheme's protocol shape, e.g. SNAP 401 "4015600") and c.Abort stops
// the chain; a verified one continues with c.Request carrying the
// verify.Result and a body readable from the start. The rest of the chain
// runs inside the verification (c.Next), as it must: the verified body is
// only readable until the middleware returns. A nil verifier is an error
// here rather than middleware.Verify's wiring-time panic. Safe for
// concurrent use.
func Verify(v verify.Verifier, opts ...middleware.Option) (gin.HandlerFunc, error) {
	vm, err := middleware.NewVerification(v, opts...)
	if err != nil {
		return nil, err
	}
	return func(c *gin.Context) {
		passed := false
		vm.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			passed = true
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
		if !passed {
			c.Abort()
		}
	}, nil
}

// MountNotify builds a notify.Mux from cfg and registers it on e, through
// gin.WrapH, as a POST route for each path it serves (the token endpoint
// with any SNAP channel, and every channel whose func is set); e's other
// routes and its 404/405 answers are left alone. Every missing key or
// unsafe setting in cfg is an error, as with notify.NewMux, and so is a
// path that is not literal (a gin parameter or wildcard) or one e already
// routes POST to: gin would panic on either.
func MountNotify(e *gin.Engine, cfg notify.MuxConfig) (*notify.Mux, error) {
	var posts []string
	for _, rt := range e.Routes() {
		if rt.Method == http.MethodPost {
			posts = append(posts, rt.Path)
		}
	}
	return notifyroutes.Mount(cfg, posts, func(p string, h http.Handler) { e.POST(p, gin.WrapH(h)) })
}
