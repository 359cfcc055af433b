// Package diagnose explains why a captured DOKU signature does not verify.
//
// The verdict and the protocol's string to sign are package verify's: Check
// runs the same verifier doku-verify verify and the middleware run (see
// Verifier), so diagnose and verify cannot disagree about a capture. What
// diagnose adds is the "what if the sender did X" variants: it recomputes
// the signature under the mistakes integrations actually make — a
// re-serialized or unminified body, the wrong path, a kept "Bearer " prefix,
// a secret with a trailing newline, hex instead of base64, SHA-256 instead of
// SHA-512, and so on (see Check for the full list) — alone and in
// combinations of up to three, fewest first, and says in a plain sentence
// which one reproduces the received signature.
//
// Every comparison with the received signature is constant-time
// (sign.Equal). Nothing this package returns contains the secret or an
// expected signature; the string to sign it reports contains only what the
// capture already holds. Functions are pure and safe for concurrent use.
package diagnose

import (
	"context"
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

	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Sentinel errors; test with errors.Is. A capture without a header the
// scheme needs fails as verify fails it: a *verify.Error wrapping
// verify.ErrMissingHeader, naming the header.
var (
	// ErrNoKey reports that the secret (or, for RSA schemes, the public key)
	// needed to recompute the signature was not given.
	ErrNoKey = errors.New("diagnose: no secret or key")
	// ErrUnknownScheme reports a scheme Check does not know, or a capture
	// whose headers match no scheme.
	ErrUnknownScheme = errors.New("diagnose: unknown scheme")
)

// Input is a captured request and what is needed to recompute its signature.
type Input struct {
	// Scheme is verify's scheme; "" detects it from the headers (Detect).
	Scheme verify.Scheme
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
	Scheme verify.Scheme
	// Valid is true when verify accepts the request as received (the
	// timestamp's age aside: Check does not judge the clock).
	Valid bool
	// Explained is true when Valid, when a combination of known mistakes
	// reproduces the received signature, or when the signature is the
	// protocol's but verify rejects the request for another reason
	// (Rejected).
	Explained bool
	// Mistakes lists the identifiers of the reproducing mistakes
	// ("body-raw", "path-no-query"); empty when Valid or not Explained.
	Mistakes []string
	// Explanation is one plain sentence for a person ("the sender hashed the
	// body without minifying it").
	Explanation string
	// StringToSign is verify's string to sign (or component string) for
	// this capture, "" when verify stops before building one (a SNAP body
	// that is not JSON, an Authorization that is not "Bearer <token>");
	// Matched is the one that reproduced the signature. Neither contains
	// the secret.
	StringToSign, Matched string
	// Rejected is verify's error when the request is not Valid.
	Rejected error
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
func Detect(h http.Header, havePublicKey bool) (verify.Scheme, error) {
	switch {
	case h.Get("X-Client-Key") != "" && h.Get("Authorization") == "" && h.Get("X-Signature") != "":
		return verify.SchemeSNAPToken, nil
	case h.Get("X-Signature") != "":
		if raw, err := base64.StdEncoding.DecodeString(h.Get("X-Signature")); err == nil && len(raw) >= 256 {
			return verify.SchemeSNAPRSA, nil
		}
		if havePublicKey && h.Get("Authorization") == "" {
			return verify.SchemeSNAPRSA, nil
		}
		return verify.SchemeSNAP, nil
	case h.Get("Signature") != "" && h.Get("Client-Id") != "":
		return verify.SchemeNonSNAP, nil
	case h.Get("Signature") != "" && h.Get("Agentkey") != "" && h.Get("Requestid") != "":
		return verify.SchemeKirim, nil
	case h.Get("Signature") != "":
		return verify.SchemeNonSNAP, nil
	}
	return "", fmt.Errorf("%w: no X-SIGNATURE, Signature or signature header in the capture", ErrUnknownScheme)
}

// anySecret and anyPublic trust the one secret or key given, whatever
// client id the capture names: a capture is checked against the key the
// user holds, not a key store.
type anySecret []*verify.Secret

func (a anySecret) Lookup(context.Context, string) ([]*verify.Secret, error) { return a, nil }

type anyPublic []*verify.PublicKey

func (a anyPublic) Lookup(context.Context, string) ([]*verify.PublicKey, error) { return a, nil }

// Verifier is verify's verifier for scheme s trusting exactly secret (snap,
// nonsnap, kirim) or pub (snap-rsa, token) under any client id, signing
// target instead of the received path when target is set, with timestamp
// policy ts. Check uses it with the skew check off; doku-verify verify uses
// it with the user's --max-skew.
func Verifier(s verify.Scheme, secret []byte, pub *rsa.PublicKey, target string, ts verify.Timestamps) (verify.Verifier, error) {
	var secrets anySecret
	var keys anyPublic
	switch s {
	case verify.SchemeSNAP, verify.SchemeNonSNAP, verify.SchemeKirim:
		k, err := verify.NewSecret("secret", secret)
		if err != nil {
			return nil, err
		}
		secrets = anySecret{k}
	case verify.SchemeSNAPRSA, verify.SchemeSNAPToken:
		k, err := verify.NewPublicKey("public-key", pub)
		if err != nil {
			return nil, err
		}
		keys = anyPublic{k}
	}
	tg := verify.Target{Fixed: target}
	switch s {
	case verify.SchemeSNAP:
		return verify.NewSNAP(verify.SNAPConfig{Secrets: secrets, Timestamps: ts, Target: tg})
	case verify.SchemeSNAPRSA:
		return verify.NewSNAPRSA(verify.SNAPRSAConfig{PublicKeys: keys, Timestamps: ts, Target: tg})
	case verify.SchemeSNAPToken:
		return verify.NewSNAPToken(verify.SNAPTokenConfig{PublicKeys: keys, Timestamps: ts})
	case verify.SchemeNonSNAP:
		return verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: secrets, Timestamps: ts, Target: tg})
	case verify.SchemeKirim:
		return verify.NewKirim(verify.KirimConfig{Keys: secrets})
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownScheme, s)
}

// needsKey names what s needs when the input lacks it, "" when it is there.
func needsKey(in Input) string {
	switch in.Scheme {
	case verify.SchemeSNAP:
		if len(in.Secret) == 0 {
			return "SNAP needs the client secret"
		}
	case verify.SchemeNonSNAP:
		if len(in.Secret) == 0 {
			return "non-SNAP needs the secret key"
		}
	case verify.SchemeKirim:
		if len(in.Secret) == 0 {
			return "Kirim DOKU needs the encryption key"
		}
	case verify.SchemeSNAPRSA:
		if in.PublicKey == nil {
			return "snap-rsa needs --public-key"
		}
	case verify.SchemeSNAPToken:
		if in.PublicKey == nil {
			return "token requests need --public-key"
		}
	}
	return ""
}

// space is one scheme's variants: its axes, the string to sign of a pick
// (one option per axis) and whether the received signature is the
// sender's over it.
type space struct {
	axes    []axis
	compose func(pick []int) string
	match   func(pick []int, sts string) bool
}

// Check asks verify about the capture (skew not checked: captures are old)
// and, when verify rejects it, recomputes the signature under every
// combination of up to three known mistakes, fewest first. A nil error with
// Explained false means nothing known reproduces the signature (a different
// secret, or a request changed in transit). Errors are for inputs that
// cannot be checked at all (missing key, unknown scheme, and, as verify
// reports it, a missing header).
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
	var variants func(Input, verify.Result) space
	switch in.Scheme {
	case verify.SchemeSNAP:
		variants = snapSpace
	case verify.SchemeSNAPRSA:
		variants = snapRSASpace
	case verify.SchemeSNAPToken:
		variants = tokenSpace
	case verify.SchemeNonSNAP:
		variants = nonSNAPSpace
	case verify.SchemeKirim:
		variants = kirimSpace
	default:
		return Report{}, fmt.Errorf("%w: %q", ErrUnknownScheme, in.Scheme)
	}
	if what := needsKey(in); what != "" {
		return Report{}, fmt.Errorf("%w: %s", ErrNoKey, what)
	}
	v, err := Verifier(in.Scheme, in.Secret, in.PublicKey, in.Endpoint, verify.Timestamps{Unchecked: true})
	if err != nil {
		return Report{}, err
	}
	res, verr := v.VerifyMessage(context.Background(), verify.Message{Method: in.Method, Target: in.Target, Header: in.Header, Body: in.Body, Explain: true})
	if errors.Is(verr, verify.ErrMissingHeader) {
		return Report{}, verr
	}
	r := Report{Scheme: in.Scheme, StringToSign: res.StringToSign, Timestamp: timestampOf(in)}
	if verr == nil {
		r.Valid, r.Explained, r.Matched = true, true, res.StringToSign
		r.Explanation = "the signature is valid as received"
		return r, nil
	}
	r.Rejected = verr
	// A mismatch is verify's verdict on the protocol's own string: only
	// variants are left. Any other rejection came before or instead of that
	// comparison, so the protocol's string is tried too.
	fewest := 1
	if !errors.Is(verr, verify.ErrSignatureMismatch) {
		fewest = 0
	}
	sp := variants(in, res)
	pick, matched, tried, ok := search(sp, fewest)
	return finish(r, sp.axes, pick, matched, tried, ok), nil
}

func timestampOf(in Input) string {
	switch in.Scheme {
	case verify.SchemeNonSNAP:
		return in.Header.Get("Request-Timestamp")
	case verify.SchemeKirim:
		return ""
	}
	return in.Header.Get("X-Timestamp")
}

// search enumerates combinations with fewest..maxMistakes non-default
// options, fewest first, and returns the first the received signature
// matches.
func search(sp space, fewest int) (pick []int, matched string, tried int, ok bool) {
	pick = make([]int, len(sp.axes))
	var rec func(from, left int) bool
	rec = func(from, left int) bool {
		if left == 0 {
			tried++
			matched = sp.compose(pick)
			ok = sp.match(pick, matched)
			return ok
		}
		for i := from; i < len(sp.axes); i++ {
			for j := 1; j < len(sp.axes[i]); j++ {
				pick[i] = j
				if rec(i+1, left-1) {
					return true
				}
			}
			pick[i] = 0
		}
		return false
	}
	for d := fewest; d <= maxMistakes; d++ {
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
		r.Explanation = "the signature is the protocol's, but verify rejects the request: " + r.Rejected.Error()
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
	if t, err := verify.ParseTimestamp(ts); err == nil {
		for _, f := range []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05.000-07:00"} {
			v := t.UTC().Format(f)
			a.add("timestamp-format", fmt.Sprintf("signed the timestamp spelled %s instead of the %s value as sent", v, name), v)
		}
		wib := sign.FormatTimestamp(t)
		a.add("timestamp-format", fmt.Sprintf("signed the timestamp spelled %s instead of the %s value as sent", wib, name), wib)
		for _, v := range []string{fmt.Sprint(t.Unix()), fmt.Sprint(t.UnixMilli())} {
			a.add("timestamp-format", fmt.Sprintf("signed the epoch time %s instead of the %s value as sent", v, name), v)
		}
	}
	return a
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

// snapSpace: the path's default is the EndpointUrl verify signed.
func snapSpace(in Input, res verify.Result) space {
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
		pathAxis(res.Target, in.Target, in.RoutePattern),
		tokens,
		snapBodyAxis(in.Body),
		timestampAxis(in.Header, "X-Timestamp"),
		algs,
		secretAxis(in.Secret),
	}
	return space{axes: axes,
		compose: func(p []int) string {
			return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val + ":" + axes[4][p[4]].val
		},
		match: func(p []int, s string) bool {
			key := axes[6][p[6]].val
			switch axes[5][p[5]].val {
			case "sha512-hex":
				return sign.Equal(strings.ToLower(received), hex.EncodeToString(mac(sha512.New, key, s)))
			case "sha256-b64":
				return sign.Equal(received, base64.StdEncoding.EncodeToString(mac(sha256.New, key, s)))
			}
			return sign.Equal(received, base64.StdEncoding.EncodeToString(mac(sha512.New, key, s)))
		},
	}
}

// --- SNAP asymmetric ---

func snapRSASpace(in Input, res verify.Result) space {
	received := in.Header.Get("X-Signature")
	forms := axis{{val: "plain"}}
	if tok := sign.StripBearer(in.Header.Get("Authorization")); tok != "" {
		forms.add("token-included", "put the access token into the string to sign (the symmetric layout) although it signs with RSA", tok)
	}
	axes := []axis{
		methodAxis(in.Method),
		pathAxis(res.Target, in.Target, in.RoutePattern),
		snapBodyAxis(in.Body),
		timestampAxis(in.Header, "X-Timestamp"),
		forms,
	}
	return space{axes: axes,
		compose: func(p []int) string {
			if p[4] != 0 {
				return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[4][p[4]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val
			}
			return axes[0][p[0]].val + ":" + axes[1][p[1]].val + ":" + axes[2][p[2]].val + ":" + axes[3][p[3]].val
		},
		match: func(_ []int, s string) bool { return sign.VerifyRSA(in.PublicKey, []byte(s), received) == nil },
	}
}

// --- token request ---

func tokenSpace(in Input, _ verify.Result) space {
	received := in.Header.Get("X-Signature")
	clients := axis{{val: in.Header.Get("X-Client-Key")}}
	if p := in.Header.Get("X-Partner-Id"); p != "" {
		clients.add("client-partner-id", "signed X-PARTNER-ID instead of X-CLIENT-KEY", p)
	}
	seps := axis{{val: "|"}}
	seps.add("token-separator", `joined client id and timestamp with ":" instead of "|"`, ":")
	axes := []axis{clients, timestampAxis(in.Header, "X-Timestamp"), seps}
	return space{axes: axes,
		compose: func(p []int) string { return axes[0][p[0]].val + axes[2][p[2]].val + axes[1][p[1]].val },
		match:   func(_ []int, s string) bool { return sign.VerifyRSA(in.PublicKey, []byte(s), received) == nil },
	}
}

// --- non-SNAP ---

// nonSNAPSpace: the path's default is the Request-Target verify signed.
func nonSNAPSpace(in Input, res verify.Result) space {
	received := in.Header.Get("Signature")
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
		pathAxis(res.Target, in.Target, in.RoutePattern),
		digests,
		timestampAxis(in.Header, "Request-Timestamp"),
		layouts,
		algs,
		secretAxis(in.Secret),
	}
	clientID, requestID := in.Header.Get("Client-Id"), in.Header.Get("Request-Id")
	return space{axes: axes,
		compose: func(p []int) string {
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
		},
		match: func(p []int, s string) bool {
			key := axes[5][p[5]].val
			switch axes[4][p[4]].val {
			case "sha256-b64-bare":
				return sign.Equal(received, base64.StdEncoding.EncodeToString(mac(sha256.New, key, s)))
			case "sha256-hex":
				return sign.Equal(strings.ToLower(strings.TrimPrefix(received, sign.NonSNAPPrefix)), hex.EncodeToString(mac(sha256.New, key, s)))
			case "sha512-b64":
				return sign.Equal(strings.TrimPrefix(received, sign.NonSNAPPrefix), base64.StdEncoding.EncodeToString(mac(sha512.New, key, s)))
			}
			return sign.Equal(received, sign.NonSNAPPrefix+base64.StdEncoding.EncodeToString(mac(sha256.New, key, s)))
		},
	}
}

// --- Kirim DOKU ---

func kirimSpace(in Input, _ verify.Result) space {
	received := in.Header.Get("Signature")
	agent, rid := in.Header.Get("Agentkey"), in.Header.Get("Requestid")
	orders := axis{{val: agent + rid}}
	orders.add("kirim-order", "concatenated requestId before agentKey", rid+agent)
	encs := axis{{val: "b64"}}
	encs.add("sig-hex", "encoded the signature as hex instead of base64", "hex")
	axes := []axis{orders, encs, secretAxis(in.Secret)}
	return space{axes: axes,
		compose: func(p []int) string { return axes[0][p[0]].val },
		match: func(p []int, _ string) bool {
			a, b := agent, rid
			if p[0] != 0 {
				a, b = rid, agent
			}
			s, err := sign.KirimSignature([]byte(axes[2][p[2]].val), a, b)
			if err != nil {
				return false // a whitespace variant of the key has the wrong AES length
			}
			if p[1] != 0 {
				raw, _ := base64.StdEncoding.DecodeString(s)
				return sign.Equal(strings.ToLower(received), hex.EncodeToString(raw))
			}
			return sign.Equal(received, s)
		},
	}
}
