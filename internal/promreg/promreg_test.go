package promreg_test

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/promreg"
)

func counter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dokukit_test_total", Help: "t"}, []string{"outcome"})
}

func TestRegisterSharesOrRefuses(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	first, err := promreg.Register(reg, counter())
	require.NoError(t, err)
	second, err := promreg.Register(reg, counter())
	require.NoError(t, err)
	assert.Same(t, first, second, "the second registration shares the first collector")

	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_test_total", Help: "other"}))
	_, err = promreg.Register(clash, counter())
	assert.Error(t, err, "another metric under the same name is refused")
}

// Two channels built on one registry count into the same series.
func Example() {
	reg := prometheus.NewRegistry()
	a, _ := promreg.Register(reg, counter())
	b, _ := promreg.Register(reg, counter())
	a.WithLabelValues("ok").Inc()
	b.WithLabelValues("ok").Inc()
	fams, _ := reg.Gather()
	fmt.Println(fams[0].GetName(), fams[0].GetMetric()[0].GetCounter().GetValue())
	// Output: dokukit_test_total 2
}
