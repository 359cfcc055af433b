package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dokukit/dokukit/sign"
)

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

var (
	only400     = []int{400}
	only401     = []int{401}
	badRequest  = []int{400, 401} // missing/invalid header: format (400) or auth (401), both in SNAP's table
	tooLarge    = []int{413, 400}
	jsonHeaders = http.Header{"Content-Type": {"application/json"}}
)

// kit makes one channel's cases from its message spec S, whose zero fields
// mean "as DOKU would send it": build turns a spec into the request (or says
// why it could not), withBody is the spec of a request with another body and
// withTS of one signed at another time (nil on a channel that signs none).
type kit[S any] struct {
	build    func(s *session, sp S) (msg, string)
	withBody func(body []byte) S
	withTS   func(ts time.Time) S
}

// freshBody is the channel's sample body made unique for one case.
func (s *session) freshBody() []byte { return s.body(s.id()) }

// plain is the spec of the request exactly as DOKU sends it.
func plain[S any](*session) S { var sp S; return sp }

// accept is a case that sends sp's request, changed by edit when given,
// and expects the channel's ack.
func (k kit[S]) accept(name, doc string, sp func(*session) S, edit ...func(m *msg)) Case {
	return Case{Name: name, Doc: doc, run: func(_ context.Context, s *session) outcome {
		m, fail := k.build(s, sp(s))
		if fail != "" {
			return outcome{fail: fail}
		}
		for _, e := range edit {
			e(&m)
		}
		return s.expectAck(s.send(m), m)
	}}
}

// reject is a case that sends sp's request, changed by edit when not nil,
// and expects one of statuses (and, for SNAP, one of the case codes).
func (k kit[S]) reject(name, doc string, statuses []int, sp func(*session) S, edit func(m *msg), cases ...int) Case {
	return Case{Name: name, Doc: doc, run: func(_ context.Context, s *session) outcome {
		m, fail := k.build(s, sp(s))
		if fail != "" {
			return outcome{fail: fail}
		}
		if edit != nil {
			edit(&m)
		}
		return s.expectReject(s.send(m), doc, statuses, cases...)
	}}
}

// duplicate is the "duplicate" case: one notification (id from newID)
// delivered twice, the retry re-signed a second later; retry is the spec
// of the notification with that body, id and timestamp (zero: now).
func (k kit[S]) duplicate(doc string, newID func(*session) string, retry func(body []byte, id string, ts time.Time) S) Case {
	return Case{Name: "duplicate", Doc: doc, run: func(_ context.Context, s *session) outcome {
		id := newID(s)
		body := s.freshBody()
		first, fail := k.build(s, retry(body, id, time.Time{}))
		if fail != "" {
			return outcome{fail: fail}
		}
		again, fail := k.build(s, retry(body, id, s.cfg.Now().Add(time.Second)))
		if fail != "" {
			return outcome{fail: fail}
		}
		return s.duplicate(first, again)
	}}
}

// skewed is "timestamp/past" (when is "past") or "timestamp/future": the
// request correctly signed at twice the allowed skew from now.
func (k kit[S]) skewed(when, doc string) Case {
	factor := time.Duration(2)
	if when == "past" {
		factor = -2
	}
	return k.reject("timestamp/"+when, doc, badRequest, func(s *session) S {
		return k.withTS(s.cfg.Now().Add(factor * s.cfg.Skew))
	}, nil)
}

// oversize is "oversized-body": the request with base's body padded to one
// byte over the body limit.
func (k kit[S]) oversize(doc string, base func(*session) []byte) Case {
	return k.reject("oversized-body", doc, tooLarge, func(s *session) S {
		return k.withBody(oversized(base(s), s.cfg.MaxBodyBytes))
	}, nil)
}

// missingHeaders is one case a header, each without it; doc is a format
// with one %s for the header.
func (k kit[S]) missingHeaders(doc string, headers ...string) []Case {
	cs := make([]Case, 0, len(headers))
	for _, h := range headers {
		cs = append(cs, k.reject("missing-header/"+h, fmt.Sprintf(doc, h), badRequest, plain[S], func(m *msg) { m.header.Del(h) }))
	}
	return cs
}

// schemaCases is one case a schema violation of ch (schemaViolations).
func (k kit[S]) schemaCases(ch Channel, doc string, cases ...int) []Case {
	var cs []Case
	for _, name := range schemaNames(ch) {
		cs = append(cs, k.reject(name, doc, only400, func(s *session) S {
			return k.withBody(s.schemaViolations(s.id())[name])
		}, nil, cases...))
	}
	return cs
}

// --- sample bodies (docs/protocol.md §8, Kirim DOKU and DOKU Wallet pages), made unique per case so
// a handler that deduplicates on a business key sees distinct notifications ---

func (s *session) sampleBody(id string) map[string]any {
	switch s.cfg.Channel {
	case SNAPDebit:
		return map[string]any{
			"originalPartnerReferenceNo": "INV-" + id, "originalReferenceNo": "REF" + id, "originalExternalId": id,
			"latestTransactionStatus": "00", "transactionStatusDesc": "SUCCESS",
			"amount":         map[string]any{"value": "10000.00", "currency": "IDR"},
			"additionalInfo": map[string]any{"custIdMerchant": "CUST-1", "accountType": "WALLET"},
		}
	case SNAPVA:
		cust := fmt.Sprintf("%014s", id)[:14]
		return map[string]any{
			"partnerServiceId": "   88899", "customerNo": cust, "virtualAccountNo": "   88899" + cust,
			"virtualAccountName": "Jane Doe", "trxId": "INV-" + id, "paymentRequestId": id,
			"paidAmount": map[string]any{"value": "10000.00", "currency": "IDR"}, "additionalInfo": map[string]any{},
		}
	case NonSNAP:
		return map[string]any{
			"service": map[string]any{"id": "VIRTUAL_ACCOUNT"}, "acquirer": map[string]any{"id": "BCA"}, "channel": map[string]any{"id": "VIRTUAL_ACCOUNT_BCA"},
			"order":       map[string]any{"invoice_number": "INV-" + id, "amount": 150000},
			"transaction": map[string]any{"status": "SUCCESS", "date": "2024-01-01T05:00:00Z", "original_request_id": id},
		}
	case KirimUnpaid, KirimRefund:
		return kirimSample(s.cfg.Channel, s.transfer())
	}
	return nil
}

// kirimSample is the Kirim DOKU page's callback about tr.
func kirimSample(ch Channel, tr KirimTransfer) map[string]any {
	if ch == KirimRefund {
		return map[string]any{
			"transactionId": tr.TransactionID, "transactionStatus": "40", "activityCode": "200", "message": "Transaction is Refunded",
			"processDate": "2024-01-12T07:30:12",
		}
	}
	return map[string]any{
		"sendTrxId": tr.SendTrxID, "transactionId": tr.TransactionID, "invoiceNumber": tr.InvoiceNumber, "transactionStatus": "50",
		"activityCode": "200", "message": "Transaction is Success", "processDate": "2024-01-12T07:30:12", "createdTime": "1699520040340",
	}
}

func (s *session) body(id string) []byte {
	switch {
	case s.cfg.Channel == KirimUnpaid || s.cfg.Channel == KirimRefund:
		return s.kirimBody(s.transfer())
	case len(s.cfg.Body) > 0:
		return s.cfg.Body
	}
	return mustJSON(s.sampleBody(id))
}

// kirimBody is a callback about tr: the sample, or Config.Body with its
// transfer ids replaced by tr's.
func (s *session) kirimBody(tr KirimTransfer) []byte {
	if len(s.cfg.Body) == 0 {
		return mustJSON(kirimSample(s.cfg.Channel, tr))
	}
	var m map[string]any
	if json.Unmarshal(s.cfg.Body, &m) != nil {
		return s.cfg.Body
	}
	m["transactionId"] = tr.TransactionID
	for k, v := range map[string]string{"invoiceNumber": tr.InvoiceNumber, "sendTrxId": tr.SendTrxID} {
		if _, ok := m[k]; ok {
			m[k] = v
		}
	}
	return mustJSON(m)
}

// unknownTransfer is a transfer no merchant made: ids outside any
// configured list's shape, unique per case.
func (s *session) unknownTransfer() KirimTransfer {
	id := s.id()
	return KirimTransfer{TransactionID: "DKUNKNOWN" + id, InvoiceNumber: "INV-UNKNOWN-" + id, SendTrxID: "TRX-UNKNOWN-" + id}
}

// schemaViolations are bodies that are valid JSON but break the channel's
// schema: a missing mandatory field and, where the field is an enum, a value
// outside it.
func (s *session) schemaViolations(id string) map[string][]byte {
	b := s.sampleBody(id)
	out := map[string][]byte{}
	drop := func(name, field string) {
		c := map[string]any{}
		for k, v := range b {
			if k != field {
				c[k] = v
			}
		}
		out[name] = mustJSON(c)
	}
	set := func(name, field string, v any) {
		c := map[string]any{}
		for k, v := range b {
			c[k] = v
		}
		c[field] = v
		out[name] = mustJSON(c)
	}
	switch s.cfg.Channel {
	case SNAPDebit:
		drop("schema/missing-originalPartnerReferenceNo", "originalPartnerReferenceNo")
		set("schema/bad-latestTransactionStatus", "latestTransactionStatus", "99")
	case SNAPVA:
		drop("schema/missing-virtualAccountNo", "virtualAccountNo")
		set("schema/paidAmount-not-an-object", "paidAmount", "10000.00")
	case NonSNAP:
		drop("schema/missing-order", "order")
		set("schema/transaction-not-an-object", "transaction", "SUCCESS")
	case KirimUnpaid, KirimRefund:
		drop("schema/missing-transactionId", "transactionId")
		set("schema/bad-transactionStatus", "transactionStatus", "99")
	}
	return out
}

// --- SNAP token endpoint ---

// tokenSpec says how to build one token request; zero fields mean "as
// DOKU would".
type tokenSpec struct {
	signedClientID string    // the X-CLIENT-KEY signed (default cfg.ClientID, which is sent)
	ts             time.Time // the X-TIMESTAMP signed and sent (default now)
	sentTS         time.Time // when set, the X-TIMESTAMP sent instead of the signed one
	body           []byte    // default grant
}

func (s *session) tokenMsg(sp tokenSpec) (msg, string) {
	if sp.signedClientID == "" {
		sp.signedClientID = s.cfg.ClientID
	}
	if sp.ts.IsZero() {
		sp.ts = s.cfg.Now()
	}
	if sp.body == nil {
		sp.body = grant
	}
	t := sign.FormatTimestamp(sp.ts)
	sig, err := sign.SignSNAPToken(s.cfg.DOKUPrivateKey, sp.signedClientID, t)
	if err != nil {
		return msg{}, "signing the token request: " + err.Error()
	}
	if !sp.sentTS.IsZero() {
		t = sign.FormatTimestamp(sp.sentTS)
	}
	h := jsonHeaders.Clone()
	h.Set("X-CLIENT-KEY", s.cfg.ClientID)
	h.Set("X-TIMESTAMP", t)
	h.Set("X-SIGNATURE", sig)
	return msg{http.MethodPost, s.cfg.TokenPath, h, sp.body}, ""
}

var grant = []byte(`{"grantType":"client_credentials"}`)

func tokenCases() []Case {
	k := kit[tokenSpec]{build: (*session).tokenMsg, withBody: func(b []byte) tokenSpec { return tokenSpec{body: b} },
		withTS: func(ts time.Time) tokenSpec { return tokenSpec{ts: ts} }}
	cs := []Case{
		k.accept("valid", "a token request signed with DOKU's key gets 2007300 with accessToken, tokenType Bearer and expiresIn", plain),
		k.accept("valid/lowercase-header-names", "header names are case-insensitive: x-client-key, x-timestamp, x-signature are accepted", plain, func(m *msg) {
			// http.Header canonicalises on Set; write raw keys as a proxy would pass them on.
			h := http.Header{}
			for k, v := range m.header {
				h[strings.ToLower(k)] = v
			}
			m.header = h
		}),
		k.reject("tamper/signature", "a token request whose signature is not DOKU's gets 4017300", only401, plain, func(m *msg) {
			m.header.Set("X-SIGNATURE", flipSig(m.header.Get("X-SIGNATURE")))
		}, 0),
		k.reject("tamper/client-key", "a signature made for another X-CLIENT-KEY gets 4017300", only401, func(s *session) tokenSpec {
			return tokenSpec{signedClientID: s.cfg.ClientID + "-OTHER"}
		}, nil, 0),
		k.reject("tamper/timestamp", "a signature made for another X-TIMESTAMP gets 4017300", only401, func(s *session) tokenSpec {
			return tokenSpec{sentTS: s.cfg.Now().Add(time.Second)}
		}, nil, 0),
		k.skewed("past", "a correctly signed token request with an X-TIMESTAMP twice the allowed skew in the past is rejected"),
		k.skewed("future", "a correctly signed token request with an X-TIMESTAMP twice the allowed skew in the future is rejected"),
		k.reject("malformed-json", "a correctly signed token request whose body is not JSON gets 400", only400, func(*session) tokenSpec {
			return tokenSpec{body: []byte(`{"grantType":`)}
		}, nil),
		k.reject("schema/grantType", `grantType other than "client_credentials" gets 400`, only400, func(*session) tokenSpec {
			return tokenSpec{body: []byte(`{"grantType":"password"}`)}
		}, nil),
		k.oversize("a token request larger than the body limit is rejected before it is parsed", func(*session) []byte { return grant }),
	}
	return append(cs, k.missingHeaders("a token request without %s is rejected", "X-CLIENT-KEY", "X-TIMESTAMP", "X-SIGNATURE")...)
}

// flipSig changes one byte of a base64 signature, keeping it valid base64.
func flipSig(sig string) string {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) == 0 {
		return "AAAA" + sig
	}
	raw[len(raw)/2] ^= 0x01
	return base64.StdEncoding.EncodeToString(raw)
}

// --- SNAP notifications ---

// fetchToken asks the merchant's token endpoint for a bearer token, as DOKU
// does before each batch of notifications.
func (s *session) fetchToken() (string, string) {
	if s.cfg.AccessToken != "" {
		return s.cfg.AccessToken, ""
	}
	m, fail := s.tokenMsg(tokenSpec{})
	if fail != "" {
		return "", fail
	}
	a := s.send(m)
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if a.err != nil || a.status != 200 || json.Unmarshal(a.body, &tok) != nil || tok.AccessToken == "" {
		return "", fmt.Sprintf("could not get a bearer token from the token endpoint %s: %s. DOKU would send no notification and retry later; run the snap-token channel to see why", s.cfg.TokenPath, a)
	}
	return tok.AccessToken, ""
}

// notice points at the fields every notification spec has; fill sets
// those left zero to what DOKU would send.
type notice struct {
	body   *[]byte
	ts     *time.Time // nil: the scheme signs no timestamp
	secret *[]byte
	id     *string       // X-EXTERNAL-ID, Request-Id or requestId
	newID  func() string // a fresh id when Config.NotificationID is not set
}

// fill defaults n's fields in the order the ids are drawn (the body's
// first), and sets every empty path to Config.Path.
func (s *session) fill(n notice, paths ...*string) {
	if *n.body == nil {
		*n.body = s.freshBody()
	}
	for _, p := range paths {
		if *p == "" {
			*p = s.cfg.Path
		}
	}
	if n.ts != nil && n.ts.IsZero() {
		*n.ts = s.cfg.Now()
	}
	if *n.secret == nil {
		*n.secret = s.cfg.Secret
	}
	if *n.id == "" {
		*n.id = s.notifID
	}
	if *n.id == "" {
		*n.id = n.newID()
	}
}

// snapSpec says how to build one SNAP notification; zero fields mean "as
// DOKU would".
type snapSpec struct {
	body       []byte
	signPath   string // EndpointUrl signed (default cfg.Path)
	sendTarget string // where it is sent (default cfg.Path)
	ts         time.Time
	secret     []byte
	stsToken   func(tok string) string // the token put in the string to sign
	authz      func(tok string) string // the Authorization header value
	token      string                  // use this token instead of fetching one
	externalID string
}

func (s *session) snapMsg(sp snapSpec) (msg, string) {
	tok := sp.token
	if tok == "" {
		var fail string
		if tok, fail = s.fetchToken(); fail != "" {
			return msg{}, fail
		}
	}
	s.fill(notice{&sp.body, &sp.ts, &sp.secret, &sp.externalID, s.id}, &sp.signPath, &sp.sendTarget)
	stsTok := tok
	if sp.stsToken != nil {
		stsTok = sp.stsToken(tok)
	}
	ts := sign.FormatTimestamp(sp.ts)
	sig, err := s.signSNAP(http.MethodPost, sp.signPath, stsTok, sp.body, ts, sp.secret)
	if err != nil {
		return msg{}, "signing the notification: " + err.Error()
	}
	h := jsonHeaders.Clone()
	authz := "Bearer " + tok
	if sp.authz != nil {
		authz = sp.authz(tok)
	}
	h.Set("Authorization", authz)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", s.cfg.ClientID)
	h.Set("X-EXTERNAL-ID", sp.externalID)
	h.Set("CHANNEL-ID", "DOKU")
	if s.cfg.Channel == SNAPDebit {
		h.Set("X-DEVICE-ID", "DOKU-NOTIFY")
		h.Set("X-IP-ADDRESS", "127.0.0.1")
	}
	return msg{http.MethodPost, sp.sendTarget, h, sp.body}, ""
}

func snapCases(cfg Config) []Case {
	k := kit[snapSpec]{build: (*session).snapMsg, withBody: func(b []byte) snapSpec { return snapSpec{body: b} },
		withTS: func(ts time.Time) snapSpec { return snapSpec{ts: ts} }}
	accept, reject, plain := k.accept, k.reject, plain[snapSpec]
	cs := []Case{
		accept("valid", "a notification signed as DOKU signs it gets the channel's ack", plain),
		accept("valid/pretty-printed-body", "whitespace outside strings is not signed: a pretty-printed body with the same signature is accepted", func(s *session) snapSpec {
			b, _ := json.MarshalIndent(s.sampleBody(s.id()), "", "  ")
			return snapSpec{body: b}
		}),
		k.duplicate("the same notification delivered twice (same X-EXTERNAL-ID and body, re-signed a second later) gets the same ack; the side effect runs once",
			(*session).id, func(body []byte, id string, ts time.Time) snapSpec {
				return snapSpec{body: body, externalID: id, ts: ts}
			}),
		reject("tamper/body-byte", "one body byte changed after signing: 401xx00", only401, plain, func(m *msg) {
			m.body = []byte(strings.Replace(string(m.body), "10000.00", "90000.00", 1))
		}, 0),
		reject("tamper/path", "signed for another path than the one it arrives on: 401xx00", only401, func(s *session) snapSpec {
			return snapSpec{signPath: s.cfg.Path + "-other"}
		}, nil, 0),
		reject("tamper/query", "a query string added after signing (SNAP signs path and query): 401xx00", only401, func(s *session) snapSpec {
			return snapSpec{sendTarget: s.cfg.Path + "?amount=1"}
		}, nil, 0),
		reject("tamper/timestamp", "X-TIMESTAMP changed after signing: 401xx00", only401, plain, func(m *msg) {
			m.header.Set("X-TIMESTAMP", strings.Replace(m.header.Get("X-TIMESTAMP"), "+07:00", "+07:01", 1))
		}, 0),
		k.skewed("past", "correctly signed, X-TIMESTAMP twice the allowed skew in the past: rejected"),
		k.skewed("future", "correctly signed, X-TIMESTAMP twice the allowed skew in the future: rejected"),
		k.oversize("correctly signed body one byte over the limit: rejected before it is processed", (*session).freshBody),
		reject("malformed-json", "a body that is not JSON (signed over its raw bytes): rejected with 400xx01 (or 401xx00)", badRequest, func(s *session) snapSpec {
			return snapSpec{body: []byte(`{"originalPartnerReferenceNo":"INV-1",`)}
		}, nil),
	}
	if !cfg.RSASignature {
		cs = append(cs,
			reject("wrong-secret", "signed with another client secret: 401xx00", only401, func(s *session) snapSpec {
				return snapSpec{secret: append(append([]byte{}, s.cfg.Secret...), 'x')}
			}, nil, 0),
			reject("bearer/in-string-to-sign", `signed with "Bearer " kept in the token (a sender bug): 401xx00`, only401, func(s *session) snapSpec {
				return snapSpec{stsToken: func(t string) string { return "Bearer " + t }}
			}, nil, 0),
		)
	} else {
		cs = append(cs, reject("wrong-key", "an RSA signature that is not DOKU's: 401xx00", only401, plain, func(m *msg) {
			m.header.Set("X-SIGNATURE", flipSig(m.header.Get("X-SIGNATURE")))
		}, 0))
	}
	cs = append(cs,
		accept("bearer/lowercase-scheme", `"Authorization: bearer <token>" (RFC 6750: the scheme is case-insensitive) is accepted`, func(s *session) snapSpec {
			return snapSpec{authz: func(t string) string { return "bearer " + t }}
		}),
		reject("bearer/missing-scheme", `"Authorization: <token>" without "Bearer ": rejected`, badRequest, plain, func(m *msg) {
			m.header.Set("Authorization", sign.StripBearer(m.header.Get("Authorization")))
		}),
		reject("token/not-issued", "a bearer token the merchant never issued (correctly signed with it): 401xx01", only401, func(s *session) snapSpec {
			return snapSpec{token: "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzb21lb25lLWVsc2UifQ.bm90LWEtc2lnbmF0dXJl"}
		}, nil, 1),
	)
	headers := []string{"X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "Authorization"}
	if cfg.RSASignature {
		// DOKU's RSA-signed notifications carry no bearer token: the
		// signature authenticates them (a token sent is still checked,
		// token/not-issued).
		headers = headers[:4]
		cs = append(cs, k.accept("no-token", "an RSA-signed notification without Authorization, as DOKU sends them, is accepted", func(s *session) snapSpec {
			return snapSpec{authz: func(string) string { return "" }}
		}))
	}
	cs = append(cs, k.missingHeaders("a notification without %s: rejected", headers...)...)
	return append(cs, k.schemaCases(cfg.Channel, "a correctly signed notification that breaks the channel's schema: 400xx01 or 400xx02", 1, 2)...)
}

func schemaNames(c Channel) []string {
	s := &session{suite: &suite{cfg: Config{Channel: c, KirimTransfers: DefaultKirimTransfers()}}}
	var names []string
	for n := range s.schemaViolations("0") {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// --- non-SNAP ---

type nsSpec struct {
	body      []byte
	clientID  string
	target    string // Request-Target signed (default cfg.Path)
	send      string // where it is sent
	ts        time.Time
	secret    []byte
	requestID string
}

func (s *session) nsMsg(sp nsSpec) (msg, string) {
	s.fill(notice{&sp.body, &sp.ts, &sp.secret, &sp.requestID, s.uuid}, &sp.target, &sp.send)
	if sp.clientID == "" {
		sp.clientID = s.cfg.ClientID
	}
	signer, err := sign.NewNonSNAP(sp.secret)
	if err != nil {
		return msg{}, err.Error()
	}
	ts := nonSNAPTS(sp.ts)
	h := jsonHeaders.Clone()
	h.Set("Client-Id", sp.clientID)
	h.Set("Request-Id", sp.requestID)
	h.Set("Request-Timestamp", ts)
	h.Set("Signature", signer.Sign(sign.Components{ClientID: sp.clientID, RequestID: sp.requestID, Timestamp: ts, Target: sp.target, Body: sp.body}))
	return msg{http.MethodPost, sp.send, h, sp.body}, ""
}

func nonSNAPCases() []Case {
	k := kit[nsSpec]{build: (*session).nsMsg, withBody: func(b []byte) nsSpec { return nsSpec{body: b} },
		withTS: func(ts time.Time) nsSpec { return nsSpec{ts: ts} }}
	accept, reject, plain := k.accept, k.reject, plain[nsSpec]
	cs := []Case{
		accept("valid", "a notification signed as DOKU signs it (Request-Target = the notification path) gets a 2xx", plain),
		accept("valid/query-not-signed", "Request-Target is the path without the query string: a query added by DOKU's URL config does not break the signature", func(s *session) nsSpec {
			return nsSpec{send: s.cfg.Path + "?source=doku"}
		}),
		k.duplicate("the same notification delivered twice (same Request-Id and body, re-signed a second later) gets the same answer; the side effect runs once",
			(*session).uuid, func(body []byte, id string, ts time.Time) nsSpec { return nsSpec{body: body, requestID: id, ts: ts} }),
		reject("tamper/body-byte", "one body byte changed after signing (the Digest is over the exact bytes): 401", only401, plain, func(m *msg) {
			m.body = []byte(strings.Replace(string(m.body), "150000", "950000", 1))
		}),
		reject("tamper/body-whitespace", "a space added to the body after signing (non-SNAP hashes the raw bytes, unlike SNAP): 401", only401, plain, func(m *msg) {
			m.body = append([]byte(" "), m.body...)
		}),
		reject("tamper/path", "signed with another Request-Target than the path it arrives on: 401", only401, func(s *session) nsSpec {
			return nsSpec{target: s.cfg.Path + "-other"}
		}, nil),
		reject("tamper/request-id", "Request-Id changed after signing: 401", only401, plain, func(m *msg) {
			m.header.Set("Request-Id", m.header.Get("Request-Id")+"0")
		}),
		reject("tamper/timestamp", "Request-Timestamp changed after signing: 401", only401, plain, func(m *msg) {
			m.header.Set("Request-Timestamp", strings.Replace(m.header.Get("Request-Timestamp"), "Z", ".000Z", 1))
		}),
		reject("wrong-secret", "signed with another secret key: 401", only401, func(s *session) nsSpec {
			return nsSpec{secret: append(append([]byte{}, s.cfg.Secret...), 'x')}
		}, nil),
		reject("unknown-client", "a Client-Id the merchant does not know: 401", badRequest, func(s *session) nsSpec {
			return nsSpec{clientID: s.cfg.ClientID + "-OTHER"}
		}, nil),
		k.skewed("past", "correctly signed, Request-Timestamp twice the allowed skew in the past: rejected"),
		k.skewed("future", "correctly signed, Request-Timestamp twice the allowed skew in the future: rejected"),
		k.oversize("correctly signed body one byte over the limit: rejected before it is processed", (*session).freshBody),
		reject("malformed-json", "a correctly signed body that is not JSON: 400", only400, func(s *session) nsSpec {
			return nsSpec{body: []byte(`{"order":{"invoice_number":"INV-1"`)}
		}, nil),
		reject("signature/without-prefix", `a Signature header without "HMACSHA256=": rejected`, badRequest, plain, func(m *msg) {
			m.header.Set("Signature", strings.TrimPrefix(m.header.Get("Signature"), sign.NonSNAPPrefix))
		}),
	}
	cs = append(cs, k.missingHeaders("a notification without %s: rejected", "Client-Id", "Request-Id", "Request-Timestamp", "Signature")...)
	return append(cs, k.schemaCases(NonSNAP, "a correctly signed notification that breaks the schema: 400")...)
}

// --- Kirim DOKU ---

type kirimSpec struct {
	body                []byte
	requestID, agentKey string
	signedRID           string
	key                 []byte
}

func (s *session) kirimMsg(sp kirimSpec) (msg, string) {
	s.fill(notice{&sp.body, nil, &sp.key, &sp.requestID, s.uuid})
	if sp.agentKey == "" {
		sp.agentKey = s.cfg.AgentKey
	}
	if sp.signedRID == "" {
		sp.signedRID = sp.requestID
	}
	sig, err := sign.KirimSignature(sp.key, sp.agentKey, sp.signedRID)
	if err != nil {
		return msg{}, "signing: " + err.Error()
	}
	h := jsonHeaders.Clone()
	h.Set("requestId", sp.requestID)
	h.Set("agentKey", sp.agentKey)
	h.Set("signature", sig)
	return msg{http.MethodPost, s.cfg.Path, h, sp.body}, ""
}

func kirimCases() []Case {
	k := kit[kirimSpec]{build: (*session).kirimMsg, withBody: func(b []byte) kirimSpec { return kirimSpec{body: b} }}
	accept, reject, plain := k.accept, k.reject, plain[kirimSpec]
	cs := []Case{
		accept("valid", `a callback signed as Kirim DOKU signs it gets HTTP 200 {"status":true,"transactionId":…,"responseCode":"00","responseMessage":"Successfully processed"}`, plain),
		{Name: "duplicate", Doc: "the same callback delivered twice gets the same ack; the side effect runs once", run: func(_ context.Context, s *session) outcome {
			m, fail := s.kirimMsg(kirimSpec{})
			if fail != "" {
				return outcome{fail: fail}
			}
			return s.duplicate(m, m.clone())
		}},
		{Name: "unknown-transfer", Doc: "a correctly signed callback about a transfer the merchant never made: 401, the side effect does not run", run: func(_ context.Context, s *session) outcome {
			const doc = "a correctly signed callback about a transfer the merchant never made"
			m, fail := s.kirimMsg(kirimSpec{body: s.kirimBody(s.unknownTransfer())})
			if fail != "" {
				return outcome{fail: fail}
			}
			before := 0
			if s.cfg.Probe != nil {
				before = s.cfg.Probe()
			}
			a := s.send(m)
			o := s.expectReject(a, doc, only401)
			if a.err == nil && a.status >= 200 && a.status <= 299 {
				o.fail = fmt.Sprintf("%s: want HTTP 401, got %s. %s", doc, a, kirimSpliceable)
			}
			if o.fail == "" && s.cfg.Probe != nil {
				if n := s.cfg.Probe() - before; n != 0 {
					o.fail = fmt.Sprintf("%s: answered %s, but the side effect ran %d time(s). %s", doc, a, n, kirimSpliceable)
				}
			}
			return o
		}},
		reject("wrong-secret", "signed with another encryption key: rejected", only401, func(s *session) kirimSpec {
			k := append([]byte{}, s.cfg.Secret...)
			k[0] ^= 1
			return kirimSpec{key: k}
		}, nil),
		reject("tamper/request-id", "requestId changed after signing: rejected", only401, func(s *session) kirimSpec {
			return kirimSpec{signedRID: s.uuid()}
		}, nil),
		reject("unknown-agent-key", "an agentKey the merchant does not know (signed for it): rejected", badRequest, func(s *session) kirimSpec {
			return kirimSpec{agentKey: s.cfg.AgentKey + "X"}
		}, nil),
		k.oversize("a body one byte over the limit: rejected before it is processed", (*session).freshBody),
		reject("malformed-json", "a correctly signed callback whose body is not JSON: 400", only400, func(s *session) kirimSpec {
			return kirimSpec{body: []byte(`{"transactionId":"DK1"`)}
		}, nil),
	}
	cs = append(cs, k.missingHeaders("a callback without %s: rejected", "requestId", "agentKey", "signature")...)
	return append(cs, k.schemaCases(KirimUnpaid, "a correctly signed callback that breaks the schema: 400")...)
}

const kirimSpliceable = "The Kirim DOKU signature is AES-ECB over agentKey + requestId, with no time and no body in it: anyone who saw two callbacks can splice their blocks into a valid signature for a new requestId, on any body, without the key. Act only on callbacks about transfers you made and still await (notify.KirimConfig.Transfers), and confirm with DOKU's status call"
