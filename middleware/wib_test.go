package middleware

import "time"

// wib is DOKU's timestamp zone (+07:00), as the transports (now in package
// client) write it.
var wib = time.FixedZone("WIB", 7*3600)
