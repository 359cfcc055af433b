package sign

import (
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/dokukit/dokukit/internal/testvectors"
)

// FuzzMinify is the differential fuzz target: AppendMinified must agree with
// json.Compact on acceptance and output for every input. `go test` runs the
// seed corpus (docs/protocol.md bodies and edge cases) in CI.
func FuzzMinify(f *testing.F) {
	for _, s := range []string{
		protocolSNAPBody, `{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`,
		`{}`, `[1,2]`, `"\u00e9"`, `-1.5e+3`, `[1,]`, `{"a" 1}`, "\"\x01\"", `01`, " ", "",
	} {
		f.Add([]byte(s))
	}
	f.Add(testvectors.MustRead(testvectors.DebitNotifyBody))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkAgainstCompact(t, src)
	})
}

// FuzzParseKey feeds arbitrary bytes (and the shared PEM keys) to both key
// parsers: they must never panic, and any key they return is RSA >= 2048.
func FuzzParseKey(f *testing.F) {
	for _, n := range []string{testvectors.PrivatePKCS1, testvectors.PrivatePKCS8, testvectors.PublicSPKI, testvectors.PublicPKCS1, testvectors.PublicBareBase64} {
		f.Add(testvectors.MustRead(n))
	}
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("bm90IGEga2V5"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(k *rsa.PublicKey, err error) {
			if err == nil {
				if k == nil || k.N.BitLen() < MinRSABits {
					t.Fatalf("accepted a weak or nil key")
				}
				return
			}
			if !errors.Is(err, ErrKeyFormat) && !errors.Is(err, ErrKeyType) && !errors.Is(err, ErrKeyTooShort) {
				t.Fatalf("untyped error %v", err)
			}
		}
		pub, err := ParsePublicKey(data)
		check(pub, err)
		priv, err := ParsePrivateKey(data)
		if err == nil {
			check(&priv.PublicKey, nil)
		} else {
			check(nil, err)
		}
	})
}

// FuzzComponent checks the non-SNAP component string is built exactly from
// its parts: the same inputs always give the same string, and it splits back
// into the documented lines.
func FuzzComponent(f *testing.F) {
	f.Add("MCH-0001-10791114622547", "cc682442-6c22-493e-8121-b9ef6b3fa728", "2020-10-21T03:38:28Z", "/credit-card/v1/payment-page", []byte(`{"a":1}`), true, false)
	f.Add("", "", "", "", []byte(nil), false, true)
	f.Fuzz(func(t *testing.T, cid, rid, ts, target string, body []byte, hasBody, response bool) {
		if !hasBody {
			body = nil
		} else if body == nil {
			body = []byte{}
		}
		c := Components{ClientID: cid, RequestID: rid, Timestamp: ts, Target: target, Body: body, Response: response}
		got := string(AppendComponent(nil, c))
		tsName := "Request-Timestamp:"
		if response {
			tsName = "Response-Timestamp:"
		}
		want := "Client-Id:" + cid + "\nRequest-Id:" + rid + "\n" + tsName + ts + "\nRequest-Target:" + target
		if hasBody {
			want += "\nDigest:" + string(AppendDigest(nil, body))
		}
		if got != want {
			t.Fatalf("component mismatch:\n got %q\nwant %q", got, want)
		}
	})
}
