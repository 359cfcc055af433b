package schemas

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// One strict reading of a JSON body. encoding/json keeps the last of
// duplicate keys and matches keys to struct fields case-insensitively, so
// {"latestTransactionStatus":"06","latestTransactionStatus":"00"} or
// {"AMOUNT":…} would mean one thing to the typed decode and another to any
// reader that takes the first key or matches exactly (the duplicate
// guard's business key, a log pipeline, DOKU itself). Decode, CheckKeys
// and ValueAt therefore agree on one reading: a duplicate key anywhere is
// an error, and a key that differs from a field's JSON name only by case is
// an error, not a match. Spellings a DOKU page really sends are declared
// per field with an alias tag (`alias:"ReferenceNo"`) and accepted.

// Sentinels matched (with ErrInvalid) by the *ValidationError of a body
// that has no single reading. Test for them with errors.Is.
var (
	// ErrDuplicateKey: an object has the same key twice (rule
	// "duplicate"; the path names the key).
	ErrDuplicateKey = errors.New("schemas: duplicate object key")
	// ErrKeyCase: a key differs from a field's JSON name only by letter
	// case (rule "case"; Param is the name the field is spelled with).
	ErrKeyCase = errors.New("schemas: key differs from a field name only by case")
)

// CheckKeys reports whether data has a single reading as far as keys go:
// nil, or a *ValidationError (rule "duplicate", matching ErrDuplicateKey)
// naming the first object key that appears twice in its object, at any
// depth. Keys are compared as encoding/json reads them (escapes decoded, so
// "a" and "\u0061" are the same key). It is a single pass over data that
// allocates nothing for ordinary bodies. It checks only what finding keys
// needs, not every rule of JSON: data it cannot scan is reported
// malformed, and a decoder must still parse what it accepts.
func CheckKeys(data []byte) error {
	s := getScanner()
	defer putScanner(s)
	switch s.scan(data, nil, nil) {
	case scanOK:
		return nil
	case scanSyntax:
		return malformed("")
	}
	return s.err
}

// ValueAt returns the string or number at path (object keys, matched
// exactly) in the JSON object data, as Decode reads it into a FlexString: a
// string unescaped, a number as its literal text. ok is false when path
// leads to anything else or nowhere, when data has a duplicate key
// anywhere (no single reading), or when data is not one JSON value.
func ValueAt(data []byte, path ...string) (value string, ok bool) {
	if len(path) == 0 {
		return "", false
	}
	if !json.Valid(data) {
		return "", false
	}
	s := getScanner()
	defer putScanner(s)
	if s.scan(data, nil, path) != scanOK || s.capStart < 0 {
		return "", false
	}
	raw := data[s.capStart:s.capEnd]
	switch c := raw[0]; {
	case c == '"':
		if s.capPlain {
			return string(raw[1 : len(raw)-1]), true
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", false
		}
		return v, true
	case c == '-' || (c >= '0' && c <= '9'):
		if !json.Valid(raw) {
			return "", false
		}
		return string(raw), true
	}
	return "", false
}

// checkKeys is the strict check Decode runs before decoding into t. ok is
// false only when data could not be scanned (Decode then reports
// encoding/json's syntax error).
func checkKeys(data []byte, t reflect.Type) (err *ValidationError, ok bool) {
	n := nodeOf(t)
	s := getScanner()
	defer putScanner(s)
	switch s.scan(data, n, nil) {
	case scanOK:
		return nil, true
	case scanSyntax:
		return nil, false
	}
	return s.err, true
}

// ---------------------------------------------------------------------------
// Key schema: which keys a type reads, built once per type from its json
// tags the way encoding/json builds its field index.

const (
	nodeStruct = iota
	nodeArray
	nodeMap
	nodeOneOrMany // OneOrMany[T]: one T or an array of T
)

type keyNode struct {
	kind   int
	fields map[string]keyField // exact JSON names and aliases
	folded map[string]string   // folded name → the name the field is spelled with
	elem   *keyNode            // array, map and OneOrMany elements
}

type keyField struct {
	name string   // the field's JSON name (an alias maps to it)
	node *keyNode // nil: any value, only duplicates checked inside
}

// wireKeyer is implemented by types whose UnmarshalJSON reads the keys of
// another struct (their wire form): the key check walks that struct.
type wireKeyer interface{ wireType() reflect.Type }

// oneOrManyer marks OneOrMany.
type oneOrManyer interface{ oneOrMany() }

var (
	nodeCache     sync.Map // reflect.Type → *keyNode (nil for any)
	unmarshaler   = reflect.TypeFor[json.Unmarshaler]()
	wireKeyerT    = reflect.TypeFor[wireKeyer]()
	oneOrManyerT  = reflect.TypeFor[oneOrManyer]()
	rawMessageT   = reflect.TypeFor[json.RawMessage]()
	nodeBuildLock sync.Mutex
)

// nodeOf returns the cached key schema of t (nil: nothing to check but
// duplicates).
func nodeOf(t reflect.Type) *keyNode {
	if t == nil {
		return nil
	}
	if n, ok := nodeCache.Load(t); ok {
		return n.(*keyNode)
	}
	nodeBuildLock.Lock()
	defer nodeBuildLock.Unlock()
	n := buildNode(t, map[reflect.Type]*keyNode{})
	nodeCache.Store(t, n)
	return n
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

func buildNode(t reflect.Type, seen map[reflect.Type]*keyNode) *keyNode {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n, ok := seen[t]; ok {
		return n
	}
	if implements(t, wireKeyerT) {
		return buildNode(reflect.New(t).Interface().(wireKeyer).wireType(), seen)
	}
	if implements(t, oneOrManyerT) {
		n := &keyNode{kind: nodeOneOrMany}
		seen[t] = n
		n.elem = buildNode(t.Elem(), seen)
		return n
	}
	if t == rawMessageT || implements(t, unmarshaler) {
		return nil // FlexString, FlexObject: their own reading, any content
	}
	switch t.Kind() {
	case reflect.Struct:
		n := &keyNode{kind: nodeStruct, fields: map[string]keyField{}, folded: map[string]string{}}
		seen[t] = n
		depth := map[string]int{}
		addFields(n, t, 0, depth, seen)
		return n
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil
		}
		return containerNode(nodeArray, t, seen)
	case reflect.Map:
		return containerNode(nodeMap, t, seen)
	}
	return nil
}

// containerNode is the node of an array or map type t whose elements have
// keys to check, or nil when they have none (then only duplicates are
// checked inside).
func containerNode(kind int, t reflect.Type, seen map[reflect.Type]*keyNode) *keyNode {
	n := &keyNode{kind: kind}
	seen[t] = n
	if n.elem = buildNode(t.Elem(), seen); n.elem == nil {
		delete(seen, t)
		return nil
	}
	return n
}

// addFields adds t's JSON fields to n, promoting embedded structs' fields
// as encoding/json does (a shallower field wins).
func addFields(n *keyNode, t reflect.Type, d int, depth map[string]int, seen map[reflect.Type]*keyNode) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct && !implements(ft, unmarshaler) {
			addFields(n, ft, d+1, depth, seen)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if old, ok := depth[name]; ok && old <= d {
			continue
		}
		depth[name] = d
		kf := keyField{name: name, node: buildNode(f.Type, seen)}
		n.fields[name] = kf
		n.folded[foldKey(name)] = name
		if alias := f.Tag.Get("alias"); alias != "" {
			for _, a := range strings.Split(alias, ",") {
				if !strings.EqualFold(a, name) {
					// encoding/json reads an alias through its case-insensitive
					// match, so an alias can only be another case of the name.
					panic("schemas: alias " + strconv.Quote(a) + " of " + t.String() + "." + f.Name + " is not a case variant of " + strconv.Quote(name))
				}
				n.fields[a] = kf
			}
		}
	}
}

// foldKey is encoding/json's folded form of a name (foldName): two names
// fold equal exactly when json matches one to the other.
func foldKey(name string) string { return string(appendFold(nil, []byte(name))) }

func appendFold(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// ---------------------------------------------------------------------------
// Scanner: one pass over the bytes, an explicit stack (no recursion), keys
// of the open objects kept in one reused arena.

type scanResult int

const (
	scanOK     scanResult = iota
	scanSyntax            // not scannable: let the decoder report it
	scanFound             // s.err holds the duplicate or case error
)

// linearKeys is how many keys an object may hold before duplicates are
// looked up in a map instead of compared one by one.
const linearKeys = 16

// maxDepth matches encoding/json's nesting limit.
const maxDepth = 10000

type keySpan struct{ off, end int }

type scanFrame struct {
	node   *keyNode
	obj    bool
	first  int // index in spans of this object's first key
	arena  int // arena length when the object opened
	cur    int // object: index in spans of the current key; array: element index
	set    map[string]struct{}
	onPath int // capture path segments matched at this container; -1 off the path
}

type keyScanner struct {
	arena []byte
	spans []keySpan
	stack []scanFrame
	fold  []byte
	err   *ValidationError

	capStart, capEnd int
	capPlain         bool
}

var scannerPool = sync.Pool{New: func() any {
	return &keyScanner{arena: make([]byte, 0, 512), spans: make([]keySpan, 0, 32), stack: make([]scanFrame, 0, 8), fold: make([]byte, 0, 64)}
}}

func getScanner() *keyScanner { return scannerPool.Get().(*keyScanner) }

func putScanner(s *keyScanner) {
	if cap(s.arena) > 64<<10 || cap(s.stack) > 1024 || cap(s.spans) > 4096 {
		return // an unusual body: let its buffers go
	}
	for i := range s.stack[:cap(s.stack)] {
		s.stack[:cap(s.stack)][i].set = nil
	}
	s.err = nil
	scannerPool.Put(s)
}

// Byte classes of the scanner, as tables so its inner loops are one load
// and one test per byte.
var (
	spaceByte   [256]bool // JSON whitespace
	stringStop  [256]bool // ends a run of plain string bytes: '"', '\\', control, non-ASCII
	literalByte [256]bool // may appear in a number or true/false/null
)

func init() {
	for _, c := range []byte(" \t\n\r") {
		spaceByte[c] = true
	}
	for c := 0; c < 256; c++ {
		stringStop[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
		literalByte[c] = c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && spaceByte[data[i]] {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] ('"'),
// and whether its content is plain: no escape and valid UTF-8, so its bytes
// are what encoding/json decodes them to.
func skipString(data []byte, i int) (end int, plain bool, ok bool) {
	plain = true
	ascii := true
	j := i + 1
	for {
		for j < len(data) && !stringStop[data[j]] {
			j++
		}
		if j >= len(data) {
			return 0, false, false
		}
		switch c := data[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(data[i+1:j]) {
				plain = false
			}
			return j + 1, plain, true
		case c == '\\':
			plain = false
			j += 2
		case c < 0x20:
			return 0, false, false
		default:
			ascii = false
			j++
		}
	}
}

// scan walks data once. root is the key schema of the decode target (nil:
// duplicates only). capture, when set, records the scalar at that path.
func (s *keyScanner) scan(data []byte, root *keyNode, capture []string) scanResult {
	s.arena, s.spans, s.stack, s.err = s.arena[:0], s.spans[:0], s.stack[:0], nil
	s.capStart, s.capEnd, s.capPlain = -1, -1, false
	node := root
	want := 0 // capture segments matched by the value about to be read; -1 off the path
	if capture == nil {
		want = -1
	}
	i := skipSpace(data, 0)

value:
	if i >= len(data) {
		return scanSyntax
	}
	switch c := data[i]; {
	case c == '{':
		if len(s.stack) >= maxDepth {
			return scanSyntax
		}
		if node != nil && node.kind == nodeOneOrMany {
			node = node.elem
		}
		if node != nil && node.kind != nodeStruct && node.kind != nodeMap {
			node = nil // wrong JSON type: the decoder reports it
		}
		s.stack = append(s.stack, scanFrame{node: node, obj: true, first: len(s.spans), arena: len(s.arena), cur: -1, onPath: want})
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			i++
			s.pop()
			goto next
		}
		goto key
	case c == '[':
		if len(s.stack) >= maxDepth {
			return scanSyntax
		}
		if node != nil && node.kind != nodeArray && node.kind != nodeOneOrMany {
			node = nil
		}
		s.stack = append(s.stack, scanFrame{node: node, onPath: -1})
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			i++
			s.stack = s.stack[:len(s.stack)-1]
			goto next
		}
		node, want = elemOf(node), -1
		goto value
	case c == '"':
		end, plain, ok := skipString(data, i)
		if !ok {
			return scanSyntax
		}
		if want >= 0 && want == len(capture) {
			s.capStart, s.capEnd, s.capPlain = i, end, plain
		}
		i = end
	default:
		j := i
		for j < len(data) && literalByte[data[j]] {
			j++
		}
		if j == i {
			return scanSyntax
		}
		if want >= 0 && want == len(capture) {
			s.capStart, s.capEnd = i, j
		}
		i = j
	}

next:
	if len(s.stack) == 0 {
		if skipSpace(data, i) != len(data) {
			return scanSyntax // trailing data
		}
		return scanOK
	}
	i = skipSpace(data, i)
	if i >= len(data) {
		return scanSyntax
	}
	if top := &s.stack[len(s.stack)-1]; top.obj {
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
			goto key
		case '}':
			i++
			s.pop()
			goto next
		}
		return scanSyntax
	} else {
		switch data[i] {
		case ',':
			top.cur++
			i = skipSpace(data, i+1)
			node, want = elemOf(top.node), -1
			goto value
		case ']':
			i++
			s.stack = s.stack[:len(s.stack)-1]
			goto next
		}
		return scanSyntax
	}

key:
	{
		if i >= len(data) || data[i] != '"' {
			return scanSyntax
		}
		end, plain, ok := skipString(data, i)
		if !ok {
			return scanSyntax
		}
		top := &s.stack[len(s.stack)-1]
		start := len(s.arena)
		if plain {
			s.arena = append(s.arena, data[i+1:end-1]...)
		} else {
			var k string
			if json.Unmarshal(data[i:end], &k) != nil {
				return scanSyntax
			}
			s.arena = append(s.arena, k...)
		}
		node, want = nil, -1
		if n := top.node; n != nil {
			switch n.kind {
			case nodeStruct:
				if f, ok := n.fields[string(s.arena[start:])]; ok {
					node = f.node
					if f.name != string(s.arena[start:]) { // an alias: the same key as its name
						s.arena = append(s.arena[:start], f.name...)
					}
				} else {
					s.fold = appendFold(s.fold[:0], s.arena[start:])
					if name, ok := n.folded[string(s.fold)]; ok {
						s.spans = append(s.spans, keySpan{start, len(s.arena)})
						top.cur = len(s.spans) - 1
						s.err = s.found("case", name)
						return scanFound
					}
				}
			case nodeMap:
				node = n.elem
			}
		}
		s.spans = append(s.spans, keySpan{start, len(s.arena)})
		top.cur = len(s.spans) - 1
		if s.duplicate(top) {
			s.err = s.found("duplicate", "")
			return scanFound
		}
		if top.onPath >= 0 && top.onPath < len(capture) && string(s.arena[start:]) == capture[top.onPath] {
			want = top.onPath + 1
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return scanSyntax
		}
		i = skipSpace(data, i+1)
		goto value
	}
}

func elemOf(n *keyNode) *keyNode {
	if n != nil && (n.kind == nodeArray || n.kind == nodeOneOrMany) {
		return n.elem
	}
	return nil
}

// pop closes the innermost object, forgetting its keys.
func (s *keyScanner) pop() {
	top := s.stack[len(s.stack)-1]
	s.arena, s.spans = s.arena[:top.arena], s.spans[:top.first]
	s.stack[len(s.stack)-1].set = nil
	s.stack = s.stack[:len(s.stack)-1]
}

// duplicate reports whether the object's newest key is one of its earlier
// keys: compared one by one while the object is small, through a map once
// it is large (so a body of many keys costs linear time, not quadratic).
func (s *keyScanner) duplicate(top *scanFrame) bool {
	k := s.spans[top.cur]
	key := s.arena[k.off:k.end]
	n := top.cur - top.first
	if n < linearKeys {
		for _, p := range s.spans[top.first:top.cur] {
			if string(s.arena[p.off:p.end]) == string(key) {
				return true
			}
		}
		return false
	}
	if top.set == nil {
		top.set = make(map[string]struct{}, 2*linearKeys)
		for _, p := range s.spans[top.first:top.cur] {
			top.set[string(s.arena[p.off:p.end])] = struct{}{}
		}
	}
	if _, ok := top.set[string(key)]; ok {
		return true
	}
	top.set[string(key)] = struct{}{}
	return false
}

// found builds the error for the current key: its JSON path from the open
// containers (order.line_items[1].price).
func (s *keyScanner) found(rule, param string) *ValidationError {
	var b strings.Builder
	for _, f := range s.stack {
		if f.obj {
			if f.cur < 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			k := s.spans[f.cur]
			b.Write(s.arena[k.off:k.end])
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.cur))
			b.WriteByte(']')
		}
	}
	path := b.String()
	if len(path) > 256 {
		path = strings.ToValidUTF8(path[:256], "") + "…"
	}
	return &ValidationError{Fields: []FieldError{{Path: path, Rule: rule, Param: param, Message: ruleMessage(rule, param)}}}
}
