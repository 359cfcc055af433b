package notify

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// A Registerer that already holds a user collector under one of the
// guard's or the default store's metric names makes the channel
// constructor return ErrConfig; it used to panic.
func TestChannelOnClashingRegistererIsAnError(t *testing.T) {
	set, err := verify.SecretsFor("MCH-1", []byte("SK-clash-test"))
	require.NoError(t, err)
	for _, name := range []string{"dokukit_idempotency_requests_total", "dokukit_idempotency_evictions_total"} {
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "the merchant's own"}))
		var h any
		assert.NotPanics(t, func() {
			h, err = NewNonSNAP(NonSNAPConfig{Common: Common{Registerer: reg}, Secrets: set},
				func(context.Context, *schemas.NonSNAPNotification) error { return nil })
		}, name)
		assert.True(t, errors.Is(err, ErrConfig), "%s: %v", name, err)
		assert.ErrorContains(t, err, name)
		assert.Nil(t, h, name)
	}
}
