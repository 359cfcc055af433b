package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Money is SNAP money as the merchant must send it: value is a string with
// exactly two decimals ("10000.00"), currency an ISO 4217 code ("IDR").
type Money struct {
	Value    string `json:"value" validate:"required,snapamount"`
	Currency string `json:"currency" validate:"required,iso4217"`
}

// LenientMoney is SNAP money as DOKU sends it: the docs show the value as
// "10000.00", 1095086.98, 10000 and 0, so a number or a numeric string is
// accepted and kept as its literal text (no float rounding). The value is
// never negative: no DOKU page defines a negative amount, and "-10000.00"
// is rejected (rule flexnum), not acknowledged.
type LenientMoney struct {
	Value    FlexString `json:"value" validate:"required,flexnum"`
	Currency FlexString `json:"currency" validate:"omitempty,alpha,len=3"`
}

// FlexString is a scalar DOKU sends under more than one JSON type: a string,
// or a number / boolean that is kept as its literal text ("2007300" and
// 2007300 both read as "2007300"; 1095086.98 stays "1095086.98"). null reads
// as "". An object or array is a type error. It marshals back as a string.
type FlexString string

// UnmarshalJSON accepts a string, number, boolean or null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return &json.UnmarshalTypeError{Value: "empty", Type: reflect.TypeFor[FlexString]()}
	}
	switch b[0] {
	case '"':
		if v, ok := plainJSONString(b); ok {
			*s = FlexString(v)
			return nil
		}
		var v string // escapes, invalid UTF-8 or not one string: encoding/json decides
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = FlexString(v)
	case 'n':
		*s = ""
	case '{':
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[FlexString]()}
	case '[':
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[FlexString]()}
	default: // number, true, false: keep the literal
		*s = FlexString(b)
	}
	return nil
}

// plainJSONString returns the text of b when b is exactly one JSON string
// that encoding/json would read byte for byte: quoted, with no escape, no
// control character and valid UTF-8 (json replaces invalid bytes with
// U+FFFD, so those take the slow path). It is what json.Unmarshal into a
// string gives for such b, with one allocation, the string, or none for
// "".
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	ascii := true
	for _, c := range in {
		switch {
		case c == '"' || c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// String returns the text.
func (s FlexString) String() string { return string(s) }

// Int64 parses the text as a base-10 integer ("900" or 900 → 900).
func (s FlexString) Int64() (int64, error) { return strconv.ParseInt(string(s), 10, 64) }

// FlexObject is an additionalInfo-style member DOKU sends as an object, as
// "" or as null (the DOKU Wallet SNAP page shows "additionalInfo": "", other pages {}). The
// raw object is kept; "" and null read as empty. Any other JSON is kept raw
// as well: it is DOKU's message and only the merchant's code interprets it.
type FlexObject struct {
	Raw json.RawMessage
}

// UnmarshalJSON keeps the raw member; "" and null become empty.
func (o *FlexObject) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if bytes.Equal(t, []byte(`""`)) || bytes.Equal(t, []byte("null")) {
		o.Raw = nil
		return nil
	}
	o.Raw = append(o.Raw[:0], t...)
	return nil
}

// MarshalJSON writes the raw member back, or {} when empty.
func (o FlexObject) MarshalJSON() ([]byte, error) {
	if len(o.Raw) == 0 {
		return []byte("{}"), nil
	}
	return o.Raw, nil
}

// Empty reports whether DOKU sent nothing ("" or null or absent).
func (o FlexObject) Empty() bool { return len(o.Raw) == 0 }

// Decode unmarshals the raw member into v (a pointer); an empty object
// leaves v unchanged. It reads as Decode does: a duplicate key, or a key
// that differs from one of v's JSON names only by case, is a
// *ValidationError (ErrDuplicateKey, ErrKeyCase) and v is left unchanged.
func (o FlexObject) Decode(v any) error {
	if o.Empty() {
		return nil
	}
	if verr, _ := checkKeys(o.Raw, reflect.TypeOf(v)); verr != nil {
		return verr
	}
	return json.Unmarshal(o.Raw, v)
}

// Get returns the member key of the object as text (numbers and booleans as
// their literal), or "" when absent or not an object.
func (o FlexObject) Get(key string) string {
	var m map[string]FlexString
	if o.Empty() || json.Unmarshal(o.Raw, &m) != nil {
		return ""
	}
	return string(m[key])
}

// OneOrMany is a list DOKU sometimes sends as a single object (the DOKU Wallet SNAP page's
// transaction history detailData) and sometimes as an array.
type OneOrMany[T any] []T

// oneOrMany tells the key check (strict.go) to read one T or a list of T.
func (OneOrMany[T]) oneOrMany() {}

// UnmarshalJSON accepts an array, a single value or null.
func (l *OneOrMany[T]) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '[' {
		var many []T
		if err := json.Unmarshal(t, &many); err != nil {
			return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[OneOrMany[T]]()}
		}
		*l = many
		return nil
	}
	if bytes.Equal(t, []byte("null")) {
		*l = nil
		return nil
	}
	var one T
	if err := json.Unmarshal(t, &one); err != nil {
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[OneOrMany[T]]()}
	}
	*l = OneOrMany[T]{one}
	return nil
}

// NameValue is DOKU's identifier pair ({"name":"ORDER_ID","value":"…"}) as
// DOKU sends it; numbers are accepted as text.
type NameValue struct {
	Name  FlexString `json:"name"`
	Value FlexString `json:"value"`
}

// Identifier is a {"name","value"} pair the merchant sends; both are
// mandatory strings.
type Identifier struct {
	Name  string `json:"name" validate:"required"`
	Value string `json:"value" validate:"required"`
}

// normalizeStatus maps SNAP transaction status spellings DOKU uses ("0",
// 0, "00") to the two-digit form.
func normalizeStatus(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return "0" + s
	}
	return s
}

// SDKOrigin is the additionalInfo.origin DOKU's own SDKs add to every SNAP
// call they make ({"product":"SDK","source":"NODE JS","sourceVersion":…,
// "system":"doku-nodejs-library","apiFormat":"SNAP"}). It is on no field
// table, but DOKU evidently accepts it (its SDKs work), so every SNAP
// request type accepts it; its members are free text and not interpreted.
type SDKOrigin struct {
	Product       string `json:"product,omitempty" validate:"max=64"`
	Source        string `json:"source,omitempty" validate:"max=64"`
	SourceVersion string `json:"sourceVersion,omitempty" validate:"max=64"`
	System        string `json:"system,omitempty" validate:"max=64"`
	APIFormat     string `json:"apiFormat,omitempty" validate:"max=64"`
}

// SNAPOriginInfo is the additionalInfo of a SNAP request whose field table
// has none: only DOKU's SDKs' origin (see SDKOrigin) is accepted in it.
type SNAPOriginInfo struct {
	Origin *SDKOrigin `json:"origin,omitempty"`
}

// OrderRef is the order block of a non-SNAP request that refers to an
// order the merchant created before (Cards refund, Akulaku cancel and
// refund): its invoice number only.
type OrderRef struct {
	InvoiceNumber string `json:"invoice_number" validate:"required,max=64"`
}

// LenientOrder is the order block DOKU sends in a non-SNAP notification or
// answer where the amount may be absent (the non-SNAP notification, the
// Akulaku cancel answer). The amount is a number or numeric string, never
// negative.
type LenientOrder struct {
	InvoiceNumber FlexString `json:"invoice_number" validate:"required"`
	Amount        FlexString `json:"amount,omitempty" validate:"omitempty,flexnum"`
}

// LenientOrderWithAmount is the order block of a non-SNAP answer that
// always carries the amount (Cards capture, Akulaku generate order and
// refund): both members are mandatory, the amount a number or numeric
// string, never negative.
type LenientOrderWithAmount struct {
	InvoiceNumber FlexString `json:"invoice_number" validate:"required"`
	Amount        FlexString `json:"amount" validate:"required,flexnum"`
}
