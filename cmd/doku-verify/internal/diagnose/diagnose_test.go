package diagnose

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// The body exercises every re-serialization difference: integer-like keys
// (JSON.stringify moves them first), \u00e9 (decoded by both), <>& (escaped
// by json.Marshal), 1.0 and 1E3 (numbers rewritten) and inner double spaces
// (stripped by regex minifiers).
const prettyBody = `{
  "b": "caf\u00e9  <tag> & more",
  "2": 1.0,
  "a": { "10": 1E3, "1": "x  y" },
  "amount": { "value": "10000.00", "currency": "IDR" }
}`

const (
	snapSecret = "SK-snap-secret-123"
	snapTS     = "2024-01-01T12:00:00+07:00"
	snapTok    = "eyJhbGciOiJSUzI1NiJ9.test.token"
	received   = "/shop/v1.0/debit/notify?src=doku"
)

// snapHeaders is every header verify requires of a SNAP request; only the
// timestamp and the token are signed.
func snapHeaders(sig string) http.Header {
	return http.Header{
		"X-Timestamp":   {snapTS},
		"Authorization": {"Bearer " + snapTok},
		"X-Signature":   {sig},
		"X-Partner-Id":  {"PARTNER-1"},
		"X-External-Id": {"ext-1"},
	}
}

func snapSig(key, sts string) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hashHex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func mustMin(t *testing.T, b []byte) []byte {
	m, err := sign.Minify(b)
	require.NoError(t, err)
	return m
}

type snapCase struct {
	method, path, token, hash, ts, key string
	encode                             func(key, sts string) string
	in                                 func(*Input)
}

func (c snapCase) input(t *testing.T) Input {
	sts := c.method + ":" + c.path + ":" + c.token + ":" + c.hash + ":" + c.ts
	enc := c.encode
	if enc == nil {
		enc = snapSig
	}
	in := Input{
		Scheme: verify.SchemeSNAP, Method: "POST", Target: received, Body: []byte(prettyBody),
		Header: snapHeaders(enc(c.key, sts)),
		Secret: []byte(snapSecret),
	}
	in.Header.Set("Date", "Mon, 01 Jan 2024 05:00:01 GMT")
	if c.in != nil {
		c.in(&in)
	}
	return in
}

func TestSNAPMistakes(t *testing.T) {
	body := []byte(prettyBody)
	min := hashHex(mustMin(t, body))
	js, err := JSStringify(body)
	require.NoError(t, err)
	gm, err := GoMarshal(body)
	require.NoError(t, err)
	base := snapCase{method: "POST", path: received, token: snapTok, hash: min, ts: snapTS, key: snapSecret}
	with := func(f func(*snapCase)) snapCase { c := base; f(&c); return c }
	rawHash, _ := hex.DecodeString(min)

	cases := []struct {
		name    string
		c       snapCase
		want    []string
		phrase  string
		explain bool
	}{
		{"valid", base, nil, "valid as received", true},
		{"body-raw", with(func(c *snapCase) { c.hash = hashHex(body) }), []string{"body-raw"}, "the sender hashed the body without minifying it", true},
		{"body-js", with(func(c *snapCase) { c.hash = hashHex(js) }), []string{"body-js"}, "JSON.stringify", true},
		{"body-go", with(func(c *snapCase) { c.hash = hashHex(gm) }), []string{"body-go"}, "json.Marshal", true},
		{"body-regex", with(func(c *snapCase) { c.hash = hashHex(RegexMinify(body)) }), []string{"body-regex"}, "regex", true},
		{"body-null", with(func(c *snapCase) { c.hash = hashHex([]byte("null")) }), []string{"body-null"}, `"null"`, true},
		{"body-empty", with(func(c *snapCase) { c.hash = sign.EmptyBodyHash }), []string{"body-empty"}, "empty body", true},
		{"bodyhash-upper", with(func(c *snapCase) { c.hash = strings.ToUpper(min) }), []string{"bodyhash-upper"}, "uppercase", true},
		{"bodyhash-base64", with(func(c *snapCase) { c.hash = base64.StdEncoding.EncodeToString(rawHash) }), []string{"bodyhash-base64"}, "base64", true},
		{"path-no-query", with(func(c *snapCase) { c.path = "/shop/v1.0/debit/notify" }), []string{"path-no-query"}, "without its query string", true},
		{"path-strip-1", with(func(c *snapCase) { c.path = "/v1.0/debit/notify?src=doku" }), []string{"path-strip-1"}, "without the /shop prefix", true},
		{"path-route", with(func(c *snapCase) {
			c.path = "/shop/{version}/debit/notify"
			c.in = func(in *Input) { in.RoutePattern = "/shop/{version}/debit/notify" }
		}), []string{"path-route"}, "route pattern", true},
		{"method-lower", with(func(c *snapCase) { c.method = "post" }), []string{"method-lower"}, "lowercase", true},
		{"token-bearer", with(func(c *snapCase) { c.token = "Bearer " + snapTok }), []string{"token-bearer"}, `kept the "Bearer " prefix`, true},
		{"token-alt", with(func(c *snapCase) {
			c.token = "fetched.from.doku"
			c.in = func(in *Input) { in.AltToken = "fetched.from.doku" }
		}), []string{"token-alt"}, "--alt-token", true},
		{"token-empty", with(func(c *snapCase) { c.token = "" }), []string{"token-empty"}, "left the access token out", true},
		{"timestamp-header", with(func(c *snapCase) { c.ts = "Mon, 01 Jan 2024 05:00:01 GMT" }), []string{"timestamp-header"}, "signed the Date header instead of X-Timestamp", true},
		{"timestamp-format", with(func(c *snapCase) { c.ts = "2024-01-01T05:00:00.000Z" }), []string{"timestamp-format"}, "2024-01-01T05:00:00.000Z", true},
		{"sig-hex", with(func(c *snapCase) {
			c.encode = func(k, s string) string {
				m := hmac.New(sha512.New, []byte(k))
				m.Write([]byte(s))
				return hex.EncodeToString(m.Sum(nil))
			}
		}), []string{"sig-hex"}, "hex instead of base64", true},
		{"alg-sha256", with(func(c *snapCase) {
			c.encode = func(k, s string) string {
				m := hmac.New(sha256.New, []byte(k))
				m.Write([]byte(s))
				return base64.StdEncoding.EncodeToString(m.Sum(nil))
			}
		}), []string{"alg-sha256"}, "HMAC-SHA256 instead of HMAC-SHA512", true},
		{"secret-newline", with(func(c *snapCase) { c.key = snapSecret + "\n" }), []string{"secret-newline"}, "trailing newline", true},
		{"secret-crlf", with(func(c *snapCase) { c.key = snapSecret + "\r\n" }), []string{"secret-crlf"}, "CRLF", true},
		{"secret-space", with(func(c *snapCase) { c.key = snapSecret + " " }), []string{"secret-space"}, "trailing space", true},
		{"secret-trimmed", with(func(c *snapCase) { c.in = func(in *Input) { in.Secret = []byte(" " + snapSecret + "\t") } }), []string{"secret-trimmed"}, "without the surrounding whitespace", true},
		{"Node SDK: re-serialized body, route pattern, fetched token", with(func(c *snapCase) {
			c.hash, c.path, c.token = hashHex(js), "/shop/v1.0/{x}/notify", "fetched"
			c.in = func(in *Input) { in.AltToken, in.RoutePattern = "Bearer fetched", "/shop/v1.0/{x}/notify" }
		}), []string{"path-route", "token-alt", "body-js"}, "route pattern", true},
		{"different secret", with(func(c *snapCase) { c.key = "another-secret" }), nil, "no known mistake", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.c.input(t)
			r, err := Check(in)
			require.NoError(t, err)
			assert.Equal(t, c.explain, r.Explained)
			assert.Equal(t, c.name == "valid", r.Valid)
			assert.Equal(t, c.want, r.Mistakes)
			assert.Contains(t, r.Explanation, c.phrase)
			assert.Equal(t, "POST:"+received+":"+snapTok+":"+min+":"+snapTS, r.StringToSign)
			noSecrets(t, r, string(in.Secret), in.Header.Get("X-Signature"))
		})
	}
}

// noSecrets: nothing in a report may reveal the secret or an expected
// signature (the received one is in the capture already, but a report
// never needs it).
func noSecrets(t *testing.T, r Report, secret, receivedSig string) {
	t.Helper()
	all := r.Explanation + r.Matched + r.StringToSign + strings.Join(r.Mistakes, ",")
	assert.NotContains(t, all, strings.TrimSpace(secret))
	assert.NotContains(t, all, receivedSig)
}

func nsSig(key, comp string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(comp))
	return sign.NonSNAPPrefix + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func digest(b []byte) string { s := sha256.Sum256(b); return base64.StdEncoding.EncodeToString(s[:]) }

func TestNonSNAPMistakes(t *testing.T) {
	const key = "SK-hCJ42G28TA0MKG9LE2E"
	body := []byte(prettyBody)
	js, _ := JSStringify(body)
	gm, _ := GoMarshal(body)
	type spec struct {
		names  [5]string
		target string
		dig    *string
		sep    string
		suffix string
		ts     string
		key    string
		sig    func(key, comp string) string
		body   []byte
		in     func(*Input)
	}
	d := digest(body)
	base := spec{names: [5]string{"Client-Id", "Request-Id", "Request-Timestamp", "Request-Target", "Digest"}, target: "/shop/payments/notify", dig: &d, sep: "\n", ts: "2020-10-21T03:38:28Z", key: key, sig: nsSig, body: body}
	build := func(s spec) Input {
		lines := []string{s.names[0] + ":MCH-1", s.names[1] + ":req-1", s.names[2] + ":" + s.ts, s.names[3] + ":" + s.target}
		if s.dig != nil {
			lines = append(lines, s.names[4]+":"+*s.dig)
		}
		comp := strings.Join(lines, s.sep) + s.suffix
		in := Input{Scheme: verify.SchemeNonSNAP, Method: "POST", Target: "/shop/payments/notify?attempt=2", Body: s.body, Secret: []byte(key),
			Header: http.Header{"Client-Id": {"MCH-1"}, "Request-Id": {"req-1"}, "Request-Timestamp": {"2020-10-21T03:38:28Z"}, "X-Timestamp": {"2020-10-21T10:38:28+07:00"},
				"Signature": {s.sig(s.key, comp)}}}
		if s.in != nil {
			s.in(&in)
		}
		return in
	}
	with := func(f func(*spec)) spec { s := base; f(&s); return s }
	str := func(s string) *string { return &s }
	sum := sha256.Sum256(body)
	cases := []struct {
		name   string
		s      spec
		want   []string
		phrase string
	}{
		{"valid", base, nil, "valid as received"},
		{"body-minified", with(func(s *spec) { s.dig = str(digest(mustMin(t, body))) }), []string{"body-minified"}, "Digest over the minified body"},
		{"body-js", with(func(s *spec) { s.dig = str(digest(js)) }), []string{"body-js"}, "JSON.stringify"},
		{"body-go", with(func(s *spec) { s.dig = str(digest(gm)) }), []string{"body-go"}, "json.Marshal"},
		{"body-regex", with(func(s *spec) { s.dig = str(digest(RegexMinify(body))) }), []string{"body-regex"}, "regex"},
		{"digest-missing", with(func(s *spec) { s.dig = nil }), []string{"digest-missing"}, "left out the Digest line"},
		{"digest-added", with(func(s *spec) { s.dig = str(digest(nil)); s.body = nil }), []string{"digest-added"}, "added a Digest line"},
		{"digest-hex", with(func(s *spec) { s.dig = str(hex.EncodeToString(sum[:])) }), []string{"digest-hex"}, "Digest as hex"},
		{"path-query", with(func(s *spec) { s.target = "/shop/payments/notify?attempt=2" }), []string{"path-query"}, "with its query string"},
		{"path-strip-1", with(func(s *spec) { s.target = "/payments/notify" }), []string{"path-strip-1"}, "without the /shop prefix"},
		{"path-route", with(func(s *spec) {
			s.target = "/shop/{p}/notify"
			s.in = func(in *Input) { in.RoutePattern = "/shop/{p}/notify" }
		}), []string{"path-route"}, "route pattern /shop/{p}/notify"},
		{"endpoint override is the default", with(func(s *spec) { s.target = "/public/notify"; s.in = func(in *Input) { in.Endpoint = "/public/notify" } }), nil, "valid"},
		{"component-literal-n", with(func(s *spec) { s.sep = `\n` }), []string{"component-literal-n"}, "literal backslash-n"},
		{"component-crlf", with(func(s *spec) { s.sep = "\r\n" }), []string{"component-crlf"}, "CRLF"},
		{"component-trailing-newline", with(func(s *spec) { s.suffix = "\n" }), []string{"component-trailing-newline"}, "ended the component string with a newline"},
		{"component-lowercase", with(func(s *spec) {
			s.names = [5]string{"client-id", "request-id", "request-timestamp", "request-target", "digest"}
		}), []string{"component-lowercase"}, "lowercase"},
		{"timestamp-header", with(func(s *spec) { s.ts = "2020-10-21T10:38:28+07:00" }), []string{"timestamp-header"}, "X-Timestamp header instead of Request-Timestamp"},
		{"sig-no-prefix", with(func(s *spec) {
			s.sig = func(k, c string) string { return strings.TrimPrefix(nsSig(k, c), sign.NonSNAPPrefix) }
		}), []string{"sig-no-prefix"}, "HMACSHA256="},
		{"sig-hex", with(func(s *spec) {
			s.sig = func(k, c string) string {
				m := hmac.New(sha256.New, []byte(k))
				m.Write([]byte(c))
				return sign.NonSNAPPrefix + hex.EncodeToString(m.Sum(nil))
			}
		}), []string{"sig-hex"}, "hex"},
		{"alg-sha512", with(func(s *spec) {
			s.sig = func(k, c string) string {
				m := hmac.New(sha512.New, []byte(k))
				m.Write([]byte(c))
				return sign.NonSNAPPrefix + base64.StdEncoding.EncodeToString(m.Sum(nil))
			}
		}), []string{"alg-sha512"}, "HMAC-SHA512 instead of HMAC-SHA256"},
		{"secret-newline", with(func(s *spec) { s.key = key + "\n" }), []string{"secret-newline"}, "trailing newline"},
		{"two mistakes", with(func(s *spec) { s.sep = `\n`; s.target = "/payments/notify" }), []string{"path-strip-1", "component-literal-n"}, " and "},
		{"unexplained", with(func(s *spec) { s.key = "nope" }), nil, "no known mistake"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := build(c.s)
			r, err := Check(in)
			require.NoError(t, err)
			assert.Equal(t, c.want, r.Mistakes)
			assert.Contains(t, r.Explanation, c.phrase)
			assert.Equal(t, c.name != "unexplained", r.Explained)
			noSecrets(t, r, key, in.Header.Get("Signature"))
		})
	}
}

func TestKirimMistakes(t *testing.T) {
	const key = "0123456789abcdef"
	mk := func(sig string, secret string) Input {
		return Input{Scheme: verify.SchemeKirim, Method: "POST", Target: "/kirim/unpaid", Secret: []byte(secret),
			Header: http.Header{"Agentkey": {"A41418"}, "Requestid": {"fd53b1e3-9c35-4dfa-a95ca8dbc5695485"}, "Signature": {sig}}}
	}
	good, err := sign.KirimSignature([]byte(key), "A41418", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485")
	require.NoError(t, err)
	require.Equal(t, "y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6", good)
	swapped, _ := sign.KirimSignature([]byte(key), "fd53b1e3-9c35-4dfa-a95ca8dbc5695485", "A41418")
	raw, _ := base64.StdEncoding.DecodeString(good)
	for _, c := range []struct {
		name   string
		in     Input
		want   []string
		phrase string
	}{
		{"valid", mk(good, key), nil, "valid"},
		{"kirim-order", mk(swapped, key), []string{"kirim-order"}, "requestId before agentKey"},
		{"sig-hex", mk(hex.EncodeToString(raw), key), []string{"sig-hex"}, "hex"},
		{"secret-trimmed", mk(good, key+" \n"), []string{"secret-trimmed"}, "whitespace"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Check(c.in)
			require.NoError(t, err)
			assert.True(t, r.Explained)
			assert.Equal(t, c.want, r.Mistakes)
			assert.Contains(t, r.Explanation, c.phrase)
		})
	}
}

func testKey(t *testing.T) *rsa.PrivateKey {
	b, err := testvectors.Read(testvectors.PrivatePKCS8)
	require.NoError(t, err)
	k, err := sign.ParsePrivateKey(b)
	require.NoError(t, err)
	return k
}

func TestRSAMistakes(t *testing.T) {
	k := testKey(t)
	body := []byte(prettyBody)
	min := hashHex(mustMin(t, body))
	rsaIn := func(sts string) Input {
		sig, err := sign.SignRSA(k, []byte(sts))
		require.NoError(t, err)
		return Input{Method: "POST", Target: "/v1.0/debit/notify?x=1", Body: body, PublicKey: &k.PublicKey,
			Header: http.Header{"X-Timestamp": {snapTS}, "X-Signature": {sig}, "Authorization": {"Bearer tok"}, "X-Partner-Id": {"PARTNER-1"}, "X-External-Id": {"ext-1"}}}
	}
	for _, c := range []struct {
		name, sts string
		want      []string
	}{
		{"valid", "POST:/v1.0/debit/notify?x=1:" + min + ":" + snapTS, nil},
		{"body-raw", "POST:/v1.0/debit/notify?x=1:" + hashHex(body) + ":" + snapTS, []string{"body-raw"}},
		{"path-no-query", "POST:/v1.0/debit/notify:" + min + ":" + snapTS, []string{"path-no-query"}},
		{"token-included", "POST:/v1.0/debit/notify?x=1:tok:" + min + ":" + snapTS, []string{"token-included"}},
	} {
		t.Run("snap-rsa "+c.name, func(t *testing.T) {
			in := rsaIn(c.sts)
			r, err := Check(in)
			require.NoError(t, err)
			assert.Equal(t, verify.SchemeSNAPRSA, r.Scheme, "a 256-byte signature is detected as RSA")
			assert.True(t, r.Explained)
			assert.Equal(t, c.want, r.Mistakes)
		})
	}
	tok := func(sts string) Input {
		sig, err := sign.SignRSA(k, []byte(sts))
		require.NoError(t, err)
		return Input{Method: "POST", Target: "/authorization/v1/access-token/b2b", PublicKey: &k.PublicKey,
			Header: http.Header{"X-Timestamp": {snapTS}, "X-Signature": {sig}, "X-Client-Key": {"BRN-1"}, "X-Partner-Id": {"PARTNER-9"}}}
	}
	for _, c := range []struct {
		name, sts string
		want      []string
	}{
		{"valid", "BRN-1|" + snapTS, nil},
		{"client-partner-id", "PARTNER-9|" + snapTS, []string{"client-partner-id"}},
		{"token-separator", "BRN-1:" + snapTS, []string{"token-separator"}},
		{"timestamp-format", "BRN-1|2024-01-01T05:00:00Z", []string{"timestamp-format"}},
	} {
		t.Run("token "+c.name, func(t *testing.T) {
			r, err := Check(tok(c.sts))
			require.NoError(t, err)
			assert.Equal(t, verify.SchemeSNAPToken, r.Scheme)
			assert.True(t, r.Explained)
			assert.Equal(t, c.want, r.Mistakes)
		})
	}
}

func TestCheckErrors(t *testing.T) {
	_, err := Check(Input{Header: http.Header{}})
	assert.ErrorIs(t, err, ErrUnknownScheme)
	// A missing header is verify's error, naming the header as verify does.
	_, err = Check(Input{Scheme: verify.SchemeSNAP, Secret: []byte(snapSecret), Header: http.Header{"X-Signature": {"x"}}})
	assert.ErrorIs(t, err, verify.ErrMissingHeader)
	var ve *verify.Error
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "X-TIMESTAMP", ve.Field)
	_, err = Check(Input{Scheme: verify.SchemeSNAP, Header: snapHeaders("x")})
	assert.ErrorIs(t, err, ErrNoKey)
	_, err = Check(Input{Scheme: verify.SchemeSNAPRSA, Header: snapHeaders("x")})
	assert.ErrorIs(t, err, ErrNoKey)
	_, err = Check(Input{Scheme: "md5", Header: http.Header{}})
	assert.ErrorIs(t, err, ErrUnknownScheme)
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		h    http.Header
		pub  bool
		want verify.Scheme
	}{
		{http.Header{"X-Signature": {"abc="}, "Authorization": {"Bearer t"}}, false, verify.SchemeSNAP},
		{http.Header{"X-Signature": {base64.StdEncoding.EncodeToString(make([]byte, 256))}}, false, verify.SchemeSNAPRSA},
		{http.Header{"X-Signature": {"abc="}}, true, verify.SchemeSNAPRSA},
		{http.Header{"X-Signature": {"abc="}, "X-Client-Key": {"c"}}, true, verify.SchemeSNAPToken},
		{http.Header{"Signature": {"HMACSHA256=x"}, "Client-Id": {"c"}}, false, verify.SchemeNonSNAP},
		{http.Header{"Signature": {"x"}, "Agentkey": {"a"}, "Requestid": {"r"}}, false, verify.SchemeKirim},
	} {
		got, err := Detect(c.h, c.pub)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%v", c.h)
	}
}
