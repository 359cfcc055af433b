// Package uuid makes the random (version 4) UUIDs the API client sends as
// request ids and the DOKU simulator puts on its notifications.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// V4 is a random RFC 9562 version 4 UUID in its 8-4-4-4-12 hex form.
func V4() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
