package sign

import (
	"encoding/binary"
	"math/bits"
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
// the call does not allocate.
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
	_, _, msg := compact(make([]byte, len(src)), src)
	return msg == ""
}

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

// compact writes the minified src into out (len(out) == len(src)) and
// returns the bytes written, or the offset and reason of the first error.
//
// It is one pass, written as a goto-threaded state machine: each grammar
// position (value, key, after-value) is a label, so a token costs no state
// dispatch. Whitespace runs share one skip site that jumps back to the
// position it came from; string contents and indentation are skipped eight
// bytes at a time, and output is copied in runs between whitespace.
//
// out may be src itself (in-place minify): output never overtakes input, and
// the word-wise copy only overshoots into bytes already consumed.
func compact(out, src []byte) (w, errOff int, errMsg string) {
	n := len(src)
	var stack [maxDepth/64 + 1]uint64 // bit set = object, clear = array
	depth := 0
	inObj := false   // the innermost container is an object
	allow := false   // at value/key: the container may close here (it is empty)
	isKey := false   // the string being scanned is an object key
	ret := 0         // where the whitespace skip returns to
	i, start := 0, 0 // start: first byte of the pending output run
	var c byte

	const (
		retValue = iota
		retKey
		retAfter
	)

value:
	if i < n && class[src[i]] == cWS {
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
		i++
		allow = true
		goto value
	case cArrClose:
		if allow && !inObj {
			allow = false
			goto pop
		}
	case cNum:
		var msg string
		if i, msg = scanNumber(src, i); msg != "" {
			return 0, i, msg
		}
		goto after
	case cT:
		if !hasLit(src, i, "true") {
			return 0, litErr(src, i, "true"), "invalid character in literal true (expecting 'true')"
		}
		i += 4
		goto after
	case cF:
		if !hasLit(src, i, "false") {
			return 0, litErr(src, i, "false"), "invalid character in literal false (expecting 'false')"
		}
		i += 5
		goto after
	case cN:
		if !hasLit(src, i, "null") {
			return 0, litErr(src, i, "null"), "invalid character in literal null (expecting 'null')"
		}
		i += 4
		goto after
	}
	return 0, i, "invalid character looking for beginning of value"

key:
	if i < n && class[src[i]] == cWS {
		ret = retKey
		goto ws
	}
keyNoWS:
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	if src[i] == '"' {
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
	// String contents: eight bytes at a time up to the first '"', '\\' or
	// control byte; the lowest flagged byte of a word is exact.
	for {
		if i+8 <= n {
			if m := stringStop(binary.LittleEndian.Uint64(src[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
			} else {
				i += 8
				continue
			}
		} else {
			for i < n && src[i] != '"' && src[i] != '\\' && src[i] >= 0x20 {
				i++
			}
			if i >= n {
				return 0, n, "unexpected end of JSON input"
			}
		}
		c = src[i]
		if c == '"' {
			i++
			break
		}
		if c < 0x20 {
			return 0, i, "invalid character in string literal"
		}
		var msg string
		if i, msg = scanEscape(src, i+1); msg != "" {
			return 0, i, msg
		}
	}
	allow = false
	if !isKey {
		goto after
	}
	// The colon after a key; whitespace around it is rare, so it takes the
	// out-of-line path.
	if i < n && src[i] == ':' {
		i++
		goto value
	}
	if i < n && class[src[i]] == cWS {
		w += copy(out[w:], src[start:i])
		i = skipWS(src, i+1)
		start = i
	}
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	if src[i] != ':' {
		return 0, i, "invalid character after object key"
	}
	i++
	goto value

pop:
	depth--
	inObj = depth > 0 && stack[(depth-1)>>6]>>uint((depth-1)&63)&1 == 1
	i++
	// fall through to after

after:
	if i < n && class[src[i]] == cWS {
		ret = retAfter
		goto ws
	}
afterNoWS:
	if depth == 0 {
		if i >= n {
			w += copy(out[w:], src[start:i])
			return w, 0, ""
		}
		return 0, i, "invalid character after top-level value"
	}
	if i >= n {
		return 0, n, "unexpected end of JSON input"
	}
	c = src[i]
	if c == ',' {
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
	// Flush the run before the whitespace, then skip the run.
	if run := i - start; run > 0 {
		if start-w >= 16 && i+16 <= n {
			// 16-byte moves; the overshoot (< 16 bytes) lands in output that
			// later runs overwrite and, in place, stays below i.
			for k := 0; k < run; k += 16 {
				*(*[16]byte)(out[w+k:]) = *(*[16]byte)(src[start+k:])
			}
		} else {
			copy(out[w:], src[start:i])
		}
		w += run
	}
	i++
	for {
		if i+8 <= n {
			if d := binary.LittleEndian.Uint64(src[i:]) ^ spc8; d != 0 {
				i += bits.TrailingZeros64(d) >> 3
				if c = src[i]; c == '\n' || c == '\t' || c == '\r' {
					i++
					continue
				}
				break
			}
			i += 8
			continue
		}
		if i < n && class[src[i]] == cWS {
			i++
			continue
		}
		break
	}
	start = i
	switch ret {
	case retValue:
		goto valueNoWS
	case retKey:
		goto keyNoWS
	}
	goto afterNoWS
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
