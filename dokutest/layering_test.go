package dokutest

import (
	"go/build"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dokutest sits on top: it may use every layer below it but not testing
// (it is usable from a main package, like doku-verify simulate), and never
// a mock of DOKU — it is DOKU's side.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	allowed := map[string]bool{
		"github.com/dokukit/dokukit/conformance": true, "github.com/dokukit/dokukit/notify": true,
		"github.com/dokukit/dokukit/schemas": true, "github.com/dokukit/dokukit/sign": true, "github.com/dokukit/dokukit/verify": true,
		"github.com/dokukit/dokukit/internal/respond": true, "github.com/dokukit/dokukit/internal/promreg": true, "github.com/dokukit/dokukit/internal/uuid": true,
		"github.com/prometheus/client_golang/prometheus": true,
	}
	for _, imp := range pkg.Imports {
		assert.NotEqual(t, "testing", imp, "non-test code must not import testing")
		if len(imp) > 10 && imp[:10] == "github.com" {
			assert.True(t, allowed[imp], "dokutest imports %s", imp)
		}
	}
}
