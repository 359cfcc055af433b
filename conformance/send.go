package conformance

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/dokukit/dokukit/sign"
)

// Tamper names one way to break a notification before it is sent (the
// values of `doku-verify send --tamper`).
type Tamper string

// The tamper kinds. TamperNone sends the notification as DOKU would.
const (
	TamperNone      Tamper = ""
	TamperBody      Tamper = "body"      // one body byte changed after signing
	TamperSignature Tamper = "signature" // one signature byte changed
	TamperTimestamp Tamper = "timestamp" // the timestamp header changed after signing
	TamperPath      Tamper = "path"      // signed for another path than the one it is sent to
	TamperToken     Tamper = "token"     // a bearer token the merchant never issued (SNAP notifications)
	TamperSecret    Tamper = "secret"    // signed with the wrong secret
	TamperHeader    Tamper = "header"    // the signature header left out
)

// Tampers lists every tamper kind except TamperNone.
func Tampers() []Tamper {
	return []Tamper{TamperBody, TamperSignature, TamperTimestamp, TamperPath, TamperToken, TamperSecret, TamperHeader}
}

// Delivery is one answer to a simulated DOKU delivery.
type Delivery struct {
	Status int         // HTTP status, 0 when there was no answer
	Header http.Header // answer headers
	Body   []byte      // answer body
	Err    error       // transport error, if any
	// AsExpected is true when the answer is what DOKU expects: the channel's
	// ack for an untampered notification (and, for repeats, the same answer
	// as the first), a protocol-shaped 4xx rejection for a tampered one.
	AsExpected bool
	// Verdict says in a sentence what the answer means to DOKU.
	Verdict string
}

// Send acts as DOKU: it builds one notification of cfg.Channel (the sample
// body, or cfg.Body), applies tamper, and delivers it repeat times through d
// (the same notification each time, as DOKU's retries are). The error is for
// an unusable Config or a tamper kind the channel does not sign (a Kirim
// callback signs no body, so a changed body cannot be detected).
func Send(ctx context.Context, d Doer, cfg Config, tamper Tamper, repeat int) ([]Delivery, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if repeat < 1 {
		repeat = 1
	}
	if err := tamperApplies(cfg, tamper); err != nil {
		return nil, err
	}
	st := &suite{cfg: cfg, route: channelRoute(cfg.Channel), prefix: fmt.Sprint(cfg.Now().UnixNano() % 1e12), notifID: cfg.NotificationID}
	s := &session{suite: st, d: d, ctx: ctx}
	m, fail := s.tampered(tamper)
	if fail != "" {
		return nil, fmt.Errorf("conformance: %s", fail)
	}
	var out []Delivery
	var first answer
	for i := 0; i < repeat; i++ {
		a := s.send(m.clone())
		var o outcome
		if tamper == TamperNone {
			o = s.expectAck(a, m)
			// Token requests are not retried notifications: each gets a fresh token.
			if o.fail == "" && i > 0 && s.cfg.Channel != SNAPToken && (a.status != first.status || string(a.body) != string(first.body)) {
				o.fail = fmt.Sprintf("a repeat of the same notification got %s, the first got %s: a retry must get the same answer", a, first)
			}
		} else {
			o = s.expectReject(a, "a notification with its "+string(tamper)+" tampered", []int{400, 401, 413})
		}
		if i == 0 {
			first = a
		}
		d := Delivery{Status: a.status, Header: a.header, Body: a.body, Err: a.err, AsExpected: o.fail == ""}
		switch {
		case o.fail != "":
			d.Verdict = o.fail
		case tamper == TamperNone:
			d.Verdict = "the ack DOKU expects: DOKU marks the notification delivered and stops retrying"
		default:
			d.Verdict = "rejected as it should be: DOKU never sends this, and a 4xx makes a forger give up"
		}
		out = append(out, d)
	}
	return out, nil
}

func tamperApplies(cfg Config, t Tamper) error {
	kirim := cfg.Channel == KirimUnpaid || cfg.Channel == KirimRefund
	no := func(why string) error {
		return fmt.Errorf("%w: --tamper %s does not apply to %s: %s", ErrConfig, t, cfg.Channel, why)
	}
	switch t {
	case TamperNone, TamperSignature, TamperHeader:
		return nil
	case TamperBody:
		if kirim || cfg.Channel == SNAPToken {
			return no("its signature does not cover the body")
		}
	case TamperTimestamp:
		if kirim {
			return no("Kirim DOKU signs no timestamp")
		}
	case TamperPath:
		if kirim || cfg.Channel == SNAPToken {
			return no("its signature does not cover the path")
		}
	case TamperToken:
		if !isSNAPNotify(cfg.Channel) {
			return no("only SNAP notifications carry a bearer token")
		}
	case TamperSecret:
		if cfg.Channel == SNAPToken || (isSNAPNotify(cfg.Channel) && cfg.RSASignature) {
			return no("it is signed with DOKU's RSA key, not a shared secret (use --tamper signature)")
		}
	default:
		return fmt.Errorf("%w: unknown tamper kind %q", ErrConfig, t)
	}
	return nil
}

func otherSecret(s []byte) []byte {
	k := append([]byte{}, s...)
	k[0] ^= 1
	return k
}

// tampered builds the notification and breaks it.
func (s *session) tampered(t Tamper) (msg, string) {
	var (
		m    msg
		fail string
		sig  = "X-SIGNATURE"
		tsH  = "X-TIMESTAMP"
	)
	switch s.cfg.Channel {
	case SNAPToken:
		m, fail = s.tokenMsg(tokenSpec{})
	case SNAPDebit, SNAPVA:
		sp := snapSpec{}
		switch t {
		case TamperPath:
			sp.signPath = s.cfg.Path + "-other"
		case TamperToken:
			sp.token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzb21lb25lLWVsc2UifQ.bm90LWEtc2lnbmF0dXJl"
		case TamperSecret:
			sp.secret = otherSecret(s.cfg.Secret)
		}
		m, fail = s.snapMsg(sp)
	case NonSNAP:
		sig, tsH = "Signature", "Request-Timestamp"
		sp := nsSpec{}
		switch t {
		case TamperPath:
			sp.target = s.cfg.Path + "-other"
		case TamperSecret:
			sp.secret = otherSecret(s.cfg.Secret)
		}
		m, fail = s.nsMsg(sp)
	case KirimUnpaid, KirimRefund:
		sig = "signature"
		sp := kirimSpec{}
		if t == TamperSecret {
			sp.key = otherSecret(s.cfg.Secret)
		}
		m, fail = s.kirimMsg(sp)
	}
	if fail != "" {
		return m, fail
	}
	switch t {
	case TamperBody:
		m.body = flipBodyByte(m.body)
	case TamperSignature:
		m.header.Set(sig, flipSig(m.header.Get(sig)))
	case TamperTimestamp:
		v := m.header.Get(tsH)
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			if s.cfg.Channel == NonSNAP {
				v = nonSNAPTS(t.Add(time.Second))
			} else {
				v = sign.FormatTimestamp(t.Add(time.Second))
			}
		}
		m.header.Set(tsH, v)
	case TamperHeader:
		m.header.Del(sig)
	}
	return m, ""
}

// flipBodyByte changes the first digit (else the last letter) of the body,
// keeping it valid JSON so only the signature can catch it.
func flipBodyByte(b []byte) []byte {
	out := append([]byte{}, b...)
	for i, c := range out {
		if c >= '1' && c <= '8' {
			out[i] = c + 1
			return out
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] >= 'a' && out[i] <= 'y' {
			out[i]++
			return out
		}
	}
	return out
}
