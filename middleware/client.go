package middleware

import dokuclient "github.com/dokukit/dokukit/client"

// The signing transports moved to package client, which also builds the
// token lifecycle, typed calls and safe retries on top of them. These names
// stay so existing code keeps compiling; middleware imports client (not the
// other way round), so they are true aliases: values and errors are the
// same on both sides.

// ErrTransport reports a request the signing transports could not sign.
//
// Deprecated: use client.ErrTransport.
var ErrTransport = dokuclient.ErrTransport

// TokenSource returns the current B2B access token for SNAP calls.
//
// Deprecated: use client.TokenSource (or a client.Client, which manages
// the token itself).
type TokenSource = dokuclient.TokenSource

// StaticToken is a TokenSource that always returns token.
//
// Deprecated: use client.StaticToken.
func StaticToken(token string) TokenSource { return dokuclient.StaticToken(token) }

// SNAPTransport signs outgoing SNAP transactional requests.
//
// Deprecated: use client.SNAPTransport, or client.Client for route-aware
// calls.
type SNAPTransport = dokuclient.SNAPTransport

// NonSNAPTransport signs outgoing non-SNAP requests.
//
// Deprecated: use client.NonSNAPTransport, or client.Client for
// route-aware calls.
type NonSNAPTransport = dokuclient.NonSNAPTransport
