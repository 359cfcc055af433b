package dedupe

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/middleware/idempotency"
)

// Handler returns next guarded by g: next runs at most once per
// notification (see the package doc), with its response buffered so it
// can be stored before it is sent; http.Flusher and Hijacker are not
// available to next. Refusals are answered in the scheme's protocol shape
// (WriteError). Put it behind the signature verification, so an attacker
// cannot poison keys.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.serve(w, r, next) })
}

func (g *Guard) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	d, err := g.Decide(r)
	if err != nil {
		if g.c.FailOpen && errors.Is(err, ErrStore) {
			next.ServeHTTP(w, r)
			return
		}
		g.WriteError(w, err)
		return
	}
	if d.Replay != nil {
		writeRecord(w, d.Replay)
		return
	}
	ctx := r.Context()
	bw := &bufferedWriter{header: make(http.Header)}
	done := false
	defer func() {
		if !done {
			// next panicked (or called runtime.Goexit): free the key for
			// the retry and let the panic continue.
			d.Release(ctx)
		}
	}()
	next.ServeHTTP(bw, r)
	done = true
	status := bw.status
	if status == 0 {
		status = http.StatusOK
	}
	// A handler that saw the context cancelled often returns without
	// writing: that implicit 200 is not a result.
	if status >= 500 || (ctx.Err() != nil && (bw.status < 200 || bw.status > 299)) {
		d.Release(ctx)
		if bw.status == 0 {
			// Released, so the answer must not be a success: if anyone is
			// still listening (a timeout middleware cancelled the
			// context), DOKU has to retry.
			g.WriteError(w, g.retryLater(d.Scheme(), errCancelled))
			return
		}
	} else {
		d.Complete(ctx, idempotency.Record{Status: status, Header: bw.header, Body: bw.body.Bytes()})
	}
	bw.flushTo(w, status)
}

// WriteError answers err, an *Error from Decide, in its scheme's protocol
// shape: SNAP {"responseCode":"<status><svc><case>","responseMessage":…},
// otherwise the non-SNAP error body. Any other error is answered like a
// store failure (SNAP 500<svc>00 or 503).
func (g *Guard) WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = g.retryLater(idempotency.SchemeSNAP, err)
	}
	if e.RetryAfter != "" {
		w.Header().Set("Retry-After", e.RetryAfter)
	}
	if e.Scheme == idempotency.SchemeSNAP {
		respond.WriteSNAP(w, respond.SNAPCode{HTTP: e.Status, Service: g.c.ServiceCode, Case: e.Case}, e.snapMsg)
		return
	}
	respond.WriteNonSNAP(w, e.Status, e.Code, e.msg, nil)
}

// errCancelled is why a request cancelled before next answered is
// answered like a store error.
var errCancelled = errors.New("dedupe: request cancelled before the handler answered")

func writeRecord(w http.ResponseWriter, rec *idempotency.Record) {
	h := w.Header()
	for k, v := range rec.Header {
		h[k] = append([]string(nil), v...)
	}
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// bufferedWriter buffers next's response so that it can be stored before
// it is sent (and not stored at all if next fails).
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 && code >= 200 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter, status int) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.body.Bytes())
}
