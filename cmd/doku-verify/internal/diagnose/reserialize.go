package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSStringify returns what JavaScript's JSON.stringify(JSON.parse(body))
// produces: object keys in insertion order except that integer-like keys
// (canonical array indices) come first in ascending numeric order, a repeated
// key keeps its first position and its last value, strings re-escaped the
// ECMAScript way (\u00e9 becomes é, only quote, backslash and control
// characters escaped, lone surrogates as \udxxx), numbers rewritten as JS
// prints an IEEE double (1.0 → 1, 1E3 → 1000, 1e21 → 1e+21, overflow → null).
// This is the re-serialization DOKU's Node SDK and most JS senders hash.
func JSStringify(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("diagnose: trailing data after JSON value")
	}
	var b []byte
	return appendJS(b, v), nil
}

type member struct {
	key string
	val any
}

type object []member

func decodeOrdered(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o object
			idx := map[string]int{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				if i, dup := idx[k]; dup {
					o[i].val = v
					continue
				}
				idx[k] = len(o)
				o = append(o, member{k, v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			// ECMAScript OrdinaryOwnPropertyKeys: array indices first,
			// ascending, then strings in creation order.
			sort.SliceStable(o, func(i, j int) bool {
				ai, aok := arrayIndex(o[i].key)
				bi, bok := arrayIndex(o[j].key)
				if aok && bok {
					return ai < bi
				}
				return aok && !bok
			})
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, errors.New("diagnose: unexpected delimiter")
	default:
		return t, nil
	}
}

// arrayIndex reports whether k is a canonical numeric string below 2^32-1.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n >= math.MaxUint32 {
		return 0, false
	}
	return n, true
}

func appendJS(b []byte, v any) []byte {
	switch v := v.(type) {
	case object:
		b = append(b, '{')
		for i, m := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSString(b, m.key)
			b = append(b, ':')
			b = appendJS(b, m.val)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJS(b, e)
		}
		return append(b, ']')
	case string:
		return appendJSString(b, v)
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return append(b, "null"...)
		}
		return appendJSNumber(b, f)
	case bool:
		return strconv.AppendBool(b, v)
	case nil:
		return append(b, "null"...)
	}
	return b
}

// appendJSNumber formats f as ECMAScript Number::toString does.
func appendJSNumber(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0')
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±x
	mant, expS, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expS)
	k, n := len(digits), exp+1
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		return append(b, strings.Repeat("0", n-k)...)
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		return append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		b = append(b, strings.Repeat("0", -n)...)
		return append(b, digits...)
	}
	b = append(b, digits[0])
	if k > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(n-1), 10)
}

// appendJSString quotes s as JSON.stringify does (well-formed variant:
// invalid UTF-8, which JS strings cannot hold, becomes U+FFFD as it would
// after decoding).
func appendJSString(b []byte, s string) []byte {
	const (
		hex = "0123456789abcdef"
		// the characters JSON.stringify writes as a two-character escape, and
		// what follows the backslash for each
		escaped, escapes = "\"\\\b\f\n\r\t", "\"\\bfnrt"
	)
	b = append(b, '"')
	for _, r := range s {
		i := strings.IndexRune(escaped, r)
		switch {
		case i >= 0:
			b = append(b, '\\', escapes[i])
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// GoMarshal returns json.Marshal of the body decoded into a map: keys sorted,
// <, > and & escaped as \u003c…, numbers rewritten as float64 — what a Go
// sender that unmarshals into map[string]any and marshals again hashes.
func GoMarshal(body []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// RegexMinify removes every whitespace byte, inside string literals too: the
// result of body.replace(/\s+/g, "") style "minifiers".
func RegexMinify(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			continue
		}
		out = append(out, c)
	}
	return out
}
