// Package testkit holds the test fixtures several dokukit packages share:
// the shipped TEST-ONLY key pair, the DOKU-page sample requests under
// schemas/testdata and a reader for members of a JSON body. Only _test.go files import it, so no binary
// links the testing package through it.
package testkit

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
)

// Root is the module's root directory, found from this file's place in
// the tree, so that a test in any package can name shared test data.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SamplePath is the file of route's corrected DOKU-page sample request.
func SamplePath(route string) string {
	return filepath.Join(Root(), "schemas", "testdata", "samples", route+".request.json")
}

// Sample reads route's sample request as a JSON object to edit.
func Sample(t testing.TB, route string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(SamplePath(route))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// JSON marshals v, failing the test on an error.
func JSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// Field reads the member of a JSON body at path as a string: a string as
// it is, a number in its shortest decimal form, anything else formatted by
// fmt. A body that is not JSON, or a path through a non-object, fails t.
func Field(t testing.TB, body []byte, path ...string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	for _, p := range path {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%s in %s", p, body)
		v = m[p]
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// VectorPath is the on-disk path of a known-answer file in
// internal/testvectors, for configurations that take a file name.
func VectorPath(t testing.TB, name string) string {
	t.Helper()
	p, err := testvectors.Path(name)
	require.NoError(t, err)
	return p
}

// Key is the shipped TEST-ONLY private key (testvectors.PrivatePKCS8),
// DOKU's or the merchant's as a test needs.
func Key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := sign.ParsePrivateKey(testvectors.MustRead(testvectors.PrivatePKCS8))
	require.NoError(t, err)
	return k
}
