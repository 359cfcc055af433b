// Package respond writes the protocol-shaped error and ack bodies that every
// dokukit layer answers with, so a rejection looks the same whether the
// signature check, the token endpoint, the schema check or the duplicate
// guard produced it. It is the kit's one renderer: Verification for a
// *verify.Error, Schema for a *schemas.ValidationError, and the SNAP
// message spellings (MissingField, InvalidFieldFormat) for anything else.
package respond

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// SNAPCode is a SNAP responseCode: HTTP status (3 digits) + service code (2)
// + case code (2), e.g. 4015600.
type SNAPCode struct {
	HTTP    int // HTTP status, e.g. 401
	Service int // two-digit service code, e.g. 56 for debit notify
	Case    int // two-digit case code, e.g. 00
}

// String renders the seven-digit code with zero padding ("4015600"). It is
// verify.SNAPCode, the kit's one formatter.
func (c SNAPCode) String() string { return verify.SNAPCode(c.HTTP, c.Service, c.Case) }

// The SNAP responseMessage spellings, as DOKU's SNAP pages write them: the
// field in braces ("Invalid Mandatory Field {X-TIMESTAMP}").

// MissingField is the 400xx02 message naming field.
func MissingField(field string) string { return "Invalid Mandatory Field {" + field + "}" }

// InvalidFieldFormat is the 400xx01 message naming field.
func InvalidFieldFormat(field string) string { return "Invalid Field Format {" + field + "}" }

// GeneralError is the 500xx00 message.
const GeneralError = "General Error"

// SNAPError is the SNAP error body.
type SNAPError struct {
	ResponseCode    string `json:"responseCode"`
	ResponseMessage string `json:"responseMessage"`
}

// WriteSNAP answers with HTTP status code.HTTP and a SNAP body
// {"responseCode":"…","responseMessage":"…"}.
func WriteSNAP(w http.ResponseWriter, code SNAPCode, message string) {
	WriteJSON(w, code.HTTP, SNAPError{ResponseCode: code.String(), ResponseMessage: message})
}

// FieldError names one bad field by its JSON path
// (order.line_items[2].price) and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// NonSNAPError is the non-SNAP ("Jokul") error body: DOKU's
// {"error":{"message":…}} shape, with a stable machine-readable code and,
// for validation failures, every bad field at once.
type NonSNAPError struct {
	Error NonSNAPErrorDetail `json:"error"`
}

// NonSNAPErrorDetail is the inside of NonSNAPError.
type NonSNAPErrorDetail struct {
	Code    string       `json:"code"`             // e.g. "invalid_signature"
	Message string       `json:"message"`          // human-readable, no secrets
	Type    string       `json:"type,omitempty"`   // e.g. "invalid_request_error"
	Fields  []FieldError `json:"fields,omitempty"` // validation failures
}

// WriteNonSNAP answers with status and a NonSNAPError body.
func WriteNonSNAP(w http.ResponseWriter, status int, code, message string, fields []FieldError) {
	WriteJSON(w, status, NonSNAPError{Error: NonSNAPErrorDetail{Code: code, Message: message, Type: "invalid_request_error", Fields: fields}})
}

// WriteKirim answers a Kirim DOKU callback that was not processed: status
// with {"status":false,"transactionId":"","responseCode":"<status>",
// "responseMessage":message} — schemas.KirimNotificationAck's shape.
func WriteKirim(w http.ResponseWriter, status int, message string) {
	WriteJSON(w, status, schemas.KirimNotificationAck{ResponseCode: strconv.Itoa(status), ResponseMessage: message})
}

// KirimAck is schemas.KirimNotificationAck, the one Kirim DOKU ack type.
//
// Deprecated: use schemas.KirimNotificationAck (or WriteKirim).
type KirimAck = schemas.KirimNotificationAck

// WriteJSON writes v as JSON with status. Encoding errors cannot occur for
// the plain structs this package defines.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"response encoding failed"}}`, http.StatusInternalServerError)
		return
	}
	writeJSON(w, status, b, strconv.Itoa(len(b)))
}

// WriteJSONBytes writes b, an already encoded JSON body, with status and
// the headers WriteJSON writes.
func WriteJSONBytes(w http.ResponseWriter, status int, b []byte) {
	writeJSON(w, status, b, strconv.Itoa(len(b)))
}

func writeJSON(w http.ResponseWriter, status int, b []byte, length string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", length)
	w.WriteHeader(status)
	w.Write(b)
}

// JSONBody is a response body encoded once, for an answer that is the same
// on every request (a constant ack): Write costs no encoding. Its bytes are
// never modified after NewJSONBody, so one JSONBody is safe for concurrent
// use.
type JSONBody struct {
	b      []byte
	length string
}

// NewJSONBody encodes v as WriteJSON would.
func NewJSONBody(v any) (JSONBody, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return JSONBody{}, err
	}
	return JSONBody{b: b, length: strconv.Itoa(len(b))}, nil
}

// MustJSONBody is NewJSONBody for a value that always encodes (the plain
// structs of package schemas); it panics otherwise.
func MustJSONBody(v any) JSONBody {
	j, err := NewJSONBody(v)
	if err != nil {
		panic(err)
	}
	return j
}

// Bytes returns the encoded body; the caller must not modify it.
func (j JSONBody) Bytes() []byte { return j.b }

// Write writes the body with status and the headers WriteJSON writes.
func (j JSONBody) Write(w http.ResponseWriter, status int) { writeJSON(w, status, j.b, j.length) }
