// Package echodoku shows dokukit on a labstack/echo/v4 server.
//
// echo.WrapMiddleware turns middleware.Verify's net/http middleware into an
// echo.MiddlewareFunc: Verify does that, so e.POST(path, h, mw) guards one
// route and e.Group(prefix, mw) a group. Inside the handler the body reads
// as usual from c.Request().Body and the verified sender is
// middleware.Verified(c.Request().Context()). A notify.Mux is an
// http.Handler; MountNotify registers it with echo.WrapHandler on exactly
// the paths it serves.
//
// echo does not rewrite the request path, so the request-target the
// verifiers check is the path DOKU signed. Pre-middleware that does
// rewrite it (echo/middleware.RemoveTrailingSlash, Rewrite) must leave
// the DOKU routes alone, or the signature check fails.
package echodoku

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dokukit/dokukit/examples/frameworks/internal/notifyroutes"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/verify"
)

// Verify returns middleware.Verify(v, opts...) as echo middleware. A
// request that fails verification is answered by the deny handler (by
// default in the scheme's protocol shape, e.g. SNAP 401 "4015600") and the
// rest of the chain does not run; a verified one continues with the
// verify.Result in its request context and its body readable from the
// start. A nil verifier is an error here rather than middleware.Verify's
// wiring-time panic. Safe for concurrent use.
func Verify(v verify.Verifier, opts ...middleware.Option) (echo.MiddlewareFunc, error) {
	vm, err := middleware.NewVerification(v, opts...)
	if err != nil {
		return nil, err
	}
	return echo.WrapMiddleware(vm.Handler), nil
}

// MountNotify builds a notify.Mux from cfg and registers it on e, through
// echo.WrapHandler, as a POST route for each path it serves (the token
// endpoint with any SNAP channel, and every channel whose func is set);
// e's other routes and its 404/405 answers are left alone. Every missing
// key or unsafe setting in cfg is an error, as with notify.NewMux, and so
// is a path that is not literal (an echo parameter or wildcard) or one e
// already routes POST to (echo would silently replace that handler).
func MountNotify(e *echo.Echo, cfg notify.MuxConfig) (*notify.Mux, error) {
	var posts []string
	for _, rt := range e.Routes() {
		if rt.Method == http.MethodPost {
			posts = append(posts, rt.Path)
		}
	}
	return notifyroutes.Mount(cfg, posts, func(p string, h http.Handler) { e.Add(http.MethodPost, p, echo.WrapHandler(h)) })
}
