package client

import (
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

// metrics are the client's collectors. Without a Registerer every field is
// nil and records nothing, so callers use them unchecked.
type metrics struct {
	*promreg.Routes
	refreshes *promreg.Counter // by kind (b2b, b2b2c) and result (ok, error)
	fallbacks *promreg.Counter
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	b := promreg.NewBuilder(reg)
	m := metrics{
		Routes: b.Routes("client",
			"Calls made to DOKU by route and outcome (ok, api_error, unknown, bad_response, not_sent).",
			"Duration of calls to DOKU, retries and token requests included, by route."),
		refreshes: b.Counter("dokukit_client_token_refreshes_total",
			"Access-token requests made to DOKU by kind (b2b, b2b2c) and result (ok, error).", "kind", "result"),
		fallbacks: b.Counter("dokukit_client_token_store_fallbacks_total",
			"Times the shared token store failed and an in-process token was used instead."),
	}
	return m, b.Err()
}

// refreshResult is the result label of a token request that ended in err.
func refreshResult(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
