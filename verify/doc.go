// Package verify decides whether a request (or a captured one) really comes
// from DOKU: it checks the signature of each DOKU scheme, the timestamp
// against a skew window, and the key set the sender must sign with, and it
// fails closed with typed errors.
//
// One verifier per scheme:
//
//   - SNAP: SNAP symmetric (HMAC-SHA512 over METHOD:EndpointUrl:Token:BodyHash:X-TIMESTAMP),
//     transactional calls and DOKU's SNAP notifications.
//   - SNAPRSA: SNAP asymmetric transactional (SHA256withRSA over METHOD:EndpointUrl:BodyHash:X-TIMESTAMP).
//   - SNAPToken: SNAP access-token requests (SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP).
//   - NonSNAP: the "HMACSHA256=" component signature, on requests, on DOKU's
//     notifications and on DOKU's signed responses.
//   - Kirim: Kirim DOKU callbacks (AES-ECB over agentKey+requestId).
//
// Each has Verify(*http.Request), which reads the body once within a limit
// and puts it back for the next handler, and VerifyMessage(ctx, Message), the
// bytes-level form for captured payloads. Both run the same code, so the
// middleware and doku-verify never disagree.
//
// Every failure is a *Error wrapping one of the sentinel errors (ErrMissingHeader,
// ErrBadTimestamp, ErrStale, ErrSignatureMismatch, …): test with errors.Is,
// read the failed check and the protocol's answer with errors.As. No error
// string contains a secret, a token or the expected signature.
//
// The package imports only the standard library and dokukit/sign. Verifiers
// are immutable once built and safe for concurrent use.
package verify
