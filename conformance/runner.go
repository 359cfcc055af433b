package conformance

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/dokukit/dokukit/verify"
)

// Doer sends one request and returns the answer, like (*http.Client).Do.
// Requests from the suite carry only a path and query in URL; the Doer
// decides where they go.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

type handlerDoer struct{ h http.Handler }

// HandlerDoer serves every request with h in process (through
// httptest.ResponseRecorder), so Config.Probe can observe side effects.
// Safe for concurrent use if h is.
func HandlerDoer(h http.Handler) Doer { return handlerDoer{h} }

func (d handlerDoer) Do(r *http.Request) (resp *http.Response, err error) {
	if r.Host == "" {
		r.Host = "merchant.test"
	}
	r.RemoteAddr = "127.0.0.1:40000"
	// net/http's server canonicalises header names; do the same so a
	// handler sees what it would over the wire.
	h := make(http.Header, len(r.Header))
	for k, v := range r.Header {
		h[http.CanonicalHeaderKey(k)] = append(h[http.CanonicalHeaderKey(k)], v...)
	}
	r.Header = h
	r.RequestURI = r.URL.RequestURI()
	w := httptest.NewRecorder()
	defer func() {
		// A panicking handler is what net/http would turn into a dropped
		// connection: DOKU sees a failed delivery, not a crash of the suite.
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("handler panicked: %v", p)
		}
	}()
	d.h.ServeHTTP(w, r)
	return w.Result(), nil
}

type clientDoer struct {
	c    *http.Client
	base *url.URL
}

// ClientDoer sends requests over the network to baseURL (scheme and host;
// any path on it is ignored in favour of each request's own). client nil
// means a client with a 10 s timeout and no redirects followed (DOKU does
// not follow them either).
func ClientDoer(client *http.Client, baseURL string) (Doer, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL must be http(s)://host[:port]", ErrConfig)
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return clientDoer{client, u}, nil
}

func (d clientDoer) Do(r *http.Request) (*http.Response, error) {
	u := *r.URL
	u.Scheme, u.Host = d.base.Scheme, d.base.Host
	r.URL = &u
	r.Host = d.base.Host
	return d.c.Do(r)
}

// answer is a response read to the end.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return "no answer (" + a.err.Error() + ")"
	}
	b := string(a.body)
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	b = strings.TrimSpace(b)
	if b == "" {
		return fmt.Sprintf("HTTP %d with an empty body", a.status)
	}
	return fmt.Sprintf("HTTP %d %s", a.status, b)
}

// maxAnswer bounds what is read of the server's answer: a DOKU message, so
// the kit's one body limit.
const maxAnswer = verify.DefaultMaxBodyBytes

func do(d Doer, r *http.Request) answer {
	resp, err := d.Do(r)
	if err != nil {
		return answer{err: err}
	}
	if resp == nil || resp.Body == nil {
		return answer{err: errors.New("the Doer returned no response")}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return answer{status: resp.StatusCode, header: resp.Header, err: err}
	}
	if len(b) > maxAnswer {
		return answer{status: resp.StatusCode, header: resp.Header, err: errors.New("answer body larger than 1 MiB")}
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}
