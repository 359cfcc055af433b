package respond

import (
	"errors"
	"net/http"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Verification answers a request that failed verification (err, a
// *verify.Error) in the failed scheme's protocol shape, service being the
// SNAP service code of the route:
//
//   - SNAP (and SNAP RSA, token): err's HTTP status with
//     {"responseCode":"<status><service><case>","responseMessage":"…"} —
//     verify.Error.SNAPResponseCode and SNAPMessage;
//   - non-SNAP: the status with {"error":{"code":"<reason>","message":"…"}};
//   - Kirim DOKU: the status with {"status":false,…,"responseCode":"<status>"}.
//
// An unknown client is answered exactly as a wrong signature, so client ids
// cannot be enumerated; logs and metrics keep the distinction. An error
// that is not a *verify.Error gets a 500 in the SNAP shape. It is what
// middleware.DefaultDeny and the token endpoint answer.
func Verification(w http.ResponseWriter, err error, service int) {
	var ve *verify.Error
	if !errors.As(err, &ve) {
		ve = &verify.Error{Status: http.StatusInternalServerError, Err: err}
	}
	ve = ve.Answered()
	switch ve.Scheme {
	case verify.SchemeNonSNAP:
		WriteNonSNAP(w, ve.Status, verify.Reason(ve.Err), plainMessage(ve), nil)
	case verify.SchemeKirim:
		WriteKirim(w, ve.Status, plainMessage(ve))
	default:
		WriteSNAP(w, SNAPCode{HTTP: ve.Status, Service: service, Case: ve.Case}, ve.SNAPMessage())
	}
}

func plainMessage(ve *verify.Error) string {
	msg := ve.Err.Error()
	if ve.Field != "" {
		msg += ": " + ve.Field
	}
	return msg
}

// SNAPSchema answers a body that failed its schema in SNAP form, service
// being the route's service code: 400<svc>02 MissingField naming the first
// missing mandatory field, else 400<svc>01 InvalidFieldFormat naming the
// first bad one (or "body" when the body as a whole is bad). The notify
// channels and middleware.SchemaChecker both answer with it.
func SNAPSchema(w http.ResponseWriter, service int, verr *schemas.ValidationError) {
	if f, ok := verr.FirstMissing(); ok {
		WriteSNAP(w, SNAPCode{HTTP: http.StatusBadRequest, Service: service, Case: verify.CaseMissingField}, MissingField(f.Path))
		return
	}
	field := "body"
	if len(verr.Fields) > 0 && verr.Fields[0].Path != "" {
		field = verr.Fields[0].Path
	}
	WriteSNAP(w, SNAPCode{HTTP: http.StatusBadRequest, Service: service, Case: verify.CaseInvalidFormat}, InvalidFieldFormat(field))
}

// NonSNAPSchema answers a body that failed its schema in the non-SNAP
// shape: 400 with code and message, listing every bad field at once.
func NonSNAPSchema(w http.ResponseWriter, code, message string, verr *schemas.ValidationError) {
	WriteNonSNAP(w, http.StatusBadRequest, code, message, Fields(verr))
}

// Fields lists a validation error's fields in the wire shape.
func Fields(verr *schemas.ValidationError) []FieldError {
	fields := make([]FieldError, len(verr.Fields))
	for i, f := range verr.Fields {
		fields[i] = FieldError{Field: f.Path, Message: f.Message}
	}
	return fields
}
