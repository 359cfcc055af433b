package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendRepeatIsAckedOnceApplied(t *testing.T) {
	for _, ch := range []Channel{SNAPDebit, SNAPVA, NonSNAP, KirimUnpaid, KirimRefund, SNAPToken} {
		t.Run(string(ch), func(t *testing.T) {
			h, cfg := fixture(t, ch)
			ds, err := Send(context.Background(), HandlerDoer(h), cfg, TamperNone, 3)
			require.NoError(t, err)
			require.Len(t, ds, 3)
			for _, d := range ds {
				assert.True(t, d.AsExpected, d.Verdict)
				if ch != SNAPToken {
					assert.Equal(t, string(ds[0].Body), string(d.Body))
				}
			}
			if ch != SNAPToken {
				assert.Equal(t, 1, h.count(), "three deliveries of one notification, one side effect")
			}
		})
	}
}

func TestSendTampered(t *testing.T) {
	for _, ch := range Channels() {
		for _, tk := range Tampers() {
			h, cfg := fixture(t, ch)
			ds, err := Send(context.Background(), HandlerDoer(h), cfg, tk, 1)
			if tamperApplies(mustDefaults(t, cfg), tk) != nil {
				assert.ErrorIs(t, err, ErrConfig, "%s %s", ch, tk)
				continue
			}
			require.NoError(t, err, "%s %s", ch, tk)
			assert.True(t, ds[0].AsExpected, "%s %s: %s", ch, tk, ds[0].Verdict)
			assert.GreaterOrEqual(t, ds[0].Status, 400)
			assert.Equal(t, 0, h.count(), "%s %s: no side effect for a tampered notification", ch, tk)

			// The same tamper against a handler that checks nothing is caught.
			h.brokenAnySignature = true
			ds, err = Send(context.Background(), HandlerDoer(h), cfg, tk, 1)
			require.NoError(t, err)
			if tk != TamperHeader {
				assert.False(t, ds[0].AsExpected, "%s %s", ch, tk)
				assert.Contains(t, ds[0].Verdict, "forged", "%s %s", ch, tk)
			}
		}
	}
	_, cfg := fixture(t, NonSNAP)
	_, err := Send(context.Background(), HandlerDoer(nil), cfg, "teleport", 1)
	assert.ErrorIs(t, err, ErrConfig)
}

func mustDefaults(t *testing.T, c Config) Config {
	c, err := c.withDefaults()
	require.NoError(t, err)
	return c
}

// Separate Send calls with one NotificationID are retries of one
// notification: each is re-signed, the merchant's side effect runs once.
func TestSendNotificationIDKeepsTheNotification(t *testing.T) {
	for _, ch := range []Channel{SNAPDebit, SNAPVA, NonSNAP, KirimUnpaid, KirimRefund} {
		t.Run(string(ch), func(t *testing.T) {
			h, cfg := fixture(t, ch)
			cfg.NotificationID = "4180755335890001"
			for range 3 {
				ds, err := Send(context.Background(), HandlerDoer(h), cfg, TamperNone, 1)
				require.NoError(t, err)
				assert.True(t, ds[0].AsExpected, ds[0].Verdict)
			}
			assert.Equal(t, 1, h.count(), "three tries of one notification, one side effect")
			cfg.NotificationID = ""
			_, err := Send(context.Background(), HandlerDoer(h), cfg, TamperNone, 1)
			require.NoError(t, err)
			assert.Equal(t, 2, h.count(), "without it each Send is a new notification")
		})
	}
}
