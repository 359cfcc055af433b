package conformance

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// refHandler is a small, independent, correct merchant endpoint for every
// channel, written from docs/protocol.md for testing the suite itself; each
// broken* flag breaks it the way real integrations break.
type refHandler struct {
	ch        Channel
	secret    []byte
	pub       *rsa.PublicKey
	clientID  string
	agentKey  string
	path      string
	now       func() time.Time
	sideEffes int

	brokenAnySignature bool            // accepts any signature
	broken500          bool            // answers 500 to every rejection
	brokenNoDedup      bool            // runs the side effect on every delivery
	brokenAck          bool            // answers a wrong ack
	brokenNoSkew       bool            // ignores the timestamp's age
	brokenNoLimit      bool            // no body limit
	brokenCodes        bool            // SNAP rejections with the wrong case code
	brokenAnyTransfer  bool            // acts on Kirim callbacks about any transfer
	transfers          map[string]bool // the Kirim transfers awaited, by transactionId
	rsaNotify          bool            // SNAP notifications carry DOKU's RSA signature

	mu     sync.Mutex
	tokens map[string]time.Time
	seen   map[string][]byte
}

func (h *refHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sideEffes
}

// refServiceCodes are DOKU's SNAP service codes, written out here so the
// reference handler checks the route table the suite reads them from.
var refServiceCodes = map[Channel]int{SNAPToken: 73, SNAPDebit: 56, SNAPVA: 25}

func (h *refHandler) snapErr(w http.ResponseWriter, status, c int, msg string) {
	h.snapErrSvc(w, refServiceCodes[h.ch], status, c, msg)
}

func (h *refHandler) snapErrSvc(w http.ResponseWriter, svc, status, c int, msg string) {
	if h.broken500 {
		status = 500
	}
	if h.brokenCodes {
		c = 99
	}
	respond.WriteSNAP(w, respond.SNAPCode{HTTP: status, Service: svc, Case: c}, msg)
}

func (h *refHandler) plainErr(w http.ResponseWriter, status int, code string) {
	if h.broken500 {
		status = 500
	}
	respond.WriteNonSNAP(w, status, code, code, nil)
}

func (h *refHandler) fresh(ts string) bool {
	if h.brokenNoSkew {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return false
	}
	d := h.now().Sub(t)
	return d <= 5*time.Minute && d >= -5*time.Minute
}

func (h *refHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	lim := int64(1 << 20)
	if h.brokenNoLimit {
		lim = 1 << 30
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lim))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			if h.isSNAP() {
				h.snapErr(w, 413, 0, "Request Entity Too Large")
			} else {
				h.plainErr(w, 413, "body_too_large")
			}
			return nil, false
		}
		return nil, false
	}
	return b, true
}

func (h *refHandler) isSNAP() bool { return h.ch == SNAPToken || isSNAPNotify(h.ch) }

func (h *refHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.ch != SNAPToken && isSNAPNotify(h.ch) && r.URL.Path == DefaultTokenPath {
		h.token(w, r)
		return
	}
	if r.URL.Path != h.path || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	switch h.ch {
	case SNAPToken:
		h.token(w, r)
	case SNAPDebit, SNAPVA:
		h.snapNotify(w, r)
	case NonSNAP:
		h.nonSNAP(w, r)
	case KirimUnpaid, KirimRefund:
		h.kirim(w, r)
	}
}

func (h *refHandler) token(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	ck, ts, sig := r.Header.Get("X-Client-Key"), r.Header.Get("X-Timestamp"), r.Header.Get("X-Signature")
	if ck == "" || ts == "" || sig == "" {
		h.snapErrSvc(w, 73, 400, 2, "Invalid Mandatory Field")
		return
	}
	if !h.brokenAnySignature && (ck != h.clientID || sign.VerifySNAPToken(h.pub, ck, ts, sig) != nil) {
		h.snapErrSvc(w, 73, 401, 0, "Unauthorized. Invalid Signature")
		return
	}
	if !h.fresh(ts) {
		h.snapErrSvc(w, 73, 401, 0, "Unauthorized. Stale timestamp")
		return
	}
	var req struct {
		GrantType string `json:"grantType"`
	}
	if json.Unmarshal(body, &req) != nil {
		h.snapErrSvc(w, 73, 400, 1, "Invalid Field Format")
		return
	}
	if req.GrantType != "client_credentials" {
		h.snapErrSvc(w, 73, 400, 1, "Invalid Field Format grantType")
		return
	}
	var b [16]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	h.mu.Lock()
	h.tokens[tok] = h.now().Add(15 * time.Minute)
	h.mu.Unlock()
	code := "2007300"
	if h.brokenAck {
		code = "2000000"
	}
	respond.WriteJSON(w, 200, map[string]any{"responseCode": code, "responseMessage": "Successful", "accessToken": tok, "tokenType": "Bearer", "expiresIn": "900", "additionalInfo": ""})
}

func (h *refHandler) dedup(key string, body []byte, w http.ResponseWriter, write func() []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if prev, ok := h.seen[key]; ok && !h.brokenNoDedup {
		w.Header().Set("Content-Type", "application/json")
		w.Write(prev)
		return
	}
	h.sideEffes++
	out := write()
	if h.brokenAck {
		out = bytes.Replace(out, []byte(`00"`), []byte(`01"`), 1)
	}
	h.seen[key] = out
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

func (h *refHandler) snapNotify(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	for _, n := range []string{"X-Timestamp", "X-Signature", "X-Partner-Id", "X-External-Id", "Authorization"} {
		if r.Header.Get(n) == "" && !(n == "Authorization" && h.rsaNotify) {
			h.snapErr(w, 400, 2, "Invalid Mandatory Field "+n)
			return
		}
	}
	// DOKU's RSA-signed notifications carry no token; one that is sent is
	// still checked.
	authz, tok := r.Header.Get("Authorization"), ""
	if authz != "" {
		if len(authz) < 7 || !strings.EqualFold(authz[:7], "Bearer ") {
			h.snapErr(w, 401, 1, "Invalid Token (B2B)")
			return
		}
		tok = authz[7:]
		h.mu.Lock()
		exp, known := h.tokens[tok]
		h.mu.Unlock()
		if !known || h.now().After(exp) {
			if !h.brokenAnySignature {
				h.snapErr(w, 401, 1, "Invalid Token (B2B)")
				return
			}
		}
	}
	ts := r.Header.Get("X-Timestamp")
	if !h.fresh(ts) {
		h.snapErr(w, 401, 0, "Unauthorized. Stale timestamp")
		return
	}
	if !sign.Valid(body) {
		h.snapErr(w, 400, 1, "Invalid Field Format")
		return
	}
	s, _ := sign.NewSNAPSymmetric(h.secret)
	var verr error
	if h.rsaNotify {
		verr = sign.VerifySNAPRSA(h.pub, r.Header.Get("X-Signature"), r.Method, r.URL.RequestURI(), body, ts)
	} else {
		verr = s.Verify(r.Header.Get("X-Signature"), r.Method, r.URL.RequestURI(), tok, body, ts)
	}
	if !h.brokenAnySignature && verr != nil {
		h.snapErr(w, 401, 0, "Unauthorized. Invalid Signature")
		return
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		h.snapErr(w, 400, 1, "Invalid Field Format")
		return
	}
	if h.ch == SNAPDebit {
		if _, ok := m["originalPartnerReferenceNo"].(string); !ok {
			h.snapErr(w, 400, 2, "Invalid Mandatory Field originalPartnerReferenceNo")
			return
		}
		if st, _ := m["latestTransactionStatus"].(string); len(st) != 2 || st[0] != '0' || st[1] > '7' {
			h.snapErr(w, 400, 1, "Invalid Field Format latestTransactionStatus")
			return
		}
	} else {
		if _, ok := m["virtualAccountNo"].(string); !ok {
			h.snapErr(w, 400, 2, "Invalid Mandatory Field virtualAccountNo")
			return
		}
		if _, ok := m["paidAmount"].(map[string]any); !ok {
			h.snapErr(w, 400, 1, "Invalid Field Format paidAmount")
			return
		}
	}
	h.dedup(r.Header.Get("X-Partner-Id")+"|"+r.Header.Get("X-External-Id"), body, w, func() []byte {
		if h.ch == SNAPVA {
			b, _ := json.Marshal(map[string]any{"responseCode": "2002500", "responseMessage": "Successful", "virtualAccountData": map[string]any{"virtualAccountNo": m["virtualAccountNo"]}})
			return b
		}
		return []byte(`{"responseCode":"2005600","responseMessage":"Request has been processed successfully","approvalCode":"` + r.Header.Get("X-External-Id") + `"}`)
	})
}

// plainHeaders answers 400 missing_header unless r has every header.
func (h *refHandler) plainHeaders(w http.ResponseWriter, r *http.Request, names ...string) bool {
	for _, n := range names {
		if r.Header.Get(n) == "" {
			h.plainErr(w, 400, "missing_header")
			return false
		}
	}
	return true
}

// plainJSON answers 400 invalid_json unless body is a JSON object.
func (h *refHandler) plainJSON(w http.ResponseWriter, body []byte) (map[string]any, bool) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		h.plainErr(w, 400, "invalid_json")
		return nil, false
	}
	return m, true
}

func (h *refHandler) nonSNAP(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	if !h.plainHeaders(w, r, "Client-Id", "Request-Id", "Request-Timestamp", "Signature") {
		return
	}
	if r.Header.Get("Client-Id") != h.clientID && !h.brokenAnySignature {
		h.plainErr(w, 401, "unknown_client")
		return
	}
	ts := r.Header.Get("Request-Timestamp")
	if !h.fresh(ts) {
		h.plainErr(w, 401, "stale")
		return
	}
	s, _ := sign.NewNonSNAP(h.secret)
	c := sign.Components{ClientID: r.Header.Get("Client-Id"), RequestID: r.Header.Get("Request-Id"), Timestamp: ts, Target: r.URL.Path, Body: body}
	if !h.brokenAnySignature && s.Verify(r.Header.Get("Signature"), c) != nil {
		h.plainErr(w, 401, "invalid_signature")
		return
	}
	m, ok := h.plainJSON(w, body)
	if !ok {
		return
	}
	if _, ok := m["order"].(map[string]any); !ok {
		h.plainErr(w, 400, "invalid_order")
		return
	}
	if _, ok := m["transaction"].(map[string]any); !ok {
		h.plainErr(w, 400, "invalid_transaction")
		return
	}
	h.dedup(r.Header.Get("Client-Id")+"|"+r.Header.Get("Request-Id"), body, w, func() []byte { return []byte(`{"status":"00"}`) })
}

func (h *refHandler) kirim(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	if !h.plainHeaders(w, r, "requestId", "agentKey", "signature") {
		return
	}
	if !h.brokenAnySignature && (r.Header.Get("agentKey") != h.agentKey || sign.VerifyKirim(h.secret, r.Header.Get("agentKey"), r.Header.Get("requestId"), r.Header.Get("signature")) != nil) {
		h.plainErr(w, 401, "invalid_signature")
		return
	}
	m, ok := h.plainJSON(w, body)
	if !ok {
		return
	}
	id, _ := m["transactionId"].(string)
	st, _ := m["transactionStatus"].(string)
	if id == "" || (st != "50" && st != "35" && st != "20" && st != "40") {
		h.plainErr(w, 400, "invalid_field")
		return
	}
	if !h.brokenAnyTransfer && !h.transfers[id] {
		h.plainErr(w, 401, "unknown_transfer")
		return
	}
	h.dedup(r.Header.Get("agentKey")+"|"+r.Header.Get("requestId"), body, w, func() []byte {
		b, _ := json.Marshal(respond.KirimAck{Status: true, TransactionID: id, ResponseCode: "00", ResponseMessage: "Successfully processed"})
		return b
	})
}

// fixture: keys and a config per channel.
var (
	dokuKeyOnce sync.Once
	dokuKey     *rsa.PrivateKey
)

func testDOKUKey(t testing.TB) *rsa.PrivateKey {
	dokuKeyOnce.Do(func() {
		b, err := testvectors.Read(testvectors.PrivatePKCS8)
		if err == nil {
			dokuKey, _ = sign.ParsePrivateKey(b)
		}
	})
	require.NotNil(t, dokuKey, "test DOKU key from internal/testvectors")
	return dokuKey
}

func fixture(t testing.TB, ch Channel) (*refHandler, Config) {
	key := testDOKUKey(t)
	secret := []byte("SK-conformance-secret-1")
	if ch == KirimUnpaid || ch == KirimRefund {
		secret = []byte("0123456789abcdef")
	}
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, schemas.WIB)
	h := &refHandler{ch: ch, secret: secret, pub: &key.PublicKey, clientID: "DOKU-TEST-CLIENT", agentKey: "A41418", path: DefaultPath(ch),
		now: func() time.Time { return now }, tokens: map[string]time.Time{}, seen: map[string][]byte{}, transfers: map[string]bool{}}
	for _, tr := range DefaultKirimTransfers() {
		h.transfers[tr.TransactionID] = true
	}
	cfg := Config{Channel: ch, Secret: secret, DOKUPrivateKey: key, Now: func() time.Time { return now }, Probe: h.count}
	return h, cfg
}
