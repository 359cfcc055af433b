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
// string contains a secret, a token or the expected signature. A *Error
// also unwraps to its Cause, what lay underneath (sign's error, the key
// store's), so errors.Is(err, sign.ErrKeyTooShort) works through it.
//
// # Errors
//
// The sentinels are the kit's one error vocabulary: notify's, middleware's
// and schemas' names for the same concepts are these values (or sign's,
// which these chain to). Each maps to one HTTP status and SNAP case; the
// SNAP responseCode is status, service code, case (SNAPCode), and a
// renderer answers with SNAPMessage:
//
//	sentinel                 HTTP  SNAP case  responseMessage
//	ErrMissingHeader         400   02         Invalid Mandatory Field {<header>}
//	ErrBadTimestamp          400   01         Invalid Field Format {<header>}   (sign.ErrBadTimestamp)
//	ErrInvalidJSON           400   01         Invalid Field Format {body}       (sign.ErrInvalidJSON)
//	ErrBodyRead              400   01         General Error
//	ErrStale, ErrFuture      401   00         Unauthorized. Invalid Timestamp   (both ErrTimestampSkew)
//	ErrSignatureMismatch     401   00         Unauthorized. Invalid Signature   (sign.ErrSignatureMismatch)
//	ErrBadSignatureEncoding  401   00         Unauthorized. Invalid Signature   (sign.ErrBadSignatureEncoding)
//	ErrUnknownClient         401   00         Unauthorized. Invalid Signature   (answered as a bad signature)
//	ErrInvalidToken          401   01         Invalid Token (B2B)
//	ErrBodyTooLarge          413   00         Request Entity Too Large
//	ErrKey                   500   00         General Error
//	ErrConfig                —     —          (construction only, never answered)
//
// The token endpoint (notify.TokenEndpoint) adds its own checks to this
// table in the same shape: 405xx00 Method Not Allowed, 400xx00 Bad Request
// (body not a JSON object), 400xx02 / 400xx01 for grantType.
//
// # Options
//
// Verifiers are configured with a config struct whose zero values are safe
// defaults, the one idiom of the kit's constructors that take many
// settings (as promhttp.HandlerOpts): a limit 0 or less means the default
// (DefaultMaxBodyBytes, DefaultSkew), never an error or a panic; a nil
// clock means time.Now.
//
// The package imports only the standard library and dokukit/sign. Verifiers
// are immutable once built and safe for concurrent use.
package verify
