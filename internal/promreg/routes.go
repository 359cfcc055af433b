package promreg

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Routes are the two per-route collectors the API client and the DOKU
// simulator both keep: dokukit_<subsystem>_requests_total by route and
// outcome, and dokukit_<subsystem>_request_duration_seconds by route.
// A nil *Routes records nothing.
type Routes struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewRoutes registers the two collectors on reg (sharing ones registered
// before, as Register does) with the given help texts.
func NewRoutes(reg prometheus.Registerer, subsystem, requestsHelp, durationHelp string) (*Routes, error) {
	r := &Routes{}
	var err error
	if r.Requests, err = Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_" + subsystem + "_requests_total", Help: requestsHelp,
	}, []string{"route", "outcome"})); err != nil {
		return nil, err
	}
	if r.Duration, err = Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "dokukit_" + subsystem + "_request_duration_seconds", Help: durationHelp,
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})); err != nil {
		return nil, err
	}
	return r, nil
}

// Observe counts one call of route with outcome and records its duration.
func (r *Routes) Observe(route, outcome string, d time.Duration) {
	if r == nil {
		return
	}
	r.Requests.WithLabelValues(route, outcome).Inc()
	r.Duration.WithLabelValues(route).Observe(d.Seconds())
}
