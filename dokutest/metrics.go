package dokutest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
)

// metrics are the simulator's collectors; a nil *metrics records nothing.
// Labels are bounded: route names of the table (or "unknown"), the fixed
// outcomes, the notification channels.
type metrics struct {
	*promreg.Routes
	notifications *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{}
	var err error
	if m.Routes, err = promreg.NewRoutes(reg, "simulator",
		"Calls the DOKU simulator answered, by route and outcome.",
		"Time the DOKU simulator took to answer, by route."); err != nil {
		return nil, err
	}
	if m.notifications, err = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_simulator_notifications_total", Help: "Notification tries the DOKU simulator made, by channel and outcome (acked, failed, gave_up).",
	}, []string{"channel", "outcome"})); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) observe(route, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.Observe(route, outcome, d)
}

func (m *metrics) notified(channel, outcome string) {
	if m == nil {
		return
	}
	m.notifications.WithLabelValues(channel, outcome).Inc()
}
