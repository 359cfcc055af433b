package promreg

import "github.com/prometheus/client_golang/prometheus"

// Counter is a counter vector that records nothing when nil, so that a
// component built without a Registerer needs no checks of its own.
type Counter struct {
	*prometheus.CounterVec
}

// Inc adds one to the series of labels (none for a counter without
// labels). On a nil *Counter it does nothing.
func (c *Counter) Inc(labels ...string) {
	if c == nil {
		return
	}
	c.WithLabelValues(labels...).Inc()
}

// Builder registers one component's collectors on a Registerer and keeps
// the first failure, so that the component's constructor checks once
// (Err). On a nil Registerer it registers nothing and hands out nil
// collectors, which record nothing.
type Builder struct {
	reg prometheus.Registerer
	err error
}

// NewBuilder returns a Builder registering on reg; reg may be nil.
func NewBuilder(reg prometheus.Registerer) *Builder {
	return &Builder{reg: reg}
}

// Routes registers the per-route collectors of subsystem, as NewRoutes
// does; nil after a failure or without a Registerer.
func (b *Builder) Routes(subsystem, requestsHelp, durationHelp string) *Routes {
	if b.reg == nil || b.err != nil {
		return nil
	}
	r, err := NewRoutes(b.reg, subsystem, requestsHelp, durationHelp)
	b.err = err
	return r
}

// Counter registers (or shares, as Register does) the counter vector name
// with labels; nil after a failure or without a Registerer. A counter
// without labels is exposed at 0 from the start, as a prometheus.Counter.
func (b *Builder) Counter(name, help string, labels ...string) *Counter {
	if b.reg == nil || b.err != nil {
		return nil
	}
	cv, err := Register(b.reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels))
	if err != nil {
		b.err = err
		return nil
	}
	if len(labels) == 0 {
		cv.WithLabelValues()
	}
	return &Counter{cv}
}

// Err is the first registration failure, nil if there was none.
func (b *Builder) Err() error {
	return b.err
}
