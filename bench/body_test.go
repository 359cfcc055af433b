package bench

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dokukit/dokukit/sign"
)

// The benchmark bodies must be what they claim: pretty-printed, of the
// requested size, and minified identically by us and by encoding/json.
func TestPrettyBody(t *testing.T) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b := PrettyBody(size)
		if len(b) < size-200 || len(b) > size+400 {
			t.Fatalf("size %d: got %d bytes", size, len(b))
		}
		if !bytes.Contains(b, []byte("\n  ")) || !bytes.Contains(b, []byte(`\u00e9`)) || !bytes.Contains(b, []byte(`\"`)) {
			t.Fatalf("size %d: body lacks indentation or escapes", size)
		}
		var std bytes.Buffer
		if err := json.Compact(&std, b); err != nil {
			t.Fatal(err)
		}
		got, err := sign.Minify(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, std.Bytes()) {
			t.Fatalf("size %d: minify differs from json.Compact", size)
		}
	}
}
