package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The binary and the simulator a merchant embeds must not link the testing
// package (its flags, its runtime hooks): conformance.Run takes its test
// type as a type parameter for exactly this.
func TestNoTestingInDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	for _, pkg := range []string{
		"github.com/dokukit/dokukit/cmd/doku-verify",
		"github.com/dokukit/dokukit/dokutest",
		"github.com/dokukit/dokukit/conformance",
	} {
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		deps := strings.Fields(string(out))
		require.Contains(t, deps, pkg, "go list -deps lists the package itself")
		assert.NotContains(t, deps, "testing", "%s links the testing package", pkg)
	}
}
