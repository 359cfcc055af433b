package promreg_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
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

func TestRoutesNamesAndNil(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	r, err := promreg.NewRoutes(reg, "test", "calls", "time")
	require.NoError(t, err)
	r.Observe("a.route", "ok", time.Millisecond)
	assert.Equal(t, 1.0, testutil.ToFloat64(r.Requests.WithLabelValues("a.route", "ok")))
	n, err := testutil.GatherAndCount(reg, "dokukit_test_requests_total", "dokukit_test_request_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	var none *promreg.Routes
	none.Observe("a.route", "ok", time.Millisecond) // records nothing, does not panic
}

func TestBuilderNilRegistererAndFirstError(t *testing.T) {
	none := promreg.NewBuilder(nil)
	r, c := none.Routes("test", "calls", "time"), none.Counter("dokukit_test_total", "t", "outcome")
	assert.Nil(t, r)
	assert.Nil(t, c)
	r.Observe("a.route", "ok", time.Millisecond) // record nothing, do not panic
	c.Inc("ok")
	require.NoError(t, none.Err())

	reg := prometheus.NewPedanticRegistry()
	b := promreg.NewBuilder(reg)
	labelled, plain := b.Counter("dokukit_test_total", "t", "outcome"), b.Counter("dokukit_test_plain_total", "p")
	require.NoError(t, b.Err())
	labelled.Inc("ok")
	assert.Equal(t, 1.0, testutil.ToFloat64(labelled.WithLabelValues("ok")))
	assert.Equal(t, 0.0, testutil.ToFloat64(plain), "a counter without labels is exposed before its first Inc")

	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_test_total", Help: "other"}))
	b = promreg.NewBuilder(clash)
	assert.Nil(t, b.Counter("dokukit_test_total", "t", "outcome"))
	assert.Nil(t, b.Routes("test", "calls", "time"), "nothing more is registered after a failure")
	assert.Error(t, b.Err())
}
