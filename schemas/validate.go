package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

var (
	snapAmountRE = regexp.MustCompile(`^\d+\.\d{2}$`)
	// flexNumRE is the number rule for what DOKU sends: digits with an
	// optional decimal part, never a sign. No DOKU page defines a negative
	// paid, refunded or balance amount, so "-10000.00" is rejected rather
	// than acknowledged (schemas/testdata/README.md records the decision).
	flexNumRE  = regexp.MustCompile(`^\d+(\.\d+)?$`)
	snapCodeRE = regexp.MustCompile(`^\d{7}$`)
)

// ValidSNAPAmount reports whether s is a SNAP money value as the merchant
// must send it: digits, a dot, exactly two decimals ("10000.00").
func ValidSNAPAmount(s string) bool { return snapAmountRE.MatchString(s) }

var (
	validateOnce sync.Once
	theValidator *validator.Validate
)

// validate returns the one shared validator: field names are JSON names,
// custom rules are registered once, struct info is cached across calls.
func validate() *validator.Validate {
	validateOnce.Do(func() {
		v := validator.New(validator.WithRequiredStructEnabled())
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			if name == "" {
				return f.Name
			}
			return name
		})
		must(v.RegisterValidation("snapamount", func(fl validator.FieldLevel) bool {
			return snapAmountRE.MatchString(fl.Field().String())
		}))
		must(v.RegisterValidation("flexnum", func(fl validator.FieldLevel) bool {
			return flexNumRE.MatchString(fl.Field().String())
		}))
		must(v.RegisterValidation("snapcode", func(fl validator.FieldLevel) bool {
			return snapCodeRE.MatchString(fl.Field().String())
		}))
		must(v.RegisterValidation("iso8601", func(fl validator.FieldLevel) bool {
			return ValidTimestamp(fl.Field().String())
		}))
		must(v.RegisterValidation("dokutime", func(fl validator.FieldLevel) bool {
			_, err := ParseTime(fl.Field().String())
			return err == nil
		}))
		registerStructRules(v)
		theValidator = v
	})
	return theValidator
}

func must(err error) {
	if err != nil {
		panic(err) // programming error in a rule registration, found by any test
	}
}

// Validate checks v (a pointer to, or value of, one of this package's
// message types) against its field rules and returns nil or a
// *ValidationError listing every bad field at once. A nil or non-struct v
// is a *ValidationError too, never a panic.
func Validate(v any) error {
	if v == nil {
		return &ValidationError{Fields: []FieldError{{Rule: "json", Message: "no message"}}}
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return &ValidationError{Fields: []FieldError{{Rule: "json", Message: "no message"}}}
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return &ValidationError{Fields: []FieldError{{Rule: "json", Message: "not a message type"}}}
	}
	err := validate().Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return &ValidationError{Fields: []FieldError{{Rule: "json", Message: "not a message type"}}}
	}
	out := &ValidationError{Fields: make([]FieldError, 0, len(verrs))}
	for _, fe := range verrs {
		out.Fields = append(out.Fields, fieldError(fe))
	}
	return out
}

// missingRules are the rules whose failure means "mandatory field absent".
var missingRules = map[string]bool{
	"required": true, "required_if": true, "required_unless": true,
	"required_with": true, "required_with_all": true,
	"required_without": true, "required_without_all": true,
}

func fieldError(fe validator.FieldError) FieldError {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		ns = rest // drop the Go type name validator puts first
	}
	f := FieldError{Path: ns, Rule: fe.Tag(), Param: fe.Param(), Missing: missingRules[fe.Tag()]}
	f.Message = ruleMessage(f.Rule, f.Param)
	return f
}

// ruleMessage says what was expected, never what was sent.
func ruleMessage(rule, param string) string {
	switch rule {
	case "required", "required_if", "required_unless", "required_with", "required_with_all":
		return "is mandatory"
	case "required_without", "required_without_all":
		return "is mandatory when " + strings.ToLower(param) + " is empty"
	case "max":
		return "must be at most " + param + " long (or large)"
	case "min":
		return "must be at least " + param + " long (or large)"
	case "len":
		return "must be exactly " + param + " long"
	case "lte":
		return "must be at most " + param
	case "gte":
		return "must be at least " + param
	case "gt":
		return "must be greater than " + param
	case "eq":
		return "must be " + param
	case "oneof":
		return "must be one of: " + param
	case "snapamount":
		return `must be a string with exactly two decimals, e.g. "10000.00"`
	case "iso4217":
		return "must be an ISO 4217 currency code, e.g. IDR"
	case "iso3166_1_alpha2":
		return "must be an ISO 3166-1 alpha-2 country code, e.g. ID"
	case "iso8601":
		return "must be an ISO-8601 timestamp with zone, e.g. 2024-07-10T11:57:58+07:00"
	case "dokutime":
		return "must be a timestamp"
	case "flexnum":
		return "must be a non-negative number"
	case "snapcode":
		return "must be a seven-digit SNAP response code"
	case "numeric":
		return "must contain digits only"
	case "email":
		return "must be an e-mail address"
	case "url", "http_url":
		return "must be an absolute URL"
	case "hexadecimal":
		return "must be a hexadecimal colour code, e.g. FFFFFF"
	case "printascii":
		return "must contain printable ASCII characters only"
	case "isdefault":
		return "must be absent"
	case "sum":
		return "line items (price × quantity) must add up to order.amount"
	case "refund_type_amount":
		return "refund amount does not fit the refund type"
	case "type":
		return "has the wrong JSON type" + typeHint(param)
	case "unknown":
		return "is not a field of this message"
	case "duplicate":
		return "appears more than once in its object"
	case "case":
		return "must be spelled " + param + " (keys are matched exactly)"
	case "json":
		return "body is not a valid JSON object" + param
	}
	if param != "" {
		return "fails rule " + rule + "=" + param
	}
	return "fails rule " + rule
}

func typeHint(param string) string {
	if param == "" {
		return ""
	}
	return ", expected " + param
}

// Decode parses data into v (a pointer to one of this package's message
// types) and validates it. Every body gets one strict reading first: a key
// that appears twice in its object, at any depth, is an error (rule
// "duplicate", matching ErrDuplicateKey) and so is a key that differs from
// a field's JSON name only by case (rule "case", ErrKeyCase): encoding/json
// would keep the last duplicate and match the other case, so another
// reader could see another message. Spellings DOKU really sends are
// declared as aliases (the DOKU Wallet SNAP page's "ReferenceNo"). Either
// error is reported alone. With strict, a field the type does not know is
// an error (rule "unknown"); otherwise it is ignored, because DOKU adds
// fields. A JSON type mismatch is reported with the field's path (rule
// "type"); decoding continues, so the result still lists every bad field at
// once. Trailing data after the object is malformed. The returned error is
// nil or a *ValidationError; v holds whatever could be decoded.
func Decode(data []byte, v any, strict bool) error {
	keysErr, scanned := checkKeys(data, reflect.TypeOf(v))
	if keysErr != nil {
		return keysErr
	}
	var err error
	if strict {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
		if err == nil {
			if _, terr := dec.Token(); terr != io.EOF {
				return malformed(" (trailing data after the object)")
			}
		}
	} else {
		// Unmarshal is the faster path and rejects trailing data itself.
		err = json.Unmarshal(data, v)
	}
	// The error values are only made (and their variables only escape) on
	// the paths that need them: a valid body allocates nothing here.
	var typeField *FieldError
	switch {
	case err == nil && !scanned:
		// The key scan could not read what the decoder accepted: fail
		// closed rather than skip the check.
		return malformed("")
	case err == nil:
	default:
		f, stop, ferr := decodeError(data, v, err)
		if ferr != nil {
			return ferr
		}
		if stop {
			return &ValidationError{Fields: []FieldError{f}}
		}
		typeField = &f
	}
	verr := Validate(v)
	if verr == nil {
		if typeField == nil {
			return nil
		}
		return &ValidationError{Fields: []FieldError{*typeField}}
	}
	var out ValidationError
	if typeField != nil {
		out.Fields = append(out.Fields, *typeField)
	}
	var ve *ValidationError
	if errors.As(verr, &ve) {
		for _, f := range ve.Fields {
			if len(out.Fields) > 0 && out.Fields[0].Path == f.Path {
				continue // the type error already names this field
			}
			out.Fields = append(out.Fields, f)
		}
	}
	if len(out.Fields) == 0 {
		return nil
	}
	return &out
}

// decodeError turns the decoder's error into the field it names: a type
// mismatch (rule "type"), after which decoding went on unless stop, or an
// unknown field (rule "unknown"), after which it stopped. Anything else is
// a malformed body, returned as err.
func decodeError(data []byte, v any, decErr error) (f FieldError, stop bool, err error) {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(decErr, &typeErr):
		if typeErr.Field == "" {
			return FieldError{}, false, malformed("")
		}
		f = FieldError{
			Path: indexedPath(data, typeErr.Field, typeErr.Value), Rule: "type", Param: jsonKind(typeErr.Type),
			Message: ruleMessage("type", jsonKind(typeErr.Type)),
		}
		// A custom unmarshaler's error stops the decoder (a plain type
		// mismatch does not): the fields after it were never read, so
		// validating now would invent "missing" fields.
		return f, isUnmarshaler(typeErr.Type), nil
	case strings.HasPrefix(decErr.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(decErr.Error(), "json: unknown field "), `"`)
		// The decoder stopped at the unknown field: the rest is unchecked,
		// so report only this one rather than invent missing fields.
		return FieldError{Path: unknownPath(data, v, name), Rule: "unknown", Message: ruleMessage("unknown", "")}, true, nil
	}
	var syn *json.SyntaxError
	if errors.As(decErr, &syn) {
		return FieldError{}, false, malformed(fmt.Sprintf(" (syntax error at offset %d)", syn.Offset))
	}
	return FieldError{}, false, malformed("")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// isUnmarshaler reports whether t (or *t) has its own UnmarshalJSON.
func isUnmarshaler(t reflect.Type) bool {
	return t != nil && (t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType))
}

// indexedPath turns encoding/json's index-free field path
// (order.line_items.price) into the JSON path of the first value at that
// path whose JSON kind is the one the decoder complained about
// (order.line_items[1].price). It falls back to the plain path.
func indexedPath(data []byte, field, value string) string {
	var root any
	if json.Unmarshal(data, &root) != nil {
		return field
	}
	kind, _, _ := strings.Cut(value, " ") // "number 90000.5" → "number"
	if p, ok := findKind(root, strings.Split(field, "."), kind, ""); ok {
		return p
	}
	return field
}

func findKind(v any, segs []string, kind, prefix string) (string, bool) {
	if arr, ok := v.([]any); ok {
		for i, e := range arr {
			if p, ok := findKind(e, segs, kind, fmt.Sprintf("%s[%d]", prefix, i)); ok {
				return p, true
			}
		}
		if len(segs) == 0 && kind == "array" {
			return prefix, true
		}
		return "", false
	}
	if len(segs) == 0 {
		return prefix, kindOf(v) == kind
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	child, ok := m[segs[0]] // exactly: Decode rejects keys in another case first
	if !ok {
		return "", false
	}
	next := segs[0]
	if prefix != "" {
		next = prefix + "." + segs[0]
	}
	return findKind(child, segs[1:], kind, next)
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "null"
}

func malformed(detail string) error {
	return &ValidationError{Malformed: true, Fields: []FieldError{{Rule: "json", Message: ruleMessage("json", detail)}}}
}

// jsonKind names the JSON type a Go type expects.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return ""
	}
	if t == reflect.TypeFor[FlexString]() {
		return "string or number"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return ""
}

// unknownPath finds the full JSON path (additionalInfo.origin, not origin;
// items[2].extra) of the first key in data that v's type does not know and
// that is spelt name, walking the document in order as the decoder does.
// It falls back to name.
func unknownPath(data []byte, v any, name string) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t := reflect.TypeOf(v)
	if p, ok := walkUnknown(dec, t, "", name); ok {
		return p
	}
	return name
}

// walkUnknown consumes one JSON value from dec, typed t (nil: anything),
// and reports the path of the first unknown key spelt name inside it.
func walkUnknown(dec *json.Decoder, t reflect.Type, prefix, name string) (string, bool) {
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (isUnmarshaler(t) || t.Kind() == reflect.Interface || t.Kind() == reflect.Map) {
		t = nil // decodes itself or takes any key: only skip it
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return "", false
	}
	switch delim {
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			path := key
			if prefix != "" {
				path = prefix + "." + key
			}
			var ft reflect.Type
			if fields != nil {
				var known bool
				if ft, known = fields[strings.ToLower(key)]; !known {
					if key == name {
						return path, true
					}
					ft = nil
				}
			}
			if p, ok := walkUnknown(dec, ft, path, name); ok {
				return p, true
			}
		}
		_, _ = dec.Token() // '}'
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if p, ok := walkUnknown(dec, et, fmt.Sprintf("%s[%d]", prefix, i), name); ok {
				return p, true
			}
		}
		_, _ = dec.Token() // ']'
	}
	return "", false
}

// jsonFields maps the lower-cased JSON names of t's fields (embedded
// structs flattened, as encoding/json does) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		out[strings.ToLower(tag)] = f.Type
	}
	return out
}
