package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

const signSynopsis = `sign <scheme> [flags]

schemes:
  snap        --method POST --path '/v1.0/x?a=1' --token TOKEN --timestamp TS [--body FILE]
  snap-rsa    --method POST --path P --timestamp TS --private-key PEMFILE [--body FILE]
  snap-token  --client-id ID --timestamp TS --private-key PEMFILE   (an access-token request)
  nonsnap     --client-id ID --request-id RID --timestamp TS --target PATH [--body FILE] [--response]
  kirim       --agent-key K --request-id RID            (AES key = the secret)

The secret comes from --secret-file PATH (one trailing newline stripped) or
DOKU_SECRET. The signature alone is printed, followed by a newline.`

func runSign(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "usage: doku-verify %s\n", signSynopsis)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(e.stdout, "usage: doku-verify %s\n\nrun doku-verify sign SCHEME -h for its flags and an example\n", signSynopsis)
		return exitOK
	}
	scheme, _, known := lookupScheme(args[0])
	if !known {
		fmt.Fprintf(e.stderr, "doku-verify sign: unknown scheme %q (want %s)\n", args[0], schemeList(" or "))
		return exitUsage
	}
	args = args[1:]
	var (
		method, path, token, tokenFile, ts, privFile   string
		clientID, requestID, target, agentKey, secretF string
		response                                       bool
		body                                           optionalFile
	)
	examples := map[string]string{
		"snap":       "  $ DOKU_SECRET=SK-snap-secret-123 doku-verify sign snap --method GET \\\n    --path '/v1.0/example/status?referenceNo=INV-1' --token eyJhbGciOiJSUzI1NiJ9.test.token \\\n    --timestamp 2024-01-01T12:00:00+07:00\n  6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ==",
		"snap-rsa":   "  $ doku-verify sign snap-rsa --method POST --path /v1.0/debit/notify --timestamp 2024-01-01T12:00:00+07:00 \\\n      --private-key internal/testvectors/test_rsa_private_pkcs8.pem --body internal/testvectors/debit_notify_body.json\n  DGqFOuq649WgD1b6rG5ZEF1Y2mQt47hAGIevTW6Irf3uvhe1qKc5cadFmo1PGUc4AaaTlhr+A3bx14me9RIrOOr9gBOwHphIbKpTjKA+DWSUkUucqlc+ANMk/1afuc0WERb7ISp7BuGd6Eey57k5ImI7TRjMdyO5yHAzuz6uKG1M0gcOcg7R314d6/EG3G4jvS5CEZBADynWyry3Ybq2cOIQq2/y0wY/LRbNgwqY+p4nKmtamao608B/SnzmV62/dcD8oaKxpQdifGYeoX8hQGO2OuCSp7Orj3oHuERikJyEPnrg70ZBl3YK8XfgbS7q/40limAAQdpkoiS7hrq/7g==",
		"nonsnap":    "  $ DOKU_SECRET=SK-hCJ42G28TA0MKG9LE2E doku-verify sign nonsnap --client-id MCH-0001-10791114622547 \\\n    --request-id cc682442-6c22-493e-8121-b9ef6b3fa728 --timestamp 2020-10-21T03:38:28Z \\\n    --target /orders/v1/status/INV-20210124-0001\n  HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=",
		"snap-token": "  $ doku-verify sign snap-token --client-id BRN-0001-1700000000000 --timestamp 2024-01-01T12:00:00+07:00 \\\n      --private-key internal/testvectors/test_rsa_private_pkcs8.pem\n  Sfsdh0Q01QM5J0j/Z2iUXJAOlh+vWVOjM+J5XRPYoLljPjZARoDUceNCfmVIOOvSbLi0nXmhTtnjx+s6zaTVu6yy8ZhM3MsHxXbp/g3jdvPP0Q6HjeO1shLrnfK7Cljsfhksylg9P/IvWHJZT/VMMiQggyxv16Rn3eEESzVwnM8IoTnEJO0S3oQtMZDrgF0dWJ1r55ptfRpRdOXnRv9VxDkDrMZTGmmSz44Fy5nkzZG+QT8AjIYLQULjhlfbY5yF4pSXkkGK5+tISvHmZTQo2tKtg7fy61NhShhaa1xy4iCFBFL25o/P4sar6vDkjRjZytSRMmMXpT0tK1nWTRMpPQ==",
		"kirim":      "  $ DOKU_SECRET=0123456789abcdef doku-verify sign kirim --agent-key A41418 \\\n    --request-id fd53b1e3-9c35-4dfa-a95ca8dbc5695485\n  y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6",
	}
	fs := newFlagSet(e, "sign "+scheme, "sign "+scheme+" [flags]", examples[scheme])
	needsSecret := scheme == "snap" || scheme == "nonsnap" || scheme == "kirim"
	if needsSecret {
		fs.StringVar(&secretF, "secret-file", "", "file holding the secret (else env DOKU_SECRET)")
	}
	switch scheme {
	case "snap", "snap-rsa":
		fs.StringVar(&method, "method", "", "HTTP method, as sent (e.g. POST)")
		fs.StringVar(&path, "path", "", "EndpointUrl: relative path with query, as sent")
		fs.StringVar(&ts, "timestamp", "", "X-TIMESTAMP, as sent")
		fs.Var(&body, "body", "body file (- for stdin); omit for no body")
		if scheme == "snap" {
			fs.StringVar(&token, "token", "", "B2B access token, with or without 'Bearer ' (a throw-away value only: visible in ps; else --token-file or "+tokenEnv+")")
			fs.StringVar(&tokenFile, "token-file", "", "file holding the B2B access token")
		} else {
			fs.StringVar(&privFile, "private-key", "", "RSA private key (PEM PKCS#1/PKCS#8 or bare base64)")
		}
	case "nonsnap":
		fs.StringVar(&clientID, "client-id", "", "Client-Id")
		fs.StringVar(&requestID, "request-id", "", "Request-Id")
		fs.StringVar(&ts, "timestamp", "", "Request-Timestamp (Response-Timestamp with --response)")
		fs.StringVar(&target, "target", "", "Request-Target: the request path")
		fs.Var(&body, "body", "body file (- for stdin); omit for no body (no Digest line)")
		fs.BoolVar(&response, "response", false, "sign a response (Response-Timestamp line)")
	case "snap-token":
		fs.StringVar(&clientID, "client-id", "", "X-CLIENT-KEY")
		fs.StringVar(&ts, "timestamp", "", "X-TIMESTAMP, as sent")
		fs.StringVar(&privFile, "private-key", "", "RSA private key (PEM PKCS#1/PKCS#8 or bare base64)")
	case "kirim":
		fs.StringVar(&agentKey, "agent-key", "", "agentKey header")
		fs.StringVar(&requestID, "request-id", "", "requestId header")
	}
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	fail := func(err error) int {
		return e.fail("sign "+scheme, exitUsage, err)
	}

	var err error
	switch scheme {
	case "snap", "snap-rsa":
		err = requireFlags("method", method, "path", path, "timestamp", ts)
	case "nonsnap":
		err = requireFlags("client-id", clientID, "request-id", requestID, "timestamp", ts, "target", target)
	case "snap-token":
		err = requireFlags("client-id", clientID, "timestamp", ts, "private-key", privFile)
	case "kirim":
		err = requireFlags("agent-key", agentKey, "request-id", requestID)
	}
	if err == nil && scheme == "snap-rsa" {
		err = requireFlags("private-key", privFile)
	}
	if err == nil && scheme == "snap" {
		if token, err = loadToken(e, "token", token, tokenFile); err == nil {
			err = requireFlags("token", token)
		}
	}
	if err != nil {
		return fail(err)
	}

	var bodyBytes []byte // nil = no body
	var snapHash []byte  // SNAP: the body hash, streamed from the file
	var bodyJSONErr error
	switch {
	case !body.set:
	case scheme == "snap" || scheme == "snap-rsa":
		// SNAP signs only the body's hash: stream the file through it a
		// buffer at a time, so a large body never sits in memory (twice).
		if snapHash, bodyJSONErr, err = streamBodyHash(e, body.path); err != nil {
			return fail(fmt.Errorf("cannot read --body: %w", err))
		}
	default:
		if bodyBytes, err = readInput(e, body.path); err != nil {
			return fail(fmt.Errorf("cannot read --body: %w", err))
		}
		if bodyBytes == nil {
			bodyBytes = []byte{}
		}
	}
	if (scheme == "snap" || scheme == "snap-rsa") && snapHash == nil && bodyJSONErr == nil {
		snapHash = []byte(sign.EmptyBodyHash)
	}
	var secret []byte
	if needsSecret {
		if secret, err = loadSecret(e, secretF); err != nil {
			return fail(err)
		}
	}

	if ts != "" {
		// The verifier refuses a malformed timestamp; signing one would only
		// produce a signature no receiver accepts. Skew is not checked:
		// signing old vectors must work.
		if _, perr := verify.ParseTimestamp(ts); perr != nil {
			return fail(fmt.Errorf("--timestamp %q is not a timestamp the verifier accepts (RFC 3339 with a zone, e.g. 2024-01-01T12:00:00+07:00 or 2020-10-21T03:38:28Z): %w", ts, perr))
		}
	}
	var out string
	switch scheme {
	case "snap":
		var s *sign.SNAPSymmetric
		if s, err = sign.NewSNAPSymmetric(secret); err == nil {
			if err = bodyJSONErr; err == nil {
				out = string(s.AppendSignString(nil, sign.AppendSNAPStringToSign(nil, method, path, token, snapHash, ts)))
			}
		}
		if errors.Is(err, sign.ErrInvalidJSON) {
			err = fmt.Errorf("--body is not valid JSON, which SNAP needs to minify it: %w", err)
		}
	case "snap-rsa", "snap-token":
		priv, perr := loadPrivateKey(privFile)
		if perr != nil {
			return fail(perr)
		}
		if scheme == "snap-token" {
			out, err = sign.SignSNAPToken(priv, clientID, ts)
		} else {
			if err = bodyJSONErr; err == nil {
				out, err = sign.SignRSA(priv, sign.AppendSNAPRSAStringToSign(nil, method, path, snapHash, ts))
			}
			if errors.Is(err, sign.ErrInvalidJSON) {
				err = fmt.Errorf("--body is not valid JSON, which SNAP needs to minify it: %w", err)
			}
		}
	case "nonsnap":
		var s *sign.NonSNAP
		if s, err = sign.NewNonSNAP(secret); err == nil {
			out = s.Sign(sign.Components{ClientID: clientID, RequestID: requestID, Timestamp: ts, Target: target, Body: bodyBytes, Response: response})
		}
	case "kirim":
		out, err = sign.KirimSignature(secret, agentKey, requestID)
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(e.stdout, out)
	return exitOK
}

// streamBodyHash returns the SNAP body hash (lowercase hex) of the file at
// path, or of standard input for "-", read a buffer at a time through a
// sign.BodyHasher: memory stays the same for any body size. Invalid JSON
// is jsonErr (reported when signing, as before); a read failure is err.
func streamBodyHash(e *env, path string) (hexHash []byte, jsonErr, err error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, unwrapPathErr(err)
		}
		defer f.Close()
		r = f
	}
	h := sign.NewBodyHasher()
	if _, err := h.ReadFrom(r); err != nil {
		if errors.Is(err, sign.ErrInvalidJSON) {
			return nil, err, nil
		}
		return nil, nil, unwrapPathErr(err)
	}
	hexHash, jsonErr = h.AppendHex(make([]byte, 0, 64))
	return hexHash, jsonErr, nil
}
