package verify

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// FuzzParseTimestamp: never panics; whatever it accepts has a zone and
// round-trips through the RFC 3339 layout to the same instant.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2020-12-21T14:56:11+07:00", "2020-12-21T07:56:11.000Z", "2020-10-21T03:38:28Z",
		"2024-01-12'T'07:30:12", "2024-09-17T14:41:52. 022+07:00", "", "2024-01-01T12:00:00", "2020-12-21T1:56:11Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTimestamp(s)
		if err != nil {
			if err != ErrBadTimestamp {
				t.Fatalf("error %v is not ErrBadTimestamp", err)
			}
			return
		}
		back, err := time.Parse(time.RFC3339Nano, ts.Format(time.RFC3339Nano))
		if err != nil || !back.Equal(ts) {
			t.Fatalf("%q parsed to %v, which does not round-trip", s, ts)
		}
		if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
			t.Fatalf("accepted %q, which is not dddd-dd-ddTdd:dd:dd…", s)
		}
	})
}

// FuzzHeaders drives every verifier with arbitrary header values and body:
// no panic, and any error is a *Error with a protocol status.
func FuzzHeaders(f *testing.F) {
	f.Add("Bearer "+snapToken, snapTS, "zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ==", "PARTNER-1", []byte(protoBody))
	f.Add("bearer x", "2020-10-21T03:38:28Z", "HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM=", nsClient, []byte(nsBody))
	f.Add("", "", "", "", []byte(nil))
	snap := snapVerifier(f)
	ns := nonSNAPVerifier(f)
	set, _ := SecretsFor("A41418", []byte(kirimKey))
	kirim, _ := NewKirim(KirimConfig{Keys: set})
	f.Fuzz(func(t *testing.T, authz, ts, sig, client string, body []byte) {
		h := http.Header{"Authorization": {authz}, "X-Timestamp": {ts}, "X-Signature": {sig}, "X-Partner-Id": {client}, "X-External-Id": {"1"},
			"Client-Id": {client}, "Request-Id": {"r"}, "Request-Timestamp": {ts}, "Signature": {sig}, "Requestid": {ts}, "Agentkey": {client}}
		for _, v := range []Verifier{snap, ns, kirim} {
			_, err := v.VerifyMessage(context.Background(), Message{Method: "POST", Target: "/n", Header: h, Body: body})
			if err == nil {
				continue // a fuzzer that forges an HMAC would be news
			}
			ve, ok := err.(*Error)
			if !ok || ve.Status < 400 || ve.Status > 599 || ve.Err == nil {
				t.Fatalf("%s: untyped or statusless error %v", v.Scheme(), err)
			}
		}
		if tok, ok := bearer(authz); ok && (tok == "" || tok[0] == ' ') {
			t.Fatalf("bearer(%q) = %q", authz, tok)
		}
	})
}
