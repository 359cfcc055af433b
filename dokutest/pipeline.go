package dokutest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Outcomes, the bounded values of the outcome metric label and log field.
const (
	outcomeOK           = "ok"            // the route's success answer
	outcomeFault        = "fault"         // an injected fault answered
	outcomeUnauthorized = "unauthorized"  // signature, client or timestamp rejected
	outcomeInvalidToken = "invalid_token" // bearer or customer token rejected
	outcomeBadRequest   = "bad_request"   // missing header, bad body
	outcomeConflict     = "conflict"      // repeated X-EXTERNAL-ID or partnerReferenceNo
	outcomeNotFound     = "not_found"     // unknown reference
	outcomeRejected     = "rejected"      // a business rule said no (amount, state)
	outcomeRefused      = "refused"       // the route's product is not configured
	outcomeNoRoute      = "no_route"      // not a route of the table
)

// answer is what a route handler decided; ServeHTTP writes it.
type answer struct {
	status  int
	body    []byte
	header  http.Header
	code    string // SNAP responseCode or non-SNAP error code, for logs and records
	outcome string
	drop    bool
	// jobs are the notifications the call caused (an auto-completed
	// payment): counted as pending before the answer is written, so Flush
	// waits for them, and sent after it, as DOKU's follow its answer.
	// Never set on a replayed answer.
	jobs []notification
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"responseCode":"5000000","responseMessage":"General Error"}`)
	}
	return b
}

// snapCode renders HTTP status, service and case as a SNAP responseCode.
func snapCode(status, service, cas int) string {
	return respond.SNAPCode{HTTP: status, Service: service, Case: cas}.String()
}

// snapAnswer is a SNAP error (or any SNAP body without fields).
func snapAnswer(rt schemas.Route, status, cas int, msg, outcome string) answer {
	code := snapCode(status, rt.ServiceCode, cas)
	return answer{status: status, code: code, outcome: outcome,
		body: mustJSON(respond.SNAPError{ResponseCode: code, ResponseMessage: msg})}
}

// errorFor answers in the route's family shape.
func (s *Server) errorFor(rt schemas.Route, status, cas int, msg, outcome string) answer {
	if rt.Family == schemas.NonSNAP {
		return nonSNAPError(status, strings.ReplaceAll(strings.ToLower(outcome), " ", "_"), msg, nil)
	}
	return snapAnswer(rt, status, cas, msg, outcome)
}

func nonSNAPError(status int, code, msg string, fields []respond.FieldError) answer {
	return answer{status: status, code: code, outcome: nonSNAPOutcome(status),
		body: mustJSON(respond.NonSNAPError{Error: respond.NonSNAPErrorDetail{Code: code, Message: msg, Type: "invalid_request_error", Fields: fields}})}
}

func nonSNAPOutcome(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return outcomeUnauthorized
	case http.StatusNotFound:
		return outcomeNotFound
	case http.StatusConflict:
		return outcomeConflict
	case http.StatusForbidden:
		return outcomeRefused
	}
	if status >= 500 {
		return outcomeFault
	}
	return outcomeBadRequest
}

// serveRoute runs the fault, verification, duplicate and business steps of
// one call to a route of the table.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt schemas.Route, body []byte) answer {
	f := s.takeFault(rt.Name)
	if f != nil && f.Delay > 0 {
		t := time.NewTimer(time.Duration(f.Delay))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		case <-s.ctx.Done():
			t.Stop()
		}
	}
	if f != nil && f.Drop {
		return answer{drop: true, status: 0, code: "", outcome: outcomeFault}
	}
	if f != nil && f.Status != 0 {
		return faultAnswer(rt, *f)
	}
	var a answer
	switch {
	case rt.Name == "wallet.token_b2b":
		a = s.serveTokenB2B(r, rt, body)
	case rt.Name == "wallet.token_b2b2c":
		a = s.serveTokenB2B2C(r, rt, body)
	case rt.Family == schemas.NonSNAP:
		a = s.serveNonSNAP(r, rt, body)
	default:
		a = s.serveSNAP(r, rt, body)
	}
	if f != nil && f.BadSignature {
		a = corruptSignature(a)
	}
	return a
}

func faultAnswer(rt schemas.Route, f Fault) answer {
	if rt.Family == schemas.NonSNAP {
		code := f.ResponseCode
		if code == "" {
			code = "injected_fault"
		}
		a := nonSNAPError(f.Status, code, "injected fault", nil)
		a.outcome = outcomeFault
		return a
	}
	code := f.ResponseCode
	if code == "" {
		code = snapCode(f.Status, rt.ServiceCode, 0)
	}
	msg := "General Error"
	if f.Status == http.StatusGatewayTimeout {
		msg = "Timeout"
	}
	return answer{status: f.Status, code: code, outcome: outcomeFault,
		body: mustJSON(respond.SNAPError{ResponseCode: code, ResponseMessage: msg})}
}

// corruptSignature breaks the signature header of a non-SNAP answer (one
// byte of the MAC flipped), or adds an X-SIGNATURE no one made to a SNAP one.
func corruptSignature(a answer) answer {
	if a.header == nil {
		a.header = http.Header{}
	}
	if sig := a.header.Get("Signature"); sig != "" {
		b := []byte(sig)
		i := len(sign.NonSNAPPrefix) + 2
		if i < len(b) {
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
		}
		a.header.Set("Signature", string(b))
		return a
	}
	a.header.Set("X-SIGNATURE", "AAAA")
	return a
}

// b2bCustomerRoutes are the routes whose DOKU page requires
// Authorization-Customer (the DOKU Wallet page's b2b2c routes).
func needsCustomer(rt schemas.Route) bool { return strings.Contains(rt.Path, "/b2b2c/") }

// needsDeviceID: the DANA page marks X-DEVICE-ID required on both its routes.
func needsDeviceID(rt schemas.Route) bool { return strings.HasPrefix(rt.Name, "dana.") }

// serveSNAP handles every SNAP transactional route.
func (s *Server) serveSNAP(r *http.Request, rt schemas.Route, body []byte) answer {
	if strings.HasPrefix(rt.Name, "kirim.") && len(s.cfg.KirimKey) == 0 {
		return snapAnswer(rt, http.StatusForbidden, 1, "Feature Not Allowed", outcomeRefused)
	}
	// Required headers first (400xx02), in the order the pages list them.
	need := []string{"X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID"}
	if needsDeviceID(rt) {
		need = append(need, "X-DEVICE-ID")
	}
	need = append(need, "Authorization")
	if needsCustomer(rt) {
		need = append(need, "Authorization-Customer")
	}
	for _, h := range need {
		if strings.TrimSpace(r.Header.Get(h)) == "" {
			return snapAnswer(rt, http.StatusBadRequest, 2, "Invalid Mandatory Field {"+h+"}", outcomeBadRequest)
		}
	}
	res, err := s.snap.VerifyMessage(r.Context(), verify.Message{Method: r.Method, Target: r.URL.RequestURI(), Header: r.Header, Body: body})
	if err != nil {
		var ve *verify.Error
		if !errors.As(err, &ve) {
			return snapAnswer(rt, http.StatusInternalServerError, 0, "General Error", outcomeFault)
		}
		outcome := outcomeUnauthorized
		switch {
		case errors.Is(err, verify.ErrInvalidToken):
			outcome = outcomeInvalidToken
		case ve.Status == http.StatusBadRequest:
			outcome = outcomeBadRequest
		}
		return snapAnswer(rt, ve.Status, ve.Case, ve.SNAPMessage(), outcome)
	}
	now := s.cfg.Now()
	var customer *binding
	if needsCustomer(rt) {
		tok := sign.StripBearer(strings.TrimSpace(r.Header.Get("Authorization-Customer")))
		if customer = s.customerFor(tok, now); customer == nil {
			return snapAnswer(rt, http.StatusUnauthorized, 1, "Invalid Customer Token", outcomeInvalidToken)
		}
	}
	// The call is authenticated: it keeps its token alive and uses up its
	// X-EXTERNAL-ID for the day, whatever the body.
	s.touchB2B(res.Token, now)
	if !s.useExternalID(res.ClientID, res.ExternalID, now) {
		return snapAnswer(rt, http.StatusConflict, 0, "Conflict", outcomeConflict)
	}
	req := rt.NewRequest()
	if err := schemas.Decode(body, req, true); err != nil {
		return snapFieldError(rt, err)
	}
	key, fp := dedupKey(rt, req), fingerprint(body)
	if key != "" {
		if prev, seen := s.dedupLookup(rt.Name, key); seen {
			if prev.fp != fp {
				return snapAnswer(rt, http.StatusConflict, 1, "Duplicate partnerReferenceNo", outcomeConflict)
			}
			replay := prev.a
			replay.jobs = nil
			return replay
		}
	}
	c := &call{s: s, rt: rt, r: r, req: req, body: body, now: now, externalID: res.ExternalID, customer: customer, ctx: r.Context()}
	a := s.handleSNAP(c)
	if key != "" && a.status < 300 {
		s.dedupStore(rt.Name, key, fp, a)
	}
	return a
}

// snapFieldError answers a schema failure: a missing mandatory field
// (400xx02) before a malformed one (400xx01), naming its full JSON path.
func snapFieldError(rt schemas.Route, err error) answer {
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return snapAnswer(rt, http.StatusBadRequest, 1, "Invalid Field Format", outcomeBadRequest)
	}
	if ve.Malformed {
		return snapAnswer(rt, http.StatusBadRequest, 1, "Invalid Field Format {body}", outcomeBadRequest)
	}
	if f, ok := ve.FirstMissing(); ok {
		return snapAnswer(rt, http.StatusBadRequest, 2, "Invalid Mandatory Field {"+f.Path+"}", outcomeBadRequest)
	}
	return snapAnswer(rt, http.StatusBadRequest, 1, "Invalid Field Format {"+ve.Fields[0].Path+"}", outcomeBadRequest)
}

// fingerprint identifies a body up to JSON whitespace.
func fingerprint(body []byte) [32]byte {
	if m, err := sign.Minify(body); err == nil {
		body = m
	}
	return sha256.Sum256(body)
}

// dedupKey is the business key a repeat is recognised by: partnerReferenceNo
// on the routes that start something, partnerRefundNo on refunds; "" on
// queries, which may be repeated freely.
func dedupKey(rt schemas.Route, req any) string {
	switch v := req.(type) {
	case *schemas.DANAPaymentRequest:
		return v.PartnerReferenceNo
	case *schemas.DANARefundRequest:
		return v.PartnerRefundNo
	case *schemas.WalletDebitPaymentRequest:
		return v.PartnerReferenceNo
	case *schemas.WalletDebitRefundRequest:
		return v.PartnerRefundNo
	case *schemas.KirimTransferBankRequest:
		return v.PartnerReferenceNo
	case *schemas.WalletTransferBankRequest:
		return v.PartnerReferenceNo
	case *schemas.WalletTopUpRequest:
		return v.PartnerReferenceNo
	case *schemas.WalletAccountCreationRequest:
		return v.PartnerReferenceNo
	case *schemas.WalletBindingRequest:
		return v.PartnerReferenceNo
	}
	return ""
}

// call is one verified, decoded request on its way to a business handler.
type call struct {
	s          *Server
	rt         schemas.Route
	r          *http.Request
	req        any
	body       []byte
	now        time.Time
	externalID string
	requestID  string
	customer   *binding
	ctx        context.Context
}

// ok answers the route's success body v.
func (c *call) ok(v any) answer {
	return answer{status: http.StatusOK, body: mustJSON(v), code: c.rt.SuccessCode, outcome: outcomeOK}
}

// fail answers a SNAP business error.
func (c *call) fail(status, cas int, msg, outcome string) answer {
	return snapAnswer(c.rt, status, cas, msg, outcome)
}

func (c *call) notFound() answer {
	return c.fail(http.StatusNotFound, 1, "Transaction Not Found", outcomeNotFound)
}

// --- non-SNAP ---

// serveNonSNAP handles the Cards and Akulaku routes: Client-Id,
// Request-Id, Request-Timestamp and Signature (HMACSHA256 over the
// components with the Digest of the exact body) are verified, and every
// answer is signed with Client-Id, the echoed Request-Id,
// Response-Timestamp and Signature.
func (s *Server) serveNonSNAP(r *http.Request, rt schemas.Route, body []byte) answer {
	var a answer
	reqID := r.Header.Get("Request-Id")
	switch {
	case s.nonsnap == nil:
		a = nonSNAPError(http.StatusForbidden, "feature_not_allowed", "the non-SNAP secret key is not configured on this simulator", nil)
	default:
		a = s.nonSNAPCall(r, rt, body, reqID)
	}
	if s.nsSigner != nil {
		a = s.signNonSNAP(a, rt.Path, reqID)
	}
	return a
}

func (s *Server) nonSNAPCall(r *http.Request, rt schemas.Route, body []byte, reqID string) answer {
	_, err := s.nonsnap.VerifyMessage(r.Context(), verify.Message{Method: r.Method, Target: r.URL.RequestURI(), Header: r.Header, Body: body})
	if err != nil {
		var ve *verify.Error
		if !errors.As(err, &ve) {
			return nonSNAPError(http.StatusInternalServerError, "internal", "general error", nil)
		}
		if errors.Is(err, verify.ErrUnknownClient) || errors.Is(err, verify.ErrSignatureMismatch) {
			// One answer for both: a different one would let anyone
			// enumerate DOKU's client ids.
			return nonSNAPError(http.StatusUnauthorized, "signature_mismatch", "invalid signature", nil)
		}
		return nonSNAPError(ve.Status, verify.Reason(err), ve.Error(), nil)
	}
	req := rt.NewRequest()
	if err := schemas.Decode(body, req, true); err != nil {
		var ve *schemas.ValidationError
		var fields []respond.FieldError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				fields = append(fields, respond.FieldError{Field: f.Path, Message: f.Message})
			}
		}
		return nonSNAPError(http.StatusBadRequest, "invalid_parameter", "the request does not match the API's field table", fields)
	}
	c := &call{s: s, rt: rt, r: r, req: req, body: body, now: s.cfg.Now(), requestID: reqID, ctx: r.Context()}
	return s.handleNonSNAP(c)
}

// signNonSNAP adds DOKU's response signature headers to a.
func (s *Server) signNonSNAP(a answer, target, reqID string) answer {
	if a.header == nil {
		a.header = http.Header{}
	}
	ts := s.cfg.Now().UTC().Format("2006-01-02T15:04:05Z")
	a.header.Set("Client-Id", s.cfg.ClientID)
	a.header.Set("Request-Id", reqID)
	a.header.Set("Response-Timestamp", ts)
	a.header.Set("Signature", s.nsSigner.Sign(sign.Components{ClientID: s.cfg.ClientID, RequestID: reqID, Timestamp: ts, Target: target, Body: a.body, Response: true}))
	return a
}

// --- helpers for handlers ---

// parseAmount reads a SNAP money value ("10000.00") as cents.
func parseAmount(v string) (int64, bool) {
	whole, frac, ok := strings.Cut(v, ".")
	if !ok || len(frac) != 2 {
		return 0, false
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || w > 1e15 {
		return 0, false
	}
	return w*100 + f, true
}

// formatAmount writes cents as a SNAP money value.
func formatAmount(cents int64) string {
	f := cents % 100
	s := strconv.FormatInt(cents/100, 10) + "."
	if f < 10 {
		s += "0"
	}
	return s + strconv.FormatInt(f, 10)
}

var wib = sign.WIB // the kit's one WIB zone
