package schemas

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every route the merchant calls says what it does; the B2B2C ones (11 on
// the DOKU Wallet page) require Authorization-Customer and DANA's
// X-DEVICE-ID; no route sends CHANNEL-ID; a status route is a read-only
// route of the table.
func TestCallInfo(t *testing.T) {
	customers := 0
	for _, r := range Routes() {
		if r.Direction != MerchantToDOKU {
			assert.Empty(t, r.Effect, r.Name)
			continue
		}
		assert.Contains(t, []Effect{ReadOnly, MovesMoney, ChangesState}, r.Effect, r.Name)
		assert.Empty(t, r.ChannelID, "%s: no DOKU page asks for CHANNEL-ID", r.Name)
		if r.Customer {
			customers++
			assert.Contains(t, r.Headers, "Authorization-Customer", r.Name)
		}
		if r.Page == PageDANA {
			assert.Equal(t, []string{"X-DEVICE-ID"}, r.Headers, r.Name)
			assert.Equal(t, []string{"X-IP-ADDRESS"}, r.OptionalHeaders, r.Name)
		}
		if r.StatusRoute != "" {
			s, ok := RouteByName(r.StatusRoute)
			if assert.True(t, ok, r.Name) {
				assert.Equal(t, ReadOnly, s.Effect, r.Name)
			}
			assert.NotEqual(t, ReadOnly, r.Effect, "%s: a read-only route is simply asked again", r.Name)
		}
	}
	assert.Equal(t, 11, customers)
	for name := range callInfo {
		_, ok := RouteByName(name)
		assert.True(t, ok, name)
	}
}
