// Package respond writes the protocol-shaped error and ack bodies that every
// dokukit layer answers with, so a rejection looks the same whether the
// signature check, the schema check or the idempotency store produced it.
package respond

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// SNAPCode is a SNAP responseCode: HTTP status (3 digits) + service code (2)
// + case code (2), e.g. 4015600.
type SNAPCode struct {
	HTTP    int // HTTP status, e.g. 401
	Service int // two-digit service code, e.g. 56 for debit notify
	Case    int // two-digit case code, e.g. 00
}

// String renders the seven-digit code with zero padding ("4015600").
func (c SNAPCode) String() string {
	b := make([]byte, 0, 7)
	b = strconv.AppendInt(b, int64(c.HTTP), 10)
	if c.Service < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(c.Service), 10)
	if c.Case < 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(c.Case), 10))
}

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

// KirimAck is the body Kirim DOKU expects for a processed callback.
type KirimAck struct {
	Status          bool   `json:"status"`
	TransactionID   string `json:"transactionId"`
	ResponseCode    string `json:"responseCode"`
	ResponseMessage string `json:"responseMessage"`
}

// WriteJSON writes v as JSON with status. Encoding errors cannot occur for
// the plain structs this package defines.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"response encoding failed"}}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
