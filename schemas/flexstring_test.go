package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flexStringReference is FlexString.UnmarshalJSON as it was before the
// plain-string fast path: every string through json.Unmarshal. The fast
// path must give the same value and the same error for every input.
func flexStringReference(b []byte) (FlexString, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", &json.UnmarshalTypeError{Value: "empty", Type: reflect.TypeFor[FlexString]()}
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return "", err
		}
		return FlexString(v), nil
	case 'n':
		return "", nil
	case '{':
		return "", &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[FlexString]()}
	case '[':
		return "", &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[FlexString]()}
	default:
		return FlexString(b), nil
	}
}

// sameAsReference reports whether UnmarshalJSON and the reference agree
// on b: the same value, or the same error text.
func sameAsReference(t *testing.T, b []byte) bool {
	t.Helper()
	var got FlexString
	err := got.UnmarshalJSON(b)
	want, werr := flexStringReference(b)
	if (err == nil) != (werr == nil) {
		t.Logf("%q: error %v, reference error %v", b, err, werr)
		return false
	}
	if err != nil {
		if err.Error() != werr.Error() {
			t.Logf("%q: error %q, reference %q", b, err, werr)
			return false
		}
		return true
	}
	if got != want {
		t.Logf("%q: %q, reference %q", b, got, want)
		return false
	}
	return true
}

// flexStringCases are the spellings the fast path must keep exact, each
// with what FlexString reads ("" and an error for the rejected ones).
var flexStringCases = []struct {
	name, in, want string
	err            bool
}{
	{"plain", `"BRN-0001"`, "BRN-0001", false},
	{"empty", `""`, "", false},
	{"spaces-around", " \t\"IDR\"\n", "IDR", false},
	{"utf8", `"Pembayaran é ✓"`, "Pembayaran é ✓", false},
	{"raw-line-separator", "\"a\u2028b\"", "a\u2028b", false},
	{"escaped-quote", `"a\"b"`, `a"b`, false},
	{"escaped-backslash", `"a\\b"`, `a\b`, false},
	{"unicode-escape", `"\u0041\u00e9"`, "Aé", false},
	{"surrogate-pair", `"\ud83d\ude00"`, "😀", false},
	{"lone-surrogate", `"\ud83d"`, "\ufffd", false},
	{"escaped-newline", `"a\nb"`, "a\nb", false},
	{"escaped-slash", `"a\/b"`, "a/b", false},
	{"invalid-utf8-replaced", "\"a\xffb\"", "a\ufffdb", false},
	{"truncated-utf8-replaced", "\"a\xc3\"", "a\ufffd", false},
	{"raw-control-char", "\"a\x01b\"", "", true},
	{"raw-newline", "\"a\nb\"", "", true},
	{"raw-tab", "\"a\tb\"", "", true},
	{"unterminated", `"abc`, "", true},
	{"lone-quote", `"`, "", true},
	{"two-strings", `"a" "b"`, "", true},
	{"trailing-data", `"a"x`, "", true},
	{"quote-inside", `"a"b"`, "", true},
	{"bad-escape", `"a\qb"`, "", true},
	{"integer", `2007300`, "2007300", false},
	{"decimal", `1095086.98`, "1095086.98", false},
	{"exponent", `-1.5e3`, "-1.5e3", false},
	{"true", `true`, "true", false},
	{"false", `false`, "false", false},
	{"null", `null`, "", false},
	{"object", `{"a":1}`, "", true},
	{"array", `[1]`, "", true},
	{"nothing", ``, "", true},
	{"only-space", `   `, "", true},
}

func TestFlexStringReadsEverySpellingExactly(t *testing.T) {
	for _, c := range flexStringCases {
		t.Run(c.name, func(t *testing.T) {
			var got FlexString
			err := got.UnmarshalJSON([]byte(c.in))
			if c.err {
				assert.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, FlexString(c.want), got)
			}
			assert.True(t, sameAsReference(t, []byte(c.in)))
		})
	}
}

// Through the decoder, as Decode reads it: the plain string, an escaped one
// and a number side by side.
func TestFlexStringInsideAMessage(t *testing.T) {
	var m LenientMoney
	require.NoError(t, json.Unmarshal([]byte(`{"value":"10000.00","currency":"\u0049DR"}`), &m))
	assert.Equal(t, LenientMoney{Value: "10000.00", Currency: "IDR"}, m)
	require.NoError(t, json.Unmarshal([]byte(`{"value":10000,"currency":null}`), &m))
	assert.Equal(t, LenientMoney{Value: "10000", Currency: ""}, m)
}

// For any bytes between quotes (quotes, backslashes, control characters,
// invalid and valid UTF-8 included) and any bytes at all, UnmarshalJSON
// reads what the json.Unmarshal round trip read.
func TestPropertyFlexStringFastPathIsExact(t *testing.T) {
	props := gopter.NewProperties(params(t))
	special := gen.OneConstOf(byte('"'), byte('\\'), byte(0x00), byte(0x1f), byte('\n'), byte('u'),
		byte(0x7f), byte(0x80), byte(0xc3), byte(0xa9), byte(0xe2), byte(0xff), byte(' '))
	char := gen.Weighted([]gen.WeightedGen{
		{Weight: 8, Gen: gen.UInt8Range(0x20, 0x7e)},
		{Weight: 2, Gen: special},
		{Weight: 1, Gen: gen.UInt8()},
	})
	props.Property("a quoted run of bytes reads as json.Unmarshal reads it", prop.ForAll(
		func(in []byte) bool {
			return sameAsReference(t, append(append([]byte{'"'}, in...), '"'))
		},
		gen.SliceOf(char).Map(func(v []uint8) []byte { return v }),
	))
	props.Property("any bytes read as the reference reads them", prop.ForAll(
		func(in []byte) bool { return sameAsReference(t, in) },
		gen.SliceOf(char).Map(func(v []uint8) []byte { return v }),
	))
	props.TestingRun(t)
}

// FuzzFlexString checks the fast path against the json.Unmarshal round trip
// on any input; the spellings above are its corpus.
func FuzzFlexString(f *testing.F) {
	for _, c := range flexStringCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !sameAsReference(t, b) {
			t.Fatalf("%q differs from the json.Unmarshal reading", b)
		}
	})
}

// A plain JSON string costs one allocation, the string itself; "" and a
// null none.
func TestFlexStringAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
	for _, c := range []struct {
		in   string
		want float64
	}{{`"41807553358950093184162180797837"`, 1}, {`"Pembayaran é ✓"`, 1}, {`""`, 0}, {`null`, 0}, {`1095086.98`, 1}} {
		b := []byte(c.in)
		var s FlexString
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.UnmarshalJSON(b); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, c.want, allocs, c.in)
	}
}

// Decode adds no allocation of its own to a valid body: it costs what
// json.Unmarshal and Validate cost apart (the key check allocates nothing,
// TestCheckKeysAllocFree).
func TestDecodeAddsNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
	for _, name := range []string{"notify.snap_debit", "notify.snap_va_payment", "notify.nonsnap", "cards.payment_page"} {
		body := readSample(t, name+".request.json")
		r, ok := RouteByName(name)
		require.True(t, ok, name)
		require.NoError(t, Decode(body, r.NewRequest(), false), name) // warm the type caches
		decode := testing.AllocsPerRun(50, func() {
			if err := Decode(body, r.NewRequest(), false); err != nil {
				t.Fatal(err)
			}
		})
		unmarshal := testing.AllocsPerRun(50, func() {
			if err := json.Unmarshal(body, r.NewRequest()); err != nil {
				t.Fatal(err)
			}
		})
		v := r.NewRequest()
		require.NoError(t, json.Unmarshal(body, v))
		validate := testing.AllocsPerRun(50, func() {
			if err := Validate(v); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, unmarshal+validate, decode, name)
	}
}
