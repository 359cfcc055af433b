// Package notify provides typed handlers for DOKU notifications, acks, and the
// merchant's SNAP token endpoint.
//
// Before DOKU sends a SNAP notification it calls the merchant's
// POST /authorization/v1/access-token/b2b with its own RSA signature over
// X-CLIENT-KEY|X-TIMESTAMP. [TokenEndpoint] checks that call and answers it
// with a short-lived RS256 JWT made by a [TokenIssuer]; the SNAP notification
// handlers then accept only bearer tokens that [TokenIssuer.Validate] accepts:
// issued by this merchant, for this audience, and not expired.
//
// Every check has a pure form that decides without writing a response
// ([TokenEndpoint.Check], [TokenEndpoint.Verify], [TokenIssuer.Validate]) and
// an http.Handler that adapts it, in the shape of net/http's
// CrossOriginProtection. Errors are errors.Is-able sentinels wrapped in one
// struct error per concern ([TokenRequestError], [TokenError]); no error, log
// line or metric label carries a token, a signature or a key.
package notify
