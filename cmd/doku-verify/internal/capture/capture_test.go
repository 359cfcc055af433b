package capture

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const notifyBody = `{"originalPartnerReferenceNo":"INV-001","latestTransactionStatus":"00"}`

func TestParseRaw(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		method   string
		target   string
		hdr      map[string]string
		body     *string
		warnings int
	}{
		{
			name:   "burp CRLF with Content-Length",
			in:     "POST /v1.0/debit/notify?x=1 HTTP/1.1\r\nHost: shop.example\r\nX-TIMESTAMP: 2024-01-01T12:00:00+07:00\r\nContent-Length: 71\r\n\r\n" + notifyBody,
			method: "POST", target: "/v1.0/debit/notify?x=1",
			hdr:  map[string]string{"X-Timestamp": "2024-01-01T12:00:00+07:00", "Host": "shop.example"},
			body: ptr(notifyBody),
		},
		{
			name:   "LF line endings, editor's trailing newline after Content-Length",
			in:     "POST /n HTTP/1.1\nContent-Length: 71\n\n" + notifyBody + "\n",
			method: "POST", target: "/n", body: ptr(notifyBody), warnings: 1,
		},
		{
			name:   "no Content-Length: body to EOF, byte for byte",
			in:     "POST /n HTTP/1.1\nsignature: abc\n\n" + notifyBody + "\r\n",
			method: "POST", target: "/n", hdr: map[string]string{"Signature": "abc"}, body: ptr(notifyBody + "\r\n"),
		},
		{
			name:   "chunked body decoded",
			in:     "POST /n HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
			method: "POST", target: "/n", body: ptr("hello world"),
		},
		{
			name:   "absolute-form target (mitmproxy) reduced to path and query, spelling kept",
			in:     "POST https://shop.example:8443/a%2Fb/notify?q=%41 HTTP/1.1\r\n\r\n",
			method: "POST", target: "/a%2Fb/notify?q=%41", body: nil,
		},
		{
			name:   "GET without body or blank line",
			in:     "GET /orders/v1/status/INV-1 HTTP/1.1\r\nClient-Id: C",
			method: "GET", target: "/orders/v1/status/INV-1", hdr: map[string]string{"Client-Id": "C"}, body: nil,
		},
		{
			name:   "leading blank lines and obs-fold",
			in:     "\r\n\nPOST /n HTTP/1.1\r\nX-A: one\r\n  two\r\nContent-Length: 0\r\n\r\n",
			method: "POST", target: "/n", hdr: map[string]string{"X-A": "one two"}, body: ptr(""),
		},
		{
			name:   "lowercase HTTP/2 header names canonicalised",
			in:     "POST /n HTTP/2.0\r\nx-signature: s\r\nrequestid: r\r\ncontent-length: 2\r\n\r\n{}",
			method: "POST", target: "/n", hdr: map[string]string{"X-Signature": "s", "Requestid": "r"}, body: ptr("{}"),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse([]byte(c.in))
			require.NoError(t, err)
			assert.Equal(t, c.method, r.Method)
			assert.Equal(t, c.target, r.Target)
			for k, v := range c.hdr {
				assert.Equal(t, v, r.Header.Get(k), k)
			}
			if c.body == nil {
				assert.Nil(t, r.Body)
			} else {
				require.NotNil(t, r.Body)
				assert.Equal(t, *c.body, string(r.Body))
			}
			assert.Len(t, r.Warnings, c.warnings, "%q", r.Warnings)
		})
	}
}

func ptr(s string) *string { return &s }

func TestParseRawErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"empty", "", ErrMalformed, "no request line"},
		{"two-part request line", "POST /n\r\n\r\n", ErrMalformed, "METHOD TARGET"},
		{"bad proto", "POST /n FTP/1\r\n\r\n", ErrMalformed, "HTTP/VERSION"},
		{"bad target", "POST n HTTP/1.1\r\n\r\n", ErrMalformed, "start with /"},
		{"header without colon", "POST /n HTTP/1.1\r\nX-Secret-Token abc\r\n\r\n", ErrMalformed, "line 2: header line without a colon"},
		{"truncated body", "POST /n HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}", ErrTruncated, "Content-Length is 100 but only 2"},
		{"truncated chunked", "POST /n HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", ErrTruncated, "last chunk"},
		{"bad chunk size", "POST /n HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", ErrMalformed, "chunked"},
		{"conflicting lengths", "POST /n HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", ErrMalformed, "conflicting"},
		{"negative length", "POST /n HTTP/1.1\r\nContent-Length: -1\r\n\r\n", ErrMalformed, "invalid Content-Length"},
		{"headers only but length promised", "POST /n HTTP/1.1\r\nContent-Length: 5", ErrTruncated, "blank line"},
		{"gzip encoding", "POST /n HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx", ErrMalformed, "only chunked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			var ce *Error
			assert.True(t, errors.As(err, &ce))
			assert.Contains(t, err.Error(), c.msg)
			assert.NotContains(t, err.Error(), "abc", "error must not quote header values")
		})
	}
}

const harDoc = `{"log":{"version":"1.2","entries":[{"request":{"method":"POST",
 "url":"https://shop.example/payments/notifications?src=doku","httpVersion":"HTTP/2",
 "headers":[{"name":":authority","value":"shop.example"},{"name":"client-id","value":"MCH-1"},{"name":"Signature","value":"HMACSHA256=x"}],
 "postData":{"mimeType":"application/json","text":"{\"order\":{\"amount\":1}}\n"}}},
 {"request":{"method":"GET","url":"https://x/","headers":[]}}]}}`

func TestParseHAR(t *testing.T) {
	r, err := Parse([]byte("\n  " + harDoc))
	require.NoError(t, err)
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/payments/notifications?src=doku", r.Target)
	assert.Equal(t, "/payments/notifications", r.Path())
	assert.Equal(t, "MCH-1", r.Header.Get("Client-Id"))
	assert.Empty(t, r.Header.Get(":authority"))
	assert.Equal(t, "{\"order\":{\"amount\":1}}\n", string(r.Body), "postData.text byte for byte")
	assert.Len(t, r.Warnings, 1)

	b64 := `{"log":{"entries":[{"request":{"method":"POST","url":"http://h/p","headers":[],"postData":{"text":"e30=","encoding":"base64"}}}]}}`
	r, err = Parse([]byte(b64))
	require.NoError(t, err)
	assert.Equal(t, "{}", string(r.Body))

	noBody := `{"log":{"entries":[{"request":{"method":"GET","url":"http://h/p?a=1","headers":[]}}]}}`
	r, err = Parse([]byte(noBody))
	require.NoError(t, err)
	assert.Nil(t, r.Body)
	assert.Equal(t, "/p?a=1", r.Target)

	for _, bad := range []string{`{"log":{"entries":[]}}`, `{"log":`, `{"x":1}`, `{"log":{"entries":[{"request":{"method":"","url":"http://h/"}}]}}`,
		`{"log":{"entries":[{"request":{"method":"POST","url":"http://h/","postData":{"text":"!!","encoding":"base64"}}}]}}`} {
		_, err := Parse([]byte(bad))
		assert.ErrorIs(t, err, ErrHAR, bad)
	}
}

func TestRawRoundTrip(t *testing.T) {
	r := &Request{Method: "POST", Target: "/a?b=c", Header: http.Header{"X-Signature": {"s"}, "Transfer-Encoding": {"chunked"}}, Body: []byte("{\r\n}\n")}
	back, err := Parse(r.Raw())
	require.NoError(t, err)
	assert.Equal(t, r.Body, back.Body)
	assert.Equal(t, "s", back.Header.Get("X-Signature"))
	assert.Empty(t, back.Warnings)
	assert.True(t, strings.HasPrefix(string(r.Raw()), "POST /a?b=c HTTP/1.1\r\n"))
}

// FuzzParse: Parse never panics; a parsed request re-rendered with Raw parses
// back to the same method, target and body; a Content-Length body is never
// longer than the capture.
func FuzzParse(f *testing.F) {
	f.Add([]byte("POST /v1.0/debit/notify HTTP/1.1\r\nContent-Length: 71\r\n\r\n" + notifyBody))
	f.Add([]byte("POST /n HTTP/1.1\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("GET /x HTTP/1.1\r\nA: b\r\n c"))
	f.Add([]byte(harDoc))
	f.Add([]byte("POST http://h HTTP/1.1\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if len(r.Body) > len(data) && r.Header.Get("Content-Encoding") == "" {
			// A HAR base64 body can only be shorter than its text; chunked shorter than its framing.
			t.Fatalf("body longer than capture")
		}
		back, err := Parse(r.Raw())
		if err != nil {
			t.Fatalf("re-rendered capture does not parse: %v\n%q", err, r.Raw())
		}
		if back.Method != r.Method || back.Target != r.Target || string(back.Body) != string(r.Body) || (back.Body == nil) != (r.Body == nil) {
			t.Fatalf("round trip changed the request:\n%#v\n%#v", r, back)
		}
	})
}
