// Package dedupe is the duplicate guard: it runs a notification handler at
// most once per notification, however many times and on however many
// replicas (sharing one idempotency.Store) DOKU delivers it.
//
// It is shaped like net/http.CrossOriginProtection and
// middleware.Verification: New builds a Guard from a Config and returns an
// error (never panics) for an unusable one; Guard.Decide makes the decision
// for one request without writing anything; Guard.Handler adapts Decide to
// an http.Handler that answers duplicates and rejections itself in the
// scheme's protocol shape. A Guard is safe for concurrent use.
//
// # Configuration
//
// The guard is configured with a Config struct, not functional options: it
// has a dozen independent knobs of plain data, the notify channels build it
// from their own config structs (notify.Common), and a struct with safe zero
// values says every default in one place. Every knob means what it means
// elsewhere in the kit: a duration or limit ≤ 0 takes its default, a nil
// Logger logs nothing, a nil Registerer records no metrics.
//
// # What the guard decides
//
//   - The key is the scheme's sender + request id (idempotency.RequestKey;
//     scheme auto-detected unless Config.Scheme says), the body's
//     fingerprint idempotency.FingerprintBody. A request without its key
//     headers is refused 400 (SNAP 400<svc>02 "Invalid Mandatory Field
//     {X-EXTERNAL-ID}"), a key header longer than idempotency.MaxKeyPart
//     400 (SNAP 400<svc>01 "Invalid Field Format {…}").
//   - The first delivery reserves the key (a lease), runs the handler with
//     its response buffered, and only after it returned stores status,
//     headers and body for Config.TTL, then sends them.
//   - A repeat with the same key and fingerprint gets the stored response,
//     byte for byte, without the handler running (a DOKU retry must not see
//     a 409, which it would retry again). With Config.Strict it gets 409
//     (SNAP 409<svc>00) instead.
//   - Same key, different fingerprint: 409 (SNAP 409<svc>00). A business
//     reference (Config.BusinessKey) already used with a different body:
//     409 (SNAP 409<svc>01); with the same body under a new request id: the
//     stored response, remembered under the new id too.
//   - A repeat while the first is still running: 409 with Retry-After: 1,
//     or with Config.Wait the stored response once the first finishes.
//   - SNAP only: the same X-SIGNATURE under another X-EXTERNAL-ID is a
//     replay, refused 409<svc>00 "Conflict". X-EXTERNAL-ID is not in SNAP's
//     string to sign, so anyone who saw a notification could re-send it
//     under fresh ids while its timestamp is within the skew window. The
//     guard keeps a replay key (the SHA-256 of the signature) holding the
//     first id for Config.ReplayTTL, which must cover the verifier's
//     timestamp window (ReplayTTLFor). DOKU's own retries carry a new
//     timestamp, so a new signature. The answer does not reveal the first
//     id; the metric (replay_refused) and the log do. A store implementing
//     idempotency.Claimer pipelines the replay key with the reservation;
//     another store costs one more Reserve.
//   - The handler answered 5xx, or the request context was cancelled and
//     the handler did not explicitly answer 2xx: nothing is stored, the
//     lease is released and the next delivery runs the handler; a cancelled
//     request that wrote nothing is answered like a store error, never with
//     an implicit 200. A 2xx or 4xx is stored.
//   - The handler panicked: the lease is released and the panic goes on up
//     the stack.
//   - The store failed: fail closed (SNAP 500<svc>00, otherwise 503, with
//     Retry-After: 60), so DOKU retries later; Config.FailOpen runs the
//     handler unprotected instead. A store failure after the handler ran is
//     retried for up to 10 s; if it persists the handler's response is sent
//     anyway and the lease keeps duplicates out until it expires.
//
// # The body
//
// Behind middleware.Verification the guard fingerprints the body the
// verification already read (middleware.VerifiedBody) and reads nothing.
// Standalone it reads the body itself, up to Config.MaxBodyBytes (413
// above), and puts it back for the handler. It keeps no reference to the
// body after Decide returns: it stores the response, not the request.
//
// # Leases
//
// A lease outlives its owner's crash by Config.Lease. While handlers run,
// one goroutine per Guard renews every held lease a third of a lease
// apart (stores implementing idempotency.Extender; both stores here do),
// so a handler slower than the lease is not overtaken by a duplicate. A
// handler that finishes before the next renewal costs no timer of its own.
//
// # Metrics
//
// With Config.Registerer the guard counts
// dokukit_idempotency_requests_total{outcome}, outcome one of new,
// replayed, conflict, in_flight, store_error, replay_refused. Several
// guards on one Registerer share the counter; another collector under that
// name is an error from New.
package dedupe
