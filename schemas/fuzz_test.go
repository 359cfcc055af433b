package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedBodies returns every sample and slip body in testdata, the fuzz
// targets' seed corpus.
func seedBodies() [][]byte {
	var out [][]byte
	for _, dir := range []string{"samples", "slips"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// FuzzDecode: for any body and any route, Decode never panics, returns nil
// or a *ValidationError matching ErrInvalid, and a body it accepts also
// passes Validate on its own (no second opinion).
func FuzzDecode(f *testing.F) {
	for _, b := range seedBodies() {
		f.Add(b, uint8(0), false)
	}
	f.Add([]byte(`{"order":{"amount":1e999}}`), uint8(2), true)
	f.Add([]byte(`{"amount":{"value":1.5,"currency":null}}`), uint8(24), false)
	f.Add([]byte(`{"virtual_account_payment":{"identifer":[{"name":{}}]}}`), uint8(36), false)
	f.Add([]byte(`{"detailData":[1,"x",{}]}`), uint8(28), false)
	routes := Routes()
	f.Fuzz(func(t *testing.T, data []byte, pick uint8, strict bool) {
		r := routes[int(pick)%len(routes)]
		for _, newV := range []func() any{r.NewRequest, r.NewResponse} {
			if newV == nil {
				continue
			}
			v := newV()
			err := Decode(data, v, strict)
			if err == nil {
				if verr := Validate(v); verr != nil {
					t.Fatalf("%s: Decode accepted what Validate rejects: %v", r.Name, verr)
				}
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || len(ve.Fields) == 0 {
				t.Fatalf("%s: untyped or empty error %T %v", r.Name, err, err)
			}
		}
	})
}

// FuzzCheckKeys: on every valid JSON document, the one-pass key scanner
// finds a duplicate exactly when a reference built on encoding/json's own
// tokenizer (which decodes keys the way Unmarshal does) finds one; and
// ValueAt of the first key agrees with encoding/json when there is none.
func FuzzCheckKeys(f *testing.F) {
	for _, b := range seedBodies() {
		f.Add(b)
	}
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":[{"c":1,"c":2}]}}`, `{"\u0061":1,"a":2}`, "{\"\xff\":1,\"\xfe\":2}",
		`{"a\"b":1,"a\\b":2}`, `[{"x":1},{"x":1}]`, `{"a":[],"b":{},"c":"}"}`, `"{\"a\":1,\"a\":1}"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := CheckKeys(data)
		if !json.Valid(data) {
			return
		}
		want := refHasDuplicate(data)
		if got := errors.Is(err, ErrDuplicateKey); got != want {
			t.Fatalf("CheckKeys duplicate=%v (%v), encoding/json's tokenizer says %v", got, err, want)
		}
		if err != nil && !want {
			t.Fatalf("valid JSON without duplicates rejected: %v", err)
		}
		var m map[string]json.RawMessage
		if want || json.Unmarshal(data, &m) != nil {
			return
		}
		for k, raw := range m {
			got, ok := ValueAt(data, k)
			var s string
			var n json.Number
			switch {
			case json.Unmarshal(raw, &s) == nil:
				if !ok || got != s {
					t.Fatalf("ValueAt(%q) = %q, %v; encoding/json reads %q", k, got, ok, s)
				}
			case json.Unmarshal(raw, &n) == nil:
				if !ok || got != string(n) {
					t.Fatalf("ValueAt(%q) = %q, %v; encoding/json reads %s", k, got, ok, n)
				}
			default:
				if ok {
					t.Fatalf("ValueAt(%q) = %q for a %s", k, got, raw)
				}
			}
		}
	})
}

// refHasDuplicate finds duplicate keys with encoding/json's tokenizer.
func refHasDuplicate(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type level struct {
		obj    bool
		keys   map[string]bool
		expKey bool
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].obj {
					stack[len(stack)-1].expKey = true
				}
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.expKey = false
			continue
		}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{':
				stack = append(stack, &level{obj: true, keys: map[string]bool{}, expKey: true})
				continue
			case '[':
				stack = append(stack, &level{})
				continue
			case ']':
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expKey = true
		}
		if len(stack) == 0 && !dec.More() {
			return false
		}
	}
}
