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

// literal is true, false or null: its bytes, the first four of them as a
// little-endian word (a literal is matched and written with one load or
// store and one byte), and encoding/json's error for a mangled one.
type literal struct {
	word string
	head uint32
	msg  string
}

func newLiteral(word string) literal {
	return literal{word, binary.LittleEndian.Uint32([]byte(word)),
		"invalid character in literal " + word + " (expecting '" + word + "')"}
}

// literals are in the order of their classes: cT, cF, cN.
var literals = [...]literal{newLiteral("true"), newLiteral("false"), newLiteral("null")}

// at reports whether src[i:] starts with the literal. Its last byte is
// checked on its own: for true and null again, for false the fifth.
func (l *literal) at(src []byte, i int) bool {
	w := l.word
	return len(src)-i >= len(w) && binary.LittleEndian.Uint32(src[i:]) == l.head && src[i+len(w)-1] == w[len(w)-1]
}

// put writes the literal at the start of out and returns its length.
func (l *literal) put(out []byte) int {
	w := l.word
	binary.LittleEndian.PutUint32(out, l.head)
	out[len(w)-1] = w[len(w)-1]
	return len(w)
}

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

// scanState is where compact stopped in a body fed to it in pieces (see
// BodyHasher): the open containers and the grammar position to resume at.
// Its zero value is the start of a body.
type scanState struct {
	stack [maxDepth/64 + 1]uint64 // bit set = object, clear = array
	depth int
	inObj bool  // the innermost container is an object
	allow bool  // at value/key: the container may close here (it is empty)
	isKey bool  // the string being scanned is an object key
	pos   uint8 // posValue…posNumber: where the next piece starts
	num   uint8 // at posNumber: how far the number got (numStart…numExp)
}

// Grammar positions a piece of input can end at.
const (
	posValue  = iota // before a value
	posKey           // before an object key (or '}' if allow)
	posColon         // after a key, before its ':'
	posAfter         // after a value
	posString        // inside a string, just before its next content byte
	posNumber        // inside a number (state in scanState.num)
)

// Whitespace-skip return points.
const (
	retValue = iota
	retKey
	retAfter
)

// compact writes the minified src into out (len(out) == len(src), no
// overlap) and returns the bytes written, or the offset and reason of the
// first error. It is the one-shot use of scanState.compact.
func compact(out, src []byte) (w, errOff int, errMsg string) {
	var st scanState
	w, _, errOff, errMsg = st.compact(out, src, true)
	return w, errOff, errMsg
}

// compact minifies src, the next piece of a body, into out (len(out) >=
// len(src), no overlap), resuming at st and leaving st where src ends. It
// returns the bytes written and the bytes consumed, or the offset (in src)
// and reason of the first error. With final, src ends the body: an
// unfinished value is an error. Without it, a piece may end anywhere; it
// consumes all of src except an unfinished literal or string escape (at
// most five bytes), which the caller must pass again at the front of the
// next piece. Output and errors are the same whatever the split.
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
func (st *scanState) compact(out, src []byte, final bool) (w, consumed, errOff int, errMsg string) {
	n := len(src)
	out = out[:n]
	stack := &st.stack
	depth, inObj, allow, isKey := st.depth, st.inObj, st.allow, st.isKey
	ret := 0 // where the whitespace skip returns to
	pos := uint8(posValue)
	i, d := 0, 0
	var c byte

	switch st.pos {
	case posKey:
		goto key
	case posColon:
		goto colon
	case posAfter:
		goto after
	case posString:
		goto str
	case posNumber:
		goto number
	}

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
		if !final {
			pos = posValue
			goto suspend
		}
		return 0, 0, n, "unexpected end of JSON input"
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
			return 0, 0, i, "exceeded max depth"
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
			return 0, 0, i, "exceeded max depth"
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
		if j == n && !final {
			// The number may go on in the next piece: keep its state,
			// not its bytes (a number may be of any length).
			_, s, _ := numResume(src, i, numStart)
			copy(out[i-d:], src[i:])
			i = n
			st.num = s
			pos = posNumber
			goto suspend
		}
		if msg != "" {
			return 0, 0, j, msg
		}
		copy(out[i-d:], src[i:j])
		i = j
		goto after
	case cT, cF, cN:
		lit := &literals[class[c]-cT]
		if !lit.at(src, i) {
			if !final && litPrefix(src, i, lit.word) {
				pos = posValue
				goto suspend
			}
			return 0, 0, litErr(src, i, lit.word), lit.msg
		}
		i += lit.put(out[i-d:])
		goto after
	}
	return 0, 0, i, "invalid character looking for beginning of value"

number:
	// A number that went on past the end of the previous piece.
	{
		j, s, msg := numResume(src, i, st.num)
		if msg != "" {
			return 0, 0, j, msg
		}
		copy(out[i-d:], src[i:j])
		i = j
		if j == n {
			if !final {
				st.num = s
				pos = posNumber
				goto suspend
			}
			if numOpen(s) {
				return 0, 0, n, "unexpected end of JSON input"
			}
		}
	}
	goto after

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
		if !final {
			pos = posKey
			goto suspend
		}
		return 0, 0, n, "unexpected end of JSON input"
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
	return 0, 0, i, "invalid character looking for beginning of object key string"

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
				if !final {
					pos = posString
					goto suspend
				}
				return 0, 0, n, "unexpected end of JSON input"
			}
			out[i-d] = src[i]
		}
		c = src[i]
		if c == '"' {
			i++
			break
		}
		if c < 0x20 {
			return 0, 0, i, "invalid character in string literal"
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
			if j == n && !final {
				// The escape goes on in the next piece: resume at its
				// backslash.
				pos = posString
				goto suspend
			}
			return 0, 0, j, msg
		}
		copy(out[i-d:], src[i:j])
		i = j
	}
	allow = false
	if !isKey {
		goto after
	}
colon:
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
		if !final {
			pos = posColon
			goto suspend
		}
		return 0, 0, n, "unexpected end of JSON input"
	}
	if src[i] != ':' {
		return 0, 0, i, "invalid character after object key"
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
	if i >= n && !final {
		pos = posAfter
		goto suspend
	}
	if depth == 0 {
		if i >= n {
			return n - d, n, 0, ""
		}
		return 0, 0, i, "invalid character after top-level value"
	}
	if i >= n {
		return 0, 0, n, "unexpected end of JSON input"
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
		return 0, 0, i, "invalid character after object key:value pair"
	}
	if c == ']' {
		goto pop
	}
	return 0, 0, i, "invalid character after array element"

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

suspend:
	// The piece ended (or ends, at i, in a literal or escape to be passed
	// again): keep where, for the next one.
	st.depth, st.inObj, st.allow, st.isKey, st.pos = depth, inObj, allow, isKey, pos
	return i - d, i, 0, ""
}

// Number states, for a number split between pieces.
const (
	numStart = iota // nothing scanned
	numMinus        // "-"
	numZero         // a leading 0: the integer part is complete
	numInt          // [1-9][0-9]*
	numDot          // the integer part and "."
	numFrac         // at least one fraction digit
	numE            // "e" or "E"
	numESign        // the exponent's sign
	numExp          // at least one exponent digit
)

// numResume continues the number at src[i:] in state s, by the grammar of
// scanNumber, and returns the index just past it (len(src) if it may go
// on), the state there, or the offset and reason of an error.
func numResume(src []byte, i int, s uint8) (int, uint8, string) {
	for ; i < len(src); i++ {
		c := src[i]
		digit := c-'0' < 10
		switch s {
		case numStart, numMinus:
			switch {
			case s == numStart && c == '-':
				s = numMinus
			case c == '0':
				s = numZero
			case digit:
				s = numInt
			default:
				return i, s, "invalid character in numeric literal"
			}
		case numZero, numInt, numFrac:
			switch {
			case digit && s != numZero:
			case c == '.' && s != numFrac:
				s = numDot
			case c == 'e' || c == 'E':
				s = numE
			default:
				return i, s, ""
			}
		case numDot:
			if !digit {
				return i, s, "invalid character after decimal point in numeric literal"
			}
			s = numFrac
		case numE:
			switch {
			case c == '+' || c == '-':
				s = numESign
			case digit:
				s = numExp
			default:
				return i, s, "invalid character in exponent of numeric literal"
			}
		case numESign:
			if !digit {
				return i, s, "invalid character in exponent of numeric literal"
			}
			s = numExp
		default: // numExp
			if !digit {
				return i, s, ""
			}
		}
	}
	return len(src), s, ""
}

// numOpen reports whether a number in state s needs more bytes to be one.
func numOpen(s uint8) bool {
	return s == numStart || s == numMinus || s == numDot || s == numE || s == numESign
}

// litPrefix reports whether src[i:] is a proper prefix of lit: a literal
// cut by the end of a piece.
func litPrefix(src []byte, i int, lit string) bool {
	return len(src)-i < len(lit) && string(src[i:]) == lit[:len(src)-i]
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
