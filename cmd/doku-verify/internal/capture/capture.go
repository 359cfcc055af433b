// Package capture reads one captured HTTP request — as Burp, mitmproxy or
// Charles "copy raw request" records it, or as the first entry of a HAR file —
// into the exact method, request-target, headers and body bytes a signature
// was computed over.
//
// Parsing is deliberately byte-exact and strict about what would change a
// signature (a truncated body is an error, never a silent shorter body) and
// lenient about what would not (CRLF or LF line endings, an editor's trailing
// newline after a Content-Length body, which is dropped with a warning).
// Functions are pure and safe for concurrent use.
package capture

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// Sentinel errors; test with errors.Is. Every error returned by this package
// is a *Error wrapping one of them.
var (
	// ErrMalformed reports a capture that is not an HTTP request at all
	// (bad request line, header line without a colon, bad chunked framing).
	ErrMalformed = errors.New("capture: malformed request")
	// ErrTruncated reports a body shorter than its Content-Length or a
	// chunked body that ends before its last chunk: the bytes that were
	// signed are not all there, so nothing can be verified.
	ErrTruncated = errors.New("capture: truncated body")
	// ErrHAR reports a HAR file without a usable first request.
	ErrHAR = errors.New("capture: unusable HAR file")
)

// Error says where and why a capture could not be read. It never quotes
// header values or body bytes (captures hold tokens and personal data).
type Error struct {
	Line int    // 1-based line of the problem, 0 when not tied to a line
	Msg  string // what was expected
	Err  error  // one of the sentinels
}

// Error describes what is wrong with the capture and where.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: line %d: %s", e.Err, e.Line, e.Msg)
	}
	return fmt.Sprintf("%v: %s", e.Err, e.Msg)
}

// Unwrap makes errors.Is work with the sentinels.
func (e *Error) Unwrap() error { return e.Err }

// Request is one captured request.
type Request struct {
	Method string
	// Target is the request-target in origin form: the path with its query
	// string, exactly as captured (an absolute-form target is reduced to its
	// path and query).
	Target string
	// Proto is the protocol of the request line, e.g. "HTTP/1.1".
	Proto string
	// Header holds the headers with canonical names; values as captured,
	// surrounding whitespace removed.
	Header http.Header
	// Body is the body exactly as sent (chunked framing removed). It is nil
	// when the capture has no body at all (no bytes, no Content-Length, no
	// Transfer-Encoding), which matters for the non-SNAP Digest line.
	Body []byte
	// Warnings lists things that were tolerated but may explain a mismatch
	// (bytes ignored after Content-Length, say). Callers print them on
	// stderr.
	Warnings []string
}

// Path returns Target without its query string.
func (r *Request) Path() string {
	if i := strings.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[:i]
	}
	return r.Target
}

// Raw renders the request as a raw HTTP/1.1 capture with CRLF line endings
// and a Content-Length header when it has a body; Parse(r.Raw()) yields the
// same method, target, headers and body.
func (r *Request) Raw() []byte {
	var b bytes.Buffer
	proto := r.Proto
	if !strings.HasPrefix(proto, "HTTP/") || strings.ContainsAny(proto, " \t\r\n") {
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, r.Target, proto)
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Del("Transfer-Encoding")
	if r.Body != nil {
		h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	} else {
		h.Del("Content-Length")
	}
	h.Write(&b)
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

// Parse reads a capture: a HAR file when the data is a JSON object, a raw
// HTTP request otherwise.
func Parse(data []byte) (*Request, error) {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\ufeff"))
	if len(t) > 0 && t[0] == '{' {
		return ParseHAR(t)
	}
	return ParseRaw(data)
}

func malformed(line int, format string, args ...any) error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

// ParseRaw reads one raw HTTP request: request line, header lines (CRLF or
// LF), an empty line, then the body. Content-Length is authoritative: extra
// bytes after it are dropped with a warning, fewer are ErrTruncated. Without
// Content-Length the body runs to the end of data. "Transfer-Encoding:
// chunked" is decoded (and wins over Content-Length, as RFC 9112 says).
// Blank lines before the request line are skipped.
func ParseRaw(data []byte) (*Request, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rest := data
	line := 0
	next := func() (string, bool) {
		if len(rest) == 0 {
			return "", false
		}
		line++
		i := bytes.IndexByte(rest, '\n')
		var l []byte
		if i < 0 {
			l, rest = rest, nil
		} else {
			l, rest = rest[:i], rest[i+1:]
		}
		return string(bytes.TrimSuffix(l, []byte("\r"))), true
	}

	var reqLine string
	for {
		l, ok := next()
		if !ok {
			return nil, malformed(line, "no request line")
		}
		if strings.TrimSpace(l) != "" {
			reqLine = l
			break
		}
	}
	r := &Request{Header: http.Header{}}
	parts := strings.Fields(reqLine)
	if len(parts) != 3 {
		return nil, malformed(line, "request line must be METHOD TARGET HTTP/VERSION")
	}
	r.Method, r.Proto = parts[0], parts[2]
	if !validToken(r.Method) {
		return nil, malformed(line, "invalid method")
	}
	if !strings.HasPrefix(r.Proto, "HTTP/") {
		return nil, malformed(line, "request line must end with HTTP/VERSION")
	}
	target, err := originForm(parts[1])
	if err != nil {
		return nil, malformed(line, "%v", err)
	}
	r.Target = target

	sawBlank := false
	lastName := ""
	for {
		l, ok := next()
		if !ok {
			break
		}
		if l == "" {
			sawBlank = true
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			// obs-fold: a continuation of the previous header value.
			if lastName == "" {
				return nil, malformed(line, "continuation line before any header")
			}
			vs := r.Header[lastName]
			vs[len(vs)-1] = strings.TrimSpace(vs[len(vs)-1] + " " + strings.TrimSpace(l))
			continue
		}
		name, value, found := strings.Cut(l, ":")
		if !found {
			return nil, malformed(line, "header line without a colon")
		}
		if !validToken(name) {
			return nil, malformed(line, "invalid header name")
		}
		lastName = textproto.CanonicalMIMEHeaderKey(name)
		r.Header.Add(lastName, strings.TrimSpace(value))
	}
	if !sawBlank {
		// Headers ran to the end of the file: a request without a body.
		if cl := r.Header.Get("Content-Length"); cl != "" && cl != "0" {
			return nil, &Error{Line: line, Msg: "headers end without a blank line but Content-Length promises a body", Err: ErrTruncated}
		}
		if r.Header.Get("Content-Length") == "0" {
			r.Body = []byte{}
		}
		return r, nil
	}
	bodyLine := line + 1

	if te := r.Header.Get("Transfer-Encoding"); te != "" {
		if !strings.EqualFold(strings.TrimSpace(lastCSV(te)), "chunked") {
			return nil, malformed(0, "unsupported Transfer-Encoding (only chunked is decoded)")
		}
		if r.Header.Get("Content-Length") != "" {
			r.Warnings = append(r.Warnings, "both Transfer-Encoding and Content-Length are present; Content-Length ignored")
		}
		body, extra, err := dechunk(rest)
		if err != nil {
			return nil, err
		}
		if extra > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%d byte(s) after the last chunk ignored", extra))
		}
		r.Body = body
		return r, nil
	}

	if cls := r.Header.Values("Content-Length"); len(cls) > 0 {
		n := int64(-1)
		for _, v := range cls {
			for _, f := range strings.Split(v, ",") {
				m, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
				if err != nil || m < 0 {
					return nil, malformed(0, "invalid Content-Length")
				}
				if n >= 0 && m != n {
					return nil, malformed(0, "conflicting Content-Length values")
				}
				n = m
			}
		}
		if int64(len(rest)) < n {
			return nil, &Error{Line: bodyLine, Msg: fmt.Sprintf("Content-Length is %d but only %d body byte(s) were captured", n, len(rest)), Err: ErrTruncated}
		}
		if extra := int64(len(rest)) - n; extra > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%d byte(s) after Content-Length (%d) ignored", extra, n))
		}
		r.Body = append([]byte{}, rest[:n]...)
		return r, nil
	}
	if len(rest) > 0 {
		r.Body = append([]byte{}, rest...)
	}
	return r, nil
}

func lastCSV(s string) string {
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		return s[i+1:]
	}
	return s
}

// dechunk decodes a chunked body. extra counts the bytes after the
// terminating chunk and trailers.
func dechunk(b []byte) (body []byte, extra int, err error) {
	br := bufio.NewReader(bytes.NewReader(b))
	body, err = io.ReadAll(httputil.NewChunkedReader(br))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, 0, &Error{Msg: "chunked body ends before its last chunk", Err: ErrTruncated}
		}
		return nil, 0, &Error{Msg: "bad chunked framing", Err: ErrMalformed}
	}
	if body == nil {
		body = []byte{}
	}
	// Trailers end with an empty line; tolerate their absence at EOF.
	for {
		l, rerr := br.ReadString('\n')
		if strings.TrimRight(l, "\r\n") == "" {
			break
		}
		if rerr != nil {
			break
		}
	}
	return body, br.Buffered(), nil
}

// originForm reduces a request-target to path?query as it was on the wire.
func originForm(t string) (string, error) {
	if strings.ContainsFunc(t, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
		return "", errors.New("request target contains whitespace or control characters")
	}
	switch {
	case strings.HasPrefix(t, "/"):
		return t, nil
	case strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://"):
		if _, err := url.Parse(t); err != nil {
			return "", errors.New("invalid absolute request target")
		}
		// RequestURI re-escapes; keep the captured spelling by slicing.
		rest := t[strings.Index(t, "://")+3:]
		i := strings.IndexAny(rest, "/?")
		if i < 0 {
			return "/", nil
		}
		p := rest[i:]
		if p[0] == '?' {
			p = "/" + p
		}
		if j := strings.IndexByte(p, '#'); j >= 0 {
			p = p[:j]
		}
		return p, nil
	default:
		return "", errors.New("request target must start with / or http(s)://")
	}
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

type har struct {
	Log *struct {
		Entries []struct {
			Request *struct {
				Method      string `json:"method"`
				URL         string `json:"url"`
				HTTPVersion string `json:"httpVersion"`
				Headers     []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"headers"`
				PostData *struct {
					MimeType string  `json:"mimeType"`
					Text     *string `json:"text"`
					Encoding string  `json:"encoding"`
				} `json:"postData"`
			} `json:"request"`
		} `json:"entries"`
	} `json:"log"`
}

// ParseHAR reads the first entry's request of a HAR 1.2 file: method, URL
// (reduced to path and query), headers, and postData.text as the body
// (base64-decoded when postData.encoding is "base64"). HTTP/2 pseudo-headers
// (":authority") are dropped.
func ParseHAR(data []byte) (*Request, error) {
	var h har
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, &Error{Msg: "not valid HAR JSON", Err: ErrHAR}
	}
	if h.Log == nil || len(h.Log.Entries) == 0 || h.Log.Entries[0].Request == nil {
		return nil, &Error{Msg: "no log.entries[0].request", Err: ErrHAR}
	}
	hr := h.Log.Entries[0].Request
	if !validToken(hr.Method) {
		return nil, &Error{Msg: "entries[0].request.method is missing or invalid", Err: ErrHAR}
	}
	target, err := originForm(hr.URL)
	if err != nil {
		return nil, &Error{Msg: "entries[0].request.url: " + err.Error(), Err: ErrHAR}
	}
	r := &Request{Method: hr.Method, Target: target, Proto: hr.HTTPVersion, Header: http.Header{}}
	if len(h.Log.Entries) > 1 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("HAR has %d entries; only the first is used", len(h.Log.Entries)))
	}
	for _, kv := range hr.Headers {
		if strings.HasPrefix(kv.Name, ":") {
			continue
		}
		if !validToken(kv.Name) {
			return nil, &Error{Msg: "invalid header name in entries[0].request.headers", Err: ErrHAR}
		}
		r.Header.Add(textproto.CanonicalMIMEHeaderKey(kv.Name), strings.TrimSpace(kv.Value))
	}
	if pd := hr.PostData; pd != nil && pd.Text != nil {
		if pd.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(*pd.Text)
			if err != nil {
				return nil, &Error{Msg: "postData.text is not valid base64", Err: ErrHAR}
			}
			r.Body = b
		} else {
			r.Body = []byte(*pd.Text)
		}
		if cl := r.Header.Get("Content-Length"); cl != "" {
			if n, err := strconv.Atoi(cl); err == nil && n != len(r.Body) {
				r.Warnings = append(r.Warnings, fmt.Sprintf("HAR Content-Length is %d but postData.text has %d byte(s); the text is used", n, len(r.Body)))
			}
		}
	}
	return r, nil
}
