// Package middleware puts DOKU's signatures, schemas and duplicate
// protection in front of an existing net/http handler. Every constructor
// returns (or adapts to) func(http.Handler) http.Handler, so it composes
// with plain net/http, chi and alice.
//
// Verify (or NewVerification, which returns an error instead of panicking)
// runs a verify.Verifier on every request: a request that reaches the
// wrapped handler has a valid DOKU signature, within the timestamp window,
// signed with a key valid for its sender, and its body is readable again.
// Anything else gets the protocol's own answer — SNAP
// {"responseCode":"401xx00",…}, the non-SNAP JSON error, Kirim DOKU's
// {"status":false,…} — a metric, and a typed error for the deny handler.
// The verified identity is in the request context (Verified), and so is
// the verified body (VerifiedBody), so the layers behind read it once.
//
// The duplicate guard, which answers a repeated DOKU notification with the
// original response without running the handler again, across replicas, is
// package dedupe (with a store from middleware/idempotency: in-memory or
// Redis); Idempotency here is its deprecated wrapper. Schema (or NewSchemaChecker)
// decodes and validates request bodies against package schemas and answers
// the protocol's 400 naming every bad field; the decoded value is in the
// context (DecodedAs). Put Verify first: forged requests then never reach
// the store or the decoder.
//
// The client side moved to package client (client.Client: tokens shared
// between replicas, typed routes, verified answers, safe retries);
// SNAPTransport, NonSNAPTransport, TokenSource and StaticToken remain here
// as deprecated aliases of client's.
//
// Metrics are opt-in: set Config.Registerer (or SchemaConfig.Registerer)
// to your own prometheus.Registerer. Nothing is registered globally.
//
// Configuration is a config struct whose zero value is safe, the one idiom
// of the kit (verify.SNAPConfig, notify.MuxConfig, dedupe.Config,
// client.Config): a setup reads as one literal, a review sees every knob in
// one place, and a field means the same in every package — a body limit 0
// or less is verify.DefaultMaxBodyBytes, a nil logger logs nothing (never
// slog.Default()), metrics go only to the prometheus.Registerer given. New
// and NewSchema take the structs. The functional options that Verify,
// NewVerification, Schema and NewSchemaChecker take (WithServiceCode,
// SchemaRoute, …) are one-line shorthand that set one field each, kept
// because those calls are what merchants copy.
// Every rejection is rendered by one renderer (DefaultDeny for
// verification, the schema checker's answer for bodies), in the protocol
// shapes verify's package doc tabulates.
package middleware
