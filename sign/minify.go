package sign

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"unsafe"
)

// maxDepth is encoding/json's scanner limit (maxNestingDepth). Matching it
// keeps the promise that AppendMinified rejects exactly what json.Compact
// rejects, including 10001 nested brackets.
const maxDepth = 10000

// AppendMinified appends src with the insignificant JSON whitespace (space,
// tab, CR, LF outside string literals) removed and returns the extended
// buffer. Key order, string contents, escapes and number spelling are kept
// byte for byte: the output is identical to encoding/json.Compact's, and so
// is the set of inputs rejected, with one deliberate exception: a zero-length
// src means "no body" and appends nothing (SNAP hashes the empty string for
// it). A whitespace-only src is an error, as in json.Compact.
//
// On error dst is returned unchanged (truncated to its original length) with
// a *SyntaxError wrapping ErrInvalidJSON. When cap(dst)-len(dst) >= len(src)
// and the two do not overlap, the call does not allocate. Overlapping dst
// and src (in-place minify, AppendMinified(b[:0], b)) are allowed and cost
// one copy of src. Bytes of dst's spare capacity beyond the result may be
// overwritten, as with any append.
func AppendMinified(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, nil
	}
	orig := len(dst)
	if cap(dst)-orig < len(src) {
		nd := make([]byte, orig, orig+len(src))
		copy(nd, dst)
		dst = nd
	}
	out := dst[orig : orig+len(src)]
	if overlaps(out, src) {
		// compact writes ahead of its read position; an overlapping src
		// (in-place minify, say) is read from a private copy instead.
		src = append([]byte(nil), src...)
	}
	w, off, msg := compact(out, src)
	if msg != "" {
		return dst[:orig], &SyntaxError{Offset: int64(off), Msg: msg}
	}
	return dst[:orig+w], nil
}

// Minify returns src minified into a new slice; see AppendMinified.
func Minify(src []byte) ([]byte, error) {
	if len(src) == 0 {
		return []byte{}, nil
	}
	return AppendMinified(make([]byte, 0, len(src)), src)
}

// Valid reports whether src is valid JSON by the rules AppendMinified
// applies (a zero-length src counts as valid "no body").
func Valid(src []byte) bool {
	if len(src) == 0 {
		return true
	}
	var buf [512]byte
	// compact writes at most len(src) bytes; validate in bounded pieces
	// would need a resumable parser, so only small inputs use the stack.
	if len(src) <= len(buf) {
		_, _, msg := compact(buf[:len(src)], src)
		return msg == ""
	}
	// Larger inputs borrow a scratch buffer: Valid runs on every non-SNAP
	// and Kirim notification, so it must not allocate per call.
	bp := validScratch.Get().(*[]byte)
	if cap(*bp) < len(src) {
		*bp = make([]byte, len(src))
	}
	_, _, msg := compact((*bp)[:len(src)], src)
	if cap(*bp) <= maxPooledScratch {
		validScratch.Put(bp)
	}
	return msg == ""
}

// maxPooledScratch bounds what Valid keeps in its pool, so one huge body
// does not pin memory.
const maxPooledScratch = 1 << 20

var validScratch = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Byte classes for the structural scan.
const (
	cOther = iota
	cWS
	cQuote
	cObjOpen
	cObjClose
	cArrOpen
	cArrClose
	cComma
	cColon
	cNum
	cT
	cF
	cN
)

var class = func() (t [256]uint8) {
	t[' '], t['\t'], t['\n'], t['\r'] = cWS, cWS, cWS, cWS
	t['"'] = cQuote
	t['{'], t['}'], t['['], t[']'] = cObjOpen, cObjClose, cArrOpen, cArrClose
	t[','], t[':'] = cComma, cColon
	t['-'] = cNum
	for c := '0'; c <= '9'; c++ {
		t[c] = cNum
	}
	t['t'], t['f'], t['n'] = cT, cF, cN
	return
}()

var isHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return
}()

const (
	lo8  = 0x0101010101010101
	hi8  = 0x8080808080808080
	spc8 = 0x2020202020202020
)

// stringStop returns a word whose lowest set high bit marks the first byte of
// w that ends a run of plain string content: '"', '\\' or a control byte.
// Borrows can only set bits above a true match, so the lowest one is exact.
func stringStop(w uint64) uint64 {
	q := w ^ (lo8 * '"')
	b := w ^ (lo8 * '\\')
	return ((q-lo8)&^q | (b-lo8)&^b | (w - spc8)) &^ w & hi8
}

// compact writes the minified src into out (len(out) == len(src), no
// overlap) and returns the bytes written, or the offset and reason of the
// first error.
//
// It is one pass, written as a goto-threaded state machine: each grammar
// position (value, key, after-value) is a label, so a token costs no state
// dispatch, and whitespace runs share one skip site that jumps back to the
// position it came from. Output is written as input is scanned: src[j] goes
// to out[j-d], where d counts the whitespace dropped so far, so a
// whitespace run costs only d += its length. String contents are loaded,
// checked and stored eight bytes at a time; a store may run past the token,
// but only into output positions that later tokens overwrite (output
// positions grow with input positions).
func compact(out, src []byte) (w, errOff int, errMsg string) {
	n := len(src)
	out = out[:n]
	var stack [maxDepth/64 + 1]uint64 // bit set = object, clear = array
	depth := 0
	inObj := false // the innermost container is an object
	allow := false // at value/key: the container may close here (it is empty)
	isKey := false // the string being scanned is an object key
	ret := 0       // where the whitespace skip returns to
	i, d := 0, 0
	var c byte

	const (
		retValue = iota
		retKey
		retAfter
	)

value:
	if i < n && class[src[i]] == cWS {
		// One space after a colon or comma (pretty-printers write `"k": v`
		// and `[1, 2]`) is the commonest run of all: skip it without the
		// general loop. The same holds before keys and closers below.
		if loneSpace(src, i) {
			i++
			d++
			goto valueNoWS
		}
		ret = retValue
		goto ws
	}
valueNoWS:
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	c = src[i]
	switch class[c] {
	case cQuote:
		out[i-d] = c
		i++
		isKey = false
		goto str
	case cObjOpen:
		if depth >= maxDepth {
			return 0, i, "exceeded max depth"
		}
		stack[depth>>6] |= 1 << uint(depth&63)
		depth++
		inObj = true
		out[i-d] = c
		i++
		allow = true
		goto key
	case cArrOpen:
		if depth >= maxDepth {
			return 0, i, "exceeded max depth"
		}
		stack[depth>>6] &^= 1 << uint(depth&63)
		depth++
		inObj = false
		out[i-d] = c
		i++
		allow = true
		goto value
	case cArrClose:
		if allow && !inObj {
			allow = false
			goto pop
		}
	case cNum:
		j, msg := scanNumber(src, i)
		if msg != "" {
			return 0, j, msg
		}
		copy(out[i-d:], src[i:j])
		i = j
		goto after
	case cT:
		if !hasLit(src, i, "true") {
			return 0, litErr(src, i, "true"), "invalid character in literal true (expecting 'true')"
		}
		copy(out[i-d:], "true")
		i += 4
		goto after
	case cF:
		if !hasLit(src, i, "false") {
			return 0, litErr(src, i, "false"), "invalid character in literal false (expecting 'false')"
		}
		copy(out[i-d:], "false")
		i += 5
		goto after
	case cN:
		if !hasLit(src, i, "null") {
			return 0, litErr(src, i, "null"), "invalid character in literal null (expecting 'null')"
		}
		copy(out[i-d:], "null")
		i += 4
		goto after
	}
	return 0, i, "invalid character looking for beginning of value"

key:
	if i < n && class[src[i]] == cWS {
		if loneSpace(src, i) {
			i++
			d++
			goto keyNoWS
		}
		ret = retKey
		goto ws
	}
keyNoWS:
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	if src[i] == '"' {
		out[i-d] = '"'
		i++
		isKey = true
		goto str
	}
	if allow && src[i] == '}' {
		allow = false
		goto pop
	}
	return 0, i, "invalid character looking for beginning of object key string"

str:
	// String contents: loaded, stored and checked eight bytes at a time up
	// to the first '"', '\\' or control byte (the lowest flagged byte of a
	// word is exact).
	for {
		if i+8 <= n {
			x := binary.LittleEndian.Uint64(src[i:])
			binary.LittleEndian.PutUint64(out[i-d:], x)
			if m := stringStop(x); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
			} else {
				i += 8
				continue
			}
		} else {
			for i < n && src[i] != '"' && src[i] != '\\' && src[i] >= 0x20 {
				out[i-d] = src[i]
				i++
			}
			if i >= n {
				return 0, n, "unexpected end of JSON input"
			}
			out[i-d] = src[i]
		}
		c = src[i]
		if c == '"' {
			i++
			break
		}
		if c < 0x20 {
			return 0, i, "invalid character in string literal"
		}
		// A backslash escape. Fast path: one word store covers any escape
		// (at most six bytes) and the usual ones are checked inline.
		if i+8 <= n {
			binary.LittleEndian.PutUint64(out[i-d:], binary.LittleEndian.Uint64(src[i:]))
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
				continue
			case 'u':
				if isHex[src[i+2]] && isHex[src[i+3]] && isHex[src[i+4]] && isHex[src[i+5]] {
					i += 6
					continue
				}
			}
		}
		j, msg := scanEscape(src, i+1)
		if msg != "" {
			return 0, j, msg
		}
		copy(out[i-d:], src[i:j])
		i = j
	}
	allow = false
	if !isKey {
		goto after
	}
	// The colon after a key; whitespace around it is rare, so it takes the
	// out-of-line path.
	if i < n && src[i] == ':' {
		out[i-d] = ':'
		i++
		goto value
	}
	if i < n && class[src[i]] == cWS {
		j := skipWS(src, i+1)
		d += j - i
		i = j
	}
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	if src[i] != ':' {
		return 0, i, "invalid character after object key"
	}
	out[i-d] = ':'
	i++
	goto value

pop:
	out[i-d] = src[i]
	depth--
	inObj = depth > 0 && stack[(depth-1)>>6]>>uint((depth-1)&63)&1 == 1
	i++
	// fall through to after

after:
	if i < n && class[src[i]] == cWS {
		if loneSpace(src, i) {
			i++
			d++
			goto afterNoWS
		}
		ret = retAfter
		goto ws
	}
afterNoWS:
	if depth == 0 {
		if i >= n {
			return n - d, 0, ""
		}
		return 0, i, "invalid character after top-level value"
	}
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	c = src[i]
	if c == ',' {
		out[i-d] = ','
		i++
		allow = false
		if inObj {
			goto key
		}
		goto value
	}
	if inObj {
		if c == '}' {
			goto pop
		}
		return 0, i, "invalid character after object key:value pair"
	}
	if c == ']' {
		goto pop
	}
	return 0, i, "invalid character after array element"

ws:
	// Skip the whitespace run at i; indentation goes a word at a time (the
	// lowest non-zero byte of word^spaces is the first non-space).
	{
		j := i + 1
		for {
			if j+8 <= n {
				if x := binary.LittleEndian.Uint64(src[j:]) ^ spc8; x != 0 {
					j += bits.TrailingZeros64(x) >> 3
					if c = src[j]; c == '\n' || c == '\t' || c == '\r' {
						j++
						continue
					}
					break
				}
				j += 8
				continue
			}
			if j < n && class[src[j]] == cWS {
				j++
				continue
			}
			break
		}
		d += j - i
		i = j
	}
	switch ret {
	case retValue:
		goto valueNoWS
	case retKey:
		goto keyNoWS
	}
	goto afterNoWS
}

// loneSpace reports whether src[i] is a space not followed by more
// whitespace.
func loneSpace(src []byte, i int) bool {
	return src[i] == ' ' && (i+1 >= len(src) || class[src[i+1]] != cWS)
}

// skipWS returns the index of the first non-whitespace byte at or after i.
// Indentation is skipped a word at a time: the lowest non-zero byte of
// word^spaces is exactly the first byte that is not a space.
func skipWS(src []byte, i int) int {
	n := len(src)
	for {
		for i+8 <= n {
			d := binary.LittleEndian.Uint64(src[i:]) ^ spc8
			if d != 0 {
				i += bits.TrailingZeros64(d) >> 3
				break
			}
			i += 8
		}
		for i < n && src[i] == ' ' {
			i++
		}
		if i < n && (src[i] == '\n' || src[i] == '\t' || src[i] == '\r') {
			i++
			continue
		}
		return i
	}
}

// scanEscape validates the escape sequence after a backslash at i-1 and
// returns the index just past it.
func scanEscape(src []byte, i int) (int, string) {
	n := len(src)
	if i >= n {
		return n, "unexpected end of JSON input"
	}
	switch src[i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 1, ""
	case 'u':
		i++
		for k := 0; k < 4; k++ {
			if i >= n {
				return n, "unexpected end of JSON input"
			}
			if !isHex[src[i]] {
				return i, "invalid character in \\u hexadecimal character escape"
			}
			i++
		}
		return i, ""
	}
	return i, "invalid character in string escape code"
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at
// i and returns the index just past it.
func scanNumber(src []byte, i int) (int, string) {
	n := len(src)
	if src[i] == '-' {
		i++
		if i >= n {
			return n, "unexpected end of JSON input"
		}
	}
	switch c := src[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i++
		for i < n && src[i]-'0' < 10 {
			i++
		}
	default:
		return i, "invalid character in numeric literal"
	}
	if i < n && src[i] == '.' {
		i++
		if i >= n {
			return n, "unexpected end of JSON input"
		}
		if src[i]-'0' >= 10 {
			return i, "invalid character after decimal point in numeric literal"
		}
		for i < n && src[i]-'0' < 10 {
			i++
		}
	}
	if i < n && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < n && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= n {
			return n, "unexpected end of JSON input"
		}
		if src[i]-'0' >= 10 {
			return i, "invalid character in exponent of numeric literal"
		}
		for i < n && src[i]-'0' < 10 {
			i++
		}
	}
	return i, ""
}

func hasLit(src []byte, i int, lit string) bool {
	return len(src)-i >= len(lit) && string(src[i:i+len(lit)]) == lit
}

func litErr(src []byte, i int, lit string) int {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(src) || src[i+k] != lit[k] {
			return i + k
		}
	}
	return i
}

// overlaps reports whether a and b share any byte of memory. It compares
// addresses only (never dereferences), the technique of the standard
// library's crypto/internal/alias.
func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
