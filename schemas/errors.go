package schemas

import (
	"errors"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every *ValidationError: the message
// does not satisfy its schema.
var ErrInvalid = errors.New("schemas: invalid message")

// ErrMalformed is matched, in addition to ErrInvalid, when the body is not
// JSON at all (or not a JSON object where one is expected), so no field
// could be checked.
var ErrMalformed = errors.New("schemas: malformed JSON")

// FieldError is one bad field.
type FieldError struct {
	// Path is the field's JSON path, e.g. order.line_items[2].price; empty
	// when the whole body is malformed.
	Path string
	// Rule is the rule that failed: a validator tag (required, max, oneof,
	// snapamount, …), "type" for a JSON type mismatch, "unknown" for an
	// unknown field under strict decoding, "duplicate" for a key that
	// appears twice in its object, "case" for a key that differs from a
	// field's JSON name only by case, "json" for a malformed body.
	Rule string
	// Param is the rule's parameter (64 for max=64), if any.
	Param string
	// Missing is true when a mandatory field is absent or empty (SNAP case
	// 02, "Invalid Mandatory Field"), false when it is present but wrong
	// (SNAP case 01, "Invalid Field Format").
	Missing bool
	// Message says what was expected; it never contains the field's value.
	Message string
}

// ValidationError lists every bad field of one message. It matches
// ErrInvalid (and ErrMalformed for a body that is not JSON) with errors.Is.
type ValidationError struct {
	Fields []FieldError
	// Malformed is true when the body could not be parsed as JSON.
	Malformed bool
}

// Error lists the bad fields' paths and rules, never their values.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("schemas: invalid message: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Path != "" {
			b.WriteString(f.Path)
			b.WriteString(": ")
		}
		b.WriteString(f.Message)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) work, and ErrMalformed,
// ErrDuplicateKey and ErrKeyCase for a body with no single reading.
func (e *ValidationError) Unwrap() []error {
	errs := []error{ErrInvalid}
	if e.Malformed {
		errs = append(errs, ErrMalformed)
	}
	for _, f := range e.Fields {
		switch f.Rule {
		case "duplicate":
			errs = append(errs, ErrDuplicateKey)
		case "case":
			errs = append(errs, ErrKeyCase)
		}
	}
	return errs
}

// FirstMissing returns the first field reported missing, if any. SNAP error
// bodies carry one field: a missing mandatory field (case 02) is reported
// before a malformed one (case 01).
func (e *ValidationError) FirstMissing() (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Missing {
			return f, true
		}
	}
	return FieldError{}, false
}

// Paths returns the JSON paths of all bad fields, in report order.
func (e *ValidationError) Paths() []string {
	p := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		p[i] = f.Path
	}
	return p
}
