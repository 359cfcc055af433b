package middleware

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
	"github.com/dokukit/dokukit/verify"
)

// Metrics counts verifications. Labels are bounded: scheme (five values)
// and outcome ("ok" or one verify.Reason), never ids or paths. Safe for
// concurrent use; share one Metrics between middlewares.
type Metrics struct {
	verifications *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	bodyBytes     *prometheus.HistogramVec
}

// NewMetrics registers dokukit_verifications_total,
// dokukit_verify_duration_seconds and dokukit_request_body_bytes on reg.
// Calling it again with the same registry returns metrics sharing the
// already registered collectors, so several routes can each build their
// own. A nil reg is an error (pass no metrics instead).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("middleware: NewMetrics needs a prometheus.Registerer")
	}
	m := &Metrics{
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dokukit_verifications_total",
			Help: "DOKU signature verifications by scheme and outcome (ok or the failure reason).",
		}, []string{"scheme", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dokukit_verify_duration_seconds",
			Help:    "Time to read the body and verify the signature.",
			Buckets: []float64{5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2, 0.1, 1},
		}, []string{"scheme"}),
		bodyBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dokukit_request_body_bytes",
			Help:    "Size of request bodies that reached verification.",
			Buckets: prometheus.ExponentialBuckets(64, 4, 9), // 64 B … 4 MiB
		}, []string{"scheme"}),
	}
	var err error
	if m.verifications, err = promreg.Register(reg, m.verifications); err != nil {
		return nil, err
	}
	if m.duration, err = promreg.Register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.bodyBytes, err = promreg.Register(reg, m.bodyBytes); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metrics) observe(s verify.Scheme, err error, d time.Duration, size int64) {
	if m == nil {
		return
	}
	m.verifications.WithLabelValues(string(s), verify.Reason(err)).Inc()
	m.duration.WithLabelValues(string(s)).Observe(d.Seconds())
	if size >= 0 {
		m.bodyBytes.WithLabelValues(string(s)).Observe(float64(size))
	}
}
