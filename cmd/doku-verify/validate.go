package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/capture"
	"github.com/dokukit/dokukit/schemas"
)

const validateSynopsis = `validate [--route NAME] [--response] [--json] INPUT
       doku-verify validate --list

INPUT is a captured request (raw HTTP or HAR: its method and path pick the
route) or, with --route, a bare JSON body. With --response the body is
checked as the route's success response. Merchant-sent messages are checked
strictly (unknown fields are errors), DOKU-sent ones leniently, as the
schemas package decides. Exit 0 valid, 1 invalid, 2 usage or I/O error.`

const validateExample = `  $ doku-verify validate --route cards.payment_page schemas/testdata/slips/cards_auto_redirect_boolean.json
  invalid: 1 field
  route: cards.payment_page (Cards payment page, POST /credit-card/v1/payment-page)
    order.auto_redirect: has the wrong JSON type, expected string
  $ doku-verify validate cmd/doku-verify/testdata/snap_valid.http
  valid`

type validateResult struct {
	Valid  bool         `json:"valid"`
	Route  string       `json:"route"`
	Fields []fieldIssue `json:"fields,omitempty"`
}

type fieldIssue struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Missing bool   `json:"missing"`
	Message string `json:"message"`
}

func runValidate(e *env, args []string) int {
	fs := newFlagSet(e, "validate", validateSynopsis, validateExample)
	route := fs.String("route", "", "route name from --list (default: looked up from the capture's method and path)")
	response := fs.Bool("response", false, "check the body as the route's success response")
	list := fs.Bool("list", false, "print the route table and exit")
	jsonOut := fs.Bool("json", false, "print one JSON object instead of text")
	pos, stop, code := parseWithArgs(fs, args)
	if stop {
		return code
	}
	if *list {
		for _, r := range schemas.Routes() {
			fmt.Fprintf(e.stdout, "%-34s %-24s %-4s %-58s %-8s svc %02d  %s\n", r.Name, r.Page, r.Method, r.Path, r.Family, r.ServiceCode, r.Direction)
		}
		return exitOK
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "doku-verify validate: want exactly one INPUT (a file, or - for stdin)")
		return exitUsage
	}
	data, err := readInput(e, pos[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "doku-verify validate: cannot read input: %v\n", err)
		return exitUsage
	}
	r, body, err := pickRoute(data, *route)
	if err != nil {
		return e.fail("validate", exitUsage, err)
	}
	newMsg := r.NewRequest
	if *response {
		newMsg = r.NewResponse
	}
	if newMsg == nil {
		fmt.Fprintf(e.stderr, "doku-verify validate: route %s has no response body to check (any 2xx)\n", r.Name)
		return exitUsage
	}
	res := validateResult{Valid: true, Route: r.Name}
	strict := r.Strict() && !*response
	if err := schemas.Decode(body, newMsg(), strict); err != nil {
		var ve *schemas.ValidationError
		if !errors.As(err, &ve) {
			return e.fail("validate", exitUsage, err)
		}
		res.Valid = false
		for _, f := range ve.Fields {
			res.Fields = append(res.Fields, fieldIssue{Path: f.Path, Rule: f.Rule, Missing: f.Missing, Message: f.Message})
		}
	}
	if *jsonOut {
		e.printJSON(res)
	} else {
		if res.Valid {
			fmt.Fprintln(e.stdout, "valid")
		} else {
			fmt.Fprintf(e.stdout, "invalid: %d field%s\n", len(res.Fields), plural(len(res.Fields)))
		}
		fmt.Fprintf(e.stdout, "route: %s (%s, %s %s)\n", r.Name, r.Page, r.Method, r.Path)
		for _, f := range res.Fields {
			path := f.Path
			if path == "" {
				path = "body"
			}
			fmt.Fprintf(e.stdout, "  %s: %s\n", path, f.Message)
		}
	}
	if res.Valid {
		return exitOK
	}
	return exitFailed
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// pickRoute finds the route and the body: a bare JSON body needs --route; a
// capture's method and path pick the route unless --route names one.
func pickRoute(data []byte, name string) (schemas.Route, []byte, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	var body []byte
	var method, path string
	if name != "" && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && !isHAR(trimmed) {
		body = data
	} else {
		req, err := capture.Parse(data)
		if err != nil {
			return schemas.Route{}, nil, fmt.Errorf("not a capture (%v); pass a bare JSON body with --route", err)
		}
		body, method, path = req.Body, req.Method, req.Path()
	}
	if name != "" {
		r, ok := schemas.RouteByName(name)
		if !ok {
			return r, nil, fmt.Errorf("unknown route %q (see --list)", name)
		}
		return r, body, nil
	}
	r, ok := schemas.Lookup(method, path)
	if !ok {
		return r, nil, fmt.Errorf("no route for %s %s (merchant-chosen notification paths need --route; see --list)", method, path)
	}
	return r, body, nil
}

func isHAR(b []byte) bool {
	var probe struct {
		Log *json.RawMessage `json:"log"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Log != nil
}
