package schemas

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemas is data: it imports validator and sign (pure, standard library
// only: the one timestamp shape and WIB zone), nothing above them.
func TestImportsStayLow(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	allowed := []string{"github.com/go-playground/validator/v10", "github.com/dokukit/dokukit/sign"}
	for _, imp := range pkg.Imports {
		if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue
		}
		assert.Contains(t, allowed, imp)
	}
}
