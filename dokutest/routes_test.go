package dokutest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// validBodies builds, per route, a valid request body from the route's DOKU
// page sample (testkit.ValidBodies), first making through c whatever the
// call refers to so the answer is the route's success. The token routes are
// added on top: TestEveryRoute makes their bodies itself.
func validBodies(t *testing.T, c *client) map[string]func() []byte {
	valid := testkit.ValidBodies(t, testkit.RouteSim{
		Call: func(route string, body []byte) ([]byte, string) {
			rt, ok := schemas.RouteByName(route)
			require.True(t, ok, route)
			id := strconv.FormatInt(c.ext.Add(1), 10)
			var r reply
			if rt.Family == schemas.NonSNAP {
				id = "req-" + id
				r = c.nonSNAP(rt.Path, body, nsOpts{requestID: id})
			} else {
				r = c.snap(rt.Path, body, snapOpts{extID: id})
			}
			require.Equal(t, 200, r.status, string(r.body))
			require.Equal(t, rt.SuccessCode, r.code, string(r.body))
			return r.body, id
		},
		Complete: c.s.Complete,
		AuthorizeID: func(invoice string) (string, bool) {
			p, ok := c.s.Payment(invoice)
			return p.AuthorizeID, ok
		},
		Unique: func(prefix string) string { return fmt.Sprintf("%s-%d", prefix, c.ext.Add(1)) },
	})
	valid["wallet.token_b2b"] = func() []byte { return []byte(`{"grantType":"client_credentials"}`) }
	valid["wallet.token_b2b2c"] = nil // exercised by bindCustomer and TestB2B2CTokenFlow
	return valid
}

func want(status, service, cas int) string { return snapCode(status, service, cas) }

// Every merchant → DOKU route of the table answers the exact responseCode
// for a bad signature, a bad token, a missing header and a bad body, and a
// valid call gets the route's success code in a body that strict-decodes
// into the route's response type.
func TestEveryRoute(t *testing.T) {
	s := newTestServer(t, nil) // validBodies completes what it pays: an Akulaku cancel needs a pending order
	c := newClient(t, s)
	c.tokenB2B()
	c.bindCustomer("1120340010")
	valid := validBodies(t, c)
	mk, _ := keys(t)
	nsVerifier, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: mustSecrets(t, testNonSNAP)})
	require.NoError(t, err)

	n := 0
	for _, rt := range schemas.Routes() {
		if rt.Direction != schemas.MerchantToDOKU {
			continue
		}
		n++
		t.Run(rt.Name, func(t *testing.T) {
			mk2, _ := keys(t)
			switch {
			case rt.Family == schemas.NonSNAP:
				body := valid[rt.Name]()
				r := c.nonSNAP(rt.Path, body, nsOpts{secret: testNonSNAP + "x"})
				assert.Equal(t, 401, r.status)
				assert.Equal(t, "signature_mismatch", r.code, "bad signature")
				bad := r
				r = c.nonSNAP(rt.Path, body, nsOpts{clientID: "BRN-OTHER"})
				assert.Equal(t, 401, r.status)
				assert.Equal(t, "signature_mismatch", r.code, "a client DOKU does not know (non-SNAP carries no token)")
				assert.Equal(t, string(bad.body), string(r.body), "an unknown client is answered as a bad signature: no enumeration")
				r = c.nonSNAP(rt.Path, body, nsOpts{drop: "Request-Timestamp"})
				assert.Equal(t, 400, r.status)
				assert.Equal(t, "missing_header", r.code, "missing header")
				r = c.nonSNAP(rt.Path, []byte(`{"unexpectedField":1}`), nsOpts{})
				assert.Equal(t, 400, r.status)
				assert.Equal(t, "invalid_parameter", r.code, "bad body")
				r = c.nonSNAP(rt.Path, body, nsOpts{requestID: "echo-me"})
				require.Equal(t, 200, r.status, string(r.body))
				assert.NoError(t, schemas.Decode(r.body, rt.NewResponse(), true))
				assert.Equal(t, "echo-me", r.header.Get("Request-Id"))
				resp := &http.Response{Header: r.header, Body: http.NoBody}
				resp.Body = nopCloser(r.body)
				_, err := nsVerifier.VerifyResponse(context.Background(), resp, rt.Path)
				assert.NoError(t, err, "DOKU's answer is signed with Response-Timestamp")
			case strings.HasPrefix(rt.Name, "wallet.token_"):
				body := []byte(`{"grantType":"client_credentials"}`)
				if rt.Name == "wallet.token_b2b2c" {
					body = []byte(`{"grantType":"authorization_code","authCode":"never-issued"}`)
				}
				_, other := keys(t)
				r := c.do("POST", rt.Path, c.tokenHeaders(other, testClient), body)
				assert.Equal(t, want(401, rt.ServiceCode, 0), r.code, "bad signature")
				r = c.do("POST", rt.Path, c.tokenHeaders(mk2, "BRN-OTHER"), body)
				assert.Equal(t, want(401, rt.ServiceCode, 0), r.code, "unknown client (token requests carry no token)")
				h := c.tokenHeaders(mk2, testClient)
				h.Del("X-Timestamp")
				r = c.do("POST", rt.Path, h, body)
				assert.Equal(t, want(400, rt.ServiceCode, 2), r.code, "missing header")
				r = c.do("POST", rt.Path, c.tokenHeaders(mk2, testClient), []byte(`{"unexpectedField":1}`))
				assert.Equal(t, want(400, rt.ServiceCode, 1), r.code, "bad body")
				if rt.Name == "wallet.token_b2b2c" {
					r = c.do("POST", rt.Path, c.tokenHeaders(mk2, testClient), body)
					assert.Equal(t, want(401, 74, 1), r.code, "an authCode the binding flow never issued")
					bind := mustMarshal(t, map[string]any{"partnerReferenceNo": "BIND-B2B2C", "redirectUrl": "https://merchant.example/bound",
						"successParams": map[string]any{"accountId": "1999999999"}})
					require.Equal(t, 200, c.snap("/snap-adapter/b2b/v1.0/registration-account-binding", bind, snapOpts{}).status)
					inq := c.snap("/snap-adapter/b2b/v1.0/registration-account-inquiry",
						[]byte(`{"partnerReferenceNo":"INQ-B2B2C","additionalInfo":{"accountId":"1999999999"}}`), snapOpts{})
					require.Equal(t, 200, inq.status, string(inq.body))
					body = mustMarshal(t, map[string]string{"grantType": "authorization_code", "authCode": field(t, inq.body, "additionalInfo", "authCode")})
				}
				r = c.do("POST", rt.Path, c.tokenHeaders(mk2, testClient), body)
				require.Equal(t, 200, r.status, string(r.body))
				var tok schemas.SNAPTokenResponse
				require.NoError(t, schemas.Decode(r.body, &tok, true))
				assert.Equal(t, rt.SuccessCode, string(tok.ResponseCode))
				assert.Equal(t, "900", string(tok.ExpiresIn))
				if rt.Name == "wallet.token_b2b2c" {
					assert.NotEmpty(t, tok.RefreshToken)
					c.customer = tok.AccessToken
					r = c.do("POST", rt.Path, c.tokenHeaders(mk2, testClient), body)
					assert.Equal(t, want(401, 74, 1), r.code, "an authCode is single use")
					return
				}
				c.b2b = tok.AccessToken // the new token replaced the old one
			default:
				mk := valid[rt.Name]
				require.NotNil(t, mk, "a valid body for %s", rt.Name)
				body := mk()
				r := c.snap(rt.Path, body, snapOpts{secret: testSecret + "x"})
				assert.Equal(t, 401, r.status)
				assert.Equal(t, want(401, rt.ServiceCode, 0), r.code, "bad signature")
				bad := r
				r = c.snap(rt.Path, body, snapOpts{partner: "BRN-OTHER"})
				assert.Equal(t, string(bad.body), string(r.body), "an unknown X-PARTNER-ID is answered as a bad signature")
				r = c.snap(rt.Path, body, snapOpts{token: "never-issued-token"})
				assert.Equal(t, 401, r.status)
				assert.Equal(t, want(401, rt.ServiceCode, 1), r.code, "bad token")
				r = c.snap(rt.Path, body, snapOpts{drop: "X-TIMESTAMP"})
				assert.Equal(t, 400, r.status)
				assert.Equal(t, want(400, rt.ServiceCode, 2), r.code, "missing header")
				if needsDeviceID(rt) {
					r = c.snap(rt.Path, body, snapOpts{drop: "X-DEVICE-ID"})
					assert.Equal(t, want(400, rt.ServiceCode, 2), r.code, "X-DEVICE-ID is required on the DANA page")
				}
				if needsCustomer(rt) {
					r = c.snap(rt.Path, body, snapOpts{customer: "never-issued-customer-token"})
					assert.Equal(t, want(401, rt.ServiceCode, 1), r.code, "bad customer token")
				}
				r = c.snap(rt.Path, []byte(`{"unexpectedField":1}`), snapOpts{})
				assert.Equal(t, 400, r.status)
				assert.Equal(t, want(400, rt.ServiceCode, 1), r.code, "bad body")
				assert.Contains(t, string(r.body), "{unexpectedField}")
				r = c.snap(rt.Path, body, snapOpts{})
				require.Equal(t, 200, r.status, string(r.body))
				resp := rt.NewResponse()
				require.NoError(t, schemas.Decode(r.body, resp, true), string(r.body))
				assert.Equal(t, rt.SuccessCode, r.code)
			}
		})
	}
	assert.Equal(t, 31, n, "2 token, 22 SNAP transactional and 7 non-SNAP routes")
	_ = mk
}

func mustSecrets(t *testing.T, secret string) verify.Secrets {
	s, err := verify.SecretsFor(testClient, []byte(secret))
	require.NoError(t, err)
	return s
}
