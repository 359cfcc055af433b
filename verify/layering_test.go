package verify

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sign and verify import only the standard library (and verify only sign):
// the packages a payments team audits line by line stay small. schemas is
// data: validator and sign (the one timestamp shape and WIB zone).
func TestImportsOnlyStandardLibrary(t *testing.T) {
	for dir, allowed := range map[string][]string{
		"../sign":    nil,
		".":          {"github.com/dokukit/dokukit/sign"},
		"../schemas": {"github.com/go-playground/validator/v10", "github.com/dokukit/dokukit/sign"},
	} {
		pkg, err := build.ImportDir(dir, 0)
		require.NoError(t, err)
		for _, imp := range pkg.Imports {
			first := strings.SplitN(imp, "/", 2)[0]
			if !strings.Contains(first, ".") {
				continue // standard library
			}
			assert.Contains(t, allowed, imp, "%s imports %s", pkg.ImportPath, imp)
		}
	}
}
