package schemas

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// keyedDoc is a two-level object: outer keys, each holding an object of
// inner keys, all distinct; Dup picks one key to repeat.
type keyedDoc struct {
	Outer  []string
	Inner  []string
	DupAt  int  // which outer member gets the repeat
	DupKey int  // which key is repeated
	Deep   bool // repeat an inner key (true) or an outer one
}

func (d keyedDoc) json(withDup bool) (body, path string) {
	var b strings.Builder
	b.WriteByte('{')
	for i, o := range d.Outer {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(o) + `:{`)
		for j, in := range d.Inner {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(in) + `:` + strconv.Itoa(j))
		}
		if withDup && d.Deep && i == d.DupAt%len(d.Outer) {
			k := d.Inner[d.DupKey%len(d.Inner)]
			b.WriteString(`,` + strconv.Quote(k) + `:"again"`)
			path = o + "." + k
		}
		b.WriteByte('}')
	}
	if withDup && !d.Deep {
		k := d.Outer[d.DupKey%len(d.Outer)]
		b.WriteString(`,` + strconv.Quote(k) + `:[]`)
		path = k
	}
	b.WriteByte('}')
	return b.String(), path
}

func distinctKeys(min, max int) gopter.Gen {
	return gen.SliceOfN(max, gen.Identifier()).Map(func(ks []string) []string {
		seen := map[string]bool{}
		out := ks[:0]
		for _, k := range ks {
			if k != "" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		for len(out) < min {
			out = append(out, "k"+strconv.Itoa(len(out))+"_pad")
		}
		return out
	})
}

// TestPropertyDuplicateKeysFound: a document without a repeated key passes
// CheckKeys; repeating any one key, at either depth and past the linear
// comparison (up to 24 keys per object), is reported with that key's path.
func TestPropertyDuplicateKeysFound(t *testing.T) {
	props := gopter.NewProperties(params(t))
	g := gopter.CombineGens(distinctKeys(1, 24), distinctKeys(1, 24), gen.IntRange(0, 1<<10), gen.IntRange(0, 1<<10), gen.Bool()).
		Map(func(v []any) keyedDoc {
			return keyedDoc{Outer: v[0].([]string), Inner: v[1].([]string), DupAt: v[2].(int), DupKey: v[3].(int), Deep: v[4].(bool)}
		})
	props.Property("a repeated key is named, a document without one passes", prop.ForAll(func(d keyedDoc) bool {
		clean, _ := d.json(false)
		if CheckKeys([]byte(clean)) != nil {
			return false
		}
		dup, path := d.json(true)
		var ve *ValidationError
		err := CheckKeys([]byte(dup))
		return errors.As(err, &ve) && errors.Is(err, ErrDuplicateKey) && ve.Fields[0].Path == path
	}, g))
	props.TestingRun(t)
}
