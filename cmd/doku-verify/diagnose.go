package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/diagnose"
	"github.com/dokukit/dokukit/verify"
)

const diagnoseSynopsis = `diagnose [verify's flags] [--alt-token TOKEN] [--route-pattern PATTERN] CAPTURE

Verifies the capture and, when the signature does not match, recomputes it
under the mistakes integrations make (re-serialized or unminified body, path
with/without query or sub-directory prefix, route pattern, "Bearer " kept in
the token, the token fetched from DOKU, literal \n in the component string,
lowercase names, wrong timestamp header, hex vs base64, secret with trailing
whitespace, SHA-256 vs SHA-512), up to three at once, and names the one that
reproduces the received signature. Exit 0 when the request is valid or a
mistake explains it, 1 when nothing does, 2 on usage or I/O errors.`

const diagnoseExample = `  $ DOKU_SECRET=SK-snap-secret-123 doku-verify diagnose cmd/doku-verify/testdata/snap_unminified.http
  explained: the sender hashed the body without minifying it
  scheme: snap
  mistakes: body-raw
  stringToSign (protocol): POST:/v1.0/debit/notify:eyJh…oken:dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:2024-01-01T12:00:00+07:00
  stringToSign (sender):   POST:/v1.0/debit/notify:eyJh…oken:c7a2a6c2217fb1893d4fe314afa0fde59af0360a789c43ec9ac09a5800bdc68b:2024-01-01T12:00:00+07:00`

// diagnosis is diagnose's --json object.
type diagnosis struct {
	verifyResult
	Explained      bool     `json:"explained"`
	Explanation    string   `json:"explanation"`
	Mistakes       []string `json:"mistakes"`
	SenderToSign   string   `json:"senderStringToSign,omitempty"`
	CandidateCount int      `json:"candidatesTried"`
}

func runDiagnose(e *env, args []string) int {
	var c checkFlags
	fs := newFlagSet(e, "diagnose", diagnoseSynopsis, diagnoseExample)
	c.register(fs)
	fs.StringVar(&c.altToken, "alt-token", "", "the access token the merchant fetched from DOKU, tried in place of the received one (a throw-away value only: visible in ps; else --alt-token-file)")
	fs.StringVar(&c.altTokenFile, "alt-token-file", "", "file holding the --alt-token")
	fs.StringVar(&c.routePattern, "route-pattern", "", "the router's pattern for this route (e.g. /notify/{channel}), tried in place of the path")
	pos, stop, code := parseWithArgs(fs, args)
	if stop {
		return code
	}
	ck, err := loadChecked(e, "diagnose", &c, pos)
	if err == nil && c.altTokenFile != "" {
		c.altToken, err = loadToken(&env{getenv: func(string) string { return "" }}, "alt-token", c.altToken, c.altTokenFile)
	}
	if err != nil {
		return e.fail("diagnose", exitUsage, err)
	}
	v := verifyCapture(ck, &c)
	d := diagnosis{verifyResult: v, Mistakes: []string{}}
	if v.Valid {
		d.Explained, d.Explanation = true, "the signature is valid as received"
	} else if ck.scheme == "" {
		d.Explanation = v.Reason
	} else {
		rep, err := diagnose.Check(diagnose.Input{
			Scheme: ck.scheme, Method: ck.req.Method, Target: ck.req.Target, Header: ck.req.Header, Body: ck.req.Body,
			Secret: ck.secret, PublicKey: ck.pub, Endpoint: c.target, AltToken: c.altToken, RoutePattern: c.routePattern,
		})
		var missing *verify.Error
		switch {
		case errors.Is(err, verify.ErrMissingHeader) && errors.As(err, &missing):
			d.Explanation = "the capture lacks a header the scheme needs: " + missing.Field
		case err != nil:
			return e.fail("diagnose", exitUsage, err)
		case rep.Explained && len(rep.Mistakes) == 0:
			// The signature is right; what failed is another check (the
			// timestamp's age, which only verify's --max-skew judges).
			d.Explained, d.Explanation = true, "the signature is valid; the request was rejected because "+v.Reason
		default:
			d.Explained, d.Explanation, d.CandidateCount = rep.Explained, rep.Explanation, rep.Tried
			if rep.Explained {
				d.Mistakes, d.SenderToSign = rep.Mistakes, rep.Matched
			}
		}
	}
	d.StringToSign, d.SenderToSign = c.redact(ck, d.StringToSign), c.redact(ck, d.SenderToSign)
	v.StringToSign = d.StringToSign
	if c.jsonOut {
		e.printJSON(d)
	} else {
		switch {
		case v.Valid:
			fmt.Fprintln(e.stdout, "valid")
		case d.Explained:
			fmt.Fprintln(e.stdout, "explained: "+d.Explanation)
		default:
			fmt.Fprintln(e.stdout, "unexplained: "+d.Explanation)
		}
		fmt.Fprintf(e.stdout, "scheme: %s\n", v.Scheme)
		if !v.Valid {
			fmt.Fprintf(e.stdout, "verify: invalid: %s\n", v.Reason)
		}
		if len(d.Mistakes) > 0 {
			fmt.Fprintf(e.stdout, "mistakes: %s\n", strings.Join(d.Mistakes, ", "))
		}
		fmt.Fprintf(e.stdout, "timestamp: %s\n", describeTimestamp(v))
		fmt.Fprintf(e.stdout, "stringToSign (protocol): %s\n", showSTS(v.StringToSign))
		if d.SenderToSign != "" {
			fmt.Fprintf(e.stdout, "stringToSign (sender):   %s\n", showSTS(d.SenderToSign))
		}
		if d.CandidateCount > 0 && !d.Explained {
			fmt.Fprintf(e.stdout, "candidates tried: %d\n", d.CandidateCount)
		}
	}
	if d.Explained {
		return exitOK
	}
	return exitFailed
}
