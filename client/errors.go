package client

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Every error a Client returns wraps one of them (or is an
// *APIError / *UnknownOutcomeError, which wrap ErrAPI / ErrOutcomeUnknown),
// so errors.Is tells the cases apart. No error carries a secret, token or
// signature.
var (
	// ErrConfig: New was given a missing or unusable setting.
	ErrConfig = errors.New("client: invalid configuration")
	// ErrNotCallable: the route is not one the merchant calls on DOKU
	// (a notification), or is a token route the client calls itself.
	ErrNotCallable = errors.New("client: route is not callable")
	// ErrInvalidRequest: the request body fails the route's request
	// schema; nothing was sent.
	ErrInvalidRequest = errors.New("client: request does not match the route's schema")
	// ErrMissingHeader: a header the route's DOKU page requires was not
	// given (WithDeviceID, WithCustomer); nothing was sent.
	ErrMissingHeader = errors.New("client: missing required header")
	// ErrNoCustomerToken: a B2B2C route was called for a customer with no
	// token in the store and no usable refresh token (bind the account and
	// call Authorize first); nothing was sent.
	ErrNoCustomerToken = errors.New("client: no customer token")
	// ErrToken: DOKU did not issue an access token (bad key, unknown
	// client, network).
	ErrToken = errors.New("client: access token request failed")
	// ErrNotSent: the request could not be sent at all (dial failure,
	// context ended before sending); DOKU never saw it.
	ErrNotSent = errors.New("client: request not sent")
	// ErrNoAnswer: a read-only call reached DOKU but got no answer (a
	// timeout or a dropped connection) on every attempt.
	ErrNoAnswer = errors.New("client: no answer")
	// ErrAPI: DOKU answered, and the answer is not the route's success
	// (an error, a failure in the body, or a failed verification).
	ErrAPI = errors.New("client: DOKU answered an error")
	// ErrResponse: the answer failed verification (non-SNAP Signature,
	// Request-Id or Client-Id echo) or, in strict mode, its schema.
	ErrResponse = errors.New("client: response failed verification")
	// ErrOutcomeUnknown: a request that moves money or changes state
	// reached DOKU, and its answer was a 5xx, a timeout or a dropped
	// connection: it was not resent; ask its status route.
	ErrOutcomeUnknown = errors.New("client: outcome unknown")
	// ErrStore: the token store failed (the client falls back to an
	// in-process token and reports it in its metrics).
	ErrStore = errors.New("client: token store failed")
	// ErrLockLost: a token store lock expired before Save (another holder
	// may have refreshed).
	ErrLockLost = errors.New("client: token store lock lost")
	// ErrNoToken: the store holds no token under the key.
	ErrNoToken = errors.New("client: no token stored")
)

// APIError is DOKU's answer when it was not the route's success: the HTTP
// status, the SNAP responseCode (or non-SNAP error code), DOKU's message,
// the route name and DOKU's body, kept as received. It wraps ErrAPI.
type APIError struct {
	Route        string
	Status       int
	ResponseCode string
	Message      string
	// Body is DOKU's answer body as received (error bodies carry no
	// secrets; it is not logged).
	Body []byte
	// Reason says what made the answer a failure when its status and
	// code alone do not ("refund.status is FAILED", "the response
	// Signature does not verify").
	Reason string
	// Cause is the failed check (wrapping ErrResponse), or nil.
	Cause error
}

// Error names the route, status, responseCode and message; never a token.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: %s: DOKU answered HTTP %d", e.Route, e.Status)
	if e.ResponseCode != "" {
		fmt.Fprintf(&b, " %s", e.ResponseCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	return b.String()
}

// Unwrap returns ErrAPI and Cause.
func (e *APIError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrAPI}
	}
	return []error{ErrAPI, e.Cause}
}

// UnknownOutcomeError is returned for a call that moves money or changes
// state when the request reached DOKU but no answer told its outcome (5xx,
// timeout, dropped connection). The call was not resent: resending with a
// new X-EXTERNAL-ID could pay twice. Ask StatusRoute (Client.Status does)
// before trying again. It wraps ErrOutcomeUnknown and the cause.
type UnknownOutcomeError struct {
	Route string
	// StatusRoute is the route that tells the outcome, or "" when the
	// route's DOKU page has none (wait for DOKU's notification or check
	// the DOKU back office).
	StatusRoute string
	// ExternalID is the X-EXTERNAL-ID (SNAP) or Request-Id (non-SNAP) the
	// call was sent with.
	ExternalID string
	// Status is the HTTP status DOKU answered, 0 for a timeout or a
	// dropped connection.
	Status int
	Cause  error

	body   []byte // the request as sent, for Status
	opts   callOptions
	sentAt time.Time
}

// Error says the outcome is unknown and which route to ask.
func (e *UnknownOutcomeError) Error() string {
	what := "no answer"
	if e.Status != 0 {
		what = fmt.Sprintf("HTTP %d", e.Status)
	} else if e.Cause != nil {
		what = e.Cause.Error()
	}
	ask := "its DOKU page has no status route: wait for DOKU's notification or check the DOKU back office"
	if e.StatusRoute != "" {
		ask = "ask " + e.StatusRoute + " (Client.Status) before trying again"
	}
	return fmt.Sprintf("client: %s: outcome UNKNOWN (the request reached DOKU: %s); not resent, as it may move money twice; %s", e.Route, what, ask)
}

// Unwrap returns ErrOutcomeUnknown and the cause.
func (e *UnknownOutcomeError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrOutcomeUnknown}
	}
	return []error{ErrOutcomeUnknown, e.Cause}
}
