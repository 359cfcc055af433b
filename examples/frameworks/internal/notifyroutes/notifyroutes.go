// Package notifyroutes lists the paths a notify.Mux serves, so each
// framework package registers exactly those as POST routes on its router
// and leaves every other path to the router's own 404 and 405 answers.
package notifyroutes

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dokukit/dokukit/notify"
)

// ErrPath reports a MuxConfig path no router can take literally.
var ErrPath = errors.New("notifyroutes: invalid notification path")

// Validate checks that every path set in p is a literal absolute path.
// The routers read ':', '*', '{' and '}' as parameters and wildcards (and
// net/http's ServeMux and gin panic on some of them), while DOKU calls
// one fixed URL per channel, so such a path is refused here, at start-up.
func Validate(p notify.Paths) error {
	for _, f := range []struct{ name, v string }{
		{"Token", p.Token}, {"SNAPDebit", p.SNAPDebit}, {"SNAPVA", p.SNAPVA},
		{"NonSNAP", p.NonSNAP}, {"KirimUnpaid", p.KirimUnpaid}, {"KirimRefund", p.KirimRefund},
	} {
		if f.v == "" {
			continue // notify's default
		}
		if f.v[0] != '/' {
			return fmt.Errorf("%w: Paths.%s must start with /", ErrPath, f.name)
		}
		if strings.ContainsAny(f.v, ":*{} \t\r\n?#") {
			return fmt.Errorf("%w: Paths.%s must be a literal path (no parameters, wildcards, spaces, query or fragment)", ErrPath, f.name)
		}
	}
	return nil
}

// Paths returns the paths m serves, in mounting order (notify.Mux.Mounts):
// the token endpoint when a SNAP channel is configured, then each channel
// whose func is set.
func Paths(m *notify.Mux) []string {
	var out []string
	for _, mt := range m.Mounts() {
		out = append(out, mt.Path)
	}
	return out
}

// New validates cfg.Paths, builds the Mux and returns it with the paths
// it serves: the start of Mount.
func New(cfg notify.MuxConfig) (*notify.Mux, []string, error) {
	if err := Validate(cfg.Paths); err != nil {
		return nil, nil, err
	}
	m, err := notify.NewMux(cfg)
	if err != nil {
		return nil, nil, err
	}
	return m, Paths(m), nil
}

// ErrTaken reports a notification path the router already routes POST to.
var ErrTaken = errors.New("notifyroutes: notification path already has a POST route")

// Free returns an ErrTaken error for the first of paths that taken
// reports, nil when the router has none of them: mounting over an existing
// route would replace the merchant's handler (chi, echo) or panic (gin).
func Free(paths []string, taken func(path string) bool) error {
	for _, p := range paths {
		if taken(p) {
			return fmt.Errorf("%w: POST %s", ErrTaken, p)
		}
	}
	return nil
}

// Mount is every framework's MountNotify: it builds the Mux from cfg (New)
// and, unless a path it serves is already one of posts (the paths the
// router routes POST to: Free), calls add with each path it serves, in
// mounting order, and the Mux.
func Mount(cfg notify.MuxConfig, posts []string, add func(path string, h http.Handler)) (*notify.Mux, error) {
	m, paths, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := Free(paths, func(p string) bool { return slices.Contains(posts, p) }); err != nil {
		return nil, err
	}
	for _, p := range paths {
		add(p, m)
	}
	return m, nil
}
