package notify_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/sign"
)

// DOKU calls the merchant's token endpoint, signing X-CLIENT-KEY|X-TIMESTAMP
// with its private key; the merchant answers with a 15-minute bearer token
// that its SNAP notification handlers then validate.
func ExampleTokenEndpoint() {
	// In production: dokuPub from sign.ParsePublicKey(DOKU's published key),
	// merchantKey from sign.ParsePrivateKey(the merchant's key file).
	dokuKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	merchantKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := func() time.Time { return time.Date(2020, 12, 21, 7, 56, 11, 0, time.UTC) }

	issuer, err := notify.NewTokenIssuer(merchantKey, notify.TokenIssuerConfig{Now: now})
	if err != nil {
		panic(err)
	}
	endpoint, err := notify.NewTokenEndpoint(notify.TokenEndpointConfig{
		DOKUPublicKeys: map[string][]*rsa.PublicKey{"BRN-0001-1700000000000": {&dokuKey.PublicKey}},
		Issuer:         issuer,
		Now:            now,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+notify.TokenPath, endpoint)

	// What DOKU sends.
	ts := "2020-12-21T14:56:11+07:00"
	sig, _ := sign.SignSNAPToken(dokuKey, "BRN-0001-1700000000000", ts)
	req := httptest.NewRequest(http.MethodPost, notify.TokenPath, strings.NewReader(`{"grantType":"client_credentials"}`))
	req.Header.Set("X-CLIENT-KEY", "BRN-0001-1700000000000")
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	var resp notify.TokenResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	fmt.Println(rec.Code, resp.ResponseCode, resp.ResponseMessage, resp.TokenType, resp.ExpiresIn)

	// What the notification handler does with the bearer token it receives.
	claims, err := issuer.Validate(resp.AccessToken)
	fmt.Println(claims.ClientID, claims.ExpiresAt.UTC().Format(time.RFC3339), err)

	// A forged signature gets SNAP's 4017300.
	req.Header.Set("X-SIGNATURE", sig[:len(sig)-4]+"AAA=")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())

	// Output:
	// 200 2007300 Successful Bearer 900
	// BRN-0001-1700000000000 2020-12-21T08:11:11Z <nil>
	// 401 {"responseCode":"4017300","responseMessage":"Unauthorized. Invalid Signature"}
}

// The SNAP notification handlers accept a bearer token only while it is
// valid; an expired one tells DOKU to fetch a new token.
func ExampleTokenIssuer_Validate() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	clock := time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC)
	issuer, _ := notify.NewTokenIssuer(key, notify.TokenIssuerConfig{Now: func() time.Time { return clock }})

	token, expiresIn, _ := issuer.Issue("BRN-0001-1700000000000")
	fmt.Println("expires in", expiresIn)

	_, err := issuer.Validate(sign.StripBearer("Bearer " + token))
	fmt.Println("now:", err)

	clock = clock.Add(expiresIn)
	_, err = issuer.Validate(token)
	fmt.Println("15 minutes later:", err, errors.Is(err, notify.ErrTokenExpired))

	_, err = issuer.Validate("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	fmt.Println("alg none:", err, errors.Is(err, notify.ErrTokenInvalid))

	// Output:
	// expires in 15m0s
	// now: <nil>
	// 15 minutes later: notify: token expired: expired true
	// alg none: notify: invalid token: unsupported algorithm true
}
