package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/sign"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestRequestKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      http.Header
		s      Scheme
		want   string
		errHdr string
	}{
		{"snap", hdr("X-PARTNER-ID", "P1", "X-EXTERNAL-ID", "E1"), SchemeSNAP, "snap:2:P1:E1", ""},
		{"snap-auto", hdr("X-PARTNER-ID", "P1", "X-EXTERNAL-ID", "E1", "Request-Id", "R"), SchemeAuto, "snap:2:P1:E1", ""},
		{"nonsnap", hdr("Client-Id", "MCH-1", "Request-Id", "cc68"), SchemeNonSNAP, "nonsnap:5:MCH-1:cc68", ""},
		{"nonsnap-auto", hdr("Client-Id", "MCH-1", "Request-Id", "cc68"), SchemeAuto, "nonsnap:5:MCH-1:cc68", ""},
		{"kirim-auto", hdr("agentKey", "A41418", "requestId", "fd53"), SchemeAuto, "kirim:6:A41418:fd53", ""},
		{"snap-no-partner", hdr("X-EXTERNAL-ID", "E1"), SchemeSNAP, "", "X-PARTNER-ID"},
		{"snap-wrong-scheme-headers", hdr("Client-Id", "C", "Request-Id", "R"), SchemeSNAP, "", "X-PARTNER-ID"},
		{"nonsnap-no-id", hdr("Client-Id", "C"), SchemeNonSNAP, "", "Request-Id"},
		{"auto-nothing", hdr("Content-Type", "application/json"), SchemeAuto, "", "Request-Id"},
		{"kirim-no-agent", hdr("requestId", "r"), SchemeKirim, "", "agentKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := RequestKey(tc.h, tc.s)
			if tc.errHdr == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, k.String())
				return
			}
			assert.ErrorIs(t, err, ErrMissingKey)
			var ke *KeyError
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, tc.errHdr, ke.Header)
		})
	}
	long := strings.Repeat("x", MaxKeyPart+1)
	_, err := RequestKey(hdr("X-PARTNER-ID", "P", "X-EXTERNAL-ID", long), SchemeSNAP)
	assert.ErrorIs(t, err, ErrKeyTooLong)
	assert.NotContains(t, err.Error(), long, "no header value in the error")
	for _, s := range []Scheme{"bogus", sign.SchemeSNAPToken} {
		_, err = RequestKey(hdr("X-PARTNER-ID", "P", "X-EXTERNAL-ID", "E"), s)
		assert.ErrorIs(t, err, ErrMissingKey, s)
	}
	// SNAP-RSA keys exactly like SNAP: one keyspace, and the key strings a
	// store already holds ("snap:…") stay what they were.
	h := hdr("X-PARTNER-ID", "P1", "X-EXTERNAL-ID", "E1")
	rsa, err := RequestKey(h, sign.SchemeSNAPRSA)
	require.NoError(t, err)
	hmac, err := RequestKey(h, SchemeSNAP)
	require.NoError(t, err)
	assert.Equal(t, "snap:2:P1:E1", rsa.String())
	assert.Equal(t, hmac, rsa)
}

func TestKeyPartsCannotCollide(t *testing.T) {
	a := Key{Scheme: SchemeSNAP, Owner: "a:b", ID: "c"}
	b := Key{Scheme: SchemeSNAP, Owner: "a", ID: "b:c"}
	assert.NotEqual(t, a.String(), b.String())
	assert.NotEqual(t, a.Business("x"), b.Business("x"))
	assert.NotEqual(t, a.Business("c"), a.String(), "business keys live apart from request keys")
}

// FuzzRequestKey: any header values give a key or a typed error, never a
// panic, and two different (owner, id) pairs never share a key.
func FuzzRequestKey(f *testing.F) {
	f.Add("P1", "E1", "P1", "E2")
	f.Add("a:b", "c", "a", "b:c")
	f.Add("MCH-0001-10791114622547", "cc682442-6c22-493e-8121-b9ef6b3fa728", "", "x")
	f.Fuzz(func(t *testing.T, o1, i1, o2, i2 string) {
		for _, s := range []Scheme{SchemeSNAP, SchemeNonSNAP, SchemeKirim} {
			oh, ih := Headers(s)
			k1, err1 := RequestKey(hdr(oh, o1, ih, i1), s)
			k2, err2 := RequestKey(hdr(oh, o2, ih, i2), s)
			for _, err := range []error{err1, err2} {
				if err != nil {
					var ke *KeyError
					if !assertAs(err, &ke) {
						t.Fatalf("untyped error %v", err)
					}
				}
			}
			if err1 == nil && err2 == nil && (k1.Owner != k2.Owner || k1.ID != k2.ID) && k1.String() == k2.String() {
				t.Fatalf("collision: %q", k1.String())
			}
		}
	})
}

func assertAs(err error, target **KeyError) bool {
	ke, ok := err.(*KeyError)
	*target = ke
	return ok
}

func TestKeyReplay(t *testing.T) {
	k := Key{Scheme: SchemeSNAP, Owner: "P1", ID: "E1"}
	sig := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5}, 64))
	got := k.Replay(sig)
	sum := sha256.Sum256(bytes.Repeat([]byte{0xA5}, 64))
	assert.Equal(t, "sig:snap:2:P1:"+hex.EncodeToString(sum[:]), got)
	assert.Equal(t, got, string(k.AppendReplay(nil, sig)))
	assert.NotContains(t, got, sig, "the key holds a hash, not the signature")

	// The same bytes, other encodings a lenient decoder accepts: one key.
	last := len(sig) - 3
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	reenc := sig[:last] + string(alphabet[strings.IndexByte(alphabet, sig[last])^3]) + "=="
	require.NotEqual(t, sig, reenc)
	assert.Equal(t, got, k.Replay(reenc))

	// Other signatures, other owners, not base64: other keys.
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5A}, 64))
	assert.NotEqual(t, got, k.Replay(other))
	assert.NotEqual(t, got, Key{Scheme: SchemeSNAP, Owner: "P2"}.Replay(sig))
	raw := sha256.Sum256([]byte("not base64!"))
	assert.Equal(t, "sig:snap:2:P1:"+hex.EncodeToString(raw[:]), k.Replay("not base64!"))
	long := strings.Repeat("QUFB", 200) // 800 characters, longer than any RSA-4096 signature
	lsum := sha256.Sum256([]byte(long))
	assert.Equal(t, "sig:snap:2:P1:"+hex.EncodeToString(lsum[:]), k.Replay(long))
}

func TestKeyReplayAppendAllocs(t *testing.T) {
	k := Key{Scheme: SchemeSNAP, Owner: "P1", ID: "E1"}
	sig := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5}, 256))
	buf := make([]byte, 0, 128)
	assert.Zero(t, testing.AllocsPerRun(100, func() { buf = k.AppendReplay(buf[:0], sig) }))
}
