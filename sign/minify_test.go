package sign

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdCompact is the oracle: encoding/json.Compact, with the one documented
// exception that a zero-length body is "no body".
func stdCompact(src []byte) ([]byte, error) {
	if len(src) == 0 {
		return []byte{}, nil
	}
	var b bytes.Buffer
	err := json.Compact(&b, src)
	return b.Bytes(), err
}

// checkAgainstCompact fails t when AppendMinified disagrees with the oracle
// on acceptance or output, in fresh, appended-to and in-place use.
func checkAgainstCompact(t testing.TB, src []byte) {
	t.Helper()
	want, werr := stdCompact(src)
	got, gerr := AppendMinified(nil, src)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("acceptance differs for %q: ours %v, json.Compact %v", src, gerr, werr)
	}
	if werr != nil {
		if !errors.Is(gerr, ErrInvalidJSON) {
			t.Fatalf("error %v does not wrap ErrInvalidJSON", gerr)
		}
		var se *SyntaxError
		if !errors.As(gerr, &se) || se.Offset < 0 || se.Offset > int64(len(src)) {
			t.Fatalf("error %v lacks a sane offset", gerr)
		}
		prefix := []byte("keep")
		out, _ := AppendMinified(prefix, src)
		if string(out) != "keep" {
			t.Fatalf("dst not restored on error: %q", out)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs for %q:\n ours %q\n std  %q", src, got, want)
	}
	// Appending keeps the prefix; in-place minify gives the same bytes.
	app, err := AppendMinified([]byte("pre:"), src)
	if err != nil || string(app) != "pre:"+string(want) {
		t.Fatalf("append form broke: %q %v", app, err)
	}
	inplace := append([]byte(nil), src...)
	ip, err := AppendMinified(inplace[:0], inplace)
	if err != nil || !bytes.Equal(ip, want) {
		t.Fatalf("in-place minify broke for %q: %q %v", src, ip, err)
	}
}

func TestMinifyMatchesCompactOnEdgeCases(t *testing.T) {
	cases := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `-0.0e+0`, `1E5`, `1e-5`, `123.456`, `true`, `false`, `null`,
		` { "a" : [ 1 , 2.5e-3 , "x\"y" , true , false , null , { } , [ ] ] } `,
		`"abc\u00e9  d"`, `"\ud800"`, `"\/\b\f\n\r\t\\"`, "\"caf\xc3\xa9\"", "\"\xff\xfe invalid utf8 is accepted\"",
		`{"a":{"b":{}}}`, `[[[]]]`, "\t\n\r 5 \n",
		"\"long string with many words and no escapes at all, longer than one word\"",
		// Rejected inputs.
		`01`, `[1,]`, `{"a":1,}`, `-`, `1.`, `1e`, `1e+`, `.5`, `+1`, `"\x"`, "\"a\x01\"", "\"tab\tin string\"",
		`tru`, `nul`, `fals`, `truex`, `[`, `{`, `]`, `}`, `   `, "\n", `{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{1:2}`,
		`"\u12G4"`, `"\u12`, `"abc`, `1 2`, `{"k":"v"}x`, `[1]]`, `{"a":1}}`, `{"a"}`, `{"a":}`, `[,1]`, `NaN`, `Infinity`,
		"\xef\xbb\xbf{}", "{\"a\":1}\x00", `{"a":[}`, `[{]`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	}
	for _, c := range cases {
		checkAgainstCompact(t, []byte(c))
	}
}

// Every prefix of a valid document is checked: truncation is the commonest
// real-world corruption and exercises every end-of-input branch.
func TestMinifyEveryPrefix(t *testing.T) {
	doc := []byte("{\n  \"a\": [1, -2.5e+10, true, false, null, \"s \\\"q\\\" \\u00e9\"],\n  \"b\": {\"c\": {}}\n}")
	for k := 0; k <= len(doc); k++ {
		checkAgainstCompact(t, doc[:k])
	}
}

func TestMinifyEmptyBodyIsNoBody(t *testing.T) {
	out, err := AppendMinified([]byte("x"), nil)
	require.NoError(t, err)
	assert.Equal(t, "x", string(out))
	_, err = AppendMinified(nil, []byte(" "))
	assert.ErrorIs(t, err, ErrInvalidJSON, "whitespace-only is an error, as in json.Compact")
	assert.True(t, Valid(nil))
	assert.False(t, Valid([]byte(" ")))
	assert.True(t, Valid([]byte(`{"a":1}`)))
	assert.False(t, Valid([]byte(strings.Repeat(" ", 600)+"{")))
}

func TestMinifyDoesNotAllocateWithCapacity(t *testing.T) {
	src := []byte("{\n  \"a\": [1, 2, 3],\n  \"note\": \"two  spaces\"\n}")
	dst := make([]byte, 0, len(src))
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = AppendMinified(dst[:0], src)
	})
	assert.Zero(t, allocs)
}

func TestSyntaxErrorMessageHasNoBody(t *testing.T) {
	_, err := Minify([]byte(`{"card":"4111111111111111" x}`))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "4111", "error strings must not quote the body")
	assert.Contains(t, err.Error(), "offset 27")
}

// compact writes ahead of where it reads, so every way dst can overlap src
// must still give json.Compact's bytes.
func TestMinifyOverlappingBuffers(t *testing.T) {
	doc := "{\n  \"a\": [1, 2, \"x  y\"],\n  \"bb\": {\"c\": \"\\u00e9\\\"\"}\n}"
	want, err := stdCompact([]byte(doc))
	require.NoError(t, err)
	for shift := -8; shift <= 8; shift++ {
		buf := make([]byte, 64+len(doc)+64)
		base := 32
		copy(buf[base:], doc)
		src := buf[base : base+len(doc)]
		dst := buf[base+shift : base+shift] // empty slice, capacity over src
		got, err := AppendMinified(dst, src)
		require.NoError(t, err, "shift %d", shift)
		assert.Equal(t, string(want), string(got), "shift %d", shift)
	}
	a := make([]byte, 10)
	assert.True(t, overlaps(a[2:5], a[4:8]))
	assert.False(t, overlaps(a[0:4], a[4:8]))
	assert.False(t, overlaps(a[0:0], a[0:8]))
}
