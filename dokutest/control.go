package dokutest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/dokukit/dokukit/schemas"
)

// controlPrefix is where the simulator's own controls live; no DOKU route
// starts with it.
const controlPrefix = "/_dokutest/"

// Duration is a time.Duration that reads and writes JSON as "2s" (a number
// is read as seconds).
type Duration time.Duration

// UnmarshalJSON accepts "1.5s", "200ms" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%w: delay %q: want a duration like \"2s\"", ErrFault, s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("%w: delay: want a duration like \"2s\"", ErrFault)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Fault makes the next Times calls of Route fail: after Delay, either
// dropped (the connection closed without an answer), answered with Status
// and ResponseCode (default: Status, the route's service code, case 00,
// e.g. 5005400), or processed normally with a broken response signature
// (BadSignature). A faulted call with Status or Drop is not processed: no
// payment is made.
type Fault struct {
	// Route is a route name of the table ("dana.payment"), or "*" for any.
	Route        string   `json:"route"`
	Status       int      `json:"status,omitempty"`
	ResponseCode string   `json:"responseCode,omitempty"`
	Times        int      `json:"times,omitempty"` // default 1
	Delay        Duration `json:"delay,omitempty"`
	Drop         bool     `json:"drop,omitempty"`
	BadSignature bool     `json:"badSignature,omitempty"`
}

type faultState struct {
	Fault
	left int
}

// InjectFault arms f. Faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) error {
	if f.Route != "*" {
		rt, ok := schemas.RouteByName(f.Route)
		if !ok || rt.Direction != schemas.MerchantToDOKU {
			return fmt.Errorf("%w: %q is not a route DOKU serves (see schemas.Routes)", ErrFault, f.Route)
		}
	}
	if f.Times < 0 || f.Delay < 0 || (f.Status != 0 && (f.Status < 100 || f.Status > 599)) {
		return fmt.Errorf("%w: times and delay must not be negative, status must be an HTTP status", ErrFault)
	}
	if f.Status == 0 && !f.Drop && !f.BadSignature && f.Delay == 0 {
		return fmt.Errorf("%w: a fault needs a status, a delay, drop or badSignature", ErrFault)
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.fault = append(s.fault, &faultState{Fault: f, left: f.Times})
	s.mu.Unlock()
	return nil
}

// takeFault uses up one matching fault, if any.
func (s *Server) takeFault(route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.fault {
		if f.Route == route || f.Route == "*" {
			f.left--
			if f.left <= 0 {
				s.fault = append(s.fault[:i], s.fault[i+1:]...)
			}
			out := f.Fault
			return &out
		}
	}
	return nil
}

// Request is one call the simulator saw, with its secrets removed: the
// Authorization, Authorization-Customer and signature headers are
// "[redacted]", and so are token and authCode members of the body.
type Request struct {
	Time   time.Time   `json:"time"`
	Route  string      `json:"route"` // "unknown" off the route table
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header"`
	Body   string      `json:"body"`
	// Status is the HTTP status answered (0 for a dropped connection) and
	// Code the SNAP responseCode or non-SNAP error code.
	Status  int    `json:"status"`
	Code    string `json:"code,omitempty"`
	Outcome string `json:"outcome"`
}

// Requests lists the calls seen so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]Request, 0, len(s.reqs)), s.reqs...)
}

var redactedHeaders = []string{"Authorization", "Authorization-Customer", "X-Signature", "Signature", "X-Client-Secret", "Cookie"}

var redactedMembers = map[string]bool{"accessToken": true, "refreshToken": true, "authCode": true, "chargeToken": true}

func (s *Server) record(r *http.Request, route string, body []byte, a answer) {
	h := r.Header.Clone()
	for _, k := range redactedHeaders {
		if h.Get(k) != "" {
			h.Set(k, "[redacted]")
		}
	}
	req := Request{Time: s.cfg.Now(), Route: route, Method: r.Method, Path: r.URL.RequestURI(), Header: h,
		Body: redactBody(body), Status: a.status, Code: a.code, Outcome: a.outcome}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
}

// redactBody hides token-like members (at any depth) of a JSON body; a
// body that is not a JSON object is kept only by its length.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return fmt.Sprintf("[%d bytes, not JSON]", len(body))
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if redactedMembers[k] {
					x[k] = "[redacted]"
				} else {
					x[k] = walk(c)
				}
			}
		case []any:
			for i, c := range x {
				x[i] = walk(c)
			}
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}

// serveControl serves the /_dokutest/ controls (JSON in, JSON out):
//
//	POST   /_dokutest/faults    a Fault            → {"ok":true}
//	GET    /_dokutest/faults    the armed faults
//	DELETE /_dokutest/faults    disarm all
//	POST   /_dokutest/complete  {"reference","status"} completes a pending payment
//	GET    /_dokutest/requests  the Requests seen
//	GET    /_dokutest/payments  the Payments
//	GET    /_dokutest/deliveries the notification Deliveries
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, controlPrefix)
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	fail := func(err error) {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, ErrState):
			status = http.StatusConflict
		}
		reply(status, map[string]string{"error": err.Error()})
	}
	decode := func(v any) error {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			if errors.Is(err, ErrFault) {
				return err
			}
			return fmt.Errorf("%w: body: %v", ErrFault, err)
		}
		return nil
	}
	switch {
	case path == "faults" && r.Method == http.MethodPost:
		var f Fault
		if err := decode(&f); err != nil {
			fail(err)
			return
		}
		if err := s.InjectFault(f); err != nil {
			fail(err)
			return
		}
		reply(http.StatusOK, map[string]bool{"ok": true})
	case path == "faults" && r.Method == http.MethodGet:
		s.mu.Lock()
		out := make([]Fault, 0, len(s.fault))
		for _, f := range s.fault {
			g := f.Fault
			g.Times = f.left
			out = append(out, g)
		}
		s.mu.Unlock()
		reply(http.StatusOK, out)
	case path == "faults" && r.Method == http.MethodDelete:
		s.mu.Lock()
		s.fault = nil
		s.mu.Unlock()
		reply(http.StatusOK, map[string]bool{"ok": true})
	case path == "complete" && r.Method == http.MethodPost:
		var c struct {
			Reference string `json:"reference"`
			Status    string `json:"status"`
		}
		if err := decode(&c); err != nil {
			fail(err)
			return
		}
		if err := s.Complete(c.Reference, c.Status); err != nil {
			fail(err)
			return
		}
		p, _ := s.Payment(c.Reference)
		reply(http.StatusOK, p)
	case path == "requests" && r.Method == http.MethodGet:
		reply(http.StatusOK, s.Requests())
	case path == "payments" && r.Method == http.MethodGet:
		reply(http.StatusOK, s.Payments())
	case path == "deliveries" && r.Method == http.MethodGet:
		reply(http.StatusOK, s.Deliveries())
	case strings.HasPrefix(path, "checkout/"), strings.HasPrefix(path, "account-binding/"), path == "create-pin":
		// The pages DOKU would send the customer to; here they only say how
		// to finish the flow.
		reply(http.StatusOK, map[string]string{"message": "DOKU simulator: complete the payment with POST /_dokutest/complete"})
	default:
		reply(http.StatusNotFound, map[string]string{"error": "no such control"})
	}
}
