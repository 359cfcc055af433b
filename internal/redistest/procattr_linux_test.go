package redistest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A test binary that exits without running its cleanups (os.Exit, a
// timeout) takes its redis-server with it.
func TestServerDiesWithTestBinary(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") == "1" {
		s := Start(t)
		os.Stdout.WriteString("ADDR " + s.Addr() + "\n")
		os.Exit(0) // no cleanup
	}
	if _, err := Binary(); err != nil {
		Start(t) // skips or fails with the usual message
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithTestBinary$")
	cmd.Env = append(os.Environ(), "REDISTEST_CHILD=1")
	out, err := cmd.Output()
	require.NoError(t, err, string(out))
	var addr string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
		}
	}
	require.NotEmpty(t, addr, string(out))
	deadline := time.Now().Add(5 * time.Second)
	for ping(addr) == nil {
		require.True(t, time.Now().Before(deadline), "redis-server at %s outlived its test binary", addr)
		time.Sleep(20 * time.Millisecond)
	}
}
