package notifyroutes

import (
	"context"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/examples/frameworks/internal/dokusim"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

func TestPathsListsWhatTheMuxServes(t *testing.T) {
	doku, merchant, err := dokusim.Keys()
	require.NoError(t, err)
	secrets, err := verify.SecretsFor(dokusim.ClientID, []byte("0123456789abcdef"))
	require.NoError(t, err)
	snap := func(context.Context, *schemas.SNAPDebitNotify) error { return nil }
	va := func(context.Context, *schemas.SNAPVANotify) error { return nil }
	ns := func(context.Context, *schemas.NonSNAPNotification) error { return nil }
	kirim := func(context.Context, *schemas.KirimNotification) error { return nil }
	awaited := func(context.Context, *schemas.KirimNotification) (bool, error) { return true, nil }
	// withKeys gives each configured channel its keys (NewMux refuses keys
	// no channel uses).
	withKeys := func(c notify.MuxConfig) notify.MuxConfig {
		if c.SNAPDebit != nil || c.SNAPVA != nil {
			c.TokenKey, c.DOKUPublicKeys, c.SNAPSecrets = merchant, map[string][]*rsa.PublicKey{dokusim.ClientID: {&doku.PublicKey}}, secrets
		}
		if c.NonSNAP != nil {
			c.NonSNAPSecrets = secrets
		}
		if c.KirimUnpaid != nil || c.KirimRefund != nil {
			c.KirimKeys = secrets
			c.KirimTransfers = awaited // NewMux requires the transfer check
		}
		return c
	}

	for _, tc := range []struct {
		name string
		set  func(*notify.MuxConfig)
		want []string
	}{
		{"nothing", func(*notify.MuxConfig) {}, nil},
		{"snap debit brings the token endpoint", func(c *notify.MuxConfig) { c.SNAPDebit = snap },
			[]string{"/authorization/v1/access-token/b2b", "/v1.0/debit/notify"}},
		{"snap va brings the token endpoint", func(c *notify.MuxConfig) { c.SNAPVA = va },
			[]string{"/authorization/v1/access-token/b2b", "/v1.0/transfer-va/payment"}},
		{"nonsnap alone needs no token", func(c *notify.MuxConfig) { c.NonSNAP = ns },
			[]string{"/payments/notifications"}},
		{"every channel, custom paths", func(c *notify.MuxConfig) {
			c.SNAPDebit, c.SNAPVA, c.NonSNAP, c.KirimUnpaid, c.KirimRefund = snap, va, ns, kirim, kirim
			c.Paths = notify.Paths{Token: "/doku/token", NonSNAP: "/doku/jokul", KirimRefund: "/doku/kirim/refund"}
		}, []string{"/doku/token", "/v1.0/debit/notify", "/v1.0/transfer-va/payment", "/doku/jokul", "/kirim/unpaid", "/doku/kirim/refund"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg notify.MuxConfig
			tc.set(&cfg)
			m, paths, err := New(withKeys(cfg))
			require.NoError(t, err)
			require.NotNil(t, m)
			assert.Equal(t, tc.want, paths)
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    notify.Paths
		ok   bool
	}{
		{"defaults", notify.Paths{}, true},
		{"literal", notify.Paths{SNAPDebit: "/shop/v1.0/debit/notify", Token: "/shop/token"}, true},
		{"relative", notify.Paths{NonSNAP: "payments/notifications"}, false},
		{"chi or net/http parameter", notify.Paths{SNAPDebit: "/v1.0/{kind}/notify"}, false},
		{"echo or gin parameter", notify.Paths{SNAPVA: "/v1.0/:kind/payment"}, false},
		{"wildcard", notify.Paths{KirimUnpaid: "/kirim/*"}, false},
		{"query", notify.Paths{KirimRefund: "/kirim/refund?x=1"}, false},
		{"space", notify.Paths{Token: "/auth token"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.p)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrPath)
			}
		})
	}
}

func TestFree(t *testing.T) {
	taken := func(p string) bool { return p == "/b" }
	assert.NoError(t, Free([]string{"/a", "/c"}, taken))
	err := Free([]string{"/a", "/b"}, taken)
	assert.ErrorIs(t, err, ErrTaken)
	assert.EqualError(t, err, "notifyroutes: notification path already has a POST route: POST /b")
}
