package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/verify"
)

// The duplicate guard moved to package dedupe. Everything below is a
// wrapper kept for one release; each says what to use instead.

// Defaults of the idempotency middleware.
//
// Deprecated: use dedupe.DefaultTTL, dedupe.DefaultLease,
// dedupe.DefaultMaxBody, dedupe.ReplayMargin and dedupe.DefaultReplayTTL.
const (
	IdempotencyDefaultTTL       = dedupe.DefaultTTL
	IdempotencyDefaultLease     = dedupe.DefaultLease
	IdempotencyDefaultMaxBody   = dedupe.DefaultMaxBody
	IdempotencyReplayMargin     = dedupe.ReplayMargin
	IdempotencyDefaultReplayTTL = dedupe.DefaultReplayTTL
)

// IdempotencyOption configures Idempotency.
//
// Deprecated: use the fields of dedupe.Config.
type IdempotencyOption func(*idemConfig) error

// IdempotencyKeyFunc extracts a business reference from a request and its
// body; "" means none. It must not keep body.
//
// Deprecated: use dedupe.KeyFunc.
type IdempotencyKeyFunc = dedupe.KeyFunc

type idemConfig struct{ dedupe.Config }

// IdempotencySNAP keys on X-PARTNER-ID + X-EXTERNAL-ID and answers with
// SNAP codes for serviceCode (two digits).
//
// Deprecated: use dedupe.New with Config.Scheme idempotency.SchemeSNAP and
// Config.ServiceCode.
func IdempotencySNAP(serviceCode int) IdempotencyOption {
	return func(c *idemConfig) error {
		if serviceCode < 0 || serviceCode > 99 {
			return fmt.Errorf("middleware: SNAP service code %d is not two digits", serviceCode)
		}
		c.Scheme, c.ServiceCode = idempotency.SchemeSNAP, serviceCode
		return nil
	}
}

// IdempotencyNonSNAP keys on Client-Id + Request-Id.
//
// Deprecated: use dedupe.New with Config.Scheme idempotency.SchemeNonSNAP.
func IdempotencyNonSNAP() IdempotencyOption {
	return func(c *idemConfig) error { c.Scheme = idempotency.SchemeNonSNAP; return nil }
}

// IdempotencyKirim keys on agentKey + requestId.
//
// Deprecated: use dedupe.New with Config.Scheme idempotency.SchemeKirim.
func IdempotencyKirim() IdempotencyOption {
	return func(c *idemConfig) error { c.Scheme = idempotency.SchemeKirim; return nil }
}

// positive is the check the wrappers kept from before dedupe, where a
// duration or limit ≤ 0 takes the default: here it is an error, so code
// that passed one still fails at setup as it did.
func positive[T time.Duration | int64](what string, v T, set *T) error {
	if v <= 0 {
		return errors.New("middleware: idempotency " + what + " must be positive")
	}
	*set = v
	return nil
}

// IdempotencyTTL sets how long completed responses are kept.
//
// Deprecated: use dedupe.Config.TTL.
func IdempotencyTTL(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error { return positive("TTL", d, &c.TTL) }
}

// IdempotencyLease sets how long an in-flight reservation survives its
// owner's crash.
//
// Deprecated: use dedupe.Config.Lease.
func IdempotencyLease(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error { return positive("lease", d, &c.Lease) }
}

// IdempotencyWait makes a duplicate that arrives while the first delivery
// is still running wait up to max for it.
//
// Deprecated: use dedupe.Config.Wait.
func IdempotencyWait(max time.Duration) IdempotencyOption {
	return func(c *idemConfig) error {
		if max < 0 {
			return errors.New("middleware: idempotency wait must not be negative")
		}
		c.Wait = max
		return nil
	}
}

// IdempotencyStrict answers identical repeats with 409.
//
// Deprecated: use dedupe.Config.Strict.
func IdempotencyStrict() IdempotencyOption {
	return func(c *idemConfig) error { c.Strict = true; return nil }
}

// IdempotencyFailOpen runs the handler unprotected when the store fails.
//
// Deprecated: use dedupe.Config.FailOpen.
func IdempotencyFailOpen() IdempotencyOption {
	return func(c *idemConfig) error { c.FailOpen = true; return nil }
}

// IdempotencyMaxBody bounds the request body read.
//
// Deprecated: use dedupe.Config.MaxBodyBytes.
func IdempotencyMaxBody(n int64) IdempotencyOption {
	return func(c *idemConfig) error { return positive("max body", n, &c.MaxBodyBytes) }
}

// IdempotencyBusinessKey adds a second key per request: the business
// reference f returns, scoped to the sender.
//
// Deprecated: use dedupe.Config.BusinessKey.
func IdempotencyBusinessKey(f IdempotencyKeyFunc) IdempotencyOption {
	return func(c *idemConfig) error {
		if f == nil {
			return errors.New("middleware: nil business key function")
		}
		c.BusinessKey = f
		return nil
	}
}

// IdempotencyKeyPrefix namespaces every key this middleware stores.
//
// Deprecated: use dedupe.Config.KeyPrefix.
func IdempotencyKeyPrefix(prefix string) IdempotencyOption {
	return func(c *idemConfig) error { c.KeyPrefix = prefix; return nil }
}

// IdempotencyBusinessKeyJSON is IdempotencyBusinessKey reading a string or
// number at a dotted path in the JSON body.
//
// Deprecated: use dedupe.Config.BusinessKey with dedupe.JSONKey(path).
func IdempotencyBusinessKeyJSON(path string) IdempotencyOption {
	if path == "" {
		return func(*idemConfig) error { return errors.New("middleware: empty business key path") }
	}
	return IdempotencyBusinessKey(dedupe.JSONKey(path))
}

// IdempotencyMetrics registers dokukit_idempotency_requests_total{outcome}
// on reg; nil means no metrics.
//
// Deprecated: use dedupe.Config.Registerer.
func IdempotencyMetrics(reg prometheus.Registerer) IdempotencyOption {
	return func(c *idemConfig) error { c.Registerer = reg; return nil }
}

// IdempotencyReplayTTL sets how long the replay key of a SNAP signature is
// kept.
//
// Deprecated: use dedupe.Config.ReplayTTL.
func IdempotencyReplayTTL(d time.Duration) IdempotencyOption {
	return func(c *idemConfig) error { return positive("replay TTL", d, &c.ReplayTTL) }
}

// IdempotencyReplayTTLFor is the replay key TTL that covers timestamp
// policy t.
//
// Deprecated: use dedupe.ReplayTTLFor.
func IdempotencyReplayTTLFor(t verify.Timestamps) time.Duration { return dedupe.ReplayTTLFor(t) }

// IdempotencyLogger sets where a refused replay is logged; nil (the
// default) means no logging.
//
// Deprecated: use dedupe.Config.Logger.
func IdempotencyLogger(l *slog.Logger) IdempotencyOption {
	return func(c *idemConfig) error { c.Logger = l; return nil }
}

// IdempotencyOptions bundles several options into one, applied in order.
//
// Deprecated: build one dedupe.Config.
func IdempotencyOptions(opts ...IdempotencyOption) IdempotencyOption {
	return func(c *idemConfig) error {
		for _, o := range opts {
			if err := o(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// Idempotency returns middleware that runs next at most once per
// notification: dedupe.New with the options' configuration, then
// Guard.Handler. See package dedupe for what it answers.
//
// Idempotency panics if store is nil, an option is invalid, or the
// metrics cannot be registered, at setup time, as http.Handle does for a
// nil handler.
//
// Deprecated: use dedupe.New, which returns those as errors, and
// Guard.Handler.
func Idempotency(store idempotency.Store, opts ...IdempotencyOption) func(http.Handler) http.Handler {
	if store == nil {
		panic("middleware: Idempotency with nil store")
	}
	c := idemConfig{dedupe.Config{Store: store}}
	for _, o := range opts {
		if err := o(&c); err != nil {
			panic(err)
		}
	}
	g, err := dedupe.New(c.Config)
	if err != nil {
		panic(err)
	}
	return g.Handler
}
