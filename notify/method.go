package notify

import (
	"net/http"
	"strings"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/verify"
)

// entry is the front of every notification channel, before verification:
//
//   - DOKU delivers notifications by POST only, so any other method is
//     answered 405 with "Allow: POST", in the scheme's shape, and nothing
//     else runs (the body is not read; with one, the connection closes). The non-SNAP and Kirim signatures do not cover the method:
//     without this, a captured notification re-sent as PUT or GET verified.
//   - When the scheme's signature does not cover the query string (Kirim
//     always; non-SNAP unless Target.Query is verify.QueryKeep), the query
//     is removed from the request before verification, so neither the
//     verified result (middleware.Verified(ctx).Target) nor anything after
//     it sees unverified data. SNAP signs path and query: it is kept.
type entry struct {
	next      http.Handler
	scheme    verify.Scheme
	service   int
	dropQuery bool
}

func newEntry(next http.Handler, scheme verify.Scheme, service int, target verify.Target) http.Handler {
	drop := false
	switch scheme {
	case verify.SchemeKirim:
		drop = true
	case verify.SchemeNonSNAP:
		drop = target.Fixed != "" || target.Query != verify.QueryKeep
	}
	return &entry{next: next, scheme: scheme, service: service, dropQuery: drop}
}

func (e *entry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		if r.ContentLength != 0 {
			// The body is never read: close rather than let net/http drain
			// whatever the sender still has to send.
			w.Header().Set("Connection", "close")
		}
		e.notAllowed(w)
		return
	}
	if e.dropQuery {
		r = withoutQuery(r)
	}
	e.next.ServeHTTP(w, r)
}

// notAllowed answers 405 in the channel's protocol shape.
func (e *entry) notAllowed(w http.ResponseWriter) {
	const msg = "Method Not Allowed"
	switch e.scheme {
	case verify.SchemeNonSNAP:
		respond.WriteNonSNAP(w, http.StatusMethodNotAllowed, "method_not_allowed", "notifications are accepted by POST only", nil)
	case verify.SchemeKirim:
		respond.WriteKirim(w, http.StatusMethodNotAllowed, msg)
	default:
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: http.StatusMethodNotAllowed, Service: e.service, Case: 0}, msg)
	}
}

// withoutQuery returns a shallow copy of r whose URL and RequestURI have no
// query string; r itself is not changed.
func withoutQuery(r *http.Request) *http.Request {
	if r.URL == nil || (r.URL.RawQuery == "" && !r.URL.ForceQuery && !strings.Contains(r.RequestURI, "?")) {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.RawQuery, u.ForceQuery = "", false
	r2.URL = &u
	if i := strings.IndexByte(r2.RequestURI, '?'); i >= 0 {
		r2.RequestURI = r2.RequestURI[:i]
	}
	r2.Form, r2.PostForm = nil, nil
	return r2
}
