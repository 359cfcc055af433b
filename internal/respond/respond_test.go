package respond

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
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
