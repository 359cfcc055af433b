// Package notify turns dokukit's pieces (verify, schemas, the duplicate
// guard, metrics) into what a merchant writes: "when DOKU tells me payment X
// succeeded, run my function once, and answer DOKU the way it expects".
//
// One constructor per channel returns an http.Handler:
//
//   - NewSNAPDebit, NewSNAPVA: SNAP notifications (debit / e-wallet payment
//     notify, service 56; virtual-account payment notify, service 25),
//     HMAC-SHA512 with the bearer token as received, or RSA, per channel.
//   - NewNonSNAP: non-SNAP notifications (Cards, Checkout, VA, Akulaku).
//   - NewKirimUnpaid, NewKirimRefund: Kirim DOKU callbacks. Their signature
//     can be forged from earlier ones, so each needs a KirimTransferCheck
//     (or the loudly named InsecureSkipTransferCheck) and acts only on
//     transfers the merchant made and still awaits.
//   - NewTokenEndpoint: the merchant's SNAP token endpoint DOKU calls
//     before a SNAP notification. It checks DOKU's RSA signature over
//     X-CLIENT-KEY|X-TIMESTAMP and answers with a short-lived RS256 JWT
//     made by a TokenIssuer; the SNAP channels accept only bearer tokens
//     TokenIssuer.ValidateFor accepts: issued by this merchant, for this
//     audience, to the client that signed the notification, and not
//     expired.
//
// NewMux mounts all of them on their paths from one MuxConfig (keys,
// registerer, store, logger).
//
// Every channel and the token endpoint answer POST only: any other method
// gets 405 with "Allow: POST" in the channel's shape, before anything is
// read or verified. The non-SNAP and Kirim signatures do not cover the
// query string (SNAP's does): those channels remove it before verifying,
// so nothing unverified reaches Func, its context or
// middleware.Verified(ctx).
//
// Each channel verifies the signature, drops duplicates (a DOKU retry of a
// notification already acknowledged gets the same answer without the
// merchant's func running again), decodes the body into its schemas type,
// calls the merchant's Func, and answers with the channel's ack or the
// protocol's error code. A Func error or panic answers 5xx and releases the
// duplicate guard, so DOKU's retry is processed.
//
// Every check has a pure form that decides without writing a response
// (TokenEndpoint.Check, TokenIssuer.Validate, verify's verifiers) and an
// http.Handler that adapts it, in the shape of net/http's
// CrossOriginProtection. No error, log line or metric label carries a
// secret, a token, a signature or a key.
//
// # Options
//
// Every constructor takes a config struct whose zero value is the safe
// default (Common, SNAPConfig, TokenEndpointConfig, MuxConfig), as
// promhttp.HandlerOpts and verify's configs do: a config struct reads as one
// value in a merchant's wiring and can be built from their own settings.
// The same knob means the same everywhere: a limit 0 or less
// (MaxBodyBytes, a skew) is the kit's one default (verify.DefaultMaxBodyBytes,
// verify.DefaultSkew), never an error or a panic; a nil Logger logs
// nothing; metrics go to the Registerer given, never the global one.
// A constructor that returns an error never panics: every failure,
// including a Registerer that refuses a metric, is an ErrConfig
// (verify.ErrConfig) that keeps its cause.
package notify
