// Package client calls DOKU's APIs as the merchant: every merchant → DOKU
// route of schemas.Routes, typed (client.Call with a client/routes value)
// or by name (Client.Do, which doku-verify call uses).
//
// A Client does what every call needs, the same way each time:
//
//   - Tokens. The B2B access token is requested on first use
//     (SHA256withRSA over clientId|X-TIMESTAMP with Config.PrivateKey),
//     cached until expiresIn minus Config.TokenMargin and refreshed by one
//     caller at a time. Tokens live in a TokenStore: MemoryStore for one
//     process, RedisStore to share one token per client id between
//     replicas (DOKU keeps only the latest token it issued, so replicas
//     that each fetched their own would log each other out). A refresh
//     runs under the store's lock and re-reads the store first; a save is
//     fenced by the lock. When the store fails, an in-process token is
//     used and dokukit_client_token_store_fallbacks_total counts it.
//     Authorize exchanges a customer's authCode for a B2B2C token and
//     refresh token, kept per customer in the same store, refreshed with
//     the refresh token and sent as Authorization-Customer: Bearer … on
//     the routes whose page requires it (WithCustomer).
//   - Requests. The body is checked against the route's request schema
//     and the headers its DOKU page requires (X-DEVICE-ID on DANA's
//     routes: WithDeviceID) are checked before anything is sent. SNAP
//     calls are signed (HMAC-SHA512) with a numeric X-EXTERNAL-ID; no
//     CHANNEL-ID is sent unless the route table asks for one. Non-SNAP
//     calls are signed (HMAC-SHA256) with a fresh Request-Id.
//   - Answers. SNAP: the responseCode must be the route's success code.
//     Non-SNAP: DOKU's response Signature must verify and Request-Id and
//     Client-Id be echoed. Routes whose failure is in a 2xx body (a Cards
//     refund's refund.status FAILED, "DELETE FAILED") are checked too.
//     Anything else is an *APIError carrying the status, responseCode,
//     message, route and DOKU's body. The response schema is reported
//     (SchemaReport) or enforced (SchemaStrict).
//   - Retries that cannot pay twice. Dial failures (nothing sent) are
//     retried with the same id; a refused token (401xx01) once, after
//     replacing the token, with the same X-EXTERNAL-ID (DOKU refused it
//     before processing); 5xx, timeouts and dropped connections only on
//     read-only routes, with a new id. A call that moves money or changes
//     state and got one of those is not resent: the error is an
//     *UnknownOutcomeError naming the route's status route, which
//     Client.Status asks. Attempts are bounded (Config.MaxAttempts, with
//     backoff), each by Config.AttemptTimeout and all by the caller's
//     context.
//
// There is no default base URL: Config.BaseURL is Sandbox, Production or a
// simulator's (package dokutest). Metrics go only to Config.Registerer
// (dokukit_client_requests_total{route,outcome},
// dokukit_client_request_duration_seconds{route},
// dokukit_client_token_refreshes_total{kind,result},
// dokukit_client_token_store_fallbacks_total) and log lines to
// Config.Logger; neither, nor any error, carries a secret, token,
// authCode or signature.
//
// The signing transports (SNAPTransport, NonSNAPTransport) live here too,
// for code that builds its own requests; package middleware keeps their old
// names as aliases. Package client imports only sign, verify and schemas,
// so middleware can import it for those aliases.
package client
