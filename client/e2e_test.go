package client_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/client/routes"
	"github.com/dokukit/dokukit/schemas"
)

// Every route the merchant calls, end to end against the simulator: the
// answer is the route's success, DOKU saw the headers its page requires
// (numeric X-EXTERNAL-IDs, no CHANNEL-ID, Authorization-Customer on the
// B2B2C routes, X-DEVICE-ID on DANA's), and one B2B token served them all.
func TestEveryRoute(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, func(cfg *client.Config) { cfg.ResponseSchema = client.SchemaStrict })
	bind(t, c, "1120340010")
	bodies := validBodies(t, c, s)
	numeric := regexp.MustCompile(`^[0-9]+$`)
	for _, r := range routes.All() {
		t.Run(r.Name(), func(t *testing.T) {
			mk := bodies[r.Name()]
			require.NotNil(t, mk, "a valid body for %s", r.Name())
			body := mk()
			before := len(routeRequests(s, r.Name()))
			resp, err := c.Do(context.Background(), r.Name(), body, opts()...)
			require.NoError(t, err)
			rt, _ := schemas.RouteByName(r.Name())
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, rt.SuccessCode, resp.ResponseCode)
			assert.Equal(t, 1, resp.Attempts)
			seen := routeRequests(s, r.Name())
			require.Len(t, seen, before+1)
			h := seen[len(seen)-1].Header
			assert.Empty(t, h.Get("CHANNEL-ID"), "no DOKU page asks for CHANNEL-ID")
			if rt.Family == schemas.SNAP {
				assert.Regexp(t, numeric, h.Get("X-EXTERNAL-ID"))
				assert.Equal(t, resp.ExternalID, h.Get("X-EXTERNAL-ID"))
				assert.Equal(t, rt.Customer, h.Get("Authorization-Customer") != "", "Authorization-Customer on B2B2C routes only")
				assert.Equal(t, rt.Page == schemas.PageDANA, h.Get("X-DEVICE-ID") != "", "X-DEVICE-ID where the page asks")
			} else {
				assert.Equal(t, resp.ExternalID, h.Get("Request-Id"))
			}
		})
	}
	b2b := 0
	for _, tok := range s.Tokens() {
		if tok.Kind == "b2b" {
			b2b++
		}
	}
	assert.Equal(t, 1, b2b, "one B2B token for every call")
}

// The typed form: the route value fixes the request and response types.
func TestTypedCall(t *testing.T) {
	s := newSim(t, nil)
	c := newClient(t, s, nil)
	req := &schemas.DANAPaymentRequest{}
	require.NoError(t, schemas.Decode(with(t, "dana.payment", func(m map[string]any) { m["partnerReferenceNo"] = "INV-TYPED" }), req, true))
	resp, err := client.Call(context.Background(), c, routes.DANAPayment, req, client.WithDeviceID(testDevice))
	require.NoError(t, err)
	assert.Equal(t, "2000500", string(resp.ResponseCode))
	assert.Equal(t, "INV-TYPED", string(resp.PartnerReferenceNo))

	_, err = client.Call(context.Background(), c, routes.DANAPayment, &schemas.DANAPaymentRequest{}, client.WithDeviceID(testDevice))
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	var ve *schemas.ValidationError
	assert.ErrorAs(t, err, &ve, "the schema's field errors are kept")
}
