package client_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/testkit"
)

const (
	testClient   = "BRN-0001-1700000000001"
	testSecret   = "SK-snap-secret-for-tests"
	testNonSNAP  = "SK-nonsnap-secret-for-tests"
	testKirimKey = "0123456789abcdef"
	testDevice   = "DEVICE1"
	testCustomer = "customer-1"
)

// merchantKey is the shipped TEST-ONLY key pair (internal/testvectors).
var merchantKey = testkit.Key

// newSim starts a simulated DOKU with every product configured.
func newSim(t testing.TB, edit func(*dokutest.Config)) *dokutest.Server {
	t.Helper()
	cfg := dokutest.Config{ClientID: testClient, MerchantPublicKey: &merchantKey(t).PublicKey, SNAPSecret: []byte(testSecret),
		NonSNAPSecret: []byte(testNonSNAP), KirimKey: []byte(testKirimKey)}
	if edit != nil {
		edit(&cfg)
	}
	s, err := dokutest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// newClient is a Client of the simulator; backoff is short so retries do
// not slow the tests.
func newClient(t testing.TB, s *dokutest.Server, edit func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{BaseURL: s.URL, ClientID: testClient, PrivateKey: merchantKey(t), SNAPSecret: []byte(testSecret),
		NonSNAPSecret: []byte(testNonSNAP), Backoff: time.Millisecond, AttemptTimeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := client.New(cfg)
	require.NoError(t, err)
	return c
}

var seq atomic.Int64

func init() { seq.Store(time.Now().UnixNano() % 1e9) }

func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// The shared fixtures: a route's sample request edited, as JSON, and a
// member of a JSON body.
var (
	with  = testkit.With
	field = testkit.Field
)

// opts are the call options every route of the tests gets: the DANA
// device id and the bound customer.
func opts() []client.CallOption {
	return []client.CallOption{client.WithDeviceID(testDevice), client.WithCustomer(testCustomer)}
}

// must calls route and requires its success.
func must(t testing.TB, c *client.Client, route string, body []byte) *client.Response {
	t.Helper()
	r, err := c.Do(context.Background(), route, body, opts()...)
	require.NoError(t, err, route)
	return r
}

// bind runs binding → binding inquiry → Authorize for testCustomer.
func bind(t testing.TB, c *client.Client, account string) (linkID string) {
	t.Helper()
	r := must(t, c, "wallet.binding", with(t, "wallet.binding", func(m map[string]any) {
		m["partnerReferenceNo"] = uniq("BIND")
		m["successParams"] = map[string]any{"accountId": account}
	}))
	link := field(t, r.Body, "linkId")
	r = must(t, c, "wallet.binding_inquiry", []byte(fmt.Sprintf(`{"partnerReferenceNo":%q,"additionalInfo":{"accountId":%q}}`, uniq("INQ"), account)))
	code := field(t, r.Body, "additionalInfo", "authCode")
	require.NoError(t, c.Authorize(context.Background(), testCustomer, code))
	return link
}

// validBodies makes, per route, a valid body from the route's DOKU page
// sample (testkit.ValidBodies), first making through c whatever it refers to.
func validBodies(t *testing.T, c *client.Client, s *dokutest.Server) map[string]func() []byte {
	return testkit.ValidBodies(t, testkit.RouteSim{
		Call: func(route string, body []byte) ([]byte, string) {
			r := must(t, c, route, body)
			return r.Body, r.ExternalID
		},
		Complete: s.Complete,
		AuthorizeID: func(invoice string) (string, bool) {
			p, ok := s.Payment(invoice)
			return p.AuthorizeID, ok
		},
		Unique: uniq,
	})
}

// routeRequests are the simulator's records of route.
func routeRequests(s *dokutest.Server, route string) []dokutest.Request {
	var out []dokutest.Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}
