package middleware

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/verify"
)

const propertySeed = 20241125

// Whatever the client transports sign, the middleware accepts; any single
// change to what was signed after signing is rejected and the handler does
// not run.
func TestTransportSignsWhatMiddlewareAccepts(t *testing.T) {
	snapSet, _ := verify.SecretsFor(partner, []byte(secret))
	sv, err := verify.NewSNAP(verify.SNAPConfig{Secrets: snapSet, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	nsSet, _ := verify.SecretsFor(client, []byte(nsSecret))
	nv, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: nsSet, Timestamps: verify.Timestamps{Now: fixedNow}})
	require.NoError(t, err)
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/snap/", Verify(sv)(rec))
	mux.Handle("/ns/", Verify(nv)(rec))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	params := gopter.DefaultTestParametersWithSeed(propertySeed)
	params.MinSuccessfulTests = 100
	props := gopter.NewProperties(params)

	headersOf := map[string][]string{
		"snap": {"X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "Authorization"},
		"ns":   {"Client-Id", "Request-Id", "Request-Timestamp", "Signature"},
	}
	props.Property("sign → verify accepts; one mutation rejects", prop.ForAll(
		func(useSNAP bool, path, note string, kind, pos int) bool {
			scheme := "ns"
			if useSNAP {
				scheme = "snap"
			}
			body := []byte(`{"note":` + quoteJSON(note) + `,"amount":{"value":"10000.00","currency":"IDR"}}`)
			url := srv.URL + "/" + scheme + "/" + path
			var mutate func(r *http.Request, b []byte) []byte
			if kind > 0 {
				mutate = func(r *http.Request, b []byte) []byte {
					switch kind {
					case 1: // one digit of the amount becomes another digit
						i := bytes.Index(b, []byte("10000")) + pos%5
						b = append([]byte(nil), b...)
						b[i] = '0' + (b[i]-'0'+1+byte(pos%9))%10
					case 2: // path
						r.URL.Path += "x"
					case 3: // one signed header
						hs := headersOf[scheme]
						name := hs[pos%len(hs)]
						v := r.Header.Get(name)
						j := len(v) - 2
						r.Header.Set(name, v[:j]+string(rune(v[j]^0x01))+v[j+1:])
					}
					return b
				}
			}
			var base http.RoundTripper = http.DefaultTransport
			if mutate != nil {
				base = tamper{base: base, edit: mutate}
			}
			var rt http.RoundTripper = &SNAPTransport{Base: base, Secret: []byte(secret), PartnerID: partner, Token: StaticToken(token), Now: fixedNow}
			if !useSNAP {
				rt = &NonSNAPTransport{Base: base, ClientID: client, Secret: []byte(nsSecret), Now: fixedNow}
			}
			before := rec.calls.Load()
			resp, err := (&http.Client{Transport: rt}).Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				return false
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ran := rec.calls.Load() - before
			if kind == 0 {
				return resp.StatusCode == 200 && ran == 1 && bytes.Equal(rec.body.Load().([]byte), body)
			}
			return resp.StatusCode >= 400 && resp.StatusCode < 500 && ran == 0
		},
		gen.Bool(), gen.RegexMatch(`[a-z0-9/-]{0,20}`), gen.AnyString(), gen.IntRange(0, 3), gen.IntRange(0, 1000),
	))
	props.TestingRun(t)
}

func quoteJSON(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFD:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
