// Package diagnose explains why a captured DOKU signature does not verify.
//
// It recomputes the signature the protocol's way and then under the mistakes
// integrations actually make — a re-serialized or unminified body, the wrong
// path, a kept "Bearer " prefix, a secret with a trailing newline, hex instead
// of base64, SHA-256 instead of SHA-512, and so on (see Check for the full
// list) — alone and in combinations of up to three, fewest first, and says in
// a plain sentence which one reproduces the received signature.
//
// Every comparison with the received signature is constant-time
// (sign.Equal). Nothing this package returns contains the secret or an
// expected signature; the string to sign it reports contains only what the
// capture already holds. Functions are pure and safe for concurrent use.
package diagnose

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/dokukit/dokukit/sign"
)

// Scheme names a DOKU signature scheme as the CLI spells it.
type Scheme string

// The schemes Check understands.
const (
	SNAP    Scheme = "snap"     // SNAP symmetric, HMAC-SHA512 over METHOD:Url:Token:BodyHash:Timestamp
	SNAPRSA Scheme = "snap-rsa" // SNAP asymmetric transactional, SHA256withRSA
	Token   Scheme = "token"    // SNAP access-token request, SHA256withRSA over clientId|timestamp
	NonSNAP Scheme = "nonsnap"  // HMACSHA256= component signature
	Kirim   Scheme = "kirim"    // Kirim DOKU callback, AES-ECB(agentKey+requestId)
)

// Sentinel errors; test with errors.Is.
var (
	// ErrMissingHeader reports a capture without a header the scheme needs.
	ErrMissingHeader = errors.New("diagnose: missing header")
	// ErrNoKey reports that the secret (or, for RSA schemes, the public key)
	// needed to recompute the signature was not given.
	ErrNoKey = errors.New("diagnose: no secret or key")
	// ErrUnknownScheme reports a scheme Check does not know, or a capture
	// whose headers match no scheme.
	ErrUnknownScheme = errors.New("diagnose: unknown scheme")
)

// Input is a captured request and what is needed to recompute its signature.
type Input struct {
	Scheme Scheme
	Method string
	// Target is the request-target as received (path and query).
	Target string
	Header http.Header
	// Body is the body as received; nil means no body at all.
	Body []byte
	// Secret is the HMAC secret (SNAP client secret, non-SNAP secret key) or
	// the Kirim AES key. Needed for snap, nonsnap and kirim.
	Secret []byte
	// PublicKey verifies snap-rsa and token signatures.
	PublicKey *rsa.PublicKey
	// Endpoint, when set, replaces the signed path the protocol would take
	// from Target (the public path when a proxy rewrites it).
	Endpoint string
	// AltToken is the access token the merchant fetched from DOKU, tried in
	// place of the one in the Authorization header.
	AltToken string
	// RoutePattern is the router's pattern for the route
	// ("/notify/{channel}"), tried in place of the path.
	RoutePattern string
}

// Report is what Check found.
type Report struct {
	Scheme Scheme
	// Valid is true when the signature verifies exactly as the protocol
	// says, with no mistake assumed.
	Valid bool
	// Explained is true when Valid, or when a combination of known mistakes
	// reproduces the received signature.
	Explained bool
	// Mistakes lists the identifiers of the reproducing mistakes
	// ("body-raw", "path-no-query"); empty when Valid or not Explained.
	Mistakes []string
	// Explanation is one plain sentence for a person ("the sender hashed the
	// body without minifying it").
	Explanation string
	// StringToSign is the protocol's string to sign (or component string)
	// for this capture; Matched is the one that reproduced the signature.
	// Neither contains the secret.
	StringToSign, Matched string
	// Timestamp is the signed timestamp header's value, "" for Kirim.
	Timestamp string
	// Tried counts the candidate signatures compared.
	Tried int
}

// option is one way a sender may have built one input of the signature.
type option struct {
	id, phrase string // "" for the protocol's own way
	val        string
}

type axis []option

// add appends an option unless an earlier one yields the same value (a
// variant that changes nothing explains nothing).
func (a *axis) add(id, phrase, val string) {
	for _, o := range *a {
		if o.val == val {
			return
		}
	}
	*a = append(*a, option{id, phrase, val})
}

// maxMistakes bounds the search: real integrations rarely combine more.
const maxMistakes = 3

// Detect picks the scheme from the headers: X-CLIENT-KEY without
// Authorization is a token request; X-SIGNATURE is SNAP (RSA when the
// signature decodes to 256 bytes or more, or when only a public key is at
// hand and no bearer token is present); "Signature: HMACSHA256=…" is
// non-SNAP; agentKey, requestId and signature headers are Kirim.
func Detect(h http.Header, havePublicKey bool) (Scheme, error) {
	switch {
	case h.Get("X-Client-Key") != "" && h.Get("Authorization") == "" && h.Get("X-Signature") != "":
		return Token, nil
	case h.Get("X-Signature") != "":
		if raw, err := base64.StdEncoding.DecodeString(h.Get("X-Signature")); err == nil && len(raw) >= 256 {
			return SNAPRSA, nil
		}
		if havePublicKey && h.Get("Authorization") == "" {
			return SNAPRSA, nil
		}
		return SNAP, nil
	case h.Get("Signature") != "" && h.Get("Client-Id") != "":
		return NonSNAP, nil
	case h.Get("Signature") != "" && h.Get("Agentkey") != "" && h.Get("Requestid") != "":
		return Kirim, nil
	case h.Get("Signature") != "":
		return NonSNAP, nil
	}
	return "", fmt.Errorf("%w: no X-SIGNATURE, Signature or signature header in the capture", ErrUnknownScheme)
}

func need(h http.Header, names ...string) error {
	for _, n := range names {
		if h.Get(n) == "" {
			return fmt.Errorf("%w: %s", ErrMissingHeader, n)
		}
	}
	return nil
}

// Check recomputes the capture's signature the protocol's way and, when that
// does not match, under every combination of up to three known mistakes,
// fewest first. A nil error with Explained false means nothing known
// reproduces the signature (a different secret, or a request changed in
// transit). Errors are for inputs that cannot be checked at all (missing
// header, missing key, unknown scheme).
//
// Mistakes tried (identifiers in Report.Mistakes):
//
//	body-raw, body-minified      SNAP hash / non-SNAP Digest over the raw vs minified body
//	body-js, body-go, body-regex JSON.stringify(JSON.parse), json.Marshal of a map, whitespace stripped inside strings
//	body-null, body-empty        the string "null" (PHP SDK) or nothing hashed
//	bodyhash-upper, bodyhash-base64, digest-missing, digest-added, digest-hex
//	path-no-query, path-query, path-strip-N (N leading segments dropped), path-route
//	method-lower
//	token-bearer, token-alt, token-empty
//	timestamp-header (another timestamp header), timestamp-format (same instant, other spelling)
//	component-literal-n, component-crlf, component-trailing-newline, component-lowercase
//	sig-hex, sig-no-prefix, alg-sha256, alg-sha512
//	secret-newline, secret-crlf, secret-space, secret-trimmed
//	kirim-order (requestId+agentKey)
func Check(in Input) (Report, error) {
	if in.Scheme == "" {
		s, err := Detect(in.Header, in.PublicKey != nil)
		if err != nil {
			return Report{}, err
		}
		in.Scheme = s
	}
	switch in.Scheme {
	case SNAP:
		return checkSNAP(in)
	case SNAPRSA:
		return checkSNAPRSA(in)
	case Token:
		return checkToken(in)
	case NonSNAP:
		return checkNonSNAP(in)
	case Kirim:
		return checkKirim(in)
	}
	return Report{}, fmt.Errorf("%w: %q", ErrUnknownScheme, in.Scheme)
}

// search enumerates combinations with 0..maxMistakes non-default options,
// fewest first, and returns the first for which match is true.
func search(axes []axis, match func(pick []int) (string, bool)) (pick []int, matched string, tried int, ok bool) {
	pick = make([]int, len(axes))
	var rec func(from, left int) bool
	rec = func(from, left int) bool {
		if left == 0 {
			tried++
			matched, ok = match(pick)
			return ok
		}
		for i := from; i < len(axes); i++ {
			for j := 1; j < len(axes[i]); j++ {
				pick[i] = j
				if rec(i+1, left-1) {
					return true
				}
			}
			pick[i] = 0
		}
		return false
	}
	for d := 0; d <= maxMistakes; d++ {
		if rec(0, d) {
			return pick, matched, tried, true
		}
	}
	return nil, "", tried, false
}

func finish(r Report, axes []axis, pick []int, matched string, tried int, ok bool) Report {
	r.Tried = tried
	if !ok {
		r.Explanation = "no known mistake reproduces the signature: the sender used a different secret or key, or the request was changed after it was signed"
		return r
	}
	r.Explained, r.Matched = true, matched
	var phrases []string
	for i, p := range pick {
		if p != 0 {
			r.Mistakes = append(r.Mistakes, axes[i][p].id)
			phrases = append(phrases, axes[i][p].phrase)
		}
	}
	if len(phrases) == 0 {
		r.Valid = true
		r.Explanation = "the signature is valid as received"
		return r
	}
	r.Explanation = "the sender " + joinPhrases(phrases)
	return r
}

func joinPhrases(p []string) string {
	switch len(p) {
	case 1:
		return p[0]
	case 2:
		return p[0] + " and " + p[1]
	}
	return strings.Join(p[:len(p)-1], ", ") + " and " + p[len(p)-1]
}

// --- shared axes ---

func methodAxis(m string) axis {
	a := axis{{val: m}}
	a.add("method-lower", "signed the method in lowercase", strings.ToLower(m))
	return a
}

// pathAxis: def is what the protocol signs; full is the received target.
func pathAxis(def, full, route string) axis {
	a := axis{{val: def}}
	noQuery, _, hasQuery := strings.Cut(full, "?")
	if hasQuery {
		if strings.Contains(def, "?") {
			a.add("path-no-query", "signed the path without its query string", noQuery)
		} else {
			a.add("path-query", "signed the path with its query string", full)
		}
	}
	if route != "" {
		a.add("path-route", fmt.Sprintf("signed the route pattern %s instead of the request path", route), route)
	}
	for _, base := range []string{def, noQuery} {
		segs := strings.Split(strings.TrimPrefix(base, "/"), "/")
		for n := 1; n < len(segs); n++ {
			p := "/" + strings.Join(segs[n:], "/")
			prefix := "/" + strings.Join(segs[:n], "/")
			a.add(fmt.Sprintf("path-strip-%d", n),
				fmt.Sprintf("signed the path without the %s prefix (%s): the app is mounted under a sub-directory or behind a proxy that adds it", prefix, strings.SplitN(p, "?", 2)[0]), p)
		}
	}
	return a
}

// timestampAxis offers other timestamp headers and other spellings of the
// same instant.
func timestampAxis(h http.Header, name string) axis {
	ts := h.Get(name)
	a := axis{{val: ts}}
	for _, other := range []string{"X-Timestamp", "Request-Timestamp", "Response-Timestamp", "Timestamp", "Date", "X-Request-Timestamp"} {
		if other == name {
			continue
		}
		if v := h.Get(other); v != "" {
			a.add("timestamp-header", fmt.Sprintf("signed the %s header instead of %s", other, name), v)
		}
	}
	if t, ok := parseTime(ts); ok {
		for _, f := range []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05.000-07:00"} {
			v := t.UTC().Format(f)
			a.add("timestamp-format", fmt.Sprintf("signed the timestamp spelled %s instead of the %s value as sent", v, name), v)
		}
		wib := t.In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02T15:04:05-07:00")
		a.add("timestamp-format", fmt.Sprintf("signed the timestamp spelled %s instead of the %s value as sent", wib, name), wib)
		for _, v := range []string{fmt.Sprint(t.Unix()), fmt.Sprint(t.UnixMilli())} {
			a.add("timestamp-format", fmt.Sprintf("signed the epoch time %s instead of the %s value as sent", v, name), v)
		}
	}
	return a
}

func parseTime(s string) (time.Time, bool) {
	for _, f := range []string{time.RFC3339Nano, time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(f, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func secretAxis(secret []byte) axis {
	s := string(secret)
	a := axis{{val: s}}
	a.add("secret-newline", "used the secret with a trailing newline (read from a file or environment without trimming)", s+"\n")
	a.add("secret-crlf", "used the secret with a trailing CRLF (a file saved on Windows)", s+"\r\n")
	a.add("secret-space", "used the secret with a trailing space", s+" ")
	if t := strings.TrimSpace(s); t != "" {
		a.add("secret-trimmed", "used the secret without the surrounding whitespace that the secret you gave has", t)
	}
	return a
}

// bodyForms returns the body under each re-serialization; missing entries
// are forms that do not apply (invalid JSON, no body).
func bodyForms(body []byte) map[string][]byte {
	f := map[string][]byte{"raw": body}
	if len(body) == 0 {
		return f
	}
	if m, err := sign.Minify(body); err == nil {
		f["minified"] = m
	}
	if js, err := JSStringify(body); err == nil {
		f["js"] = js
	}
	if g, err := GoMarshal(body); err == nil {
		f["go"] = g
	}
	f["regex"] = RegexMinify(body)
	return f
}

var bodyPhrases = map[string]string{
	"raw":      "hashed the body without minifying it",
	"minified": "computed the Digest over the minified body instead of the exact bytes sent",
	"js":       "hashed a re-serialized body (JSON.stringify(JSON.parse(body)): integer-like keys moved first, escapes such as \\u00e9 decoded, numbers rewritten) instead of the bytes it sent",
	"go":       "hashed a json.Marshal re-serialization of the body (keys sorted, <>& escaped, numbers rewritten) instead of the bytes it sent",
	"regex":    "minified the body with a regex that also strips whitespace inside strings",
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mac(newHash func() hash.Hash, key, msg string) []byte {
	m := hmac.New(newHash, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// --- SNAP symmetric ---

func snapTarget(in Input) string {
	if in.Endpoint != "" {
		return in.Endpoint
	}
	return in.Target
}

func snapBodyAxis(body []byte) axis {
	f := bodyForms(body)
	var def string
	if m, ok := f["minified"]; ok {
		def = sha256Hex(m)
	} else if len(body) == 0 {
		def = sign.EmptyBodyHash
	} else {
		def = sha256Hex(body) // not JSON: the protocol cannot apply; raw is the best default
	}
	a := axis{{val: def}}
	for _, k := range []string{"raw", "js", "go", "regex"} {
		if b, ok := f[k]; ok {
			a.add("body-"+k, bodyPhrases[k], sha256Hex(b))
		}
	}
	a.add("body-null", `hashed the string "null" instead of the body (the PHP SDK's bug)`, sha256Hex([]byte("null")))
	a.add("body-empty", "hashed an empty body", sign.EmptyBodyHash)
	a.add("bodyhash-upper", "wrote the body hash in uppercase hex", strings.ToUpper(def))
	raw, _ := hex.DecodeString(def)
	a.add("bodyhash-base64", "encoded the body hash as base64 instead of lowercase hex", base64.StdEncoding.EncodeToString(raw))
	return a
}

func checkSNAP(in Input) (Report, error) {
	if err := need(in.Header, "X-Signature", "X-Timestamp"); err != nil {
		return Report{}, err
	}
	if len(in.Secret) == 0 {
		return Report{}, fmt.Errorf("%w: SNAP needs the client secret", ErrNoKey)
	}
	received := in.Header.Get("X-Signature")
	authz := in.Header.Get("Authorization")
	tok := sign.StripBearer(authz)
	tokens := axis{{val: tok}}
	if tok != "" {
		tokens.add("token-bearer", `kept the "Bearer " prefix in the access token`, "Bearer "+tok)
	}
	if authz != tok {
		tokens.add("token-bearer", "signed the whole Authorization header value instead of the bare token", authz)
	}
	if in.AltToken != "" {
		tokens.add("token-alt", "signed with the token given in --alt-token (the one fetched from DOKU) instead of the token in the Authorization header", sign.StripBearer(in.AltToken))
	}
	tokens.add("token-empty", "left the access token out of the string to sign", "")
	algs := axis{{val: "sha512-b64"}}
	algs.add("sig-hex", "encoded the signature as hex instead of base64", "sha512-hex")
	algs.add("alg-sha256", "used HMAC-SHA256 instead of HMAC-SHA512", "sha256-b64")
	axes := []axis{
		methodAxis(in.Method),
		pathAxis(snapTarget(in), in.Target, in.RoutePattern),
		tokens,
		snapBodyAxis(in.Body),
		timestampAxis(in.Header, "X-Timestamp"),
		algs,
		secretAxis(in.Secret),
	}
	sts := func(p []int) string {
		return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val + ":" + axes[4][p[4]].val
	}
	r := Report{Scheme: SNAP, Timestamp: in.Header.Get("X-Timestamp"), StringToSign: sts(make([]int, len(axes)))}
	pick, m, tried, ok := search(axes, func(p []int) (string, bool) {
		s := sts(p)
		key := axes[6][p[6]].val
		var got string
		switch axes[5][p[5]].val {
		case "sha512-b64":
			got = base64.StdEncoding.EncodeToString(mac(sha512.New, key, s))
		case "sha512-hex":
			got = hex.EncodeToString(mac(sha512.New, key, s))
			return s, sign.Equal(strings.ToLower(received), got)
		case "sha256-b64":
			got = base64.StdEncoding.EncodeToString(mac(sha256.New, key, s))
		}
		return s, sign.Equal(received, got)
	})
	return finish(r, axes, pick, m, tried, ok), nil
}

// --- SNAP asymmetric ---

func checkSNAPRSA(in Input) (Report, error) {
	if err := need(in.Header, "X-Signature", "X-Timestamp"); err != nil {
		return Report{}, err
	}
	if in.PublicKey == nil {
		return Report{}, fmt.Errorf("%w: snap-rsa needs --public-key", ErrNoKey)
	}
	received := in.Header.Get("X-Signature")
	forms := axis{{val: "plain"}}
	if tok := sign.StripBearer(in.Header.Get("Authorization")); tok != "" {
		forms.add("token-included", "put the access token into the string to sign (the symmetric layout) although it signs with RSA", tok)
	}
	axes := []axis{
		methodAxis(in.Method),
		pathAxis(snapTarget(in), in.Target, in.RoutePattern),
		snapBodyAxis(in.Body),
		timestampAxis(in.Header, "X-Timestamp"),
		forms,
	}
	sts := func(p []int) string {
		if p[4] != 0 {
			return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[4][p[4]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val
		}
		return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val
	}
	r := Report{Scheme: SNAPRSA, Timestamp: in.Header.Get("X-Timestamp"), StringToSign: sts(make([]int, len(axes)))}
	pick, m, tried, ok := search(axes, func(p []int) (string, bool) {
		s := sts(p)
		return s, sign.VerifyRSA(in.PublicKey, []byte(s), received) == nil
	})
	return finish(r, axes, pick, m, tried, ok), nil
}

// --- token request ---

func checkToken(in Input) (Report, error) {
	if err := need(in.Header, "X-Signature", "X-Timestamp", "X-Client-Key"); err != nil {
		return Report{}, err
	}
	if in.PublicKey == nil {
		return Report{}, fmt.Errorf("%w: token requests need --public-key", ErrNoKey)
	}
	received := in.Header.Get("X-Signature")
	clients := axis{{val: in.Header.Get("X-Client-Key")}}
	if p := in.Header.Get("X-Partner-Id"); p != "" {
		clients.add("client-partner-id", "signed X-PARTNER-ID instead of X-CLIENT-KEY", p)
	}
	seps := axis{{val: "|"}}
	seps.add("token-separator", `joined client id and timestamp with ":" instead of "|"`, ":")
	axes := []axis{clients, timestampAxis(in.Header, "X-Timestamp"), seps}
	sts := func(p []int) string { return axes[0][p[0]].val + axes[2][p[2]].val + axes[1][p[1]].val }
	r := Report{Scheme: Token, Timestamp: in.Header.Get("X-Timestamp"), StringToSign: sts(make([]int, len(axes)))}
	pick, m, tried, ok := search(axes, func(p []int) (string, bool) {
		s := sts(p)
		return s, sign.VerifyRSA(in.PublicKey, []byte(s), received) == nil
	})
	return finish(r, axes, pick, m, tried, ok), nil
}

// --- non-SNAP ---

func checkNonSNAP(in Input) (Report, error) {
	if err := need(in.Header, "Signature", "Client-Id", "Request-Id", "Request-Timestamp"); err != nil {
		return Report{}, err
	}
	if len(in.Secret) == 0 {
		return Report{}, fmt.Errorf("%w: non-SNAP needs the secret key", ErrNoKey)
	}
	received := in.Header.Get("Signature")
	def := in.Endpoint
	if def == "" {
		def, _, _ = strings.Cut(in.Target, "?")
	}
	const none = "\x00none"
	f := bodyForms(in.Body)
	digests := axis{}
	digestOf := func(b []byte) string { s := sha256.Sum256(b); return base64.StdEncoding.EncodeToString(s[:]) }
	if in.Body == nil {
		digests = append(digests, option{val: none})
		digests.add("digest-added", "added a Digest line for an empty body", digestOf(nil))
	} else {
		digests = append(digests, option{val: digestOf(in.Body)})
		for _, k := range []string{"minified", "js", "go", "regex"} {
			if b, ok := f[k]; ok {
				digests.add("body-"+k, strings.Replace(bodyPhrases[k], "hashed", "computed the Digest over", 1), digestOf(b))
			}
		}
		digests.add("digest-missing", "left out the Digest line", none)
		digests.add("body-empty", "computed the Digest over an empty body", digestOf(nil))
		s := sha256.Sum256(in.Body)
		digests.add("digest-hex", "encoded the Digest as hex instead of base64", hex.EncodeToString(s[:]))
	}
	layouts := axis{{val: "std"}}
	layouts.add("component-literal-n", `joined the component lines with a literal backslash-n ("\n" as two characters) instead of a newline`, "literal")
	layouts.add("component-crlf", "joined the component lines with CRLF instead of LF", "crlf")
	layouts.add("component-trailing-newline", "ended the component string with a newline", "trailing")
	layouts.add("component-lowercase", "wrote the component names in lowercase (client-id:…)", "lower")
	algs := axis{{val: "sha256-b64"}}
	algs.add("sig-no-prefix", `sent the signature without the "HMACSHA256=" prefix`, "sha256-b64-bare")
	algs.add("sig-hex", "encoded the signature as hex instead of base64", "sha256-hex")
	algs.add("alg-sha512", "used HMAC-SHA512 instead of HMAC-SHA256", "sha512-b64")
	axes := []axis{
		pathAxis(def, in.Target, in.RoutePattern),
		digests,
		timestampAxis(in.Header, "Request-Timestamp"),
		layouts,
		algs,
		secretAxis(in.Secret),
	}
	clientID, requestID := in.Header.Get("Client-Id"), in.Header.Get("Request-Id")
	component := func(p []int) string {
		names := []string{"Client-Id", "Request-Id", "Request-Timestamp", "Request-Target", "Digest"}
		if axes[3][p[3]].val == "lower" {
			for i := range names {
				names[i] = strings.ToLower(names[i])
			}
		}
		lines := []string{names[0] + ":" + clientID, names[1] + ":" + requestID, names[2] + ":" + axes[2][p[2]].val, names[3] + ":" + axes[0][p[0]].val}
		if d := axes[1][p[1]].val; d != none {
			lines = append(lines, names[4]+":"+d)
		}
		switch axes[3][p[3]].val {
		case "literal":
			return strings.Join(lines, `\n`)
		case "crlf":
			return strings.Join(lines, "\r\n")
		case "trailing":
			return strings.Join(lines, "\n") + "\n"
		}
		return strings.Join(lines, "\n")
	}
	r := Report{Scheme: NonSNAP, Timestamp: in.Header.Get("Request-Timestamp"), StringToSign: component(make([]int, len(axes)))}
	pick, m, tried, ok := search(axes, func(p []int) (string, bool) {
		s := component(p)
		key := axes[5][p[5]].val
		switch axes[4][p[4]].val {
		case "sha256-b64":
			return s, sign.Equal(received, sign.NonSNAPPrefix+base64.StdEncoding.EncodeToString(mac(sha256.New, key, s)))
		case "sha256-b64-bare":
			return s, sign.Equal(received, base64.StdEncoding.EncodeToString(mac(sha256.New, key, s)))
		case "sha256-hex":
			return s, sign.Equal(strings.ToLower(strings.TrimPrefix(received, sign.NonSNAPPrefix)), hex.EncodeToString(mac(sha256.New, key, s)))
		case "sha512-b64":
			return s, sign.Equal(strings.TrimPrefix(received, sign.NonSNAPPrefix), base64.StdEncoding.EncodeToString(mac(sha512.New, key, s)))
		}
		return s, false
	})
	return finish(r, axes, pick, m, tried, ok), nil
}

// --- Kirim DOKU ---

func checkKirim(in Input) (Report, error) {
	if err := need(in.Header, "Signature", "Agentkey", "Requestid"); err != nil {
		return Report{}, err
	}
	if len(in.Secret) == 0 {
		return Report{}, fmt.Errorf("%w: Kirim DOKU needs the encryption key", ErrNoKey)
	}
	received := in.Header.Get("Signature")
	agent, rid := in.Header.Get("Agentkey"), in.Header.Get("Requestid")
	orders := axis{{val: "agent+rid"}}
	orders.add("kirim-order", "concatenated requestId before agentKey", "rid+agent")
	encs := axis{{val: "b64"}}
	encs.add("sig-hex", "encoded the signature as hex instead of base64", "hex")
	axes := []axis{orders, encs, secretAxis(in.Secret)}
	r := Report{Scheme: Kirim, StringToSign: agent + rid}
	pick, m, tried, ok := search(axes, func(p []int) (string, bool) {
		a, b := agent, rid
		if p[0] != 0 {
			a, b = rid, agent
		}
		s, err := sign.KirimSignature([]byte(axes[2][p[2]].val), a, b)
		if err != nil {
			return "", false // a whitespace variant of the key has the wrong AES length
		}
		if p[1] != 0 {
			raw, _ := base64.StdEncoding.DecodeString(s)
			return a + b, sign.Equal(strings.ToLower(received), hex.EncodeToString(raw))
		}
		return a + b, sign.Equal(received, s)
	})
	return finish(r, axes, pick, m, tried, ok), nil
}
