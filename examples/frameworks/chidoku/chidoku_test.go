package chidoku_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/dokukit/dokukit/examples/frameworks/chidoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/frameworktest"
)

// TestChi runs the frameworks' shared suite through a chi router.
func TestChi(t *testing.T) {
	frameworktest.Suite[chi.Router, func(http.Handler) http.Handler]{
		Verify:      chidoku.Verify,
		MountNotify: chidoku.MountNotify,
		New:         func() chi.Router { return chi.NewRouter() },
		Guard: func(r chi.Router, mw func(http.Handler) http.Handler, path string, serve func(*http.Request) error) {
			r.With(mw).Post(path, func(w http.ResponseWriter, r *http.Request) {
				if err := serve(r); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, frameworktest.Ack)
			})
		},
		Route: func(r chi.Router, method, path, body string) {
			r.MethodFunc(method, path, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) })
		},
		GuardedAck:        frameworktest.Ack,
		NotFoundBody:      "404 page not found\n", // http.NotFound
		WrongMethodStatus: http.StatusMethodNotAllowed,
		BadPath:           "/v1.0/{channel}/notify",
	}.Run(t)
}
