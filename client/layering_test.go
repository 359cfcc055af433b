package client

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// client sits beside middleware, below it for the transports: it imports
// sign, verify and schemas (never middleware, which imports client for its
// deprecated aliases), and never testing.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/dokukit/dokukit/sign": true, "github.com/dokukit/dokukit/verify": true, "github.com/dokukit/dokukit/schemas": true,
		"github.com/dokukit/dokukit/client/routes": true, "github.com/dokukit/dokukit/internal/promreg": true, "github.com/dokukit/dokukit/internal/uuid": true,
		"github.com/prometheus/client_golang/prometheus": true, "github.com/redis/go-redis/v9": true,
	}
	for _, dir := range []string{".", "routes"} {
		pkg, err := build.ImportDir(dir, 0)
		require.NoError(t, err)
		for _, imp := range pkg.Imports {
			assert.NotEqual(t, "testing", imp)
			if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				assert.True(t, allowed[imp], "%s imports %s", pkg.ImportPath, imp)
			}
		}
	}
}
