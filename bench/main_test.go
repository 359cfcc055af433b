package bench

import (
	"os"
	"testing"
)

// tempDirs are removed when the test binary ends.
var tempDirs []string

// TestMain runs the test binary as one of the full-stack benchmark's
// servers when the benchmark re-executes it with serverEnv set (see
// fullstack_test.go), and otherwise runs the tests and benchmarks.
func TestMain(m *testing.M) {
	if kind := os.Getenv(serverEnv); kind != "" {
		os.Exit(runServer(kind))
	}
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
