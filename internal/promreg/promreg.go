// Package promreg registers dokukit's Prometheus collectors so that several
// middlewares, routes and channels can be built on one Registerer: a second
// registration of the same metric returns the collector already there.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c on reg, or returns the identical collector
// registered before. A different collector under the same name is an
// error, as is any other registration failure.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
