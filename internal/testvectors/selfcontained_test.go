package testvectors

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The repository must work on a fresh clone with nothing beside it: no file
// may reach into a folder next to the checkout, or send a reader to the
// working notes the kit was first built from instead of docs/ and DOKU's
// product pages. The patterns are assembled so this file does not match
// itself.
func TestNothingReachesOutsideTheCheckout(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "repository root not found at %s", root)

	dotdot := ".." + "/"
	forbidden := []string{
		dotdot + "shared",
		dotdot + dotdot + "shared",
		"shared/" + "vectors",
		"shared/" + "seeds",
		"PROTOCOL" + ".md",
		"seed " + "00",
		"seeds/" + "00",
	}
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // binary
		}
		scanned++
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			for _, f := range forbidden {
				if strings.Contains(line, f) {
					t.Errorf("%s:%d refers outside the repository (%q): %s", rel, i+1, f, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, scanned, 100, "the walk should have seen the whole tree")
}

// Every embedded vector named by a constant is present and non-empty, and
// the RSA vectors name a key file that exists.
func TestEmbeddedFiles(t *testing.T) {
	for _, n := range []string{VectorsJSON, DebitNotifyBody, PrivatePKCS1, PrivatePKCS8, PublicSPKI, PublicPKCS1, PublicBareBase64} {
		b, err := Read(n)
		require.NoError(t, err, n)
		assert.NotEmpty(t, b, n)
		p, err := Path(n)
		require.NoError(t, err)
		disk, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, b, disk, "Path(%s) must point at the embedded file", n)
	}
	_, err := Read("missing.pem")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = Path("missing.pem")
	assert.ErrorIs(t, err, fs.ErrNotExist)

	vs, err := Vectors()
	require.NoError(t, err)
	require.Len(t, vs, 4)
	for _, v := range vs {
		assert.NotEmpty(t, v.StringToSign, v.Name)
		assert.NotEmpty(t, v.Signature, v.Name)
		if v.Body != "" {
			_, err := Read(v.Body)
			assert.NoError(t, err, v.Name)
		}
	}
}
