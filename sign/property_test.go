package sign

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// propertySeed is fixed so a failure reproduces; gopter prints it too.
const propertySeed = 20241124

func params() *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(propertySeed)
	p.MinSuccessfulTests = 300
	return p
}

// genDoc generates a JSON document with whitespace in every legal place,
// strings with inner spaces, escapes and multi-byte UTF-8, and numbers in
// every spelling JSON allows.
func genDoc() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		var b strings.Builder
		writeValue(&b, p.Rng, 0)
		return gopter.NewGenResult(b.String(), gopter.NoShrinker)
	}
}

var (
	wsPieces  = []string{"", "", " ", "  ", "\n", "\n  ", "\t", "\r\n", "\n        ", "          "}
	strPieces = []string{"a", "INV 2024", "  two  spaces ", `\"`, `\\`, `\/`, `\n`, `\t`, `\u00e9`, `\uD83D\uDE00`, "café", "日本", "€", "<>&", "x", "0123456789abcdefghijkl"}
	numbers   = []string{"0", "-0", "1", "-1", "10000", "1.0", "0.5", "-0.25", "1e5", "1E5", "1e-5", "1.25e-2", "6.02E+23", "123456789012345678901234567890", "1.000000"}
)

func ws(b *strings.Builder, r *rand.Rand) { b.WriteString(wsPieces[r.Intn(len(wsPieces))]) }

func writeString(b *strings.Builder, r *rand.Rand) {
	b.WriteByte('"')
	for k := r.Intn(5); k > 0; k-- {
		b.WriteString(strPieces[r.Intn(len(strPieces))])
	}
	b.WriteByte('"')
}

func writeValue(b *strings.Builder, r *rand.Rand, depth int) {
	ws(b, r)
	kind := r.Intn(8)
	if depth > 4 && kind >= 6 {
		kind = r.Intn(6)
	}
	switch kind {
	case 0, 1:
		writeString(b, r)
	case 2, 3:
		b.WriteString(numbers[r.Intn(len(numbers))])
	case 4:
		b.WriteString([]string{"true", "false", "null"}[r.Intn(3)])
	case 5:
		b.WriteString("[]")
	case 6:
		writeList(b, r, '[', ']', func() { writeValue(b, r, depth+1) })
	case 7:
		writeList(b, r, '{', '}', func() {
			ws(b, r)
			writeString(b, r)
			ws(b, r)
			b.WriteByte(':')
			writeValue(b, r, depth+1)
		})
	}
	ws(b, r)
}

// writeList writes begin, up to four items (each by item) separated by
// commas, whitespace and end: an array or an object.
func writeList(b *strings.Builder, r *rand.Rand, begin, end byte, item func()) {
	b.WriteByte(begin)
	for k, n := 0, r.Intn(5); k < n; k++ {
		if k > 0 {
			b.WriteByte(',')
		}
		item()
	}
	ws(b, r)
	b.WriteByte(end)
}

func TestMinifyProperties(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("minify(x) == json.Compact(x) on generated JSON", prop.ForAll(func(doc string) bool {
		got, err := Minify([]byte(doc))
		want, werr := stdCompact([]byte(doc))
		return err == nil && werr == nil && bytes.Equal(got, want)
	}, genDoc()))
	props.Property("minify is idempotent", prop.ForAll(func(doc string) bool {
		once, err := Minify([]byte(doc))
		if err != nil {
			return false
		}
		twice, err := Minify(once)
		return err == nil && bytes.Equal(once, twice)
	}, genDoc()))
	props.Property("minify(indent(x)) == minify(x)", prop.ForAll(func(doc string) bool {
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(doc), "", "  ") != nil {
			return false
		}
		a, err1 := Minify([]byte(doc))
		b, err2 := Minify(pretty.Bytes())
		return err1 == nil && err2 == nil && bytes.Equal(a, b)
	}, genDoc()))
	props.Property("acceptance matches json.Compact after one byte is damaged", prop.ForAll(func(doc string, pos int, by byte) bool {
		src := []byte(doc)
		src[pos%len(src)] = by
		_, err := Minify(src)
		_, werr := stdCompact(src)
		return (err == nil) == (werr == nil)
	}, genDoc(), gen.IntRange(0, 1<<20), gen.UInt8()))
	props.TestingRun(t)
}

type snapInput struct {
	Method, Path, Token, TS, Secret string
	Body                            string
}

func genSNAPInput() gopter.Gen {
	return gopter.CombineGens(
		gen.OneConstOf("POST", "GET", "PUT", "DELETE"),
		gen.RegexMatch(`/v1\.0/[a-z]{1,12}(/[a-z0-9-]{1,8})?(\?[a-z]{1,5}=[A-Za-z0-9-]{1,6})?`),
		gen.RegexMatch(`[A-Za-z0-9_.-]{8,60}`),
		gen.RegexMatch(`20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\+07:00|\.000Z|Z)`),
		gen.RegexMatch(`[A-Za-z0-9-]{1,40}`),
		genDoc(),
	).Map(func(v []any) snapInput {
		return snapInput{v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string), v[5].(string)}
	})
}

func TestSignVerifyProperties(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("SNAP sign then verify accepts, and any one-byte change rejects", prop.ForAll(func(in snapInput, field, pos int) bool {
		s, err := NewSNAPSymmetric([]byte(in.Secret))
		if err != nil {
			return false
		}
		sig, err := s.Sign(in.Method, in.Path, in.Token, []byte(in.Body), in.TS)
		if err != nil || s.Verify(sig, in.Method, in.Path, in.Token, []byte(in.Body), in.TS) != nil {
			return false
		}
		// Change one byte of one input.
		m := in
		if !flipField([]*string{&m.Method, &m.Path, &m.Token, &m.TS, &m.Secret}, field%6, pos, 0x01) {
			// A significant body byte: the minified body must change too,
			// otherwise the signature rightly stays the same.
			min, _ := Minify([]byte(m.Body))
			b := []byte(flipAt(m.Body, pos, 0x01))
			min2, err := Minify(b)
			if err != nil || bytes.Equal(min, min2) {
				return true // not a significant change; nothing to check
			}
			m.Body = string(b)
		}
		s2, err := NewSNAPSymmetric([]byte(m.Secret))
		if err != nil {
			return false
		}
		return s2.Verify(sig, m.Method, m.Path, m.Token, []byte(m.Body), m.TS) != nil
	}, genSNAPInput(), gen.IntRange(0, 5), gen.IntRange(0, 1<<20)))

	props.Property("non-SNAP sign then verify accepts, and any one-byte change rejects", prop.ForAll(func(in snapInput, field, pos int) bool {
		c := Components{ClientID: in.Token, RequestID: in.Secret, Timestamp: in.TS, Target: in.Path, Body: []byte(in.Body)}
		s, _ := NewNonSNAP([]byte(in.Secret + "k"))
		sig := s.Sign(c)
		if s.Verify(sig, c) != nil {
			return false
		}
		if !flipField([]*string{&c.ClientID, &c.RequestID, &c.Timestamp, &c.Target}, field%5, pos, 0x20) {
			c.Body = []byte(flipAt(string(c.Body), pos, 0x20)) // raw bytes are signed: every byte counts
		}
		return s.Verify(sig, c) != nil
	}, genSNAPInput(), gen.IntRange(0, 4), gen.IntRange(0, 1<<20)))
	props.TestingRun(t)
}

// flipField applies flipAt to *fields[i] and reports whether there was such
// a field: the inputs past the last field (the body) are the caller's to
// change.
func flipField(fields []*string, i, pos int, mask byte) bool {
	if i >= len(fields) {
		return false
	}
	*fields[i] = flipAt(*fields[i], pos, mask)
	return true
}

// flipAt returns v with its byte at pos (modulo its length) xored with mask:
// a one-byte change of a non-empty input.
func flipAt(v string, pos int, mask byte) string {
	b := []byte(v)
	b[pos%len(b)] ^= mask
	return string(b)
}
