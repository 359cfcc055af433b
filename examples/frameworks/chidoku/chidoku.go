// Package chidoku shows dokukit on a go-chi/chi/v5 router.
//
// chi middleware has net/http's own shape, func(http.Handler) http.Handler,
// so middleware.Verify plugs in unchanged: r.With(mw).Post(pattern, h)
// guards one route, r.Use(mw) or a r.Group every route of a group. The
// handler then reads the body as usual and the verified sender from
// middleware.Verified(r.Context()). A notify.Mux is an http.Handler too;
// MountNotify registers it on exactly the paths it serves.
//
// chi never rewrites r.URL.Path (a Mount or Route prefix is tracked in
// chi's route context), so the request-target the verifiers check is the
// path DOKU signed. Middleware that does rewrite it, such as
// chi/middleware.StripSlashes, must not run in front of the DOKU routes.
package chidoku

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dokukit/dokukit/examples/frameworks/internal/notifyroutes"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/verify"
)

// Verify returns middleware.Verify(v, opts...) as chi middleware. Requests
// that fail verification are answered by the deny handler (by default in
// the scheme's protocol shape, e.g. SNAP 401 "4015600") and never reach
// the next handler. A nil verifier is an error here rather than
// middleware.Verify's wiring-time panic. Safe for concurrent use.
func Verify(v verify.Verifier, opts ...middleware.Option) (func(http.Handler) http.Handler, error) {
	vm, err := middleware.NewVerification(v, opts...)
	if err != nil {
		return nil, err
	}
	return vm.Handler, nil
}

// MountNotify builds a notify.Mux from cfg and registers it on r as a POST
// route for each path it serves (the token endpoint with any SNAP channel,
// and every channel whose func is set), leaving r's other routes and its
// 404/405 answers alone. r should be the root router: notify matches the
// full path, so the paths in cfg.Paths are absolute. Every missing key or
// unsafe setting in cfg is an error, as with notify.NewMux, and so is a
// path that is not literal (a chi parameter or wildcard) or one r already
// routes POST to (chi would silently replace that handler).
func MountNotify(r chi.Router, cfg notify.MuxConfig) (*notify.Mux, error) {
	return notifyroutes.Mount(cfg, posts(r), func(p string, h http.Handler) { r.Method(http.MethodPost, p, h) })
}

// posts lists the routes r routes POST to.
func posts(r chi.Routes) []string {
	var out []string
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodPost {
			out = append(out, route)
		}
		return nil
	})
	return out
}
