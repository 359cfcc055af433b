package diagnose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Expected outputs were produced by Node.js 18:
// JSON.stringify(JSON.parse(input)).
func TestJSStringifyMatchesNode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b":"caf\u00e9  <tag> & more","2":1.0,"a":{"10":1E3,"1":"x  y"},"amount":{"value":"10000.00","currency":"IDR"}}`,
			`{"2":1,"b":"café  <tag> & more","a":{"1":"x  y","10":1000},"amount":{"value":"10000.00","currency":"IDR"}}`},
		{`{"z":1,"1":2,"01":3,"4294967295":4,"4294967294":5,"-1":6,"a":7,"z":8}`,
			`{"1":2,"4294967294":5,"z":8,"01":3,"4294967295":4,"-1":6,"a":7}`},
		{`[1e21,1e-7,0.000001,123456789012345680000,-0,0.1,1.25e-2,100,1.5E+300,1e400,-2.50,"\u0001\b\f\n\r\t\"\\\/","\u2028"]`,
			"[1e+21,1e-7,0.000001,123456789012345680000,0,0.1,0.0125,100,1.5e+300,null,-2.5,\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/\",\"\u2028\"]"},
		{`{"n":12345678901234567890,"f":3.14159265358979323846,"e":5e-324,"big":1.7976931348623157e308}`,
			`{"n":12345678901234567000,"f":3.141592653589793,"e":5e-324,"big":1.7976931348623157e+308}`},
		{" {\n  \"k\" : [ true , false , null ] } ", `{"k":[true,false,null]}`},
	} {
		got, err := JSStringify([]byte(c.in))
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, string(got), c.in)
	}
	for _, bad := range []string{`{"a":`, `{} {}`, `[1,]`} {
		_, err := JSStringify([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestGoMarshalAndRegex(t *testing.T) {
	got, err := GoMarshal([]byte(`{"b":"<&>","a":1.50,"c":"\u00e9"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":1.5,"b":"\u003c\u0026\u003e","c":"é"}`, string(got))
	assert.Equal(t, `{"a":"xy"}`, string(RegexMinify([]byte("{ \"a\" :\t\"x y\"\r\n}"))))
}

// FuzzJSStringify: never panics on any input; on valid JSON the output is
// valid JSON whose re-stringification is itself (a fixed point, as in JS).
func FuzzJSStringify(f *testing.F) {
	f.Add([]byte(prettyBody))
	f.Add([]byte(`[1e21,-0,"\u0000"]`))
	f.Add([]byte(`{"1":{"0":[]},"a":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := JSStringify(b)
		if err != nil {
			return
		}
		again, err := JSStringify(out)
		if err != nil {
			t.Fatalf("output is not valid JSON: %q -> %q: %v", b, out, err)
		}
		if string(again) != string(out) {
			t.Fatalf("not a fixed point: %q -> %q -> %q", b, out, again)
		}
	})
}
