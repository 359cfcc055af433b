package respond

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

func TestSNAPCodeString(t *testing.T) {
	assert.Equal(t, "4015600", SNAPCode{401, 56, 0}.String())
	assert.Equal(t, "2007300", SNAPCode{200, 73, 0}.String())
	assert.Equal(t, "4012701", SNAPCode{401, 27, 1}.String())
	assert.Equal(t, "4000502", SNAPCode{400, 5, 2}.String())
}

func TestWriteSNAP(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteSNAP(rec, SNAPCode{401, 56, 0}, "Unauthorized. Invalid Signature")
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}`, rec.Body.String())
}

func TestWriteNonSNAP(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteNonSNAP(rec, 400, "invalid_request", "2 fields are invalid", []FieldError{{"order.amount", "required"}, {"order.invoice_number", "max 64"}})
	assert.Equal(t, 400, rec.Code)
	assert.JSONEq(t, `{"error":{"code":"invalid_request","message":"2 fields are invalid","type":"invalid_request_error","fields":[{"field":"order.amount","message":"required"},{"field":"order.invoice_number","message":"max 64"}]}}`, rec.Body.String())
}

// The one formatter: always seven digits, the service and case taken mod
// 100, so a code never grows into something DOKU cannot parse (the copy in
// respond once wrote "40115600" for service 156 while verify wrote
// "4015600").
func TestSNAPCodeAlwaysSevenDigits(t *testing.T) {
	for _, c := range []struct {
		code SNAPCode
		want string
	}{
		{SNAPCode{401, 0, 0}, "4010000"},
		{SNAPCode{400, 7, 2}, "4000702"},
		{SNAPCode{413, 73, 0}, "4137300"},
		{SNAPCode{401, 156, 0}, "4015600"},
		{SNAPCode{500, 99, 99}, "5009999"},
		{SNAPCode{409, 25, 101}, "4092501"},
	} {
		assert.Equal(t, c.want, c.code.String(), "%+v", c.code)
		assert.Equal(t, c.want, verify.SNAPCode(c.code.HTTP, c.code.Service, c.code.Case))
		ve := &verify.Error{Status: c.code.HTTP, Case: c.code.Case}
		assert.Equal(t, c.want, ve.SNAPResponseCode(c.code.Service), "verify.Error agrees")
	}
}

func TestMessageSpellings(t *testing.T) {
	assert.Equal(t, "Invalid Mandatory Field {X-TIMESTAMP}", MissingField("X-TIMESTAMP"))
	assert.Equal(t, "Invalid Field Format {grantType}", InvalidFieldFormat("grantType"))
}

func TestVerificationRendersEveryScheme(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"snap-missing-header", &verify.Error{Scheme: verify.SchemeSNAP, Field: "X-TIMESTAMP", Status: 400, Case: 2, Err: verify.ErrMissingHeader},
			400, `{"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}`},
		{"snap-unknown-client-masked", &verify.Error{Scheme: verify.SchemeSNAPRSA, Field: "X-PARTNER-ID", Status: 401, Err: verify.ErrUnknownClient},
			401, `{"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}`},
		{"nonsnap-unknown-client-masked", &verify.Error{Scheme: verify.SchemeNonSNAP, Field: "Client-Id", Status: 401, Err: verify.ErrUnknownClient},
			401, `{"error":{"code":"signature_mismatch","message":"signature mismatch: Signature","type":"invalid_request_error"}}`},
		{"kirim", &verify.Error{Scheme: verify.SchemeKirim, Field: "signature", Status: 401, Err: verify.ErrSignatureMismatch},
			401, `{"status":false,"transactionId":"","responseCode":"401","responseMessage":"signature mismatch: signature"}`},
		{"not-a-verify-error", errors.New("boom"), 500, `{"responseCode":"5005600","responseMessage":"General Error"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Verification(rec, c.err, 56)
			assert.Equal(t, c.status, rec.Code)
			assert.JSONEq(t, c.body, rec.Body.String())
		})
	}
}

func TestSNAPSchema(t *testing.T) {
	rec := httptest.NewRecorder()
	SNAPSchema(rec, 25, &schemas.ValidationError{Fields: []schemas.FieldError{{Path: "amount.value", Rule: "amount"}, {Path: "trxId", Rule: "required", Missing: true}}})
	assert.Equal(t, 400, rec.Code)
	assert.JSONEq(t, `{"responseCode":"4002502","responseMessage":"Invalid Mandatory Field {trxId}"}`, rec.Body.String())
	rec = httptest.NewRecorder()
	SNAPSchema(rec, 56, &schemas.ValidationError{Malformed: true, Fields: []schemas.FieldError{{Rule: "json"}}})
	assert.JSONEq(t, `{"responseCode":"4005601","responseMessage":"Invalid Field Format {body}"}`, rec.Body.String())
}
