package client

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/internal/promreg"
)

// Outcomes, the bounded values of the outcome label.
const (
	outcomeOK          = "ok"           // the route's success
	outcomeAPIError    = "api_error"    // DOKU answered an error
	outcomeUnknown     = "unknown"      // sent, no telling answer, not resent
	outcomeBadResponse = "bad_response" // verification or strict schema failed
	outcomeNotSent     = "not_sent"     // invalid request, missing header, token or dial failure
)

type metrics struct {
	*promreg.Routes
	refreshes *prometheus.CounterVec
	fallbacks prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{}
	var err error
	if m.Routes, err = promreg.NewRoutes(reg, "client",
		"Calls made to DOKU by route and outcome (ok, api_error, unknown, bad_response, not_sent).",
		"Duration of calls to DOKU, retries and token requests included, by route."); err != nil {
		return nil, err
	}
	if m.refreshes, err = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dokukit_client_token_refreshes_total", Help: "Access-token requests made to DOKU by kind (b2b, b2b2c) and result (ok, error).",
	}, []string{"kind", "result"})); err != nil {
		return nil, err
	}
	if m.fallbacks, err = promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dokukit_client_token_store_fallbacks_total", Help: "Times the shared token store failed and an in-process token was used instead.",
	})); err != nil {
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

func (m *metrics) refresh(kind string, err error) {
	if m == nil {
		return
	}
	r := "ok"
	if err != nil {
		r = "error"
	}
	m.refreshes.WithLabelValues(kind, r).Inc()
}

func (m *metrics) fallback() {
	if m == nil {
		return
	}
	m.fallbacks.Inc()
}
