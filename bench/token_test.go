package bench

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/sign"
)

// BenchmarkTokenValidate puts notify.TokenIssuer.Validate (RS256 only,
// iss, aud, exp, iat, sub, jti, strict base64) beside the least a peer does
// with golang-jwt: jwt.Parse with a keyfunc and default options. DOKU
// presents one token on every notification for up to 900 s, so "dokukit"
// (the default issuer) answers it from the issuer's cache of validated
// tokens after the first call; "dokukit-uncached" (DisableCache) runs the
// full check every time, where the RSA verification dominates, as it does
// for the naive parse. The difference of the first two is the saving per
// notification.
func BenchmarkTokenValidate(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC)
	iss, err := notify.NewTokenIssuer(key, notify.TokenIssuerConfig{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	uncached, err := notify.NewTokenIssuer(key, notify.TokenIssuerConfig{Now: func() time.Time { return now }, DisableCache: true})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := iss.Issue("BRN-0001-1700000000000")
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		iss  *notify.TokenIssuer
	}{{"dokukit", iss}, {"dokukit-uncached", uncached}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := v.iss.ValidateFor(tok, "BRN-0001-1700000000000"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("naive-jwt-Parse", func(b *testing.B) {
		p := jwt.NewParser(jwt.WithTimeFunc(func() time.Time { return now }))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := p.Parse(tok, func(*jwt.Token) (any, error) { return &key.PublicKey, nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTokenEndpoint serves DOKU's token call through notify.TokenEndpoint
// beside a naive handler that only verifies the RSA signature and signs a
// JWT (no skew, body, or grantType checks, no metrics): two RSA operations
// dominate both.
func BenchmarkTokenEndpoint(b *testing.B) {
	doku, err := sign.ParsePrivateKey(readVector(b, "test_rsa_private_pkcs8.pem"))
	if err != nil {
		b.Fatal(err)
	}
	merchant, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	const client, ts = "BRN-0001-1700000000000", "2024-01-01T12:00:00+07:00"
	now := func() time.Time { return time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC) }
	sig, err := sign.SignToken(doku, client, ts)
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"grantType":"client_credentials"}`
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, notify.TokenPath, strings.NewReader(body))
		r.Header.Set("X-CLIENT-KEY", client)
		r.Header.Set("X-TIMESTAMP", ts)
		r.Header.Set("X-SIGNATURE", sig)
		return r
	}
	iss, err := notify.NewTokenIssuer(merchant, notify.TokenIssuerConfig{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	ep, err := notify.NewTokenEndpoint(notify.TokenEndpointConfig{
		DOKUPublicKeys: map[string][]*rsa.PublicKey{client: {&doku.PublicKey}}, Issuer: iss, Now: now,
	})
	if err != nil {
		b.Fatal(err)
	}
	naive := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sign.VerifyToken(&doku.PublicKey, r.Header.Get("X-CLIENT-KEY"), r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-SIGNATURE")) != nil {
			w.WriteHeader(401)
			return
		}
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": r.Header.Get("X-CLIENT-KEY"), "exp": now().Add(15 * time.Minute).Unix()}).SignedString(merchant)
		if err != nil {
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"responseCode":"2007300","accessToken":"` + s + `"}`))
	})
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"dokukit", ep}, {"naive", naive}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, newReq())
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
