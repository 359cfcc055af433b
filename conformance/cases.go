package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// Case is one named check of the table. Cases are independent of each other
// and of *testing.T; run them with Case.Run.
type Case struct {
	// Name identifies the case: "valid", "duplicate", "tamper/body-byte",
	// "missing-header/X-SIGNATURE", … Stable across releases.
	Name string
	// Doc says what the case sends and what it expects.
	Doc string
	run func(ctx context.Context, s *session) outcome
	st  *suite
}

// Run sends the case's request(s) through d and judges the answer(s).
// It never panics on a misbehaving handler; the Result says what went wrong.
func (c Case) Run(ctx context.Context, d Doer) Result {
	start := time.Now()
	o := c.run(ctx, &session{suite: c.st, d: d, ctx: ctx})
	return Result{Case: c.Name, Doc: c.Doc, Pass: o.fail == "", Message: o.fail, Status: o.status, Duration: time.Since(start)}
}

type outcome struct {
	fail   string // empty = pass
	status int
}

// suite is what all cases of one Cases call share.
type suite struct {
	cfg    Config
	route  schemas.Route // the channel's route: service and success codes
	prefix string
	seq    atomic.Int64
	// notifID is Config.NotificationID for Send ("" in the case table).
	notifID string
	// transfers counts the Kirim DOKU transfers handed out.
	transfers atomic.Int64
}

// session is one case run: the suite plus where requests go.
type session struct {
	*suite
	d   Doer
	ctx context.Context
}

// Cases returns the case table for cfg.Channel. The error is for a Config
// the suite cannot use (unknown channel, missing key or secret).
func Cases(cfg Config) ([]Case, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	st := &suite{cfg: cfg, route: channelRoute(cfg.Channel), prefix: strconv.FormatInt(cfg.Now().Unix()%1e9, 10) + fmt.Sprintf("%05d", int(rnd[0])<<8|int(rnd[1]))}
	var cs []Case
	switch cfg.Channel {
	case SNAPToken:
		cs = tokenCases()
	case SNAPDebit, SNAPVA:
		cs = snapCases(cfg)
	case NonSNAP:
		cs = nonSNAPCases()
	case KirimUnpaid, KirimRefund:
		cs = kirimCases()
	}
	for i := range cs {
		cs[i].st = st
	}
	return cs, nil
}

// --- what DOKU does next, said once ---

func (s *session) retries() string {
	switch s.cfg.Channel {
	case KirimUnpaid, KirimRefund:
		return "Kirim DOKU counts this as a failed callback and retries at most 3 times, then gives up: the transfer status change is lost to your system"
	case SNAPToken:
		return "DOKU cannot get a token, so it sends no notification now and retries later; after its last retry the payment update is lost"
	}
	return "DOKU counts this as a failed delivery and retries (3 more tries: 30 min, 6 h and 12 h later), then gives up: the payment update is delayed or lost"
}

const forgedAccepted = "DOKU would stop retrying on this 2xx, but DOKU never signed this request: your handler accepts forged or corrupted notifications, so anyone can mark an order paid"

// --- ids and clocks ---

func (s *session) id() string { return s.prefix + fmt.Sprintf("%04d", s.seq.Add(1)) }

// transfer is the next of the configured Kirim DOKU transfers.
func (s *session) transfer() KirimTransfer {
	trs := s.cfg.KirimTransfers
	return trs[int((s.transfers.Add(1)-1)%int64(len(trs)))]
}

func (s *session) uuid() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func nonSNAPTS(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// msg is one request as DOKU would send it.
type msg struct {
	method, target string
	header         http.Header
	body           []byte
}

func (m msg) clone() msg {
	return msg{m.method, m.target, m.header.Clone(), append([]byte(nil), m.body...)}
}

func (s *session) send(m msg) answer {
	r, err := http.NewRequestWithContext(s.ctx, m.method, m.target, bytes.NewReader(m.body))
	if err != nil {
		return answer{err: err}
	}
	r.Header = m.header.Clone()
	return do(s.d, r)
}

// --- judging answers ---

func (s *session) expectAck(a answer, sent msg) outcome {
	o := outcome{status: a.status}
	if a.err != nil {
		o.fail = "valid request got no answer (" + a.err.Error() + "): " + s.retries()
		return o
	}
	fail := func(format string, args ...any) outcome {
		o.fail = fmt.Sprintf("a valid, correctly signed request got %s; %s: %s", a, fmt.Sprintf(format, args...), s.retries())
		return o
	}
	switch s.cfg.Channel {
	case NonSNAP:
		if a.status < 200 || a.status > 299 {
			return fail("want any 2xx")
		}
		return o
	case KirimUnpaid, KirimRefund:
		var body struct {
			TransactionID string `json:"transactionId"`
		}
		json.Unmarshal(sent.body, &body)
		if a.status != 200 {
			return fail("want HTTP 200")
		}
		// A field left out reads as its zero value, which is never the
		// one wanted: the schema's type says what a missing field is.
		var ack schemas.KirimNotificationAck
		if err := json.Unmarshal(a.body, &ack); err != nil {
			return fail("want a JSON ack body")
		}
		want := schemas.NewKirimNotificationAck(body.TransactionID)
		switch {
		case ack.Status != want.Status:
			return fail(`want "status":true`)
		case ack.TransactionID != want.TransactionID || want.TransactionID == "":
			return fail(`want "transactionId":%q echoed from the notification`, body.TransactionID)
		case ack.ResponseCode != want.ResponseCode:
			return fail(`want "responseCode":%q`, want.ResponseCode)
		case ack.ResponseMessage != want.ResponseMessage:
			return fail(`want "responseMessage":%q`, want.ResponseMessage)
		}
		return o
	}
	want := s.route.SuccessCode
	var ack map[string]json.RawMessage
	if a.status != 200 {
		return fail("want HTTP 200 with responseCode %s", want)
	}
	if err := json.Unmarshal(a.body, &ack); err != nil {
		return fail("want a SNAP JSON body with responseCode %s", want)
	}
	var code, message string
	json.Unmarshal(ack["responseCode"], &code)
	json.Unmarshal(ack["responseMessage"], &message)
	if code != want {
		return fail("want responseCode %q", want)
	}
	if message == "" {
		return fail("want a responseMessage")
	}
	switch s.cfg.Channel {
	case SNAPVA:
		if len(ack["virtualAccountData"]) == 0 || ack["virtualAccountData"][0] != '{' {
			return fail("want a virtualAccountData object in the VA payment ack")
		}
	case SNAPToken:
		var tok, typ string
		json.Unmarshal(ack["accessToken"], &tok)
		json.Unmarshal(ack["tokenType"], &typ)
		if tok == "" {
			return fail("want a non-empty accessToken")
		}
		if !strings.EqualFold(typ, "Bearer") {
			return fail(`want "tokenType":"Bearer"`)
		}
		exp := strings.Trim(string(ack["expiresIn"]), `"`)
		if n, err := strconv.Atoi(exp); err != nil || n <= 0 {
			return fail("want a positive expiresIn (900 or \"900\")")
		}
	}
	return o
}

// expectReject checks a rejection: an allowed 4xx status and, for SNAP, a
// responseCode made of that status, the service code and an allowed case
// code.
func (s *session) expectReject(a answer, why string, statuses []int, snapCases ...int) outcome {
	o := outcome{status: a.status}
	wantStatus := joinInts(statuses, " or ")
	switch {
	case a.err != nil:
		o.fail = fmt.Sprintf("%s: want HTTP %s, got no answer (%v): DOKU counts it as a failed delivery and retries a request that can never succeed", why, wantStatus, a.err)
		return o
	case a.status >= 200 && a.status <= 299:
		o.fail = fmt.Sprintf("%s: want HTTP %s, got %s. %s", why, wantStatus, a, forgedAccepted)
		return o
	case a.status >= 500:
		o.fail = fmt.Sprintf("%s: want HTTP %s, got %s. A 5xx tells DOKU your server failed, so DOKU retries (3 more tries over 12 h) a request that can never succeed and your on-call is paged for a client error", why, wantStatus, a)
		return o
	}
	okStatus := false
	for _, st := range statuses {
		okStatus = okStatus || a.status == st
	}
	if !okStatus {
		o.fail = fmt.Sprintf("%s: want HTTP %s, got %s. DOKU gives up on a 4xx, which is right, but the status is not the protocol's, so DOKU's support and your logs see the wrong cause", why, wantStatus, a)
		return o
	}
	switch s.cfg.Channel {
	case SNAPToken, SNAPDebit, SNAPVA:
		var body struct {
			ResponseCode    string `json:"responseCode"`
			ResponseMessage string `json:"responseMessage"`
		}
		prefix := fmt.Sprintf("%d%02d", a.status, s.route.ServiceCode)
		if err := json.Unmarshal(a.body, &body); err != nil || len(body.ResponseCode) != 7 || !strings.HasPrefix(body.ResponseCode, prefix) {
			o.fail = fmt.Sprintf("%s: want a SNAP body {\"responseCode\":\"%sxx\",…}, got %s. DOKU gives up on a 4xx, but without the SNAP code nobody can tell why", why, prefix, a)
			return o
		}
		if len(snapCases) > 0 {
			c, _ := strconv.Atoi(body.ResponseCode[5:])
			found := false
			for _, w := range snapCases {
				found = found || c == w
			}
			if !found {
				want := make([]string, len(snapCases))
				for i, w := range snapCases {
					want[i] = fmt.Sprintf("%s%02d", prefix, w)
				}
				o.fail = fmt.Sprintf("%s: want responseCode %s, got %s. DOKU gives up on a 4xx, but the code names the wrong cause", why, strings.Join(want, " or "), body.ResponseCode)
				return o
			}
		}
	case KirimUnpaid, KirimRefund:
		var ack struct {
			Status bool `json:"status"`
		}
		if json.Unmarshal(a.body, &ack) == nil && ack.Status {
			o.fail = fmt.Sprintf(`%s: got %s with "status":true. %s`, why, a, forgedAccepted)
			return o
		}
	}
	return o
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}

// duplicate sends the same notification twice, as DOKU does when an ack is
// lost, and checks both get the same ack and the side effect runs once.
func (s *session) duplicate(first, retry msg) outcome {
	before := 0
	if s.cfg.Probe != nil {
		before = s.cfg.Probe()
	}
	a1 := s.send(first)
	if o := s.expectAck(a1, first); o.fail != "" {
		o.fail = "first delivery: " + o.fail
		return o
	}
	a2 := s.send(retry)
	o := outcome{status: a2.status}
	if a2.err != nil || a2.status != a1.status || !bytes.Equal(a2.body, a1.body) {
		o.fail = fmt.Sprintf("the retried delivery of the same notification got %s, the first got %s; a retry must get the same answer. %s", a2, a1,
			"Anything but the ack makes DOKU count the retry as failed and retry again until it gives up; a different ack hints the side effect ran again")
		return o
	}
	if s.cfg.Probe != nil {
		if n := s.cfg.Probe() - before; n != 1 {
			o.fail = fmt.Sprintf("the side effect ran %d time(s) for one notification delivered twice; want exactly 1. DOKU retries whenever an ack is lost, so this would ship or credit the order %d time(s)", n, n)
			return o
		}
	}
	return o
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain maps of strings: cannot happen
	}
	return b
}

// oversized pads a valid JSON object body to just over limit bytes with an
// extra string field, so only the size is wrong.
func oversized(body []byte, limit int64) []byte {
	pad := int(limit) + 1 - len(body) - len(`,"padding":""`)
	if pad < 0 {
		pad = 0
	}
	i := bytes.LastIndexByte(body, '}')
	out := make([]byte, 0, int(limit)+64)
	out = append(out, body[:i]...)
	out = append(out, `,"padding":"`...)
	out = append(out, bytes.Repeat([]byte("x"), pad)...)
	out = append(out, `"}`...)
	return out
}

// signSNAP signs a SNAP notification; rsa selects the asymmetric scheme.
func (s *session) signSNAP(method, path, token string, body []byte, ts string, secret []byte) (string, error) {
	hash, err := sign.AppendBodyHashHex(nil, body)
	if err != nil {
		// A malformed body cannot be minified; DOKU would never send one,
		// so hash the raw bytes: the handler must reject it either way.
		hash = []byte(sha256Hex(body))
	}
	if s.cfg.RSASignature {
		return sign.SignRSA(s.cfg.DOKUPrivateKey, sign.AppendSNAPRSAStringToSign(nil, method, path, hash, ts))
	}
	sig, err := sign.NewSNAPSymmetric(secret)
	if err != nil {
		return "", err
	}
	// The string to sign is built here rather than with
	// sign.AppendSNAPStringToSign, which strips "Bearer ": the suite must be
	// able to sign the way a buggy sender does.
	sts := method + ":" + path + ":" + token + ":" + string(hash) + ":" + ts
	return string(sig.AppendSignString(nil, []byte(sts))), nil
}
