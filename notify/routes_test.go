package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

// The route table is the one source of paths, service codes and success
// codes: notify's exported constants (kept for the merchants who use them)
// are pinned to it, so a change to the table that forgets them fails here.
func TestConstantsFollowTheRouteTable(t *testing.T) {
	for name, want := range map[string]struct {
		path    string
		service int
	}{
		"notify.snap_token":      {TokenPath, 73},
		"notify.snap_debit":      {DefaultSNAPDebitPath, ServiceDebitNotify},
		"notify.snap_va_payment": {DefaultSNAPVAPath, ServiceVANotify},
	} {
		r, ok := schemas.RouteByName(name)
		require.True(t, ok, name)
		assert.Equal(t, r.Path, want.path, name)
		assert.Equal(t, r.ServiceCode, want.service, name)
		if name != "notify.snap_token" {
			assert.Equal(t, r.SuccessCode, ackCode(want.service), "%s: the channel's ack code", name)
		}
	}
}
