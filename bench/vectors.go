package bench

import (
	"testing"

	"github.com/dokukit/dokukit/internal/testvectors"
)

// readVector reads one of the kit's embedded known-answer files.
func readVector(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := testvectors.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
