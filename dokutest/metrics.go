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
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	notifications *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{}
	var err error
	if m.requests, err = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_simulator_requests_total", Help: "Calls the DOKU simulator answered, by route and outcome.",
	}, []string{"route", "outcome"})); err != nil {
		return nil, err
	}
	if m.duration, err = promreg.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "dokukit_simulator_request_duration_seconds", Help: "Time the DOKU simulator took to answer, by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})); err != nil {
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
	m.requests.WithLabelValues(route, outcome).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) notified(channel, outcome string) {
	if m == nil {
		return
	}
	m.notifications.WithLabelValues(channel, outcome).Inc()
}
