package testkit

import (
	"bufio"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/syncbuf"
)

// Start starts cmd (its Stdin set up by the caller if it needs one) with
// stdout on a pipe and stderr in a locked buffer, which exec's copier
// writes while the test reads it. The process is killed when the test
// ends, whether or not the test waited for it.
func Start(t testing.TB, cmd *exec.Cmd) (*bufio.Reader, *syncbuf.Buffer) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return bufio.NewReader(stdout), stderr
}
