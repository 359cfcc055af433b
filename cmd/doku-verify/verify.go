package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/capture"
	"github.com/dokukit/dokukit/cmd/doku-verify/internal/diagnose"
	"github.com/dokukit/dokukit/verify"
)

const verifySynopsis = `verify [--scheme auto|snap|snap-rsa|snap-token|nonsnap|kirim] [--target PATH] [--public-key FILE]
                   [--secret-file FILE] [--max-skew 5m] [--now TIMESTAMP] [--json] CAPTURE

CAPTURE is a file (- for stdin) holding one HTTP/1.1 request as Burp, mitmproxy
or Charles "copy raw request" records it, or a HAR file. The first line of
output is "valid" or "invalid: <reason>"; exit 0 valid, 1 invalid, 2 usage or
I/O error. The timestamp is checked only when --max-skew is given.`

const verifyExample = `  $ DOKU_SECRET=SK-snap-secret-123 doku-verify verify --now 2024-01-01T12:01:00+07:00 --max-skew 5m \
      cmd/doku-verify/testdata/snap_valid.http
  valid
  scheme: snap
  timestamp: 2024-01-01T12:00:00+07:00 (age 1m0s)
  stringToSign: POST:/v1.0/debit/notify:eyJh…oken:dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:2024-01-01T12:00:00+07:00
  $ doku-verify verify --public-key internal/testvectors/test_rsa_public_spki.pem cmd/doku-verify/testdata/token_valid.http
  valid`

// checkFlags are the flags verify and diagnose share.
type checkFlags struct {
	scheme, target, publicKey, secretFile, now string
	maxSkew                                    time.Duration
	jsonOut                                    bool
	showSecrets                                bool
	// diagnose only
	altToken, altTokenFile, routePattern string
}

func (c *checkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.scheme, "scheme", "auto", "signature scheme: "+schemeList(" or ", "auto"))
	fs.StringVar(&c.target, "target", "", "path the receiver signs with (default: SNAP path+query, non-SNAP path as captured)")
	fs.StringVar(&c.publicKey, "public-key", "", "sender's RSA public key or certificate (snap-rsa, snap-token)")
	fs.StringVar(&c.secretFile, "secret-file", "", "file holding the secret (else env DOKU_SECRET)")
	fs.DurationVar(&c.maxSkew, "max-skew", 0, "reject timestamps further than this from --now (off when not given: captures are old)")
	fs.StringVar(&c.now, "now", "", "the time to measure the timestamp's age against (ISO-8601; default: the clock)")
	fs.BoolVar(&c.jsonOut, "json", false, "print one JSON object instead of text")
	fs.BoolVar(&c.showSecrets, "show-secrets", false, "print bearer tokens whole in strings to sign (default: first and last 4 characters)")
}

// redact hides the capture's bearer token (and diagnose's --alt-token) in
// what is printed, unless --show-secrets.
func (c *checkFlags) redact(ck *checked, s string) string {
	if c.showSecrets || ck == nil || ck.req == nil {
		return s
	}
	return redactIn(s, bearer(ck.req.Header.Get("Authorization")), c.altToken)
}

// parseWithArgs parses flags placed before or after the positional
// arguments (the stdlib flag package stops at the first positional).
func parseWithArgs(fs *flag.FlagSet, args []string) (pos []string, stop bool, code int) {
	for {
		if stop, code = parseFlags(fs, args); stop {
			return nil, stop, code
		}
		if fs.NArg() == 0 {
			return pos, false, 0
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// checked is one capture loaded with everything needed to check it.
type checked struct {
	req    *capture.Request
	scheme verify.Scheme // "" when auto-detection found none
	secret []byte
	pub    *rsa.PublicKey
	now    time.Time
}

// loadChecked reads the capture and the key material. Errors are usage or
// I/O errors (exit 2); a capture whose scheme cannot be detected is not.
func loadChecked(e *env, name string, c *checkFlags, pos []string) (*checked, error) {
	if len(pos) != 1 {
		return nil, errors.New("want exactly one CAPTURE argument (a file, or - for stdin)")
	}
	_, scheme, known := lookupScheme(c.scheme)
	if !known && c.scheme != "auto" {
		return nil, fmt.Errorf("unknown --scheme %q (want %s)", c.scheme, schemeList(" or ", "auto"))
	}
	data, err := readInput(e, pos[0])
	if err != nil {
		return nil, fmt.Errorf("cannot read capture: %w", err)
	}
	req, err := capture.Parse(data)
	if err != nil {
		return nil, err
	}
	for _, w := range req.Warnings {
		fmt.Fprintf(e.stderr, "doku-verify %s: warning: %s\n", name, w)
	}
	ck := &checked{req: req, now: time.Now()}
	if c.now != "" {
		t, ok := parseNow(c.now)
		if !ok {
			return nil, fmt.Errorf("--now %q is not an ISO-8601 timestamp", c.now)
		}
		ck.now = t
	}
	if c.publicKey != "" {
		if ck.pub, err = loadPublicKey(c.publicKey); err != nil {
			return nil, err
		}
	}
	ck.scheme = scheme
	if !known {
		if ck.scheme, err = diagnose.Detect(req.Header, ck.pub != nil); err != nil {
			return ck, nil
		}
	}
	switch ck.scheme {
	case verify.SchemeSNAP, verify.SchemeNonSNAP, verify.SchemeKirim:
		if ck.secret, err = loadSecret(e, c.secretFile); err != nil {
			return nil, err
		}
	case verify.SchemeSNAPRSA, verify.SchemeSNAPToken:
		if ck.pub == nil {
			return nil, fmt.Errorf("scheme %s needs --public-key FILE (the sender's public key)", ck.scheme)
		}
	}
	return ck, nil
}

// verifyResult is verify's result; its JSON form is the --json contract.
type verifyResult struct {
	Valid        bool     `json:"valid"`
	Scheme       string   `json:"scheme"`
	Reason       string   `json:"reason"`
	StringToSign string   `json:"stringToSign"`
	Timestamp    string   `json:"timestamp"`
	TimestampAge string   `json:"timestampAge"`
	AgeSeconds   *float64 `json:"timestampAgeSeconds,omitempty"`
	Method       string   `json:"method"`
	Target       string   `json:"target"`
	Warnings     []string `json:"warnings,omitempty"`
}

var tsHeader = map[verify.Scheme]string{
	verify.SchemeSNAP: "X-Timestamp", verify.SchemeSNAPRSA: "X-Timestamp", verify.SchemeSNAPToken: "X-Timestamp", verify.SchemeNonSNAP: "Request-Timestamp",
}

// verifyCapture checks the capture with the same verifiers the middleware
// uses (package verify), so the CLI and a merchant's server never disagree.
// The timestamp window is checked only when --max-skew is given.
func verifyCapture(ck *checked, c *checkFlags) verifyResult {
	r := ck.req
	v := verifyResult{Scheme: string(ck.scheme), Method: r.Method, Target: r.Target, Warnings: r.Warnings}
	if ck.scheme == "" {
		v.Scheme = "unknown"
		v.Reason = "no DOKU signature header (X-SIGNATURE, Signature or signature) in the capture"
		return v
	}
	if h, ok := tsHeader[ck.scheme]; ok {
		v.Timestamp = r.Header.Get(h)
		if t, err := verify.ParseTimestamp(v.Timestamp); err == nil {
			age := ck.now.Sub(t).Round(time.Second)
			secs := age.Seconds()
			v.AgeSeconds = &secs
			v.TimestampAge = age.String()
		} else if v.Timestamp != "" {
			v.TimestampAge = "unparseable"
		}
	}
	ts := verify.Timestamps{MaxPast: c.maxSkew, MaxFuture: c.maxSkew, Now: func() time.Time { return ck.now }, Unchecked: c.maxSkew <= 0}
	vf, err := diagnose.Verifier(ck.scheme, ck.secret, ck.pub, c.target, ts)
	if err != nil {
		v.Reason = err.Error()
		return v
	}
	res, err := vf.VerifyMessage(context.Background(), verify.Message{Method: r.Method, Target: r.Target, Header: r.Header, Body: r.Body, Explain: true})
	v.StringToSign = res.StringToSign
	if err != nil {
		v.Reason = reason(err, v, c.maxSkew)
		return v
	}
	v.Valid = true
	return v
}

// reason turns a verify error into the sentence after "invalid: ". None
// contains the secret or the expected signature.
func reason(err error, v verifyResult, maxSkew time.Duration) string {
	var ve *verify.Error
	field := ""
	if errors.As(err, &ve) {
		field = ve.Field
	}
	switch {
	case errors.Is(err, verify.ErrSignatureMismatch):
		return "signature mismatch (run doku-verify diagnose on the capture to find out why)"
	case errors.Is(err, verify.ErrBadSignatureEncoding):
		return "signature is malformed (" + ve.Detail + ")"
	case errors.Is(err, verify.ErrMissingHeader):
		if field == "Authorization" {
			return "missing header Authorization (the bearer token is part of the SNAP string to sign)"
		}
		return "missing header " + field
	case errors.Is(err, verify.ErrInvalidJSON):
		return "body is not valid JSON, so it cannot be minified for the SNAP body hash"
	case errors.Is(err, verify.ErrBadTimestamp):
		return fmt.Sprintf("timestamp %q is not ISO-8601 with a zone", v.Timestamp)
	case errors.Is(err, verify.ErrStale):
		return fmt.Sprintf("timestamp is %s old, beyond --max-skew %s", v.TimestampAge, maxSkew)
	case errors.Is(err, verify.ErrFuture):
		return fmt.Sprintf("timestamp is %s in the future, beyond --max-skew %s", strings.TrimPrefix(v.TimestampAge, "-"), maxSkew)
	case errors.Is(err, verify.ErrInvalidToken):
		return `Authorization is not "Bearer <token>"`
	case errors.Is(err, verify.ErrKey):
		return "the secret or key cannot be used for this scheme (" + ve.Detail + ")"
	}
	return err.Error()
}

func runVerify(e *env, args []string) int {
	var c checkFlags
	fs := newFlagSet(e, "verify", verifySynopsis, verifyExample)
	c.register(fs)
	pos, stop, code := parseWithArgs(fs, args)
	if stop {
		return code
	}
	ck, err := loadChecked(e, "verify", &c, pos)
	if err != nil {
		return e.fail("verify", exitUsage, err)
	}
	v := verifyCapture(ck, &c)
	v.StringToSign = c.redact(ck, v.StringToSign)
	if c.jsonOut {
		e.printJSON(v)
	} else {
		if v.Valid {
			fmt.Fprintln(e.stdout, "valid")
		} else {
			fmt.Fprintln(e.stdout, "invalid: "+v.Reason)
		}
		fmt.Fprintf(e.stdout, "scheme: %s\n", v.Scheme)
		fmt.Fprintf(e.stdout, "timestamp: %s\n", describeTimestamp(v))
		fmt.Fprintf(e.stdout, "stringToSign: %s\n", showSTS(v.StringToSign))
	}
	if v.Valid {
		return exitOK
	}
	return exitFailed
}

func describeTimestamp(v verifyResult) string {
	switch {
	case v.Timestamp == "" && v.Scheme == string(verify.SchemeKirim):
		return "none (Kirim DOKU signs no timestamp)"
	case v.Timestamp == "":
		return "none"
	case v.AgeSeconds == nil:
		return v.Timestamp + " (not ISO-8601)"
	case *v.AgeSeconds < 0:
		return fmt.Sprintf("%s (%s in the future)", v.Timestamp, strings.TrimPrefix(v.TimestampAge, "-"))
	}
	return fmt.Sprintf("%s (age %s)", v.Timestamp, v.TimestampAge)
}

// showSTS prints a string to sign on one line; multi-line ones (non-SNAP
// components) are Go-quoted so a newline (\n) and a literal backslash-n
// (\\n) stay distinguishable.
func showSTS(s string) string {
	if strings.ContainsAny(s, "\r\n\\\"") {
		return strconv.Quote(s)
	}
	return s
}
