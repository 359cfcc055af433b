package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// readVector reads a file from ../shared/vectors beside the checkout.
func readVector(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "vectors", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
