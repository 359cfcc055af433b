package diagnose

import (
	"net/http"
	"testing"
	"time"

	"github.com/dokukit/dokukit/verify"
)

// FuzzCheck: any capture — arbitrary body, path, header values — is either
// an error or a report; never a panic, and a report is Valid only when it is
// Explained with no mistakes.
func FuzzCheck(f *testing.F) {
	f.Add("snap", []byte(prettyBody), "/shop/v1.0/debit/notify?src=doku", "Bearer tok", "2024-01-01T12:00:00+07:00", "abc=")
	f.Add("nonsnap", []byte(`{"a":1}`), "/a/b/c", "", "2020-10-21T03:38:28Z", "HMACSHA256=x")
	f.Add("kirim", []byte(nil), "/k", "", "", "y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6")
	f.Add("snap", []byte(`{"1":1.0e5,"b":"\u00e9"`), "/", "bearer", "not a time", "")
	f.Fuzz(func(t *testing.T, scheme string, body []byte, target, authz, ts, sig string) {
		h := http.Header{
			"Authorization": {authz}, "X-Timestamp": {ts}, "X-Signature": {sig}, "Signature": {sig},
			"X-Partner-Id": {"p"}, "X-External-Id": {"e"}, "X-Client-Key": {"c"},
			"Client-Id": {"c"}, "Request-Id": {"r"}, "Request-Timestamp": {ts}, "Agentkey": {"A41418"}, "Requestid": {"r"},
		}
		start := time.Now()
		r, err := Check(Input{Scheme: verify.Scheme(scheme), Method: "POST", Target: target, Header: h, Body: body, Secret: []byte("0123456789abcdef"), RoutePattern: "/x/{y}"})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Check took %v", d)
		}
		if err != nil {
			return
		}
		if r.Valid && (!r.Explained || len(r.Mistakes) != 0) {
			t.Fatalf("inconsistent report %+v", r)
		}
	})
}

// The search stays fast on a worst-case capture: a deep path with a query,
// several timestamp headers and nothing that matches.
func TestUnexplainedSearchIsBounded(t *testing.T) {
	in := Input{Scheme: verify.SchemeSNAP, Method: "POST", Target: "/a/b/c/d/e/f/g/h/i/j?x=1&y=2", Body: []byte(prettyBody), Secret: []byte("s"),
		AltToken: "alt", RoutePattern: "/a/{b}",
		Header: http.Header{"Authorization": {"Bearer t"}, "X-Timestamp": {"2024-01-01T12:00:00+07:00"}, "Date": {"Mon, 01 Jan 2024 05:00:01 GMT"},
			"Request-Timestamp": {"2024-01-01T05:00:00Z"}, "X-Signature": {"bm9wZQ=="}, "X-Partner-Id": {"p"}, "X-External-Id": {"e"}}}
	start := time.Now()
	r, err := Check(in)
	if err != nil || r.Explained {
		t.Fatalf("want an unexplained report, got %+v %v", r, err)
	}
	d := time.Since(start)
	t.Logf("%d candidates in %v", r.Tried, d)
	if d > 3*time.Second {
		t.Fatalf("search took %v for %d candidates", d, r.Tried)
	}
}
