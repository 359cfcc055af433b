package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/schemas"
)

const callSynopsis = `call [flags] ROUTE [flags]   ROUTE = a merchant-to-DOKU route name from doku-verify validate --list

Calls DOKU (or a simulator) with the kit's client: it gets the B2B access
token itself (SHA256withRSA with --private-key), exchanges --auth-code for a
customer token on B2B2C routes, sets the headers the route's DOKU page
requires, checks --body against the route's request schema first and
verifies the answer. A call that moves money and got a 5xx, a timeout or a
dropped connection is not resent: its outcome is unknown.

Secrets: SNAP routes sign with DOKU_SNAP_SECRET, non-SNAP routes with
DOKU_NONSNAP_SECRET; DOKU_SECRET or --secret-file is used when the
specific one is unset.

stdout: DOKU's response body (with --json: {"route","status","responseCode",
"ok","attempts","body"}). Exit 0: DOKU answered the route's success (SNAP:
2xx and responseCode = the route's success code; non-SNAP: 2xx, valid
response Signature, Request-Id and Client-Id echoed, body status not
failed). Exit 1: DOKU answered an error, the answer failed verification or
(--strict) its schema, or the outcome is unknown; stderr has one line
"doku-verify call: ROUTE: …". Exit 2: usage, schema, I/O or network error
before anything was sent (nothing on stdout). The two token routes are not
callable: the client gets tokens itself.`

const callExample = `  # against a simulated DOKU on 127.0.0.1:8089 started with the test keys
  # (doku-verify simulate --addr 127.0.0.1:8089 --client-id DOKU-TEST-CLIENT ..., see its -h):
  $ DOKU_SNAP_SECRET=SK-snap-secret-123 doku-verify call --base-url http://127.0.0.1:8089 \
      --client-id DOKU-TEST-CLIENT --private-key internal/testvectors/test_rsa_private_pkcs8.pem \
      --body schemas/testdata/samples/dana.payment.request.json --device-id DEVICE1 --json dana.payment
  {"route":"dana.payment","status":200,"responseCode":"2000500","ok":true,"attempts":1,"body":{…}}`

type callResult struct {
	Route        string          `json:"route"`
	Status       int             `json:"status"`
	ResponseCode string          `json:"responseCode"`
	OK           bool            `json:"ok"`
	Attempts     int             `json:"attempts"`
	Body         json.RawMessage `json:"body"`
}

func runCall(e *env, args []string) int {
	fs := newFlagSet(e, "call", callSynopsis, callExample)
	var (
		baseURL, envName, clientID, keyFile, tokenCache, authCode, deviceID, ip, secretFile string
		body                                                                                optionalFile
		asJSON, strict                                                                      bool
		timeout                                                                             time.Duration
	)
	fs.StringVar(&baseURL, "base-url", "", "DOKU's base URL; the route's path is appended (or --env)")
	fs.StringVar(&envName, "env", "", "sandbox ("+client.Sandbox+") or production ("+client.Production+")")
	fs.StringVar(&clientID, "client-id", "", "X-PARTNER-ID / X-CLIENT-KEY / Client-Id")
	fs.StringVar(&keyFile, "private-key", "", "merchant RSA private key (PEM PKCS#1/PKCS#8 or bare base64) for the SNAP B2B token request")
	fs.Var(&body, "body", "request JSON file, or - for stdin; checked against the route's request schema first")
	fs.StringVar(&tokenCache, "token-cache", "", "where B2B and B2B2C tokens live across calls and processes: redis://127.0.0.1:PORT/DB (default: this process only)")
	fs.StringVar(&authCode, "auth-code", "", "b2b2c routes: exchanged for a customer token (once; then cached), sent as Authorization-Customer")
	fs.StringVar(&deviceID, "device-id", "", "X-DEVICE-ID (required where the DOKU page marks it required)")
	fs.StringVar(&ip, "ip", "", "X-IP-ADDRESS")
	fs.BoolVar(&asJSON, "json", false, `print {"route","status","responseCode","ok","attempts","body"} instead of the bare body`)
	fs.BoolVar(&strict, "strict", false, "an answer off the route's response schema fails (exit 1); default: a note on stderr, exit 0")
	fs.StringVar(&secretFile, "secret-file", "", "file holding the secret when DOKU_SNAP_SECRET / DOKU_NONSNAP_SECRET is unset (else env DOKU_SECRET)")
	fs.DurationVar(&timeout, "timeout", 60*time.Second, "bound on the whole call, retries and token requests included")
	route, rest := splitRoute(fs, args)
	if stop, code := parseFlags(fs, rest); stop {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "doku-verify call: "+format+"\n", a...)
		return exitUsage
	}
	if route == "" {
		return usage("missing ROUTE (see doku-verify validate --list)")
	}
	rt, ok := schemas.RouteByName(route)
	switch {
	case !ok:
		return usage("unknown route %q (see doku-verify validate --list)", route)
	case rt.Name == "wallet.token_b2b" || rt.Name == "wallet.token_b2b2c":
		return usage("%s: not callable: the client gets access tokens itself (hint: call the transactional route; the B2B token comes from --private-key, a customer's B2B2C token from --auth-code)", route)
	case rt.Direction != schemas.MerchantToDOKU:
		return usage("%s: not a merchant-to-DOKU route (DOKU sends it; try doku-verify send)", route)
	}
	switch {
	case baseURL != "" && envName != "":
		return usage("pass --base-url or --env, not both")
	case envName == "sandbox":
		baseURL = client.Sandbox
	case envName == "production":
		baseURL = client.Production
	case envName != "":
		return usage("--env must be sandbox or production")
	case baseURL == "":
		return usage("missing --base-url or --env (there is no default, so nothing goes to production by accident)")
	}
	if err := requireFlags("client-id", clientID); err != nil {
		return usage("%v", err)
	}
	if !body.set {
		return usage("missing required flag --body (a file, or - for stdin)")
	}
	if rt.Customer && authCode == "" {
		return usage("%s is a B2B2C route: its DOKU page requires Authorization-Customer: pass --auth-code", route)
	}
	for _, h := range rt.Headers {
		if h == "X-DEVICE-ID" && deviceID == "" {
			return usage("%s: its DOKU page marks X-DEVICE-ID required: pass --device-id", route)
		}
	}
	raw, err := readInput(e, body.path)
	if err != nil {
		return usage("cannot read --body: %v", err)
	}
	if err := schemas.Decode(raw, rt.NewRequest(), true); err != nil {
		return usage("%s: --body does not match the route's request schema (nothing sent): %v", route, err)
	}
	cfg := client.Config{BaseURL: baseURL, ClientID: clientID}
	if strict {
		cfg.ResponseSchema = client.SchemaStrict
	}
	specific := "DOKU_NONSNAP_SECRET"
	if rt.Family == schemas.SNAP {
		specific = "DOKU_SNAP_SECRET"
	}
	secret := []byte(e.getenv(specific))
	if len(secret) == 0 {
		if secret, err = secretFromFileOrEnv(e, secretFile, "--secret-file", "DOKU_SECRET"); err != nil {
			return usage("%v", err)
		}
	}
	if len(secret) == 0 {
		return usage("missing secret: set %s (or DOKU_SECRET) or pass --secret-file PATH", specific)
	}
	if rt.Family == schemas.SNAP {
		cfg.SNAPSecret = secret
		if keyFile == "" {
			return usage("%s is a SNAP route: pass --private-key for its access token request", route)
		}
		if cfg.PrivateKey, err = loadPrivateKey(keyFile); err != nil {
			return usage("%v", err)
		}
	} else {
		cfg.NonSNAPSecret = secret
	}
	if tokenCache != "" {
		if !strings.HasPrefix(tokenCache, "redis://") && !strings.HasPrefix(tokenCache, "rediss://") {
			return usage("--token-cache must be redis://HOST:PORT/DB")
		}
		opt, err := redis.ParseURL(tokenCache)
		if err != nil {
			return usage("--token-cache: %v", err)
		}
		opt.DialTimeout = 2 * time.Second
		rc := redis.NewClient(opt)
		defer rc.Close()
		if cfg.Store, err = client.NewRedisStore(rc); err != nil {
			return usage("%v", err)
		}
	}
	c, err := client.New(cfg)
	if err != nil {
		return usage("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	opts := []client.CallOption{client.WithDeviceID(deviceID), client.WithIPAddress(ip)}
	if authCode != "" {
		// One customer per authCode: the store hashes it into the key.
		customer := "auth-code:" + authCode
		if !c.HasCustomer(ctx, customer) {
			if err := c.Authorize(ctx, customer, authCode); err != nil {
				return callFailed(e, route, nil, err, asJSON)
			}
		}
		opts = append(opts, client.WithCustomer(customer))
	}
	resp, err := c.Do(ctx, route, raw, opts...)
	if err != nil {
		return callFailed(e, route, resp, err, asJSON)
	}
	printAnswer(e, resp, true, asJSON)
	if !strict {
		// Report mode: say which fields are off the route's schema.
		var ve *schemas.ValidationError
		if err := schemas.Decode(resp.Body, rt.NewResponse(), false); errors.As(err, &ve) {
			fmt.Fprintf(e.stderr, "doku-verify call: %s: note: the answer is off the route's response schema at %s (--strict fails on it)\n", route, strings.Join(ve.Paths(), ", "))
		}
	}
	return exitOK
}

// splitRoute takes ROUTE out of args, wherever it is among the flags.
func splitRoute(fs *flag.FlagSet, args []string) (string, []string) {
	route := ""
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			rest = append(rest, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil {
				if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
					continue
				}
				if i+1 < len(args) {
					rest = append(rest, args[i+1])
					i++
				}
			}
			continue
		}
		if route == "" {
			route = a
			continue
		}
		rest = append(rest, a) // parseFlags reports it
	}
	return route, rest
}

// callFailed maps the client's error to an exit code: 2 when nothing
// reached DOKU, 1 when DOKU answered (or may have acted).
func callFailed(e *env, route string, resp *client.Response, err error, asJSON bool) int {
	var ae *client.APIError
	var ue *client.UnknownOutcomeError
	switch {
	case errors.As(err, &ue):
		if resp != nil {
			printAnswer(e, resp, false, asJSON)
		} else if asJSON {
			e.printJSON(callResult{Route: route, Attempts: 1, Body: json.RawMessage("null")})
		}
		fmt.Fprintf(e.stderr, "doku-verify call: %s: outcome UNKNOWN (%s): not resent; %s\n", route, unknownWhat(ue), unknownAsk(ue))
		return exitFailed
	case errors.As(err, &ae):
		if resp != nil {
			printAnswer(e, resp, false, asJSON)
		} else if asJSON { // a refused token request
			e.printJSON(callResult{Route: ae.Route, Status: ae.Status, ResponseCode: ae.ResponseCode, Attempts: 1, Body: jsonOrNull(ae.Body)})
		}
		msg := fmt.Sprintf("HTTP %d", ae.Status)
		if ae.ResponseCode != "" {
			msg += " responseCode " + ae.ResponseCode
		}
		if ae.Message != "" {
			msg += fmt.Sprintf(" %q", ae.Message)
		}
		if ae.Reason != "" {
			msg += ": " + ae.Reason
		}
		if ae.Route != route {
			msg = ae.Route + " answered " + msg
		}
		fmt.Fprintf(e.stderr, "doku-verify call: %s: %s\n", route, msg)
		return exitFailed
	}
	if errors.Is(err, client.ErrNoAnswer) {
		fmt.Fprintf(e.stderr, "doku-verify call: %s: no answer from DOKU (timeout or dropped connection on every attempt)\n", route)
		return exitFailed
	}
	fmt.Fprintf(e.stderr, "doku-verify call: %s: %v (nothing was sent)\n", route, err)
	return exitUsage
}

func unknownWhat(u *client.UnknownOutcomeError) string {
	if u.Status != 0 {
		return fmt.Sprintf("HTTP %d", u.Status)
	}
	return "no answer: timeout or dropped connection"
}

func unknownAsk(u *client.UnknownOutcomeError) string {
	if u.StatusRoute == "" {
		return "its DOKU page has no status route: wait for DOKU's notification or check the DOKU back office"
	}
	return "ask " + u.StatusRoute + " (X-EXTERNAL-ID " + u.ExternalID + ") before trying again"
}

func printAnswer(e *env, resp *client.Response, ok, asJSON bool) {
	if !asJSON {
		e.stdout.Write(resp.Body)
		if len(resp.Body) > 0 && !bytes.HasSuffix(resp.Body, []byte("\n")) {
			fmt.Fprintln(e.stdout)
		}
		return
	}
	e.printJSON(callResult{Route: resp.Route, Status: resp.Status, ResponseCode: resp.ResponseCode, OK: ok, Attempts: resp.Attempts, Body: jsonOrNull(resp.Body)})
}

// jsonOrNull keeps DOKU's JSON as is, minified; anything else becomes a
// JSON string.
func jsonOrNull(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage("null")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		return buf.Bytes()
	}
	s, _ := json.Marshal(string(b))
	return s
}
