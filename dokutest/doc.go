// Package dokutest is DOKU's side of every API a merchant calls, on
// loopback, in the spirit of net/http/httptest: NewServer starts a simulated
// DOKU that a merchant's own tests (and `doku-verify simulate`) call instead
// of DOKU's shared sandbox.
//
// It serves every merchant → DOKU route of schemas.Routes — the B2B and
// B2B2C token endpoints, the SNAP transactional routes of the DANA SNAP
// direct debit, Kirim DOKU and DOKU Wallet SNAP pages, and the non-SNAP
// routes of the Cards payment page and Akulaku pages — with DOKU's checks:
//
//   - token requests: SHA256withRSA over X-CLIENT-KEY|X-TIMESTAMP with the
//     merchant's public key, ±5 minutes (401 4017300 otherwise); a new
//     token replaces the client's previous one, and a token stays valid
//     while it is used (each accepted call extends it by the TTL);
//   - SNAP calls: a live B2B token (401xx01), the HMAC-SHA512 X-SIGNATURE
//     (401xx00), the required headers of the route's DOKU page, X-DEVICE-ID
//     on DANA's and Authorization-Customer on DOKU Wallet's b2b2c routes
//     (400xx02), the route's request schema, strict, naming the field's
//     full path (400xx01 / 400xx02), X-EXTERNAL-ID unique per partner per
//     day (409xx00) and partnerReferenceNo reused with another body
//     (409xx01);
//   - non-SNAP calls: Client-Id, Request-Id, Request-Timestamp and the
//     HMACSHA256 Signature with the Digest of the exact body; every answer
//     is signed with Client-Id, the echoed Request-Id, Response-Timestamp
//     and Signature.
//
// It keeps enough state for real flows: a payment is pending until
// completed (Config.AutoComplete, Complete, or POST /_dokutest/complete),
// is found by the status routes, and is refundable up to its amount
// (404xx13 Invalid Amount beyond it); unknown references are 404xx01; an
// account binding is revealed by binding inquiry (additionalInfo.authCode)
// and exchanged, once, for a B2B2C token; Kirim DOKU transfers need an
// account inquiry first and follow the Kirim DOKU page's sandbox rules.
// With Config.NotifyURL a completed payment is notified to the merchant
// (SNAP: a token from the merchant's token endpoint, then the signed debit
// notification; non-SNAP: the signed notification; Kirim DOKU: the unpaid
// or refund callback), built by the conformance package's sender and
// retried on DOKU's schedule times Config.RetryScale until a 2xx.
//
// Faults (InjectFault, POST /_dokutest/faults) make the next calls of a
// route fail with a status and responseCode, a delay, a dropped connection
// or a broken response signature. Requests (GET /_dokutest/requests) lists
// the calls seen with secrets and tokens redacted; Tokens lists the tokens
// issued, for a test that needs one.
//
// Metrics go to Config.Registerer only (never the global default) and one
// log line per request goes to Config.Logger, neither ever carrying a
// secret, token or signature. docs/simulator.md records the decisions the
// DOKU pages leave open.
package dokutest
