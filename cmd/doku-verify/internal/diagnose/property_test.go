package diagnose

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"math/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// propertySeed is fixed so a failure reproduces; gopter prints it too.
const propertySeed = 8080

var (
	pKeys   = []string{"a", "b", "amount", "1", "10", "2", "value", "note"}
	pValues = []string{`"x  y"`, `"caf\u00e9"`, `"<tag>&"`, `1.0`, `1E3`, `-0`, `12`, `true`, `null`, `"10000.00"`, `[1, 2.50]`}
	pWS     = []string{"", " ", "\n  ", "\t", "\r\n"}
)

func genBody() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		r := p.Rng
		var b strings.Builder
		writeObj(&b, r, 0)
		return gopter.NewGenResult(b.String(), gopter.NoShrinker)
	}
}

func writeObj(b *strings.Builder, r *rand.Rand, depth int) {
	b.WriteString("{")
	n := 1 + r.Intn(4)
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		k := pKeys[r.Intn(len(pKeys))]
		if used[k] {
			continue
		}
		used[k] = true
		if len(used) > 1 {
			b.WriteString(",")
		}
		b.WriteString(pWS[r.Intn(len(pWS))] + `"` + k + `"` + pWS[r.Intn(len(pWS))] + ":" + pWS[r.Intn(len(pWS))])
		if depth < 2 && r.Intn(4) == 0 {
			writeObj(b, r, depth+1)
		} else {
			b.WriteString(pValues[r.Intn(len(pValues))])
		}
	}
	b.WriteString(pWS[r.Intn(len(pWS))] + "}")
}

func sumOf(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// Whatever single mistake a SNAP sender makes, Check explains the signature
// and reports exactly the string the sender signed.
func TestPropertySingleMistakeIsExplained(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(propertySeed)
	params.MinSuccessfulTests = 150
	props := gopter.NewProperties(params)
	mistakes := []string{"none", "body-raw", "body-js", "body-go", "body-regex", "token-bearer", "path-no-query", "method-lower", "secret-newline", "alg-sha256", "sig-hex", "path-strip-1"}
	props.Property("Check reproduces the sender's string to sign", prop.ForAll(
		func(body string, mi int) bool {
			m := mistakes[mi]
			b := []byte(body)
			min, err := sign.Minify(b)
			if err != nil {
				return false
			}
			hashed := min
			switch m {
			case "body-raw":
				hashed = b
			case "body-js":
				hashed, _ = JSStringify(b)
			case "body-go":
				hashed, _ = GoMarshal(b)
			case "body-regex":
				hashed = RegexMinify(b)
			}
			method, path, tok, key := "POST", "/shop/notify?x=1", "tok", "SK-prop"
			switch m {
			case "token-bearer":
				tok = "Bearer tok"
			case "path-no-query":
				path = "/shop/notify"
			case "path-strip-1":
				path = "/notify?x=1"
			case "method-lower":
				method = "post"
			case "secret-newline":
				key += "\n"
			}
			sum := sha256.Sum256(hashed)
			sts := method + ":" + path + ":" + tok + ":" + hex.EncodeToString(sum[:]) + ":2024-01-01T12:00:00+07:00"
			var sig string
			switch m {
			case "alg-sha256":
				h := hmac.New(sha256.New, []byte(key))
				h.Write([]byte(sts))
				sig = base64.StdEncoding.EncodeToString(h.Sum(nil))
			case "sig-hex":
				h := hmac.New(sha512.New, []byte(key))
				h.Write([]byte(sts))
				sig = hex.EncodeToString(h.Sum(nil))
			default:
				h := hmac.New(sha512.New, []byte(key))
				h.Write([]byte(sts))
				sig = base64.StdEncoding.EncodeToString(h.Sum(nil))
			}
			r, err := Check(Input{Scheme: verify.SchemeSNAP, Method: "POST", Target: "/shop/notify?x=1", Body: b, Secret: []byte("SK-prop"),
				Header: http.Header{"Authorization": {"Bearer tok"}, "X-Timestamp": {"2024-01-01T12:00:00+07:00"}, "X-Signature": {sig}, "X-Partner-Id": {"P"}, "X-External-Id": {"E"}}})
			// The string to sign reported is verify's: the protocol's, whatever the sender did.
			protocol := "POST:/shop/notify?x=1:tok:" + hex.EncodeToString(sumOf(min)) + ":2024-01-01T12:00:00+07:00"
			if err != nil || !r.Explained || r.Matched != sts || r.StringToSign != protocol {
				t.Logf("mistake %s body %q: err=%v report=%+v", m, body, err, r)
				return false
			}
			// No mistake reported unless one was made (a body mistake may
			// coincide with the minified body and then is no mistake).
			return m != "none" || r.Valid
		},
		genBody(), gen.IntRange(0, len(mistakes)-1),
	))
	props.TestingRun(t)
}
