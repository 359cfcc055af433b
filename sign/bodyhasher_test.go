package sign

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/dokukit/dokukit/internal/testvectors"
)

// streamed hashes src written in the given pieces and returns the first
// error any call returned.
func streamed(src []byte, cuts []int) ([32]byte, error) {
	h := NewBodyHasher()
	prev := 0
	for _, c := range append(cuts, len(src)) {
		if c < prev {
			c = prev
		}
		if n, err := h.Write(src[prev:c]); err != nil {
			if n > c-prev {
				return [32]byte{}, errors.New("Write reported more bytes than it was given")
			}
			return [32]byte{}, err
		}
		prev = c
	}
	return h.Sum()
}

// sameResult reports how a streamed result differs from the one-shot
// BodyHash of the whole body ("" when it does not): the same digest, or
// the same *SyntaxError offset and message.
func sameResult(want [32]byte, werr error, got [32]byte, gerr error) string {
	if (werr == nil) != (gerr == nil) {
		return "acceptance differs: one-shot " + errString(werr) + ", streamed " + errString(gerr)
	}
	if werr == nil {
		if got != want {
			return "digest differs: " + hex.EncodeToString(got[:]) + " want " + hex.EncodeToString(want[:])
		}
		return ""
	}
	var ws, gs *SyntaxError
	if !errors.As(werr, &ws) || !errors.As(gerr, &gs) || !errors.Is(gerr, ErrInvalidJSON) {
		return "error types differ: " + werr.Error() + " / " + gerr.Error()
	}
	if *ws != *gs {
		return "error differs: one-shot " + werr.Error() + ", streamed " + gerr.Error()
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// checkStreamed compares the BodyHasher with BodyHash (and so with
// json.Compact: checkAgainstCompact ties the two) for src cut at every
// position, in equal pieces of 1 to 9 bytes, and read a byte at a time.
// Long inputs are cut at every stride-th position and around each 64 KiB
// buffer boundary.
func checkStreamed(t testing.TB, src []byte) {
	t.Helper()
	want, werr := BodyHash(src)
	if werr == nil {
		c, err := stdCompact(src)
		if err != nil {
			t.Fatalf("BodyHash accepted what json.Compact rejects: %q", src)
		}
		if len(src) > 0 && sha256.Sum256(c) != want {
			t.Fatalf("BodyHash is not SHA-256 of json.Compact for %q", src)
		}
	}
	fail := func(how string, cuts []int, got [32]byte, gerr error) {
		t.Helper()
		if d := sameResult(want, werr, got, gerr); d != "" {
			show := string(src)
			if len(show) > 200 {
				show = show[:200] + "…"
			}
			t.Fatalf("%s %v of %q: %s", how, cuts, show, d)
		}
	}
	stride := 1
	if len(src) > 2048 {
		stride = len(src)/512 + 1
	}
	for k := 0; k <= len(src); k += stride {
		got, gerr := streamed(src, []int{k})
		fail("cut at", []int{k}, got, gerr)
	}
	for k := bodyChunk - 8; k <= bodyChunk+8 && k <= len(src); k++ {
		got, gerr := streamed(src, []int{k})
		fail("cut at", []int{k}, got, gerr)
	}
	if len(src) <= 4096 {
		for size := 1; size <= 9; size++ {
			var cuts []int
			for k := size; k < len(src); k += size {
				cuts = append(cuts, k)
			}
			got, gerr := streamed(src, cuts)
			fail("pieces of", []int{size}, got, gerr)
		}
	}
	h := NewBodyHasher()
	n, rerr := h.ReadFrom(iotest.OneByteReader(bytes.NewReader(src)))
	got, gerr := h.Sum()
	if rerr != nil {
		gerr = rerr
	} else if n != int64(len(src)) {
		t.Fatalf("ReadFrom read %d of %d bytes", n, len(src))
	}
	fail("ReadFrom one byte at a time", nil, got, gerr)
}

// The edge cases of the one-shot minifier, the test vectors and every
// prefix of a document, each cut everywhere.
func TestBodyHasherMatchesBodyHashOnEveryCut(t *testing.T) {
	cases := []string{
		``, `{}`, `[]`, `""`, `0`, `-0`, `-0.0e+0`, `1E5`, `1e-5`, `123.456`, `true`, `false`, `null`,
		` { "a" : [ 1 , 2.5e-3 , "x\"y" , true , false , null , { } , [ ] ] } `,
		`"abc\u00e9  d"`, `"\ud800"`, `"\/\b\f\n\r\t\\"`, "\"caf\xc3\xa9\"", "\"\xff\xfe invalid utf8 is accepted\"",
		`{"a":{"b":{}}}`, `[[[]]]`, "\t\n\r 5 \n", `{"k" : "v" , "n" :  -12.5E+07 }`, "[0,-0.1e1 ,\t1E-0\n]",
		"\"long string with many words and no escapes at all, longer than one word\"",
		`01`, `[1,]`, `{"a":1,}`, `-`, `1.`, `1e`, `1e+`, `.5`, `+1`, `"\x"`, "\"a\x01\"", "\"tab\tin string\"",
		`tru`, `nul`, `fals`, `truex`, `[tx]`, `[nulx]`, `[fal]`, `[`, `{`, `]`, `}`, `   `, "\n", `{"a" 1}`, `{"a":1 "b":2}`,
		`[1 2]`, `{1:2}`, `"\u12G4"`, `"\u12`, `"abc`, `1 2`, `{"k":"v"}x`, `[1]]`, `{"a":1}}`, `{"a"}`, `{"a":}`,
		`[,1]`, `NaN`, `Infinity`, `-a`, `1.e5`, `1e+x`, `00`, `0x1`, `[1.5.5]`, `[1e5e5]`, `[--1]`, `"\u00"`, `"\`,
		"\xef\xbb\xbf{}", "{\"a\":1}\x00", `{"a":[}`, `[{]`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
		protocolSNAPBody,
		string(testvectors.MustRead(testvectors.DebitNotifyBody)),
	}
	for _, c := range cases {
		checkStreamed(t, []byte(c))
	}
	doc := "{\n  \"a\": [1, -2.5e+10, true, false, null, \"s \\\"q\\\" \\u00e9\"],\n  \"b\": {\"c\": {}}\n}"
	for k := 0; k <= len(doc); k++ {
		checkStreamed(t, []byte(doc[:k]))
	}
}

// Bodies larger than the hasher's buffer, with tokens straddling its
// boundary: a long string, a long number, an escape and a literal at every
// offset around it.
func TestBodyHasherLargeBodies(t *testing.T) {
	long := `["` + strings.Repeat("x", 3*bodyChunk) + `", ` + strings.Repeat("7", bodyChunk+3) + `.5e-3]`
	checkStreamed(t, []byte(long))
	for pad := bodyChunk - 8; pad < bodyChunk+2; pad++ {
		for _, tok := range []string{`"\u00e9"`, `false`, `-1.5e+7`, `"k":`} {
			body := `{"p":"` + strings.Repeat(" ", pad-6) + `", "q": [` + tok + `], "r": {` + tok + `1}}`
			want, werr := BodyHash([]byte(body))
			for _, piece := range []int{bodyChunk, bodyChunk - 1, 4093} {
				var cuts []int
				for k := piece; k < len(body); k += piece {
					cuts = append(cuts, k)
				}
				got, gerr := streamed([]byte(body), cuts)
				if d := sameResult(want, werr, got, gerr); d != "" {
					t.Fatalf("pad %d token %s pieces %d: %s", pad, tok, piece, d)
				}
			}
		}
	}
}

func TestBodyHasherVector(t *testing.T) {
	h := NewBodyHasher()
	_, err := io.Copy(h, strings.NewReader(`{ "a" : [ 1, "b c" ] }`))
	must(t, err == nil, "io.Copy: %v", err)
	got, err := h.AppendHex([]byte("hash="))
	must(t, err == nil, "AppendHex: %v", err)
	want := sha256.Sum256([]byte(`{"a":[1,"b c"]}`))
	if string(got) != "hash="+hex.EncodeToString(want[:]) {
		t.Fatalf("AppendHex = %q", got)
	}
	// Sum again: the same value; Write after Sum: an error.
	again, err := h.AppendHex(nil)
	must(t, err == nil && string(again) == hex.EncodeToString(want[:]), "second AppendHex = %q %v", again, err)
	if _, err := h.Write([]byte(" ")); err == nil {
		t.Fatal("Write after Sum succeeded")
	}
	// An empty body is "no body"; whitespace alone is invalid.
	h.Reset()
	s, err := h.Sum()
	must(t, err == nil && hex.EncodeToString(s[:]) == EmptyBodyHash, "empty body: %x %v", s, err)
	h.Reset()
	h.Write([]byte("  \n"))
	_, err = h.Sum()
	var se *SyntaxError
	must(t, errors.As(err, &se) && *se == SyntaxError{Offset: 3, Msg: "unexpected end of JSON input"}, "whitespace body: %v", err)
	// Invalid JSON is reported by the Write that shows it, with the body
	// offset, and then by every call.
	h.Reset()
	_, err = h.Write([]byte(`{"a":1`))
	must(t, err == nil, "valid prefix: %v", err)
	n, err := h.Write([]byte(`,,}`))
	must(t, n == 0 && errors.As(err, &se) && *se == SyntaxError{Offset: 7, Msg: "invalid character looking for beginning of object key string"}, "bad write: %d %v", n, err)
	_, err2 := h.Sum()
	must(t, err2 == err, "Sum after a bad write: %v", err2)
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

// TestBodyHasherMemoryIsFixed: hashing 8 MiB allocates nothing beyond the
// hasher, which is the same size for any body.
func TestBodyHasherMemoryIsFixed(t *testing.T) {
	body := []byte(`[` + strings.Repeat(`{"k": "v v", "n": 1.5},`, 8<<20/24) + `0]`)
	h := NewBodyHasher()
	allocs := testing.AllocsPerRun(3, func() {
		h.Reset()
		h.Write(body)
		if _, err := h.Sum(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("a reused BodyHasher allocated %.0f times per body", allocs)
	}
}

// Property: for generated pretty documents cut at random points, the
// streamed hash is the one-shot hash, which is SHA-256 of json.Compact's
// output; the same documents with one byte replaced are rejected (or
// accepted) identically.
func TestBodyHasherProperties(t *testing.T) {
	props := gopter.NewProperties(params())
	cuts := gen.SliceOfN(4, gen.IntRange(0, 1<<16))
	props.Property("stream(doc, any cuts) == sha256(json.Compact(doc))", prop.ForAll(
		func(doc string, cs []int) bool {
			src := []byte(doc)
			c, err := stdCompact(src)
			if err != nil {
				return false
			}
			got, err := streamed(src, sortedCuts(cs, len(src)))
			return err == nil && got == sha256.Sum256(c)
		}, genDoc(), cuts))
	props.Property("stream(corrupted doc) == BodyHash(corrupted doc), errors included", prop.ForAll(
		func(doc string, at int, b byte, cs []int) bool {
			src := []byte(doc)
			const repl = "{}[]\":,\\ 0-.eE+tfnu\x01x"
			src[at%len(src)] = repl[int(b)%len(repl)]
			want, werr := BodyHash(src)
			got, gerr := streamed(src, sortedCuts(cs, len(src)))
			return sameResult(want, werr, got, gerr) == ""
		}, genDoc(), gen.IntRange(0, 1<<16), gen.UInt8(), cuts))
	props.TestingRun(t)
}

func sortedCuts(cs []int, n int) []int {
	out := make([]int, 0, len(cs))
	for _, c := range cs {
		out = append(out, c%(n+1))
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// FuzzBodyHasher is the differential fuzz target of the streaming hash:
// for any input and any piece size, the BodyHasher agrees with BodyHash on
// the digest or on the exact error. The seed corpus is FuzzMinify's.
func FuzzBodyHasher(f *testing.F) {
	for _, s := range []string{
		protocolSNAPBody, `{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`,
		`{}`, `[1,2]`, `"\u00e9"`, `-1.5e+3`, `[1,]`, `{"a" 1}`, "\"\x01\"", `01`, " ", "", `[true, fals]`, `"\u12`,
	} {
		f.Add([]byte(s), uint8(1))
	}
	f.Add(testvectors.MustRead(testvectors.DebitNotifyBody), uint8(7))
	f.Fuzz(func(t *testing.T, src []byte, piece uint8) {
		size := int(piece)%32 + 1
		var cuts []int
		for k := size; k < len(src); k += size {
			cuts = append(cuts, k)
		}
		want, werr := BodyHash(src)
		got, gerr := streamed(src, cuts)
		if d := sameResult(want, werr, got, gerr); d != "" {
			t.Fatalf("pieces of %d: %s", size, d)
		}
		got, gerr = streamed(src, []int{len(src) / 2})
		if d := sameResult(want, werr, got, gerr); d != "" {
			t.Fatalf("cut in half: %s", d)
		}
	})
}
