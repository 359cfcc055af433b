package dokutest

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
)

// metrics are the simulator's collectors; without a Registerer every field
// is nil and records nothing. Labels are bounded: route names of the table
// (or "unknown"), the fixed outcomes, the notification channels.
type metrics struct {
	*promreg.Routes
	notifications *promreg.Counter // by channel and outcome
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	b := promreg.NewBuilder(reg)
	m := metrics{
		Routes: b.Routes("simulator",
			"Calls the DOKU simulator answered, by route and outcome.",
			"Time the DOKU simulator took to answer, by route."),
		notifications: b.Counter("dokukit_simulator_notifications_total",
			"Notification tries the DOKU simulator made, by channel and outcome (acked, failed, gave_up).", "channel", "outcome"),
	}
	return m, b.Err()
}
