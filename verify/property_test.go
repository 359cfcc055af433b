package verify

import (
	"context"
	"net/http"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/dokukit/dokukit/sign"
)

const propertySeed = 20241125

func TestSignedAlwaysVerifiesAndAnyMutationRejects(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(propertySeed)
	params.MinSuccessfulTests = 200
	props := gopter.NewProperties(params)
	ctx := context.Background()
	snap := snapVerifier(t)
	signer, _ := sign.NewSNAPSymmetric([]byte(snapSecret))
	ns := nonSNAPVerifier(t)
	nsSigner, _ := sign.NewNonSNAP([]byte(nsSecret))

	gens := gopter.CombineGens(gen.RegexMatch(`/[a-z0-9/._-]{1,30}`), gen.AnyString(), gen.IntRange(0, 1<<20))

	props.Property("SNAP: signed with the client secret verifies; one changed byte of body, path or timestamp rejects", prop.ForAll(
		func(v []any) bool {
			path, value, k := v[0].(string), v[1].(string), v[2].(int)
			body := []byte(`{"note": ` + quote(value) + `, "amount": {"value": "10000.00"}}`)
			sig, err := signer.Sign("POST", path, snapToken, body, snapTS)
			if err != nil {
				return false
			}
			m := Message{Method: "POST", Target: path, Header: snapHeader(sig), Body: body}
			if _, err := snap.VerifyMessage(ctx, m); err != nil {
				return false
			}
			// Mutate one thing the signature covers.
			switch k % 3 {
			case 0:
				b := append([]byte(nil), body...)
				i := len(`{"note": "`) - 1 + k%max(1, len(value)+1)
				if i >= len(b) {
					i = len(b) - 2
				}
				b[i] ^= 0x01
				m.Body = b
			case 1:
				m.Target = path + "x"
			case 2:
				m.Header = m.Header.Clone()
				m.Header.Set("X-TIMESTAMP", "2024-01-01T12:00:01+07:00")
			}
			_, err = snap.VerifyMessage(ctx, m)
			return err != nil
		}, gens))

	props.Property("non-SNAP: signed verifies; one changed body byte rejects", prop.ForAll(
		func(v []any) bool {
			path, value, k := v[0].(string), v[1].(string), v[2].(int)
			body := []byte(`{"order":{"invoice_number":` + quote(value) + `}}`)
			h := http.Header{"Client-Id": {nsClient}, "Request-Id": {"r-1"}, "Request-Timestamp": {nsTS}}
			h.Set("Signature", nsSigner.Sign(sign.Components{ClientID: nsClient, RequestID: "r-1", Timestamp: nsTS, Target: path, Body: body}))
			m := Message{Method: "POST", Target: path, Header: h, Body: body}
			if _, err := ns.VerifyMessage(ctx, m); err != nil {
				return false
			}
			b := append([]byte(nil), body...)
			b[k%len(b)] ^= 0x20
			m.Body = b
			_, err := ns.VerifyMessage(ctx, m)
			return err != nil
		}, gens))
	props.TestingRun(t)
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, ' ')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
