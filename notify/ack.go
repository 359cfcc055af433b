package notify

import (
	"bytes"
	"net/http"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
)

// The acks are built once per channel: the SNAP debit and non-SNAP acks are
// constant, and the VA and Kirim acks are constant bytes around the fields
// they echo. Each writes exactly the bytes json.Marshal of its schemas type
// gives (the tests compare them), without encoding on every request.

// snapDebitAck is the constant SNAP debit ack of service svc.
func snapDebitAck(svc int) respond.JSONBody {
	return respond.MustJSONBody(schemas.SNAPDebitNotifyAck{ResponseCode: ackCode(svc), ResponseMessage: "Request has been processed successfully"})
}

// nonSNAPAck is the constant non-SNAP ack.
var nonSNAPAck = respond.MustJSONBody(struct {
	Status string `json:"status"`
}{"OK"})

// echoAck writes an ack that is constant bytes with the notification's
// fields spliced in: head, the fields, tail. A field json.Marshal would
// escape (a quote, backslash, control or non-ASCII character, or one of
// <, >, &) makes the ack go through json.Marshal instead, so the bytes
// are always encoding/json's.
type echoAck struct {
	head, tail []byte
}

// splitAck cuts the encoding of v around the first occurrence of at.
func splitAck(v any, at string) echoAck {
	b := respond.MustJSONBody(v).Bytes()
	i := bytes.Index(b, []byte(at))
	if i < 0 {
		panic("notify: ack template " + at + " not found") // programming error, found by any test
	}
	i += len(at)
	return echoAck{head: b[:i:i], tail: b[i:]}
}

// plainJSON reports whether s encodes as itself between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// newSNAPVAAck returns the VA ack writer of service svc: the responseCode
// and responseMessage are constant, virtualAccountData echoes the paid
// account.
func newSNAPVAAck(svc int) func(w http.ResponseWriter, n *schemas.SNAPVANotify) {
	code := ackCode(svc)
	// The head ends inside virtualAccountData, the tail closes it and the
	// ack: virtualAccountData is the last member, and the zero one encodes
	// as its one mandatory member.
	a := splitAck(schemas.SNAPVANotifyAck{ResponseCode: code, ResponseMessage: "Successful"}, `"virtualAccountData":{`)
	if string(a.tail) != `"virtualAccountNo":""}}` {
		panic("notify: VA ack template changed: " + string(a.tail)) // programming error, found by any test
	}
	a.tail = []byte("}}")
	return func(w http.ResponseWriter, n *schemas.SNAPVANotify) {
		fields := [...]string{string(n.PartnerServiceID), string(n.CustomerNo), string(n.VirtualAccountNo),
			string(n.VirtualAccountName), string(n.PaymentRequestID), string(n.PaidAmount.Value), string(n.PaidAmount.Currency)}
		size := len(a.head) + len(a.tail) + 160
		for _, f := range fields {
			if !plainJSON(f) {
				respond.WriteJSON(w, http.StatusOK, snapVAAckValue(code, n))
				return
			}
			size += len(f)
		}
		b := make([]byte, 0, size)
		b = append(b, a.head...)
		// VirtualAccountData's fields in order; the omitempty ones only when set.
		b = appendMember(b, `"partnerServiceId":"`, fields[0], true)
		b = appendMember(b, `"customerNo":"`, fields[1], true)
		b = appendMember(b, `"virtualAccountNo":"`, fields[2], false)
		b = appendMember(b, `"virtualAccountName":"`, fields[3], true)
		b = appendMember(b, `"paymentRequestId":"`, fields[4], true)
		b = append(b, `,"paidAmount":{"value":"`...)
		b = append(b, fields[5]...)
		b = append(b, `","currency":"`...)
		b = append(b, fields[6]...)
		b = append(b, `"}`...)
		b = append(b, a.tail...)
		respond.WriteJSONBytes(w, http.StatusOK, b)
	}
}

// appendMember appends ,"name":"value" (key holds `"name":"`), without the
// comma for the first member, and nothing for an empty omitempty value.
func appendMember(b []byte, key, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, key...)
	b = append(b, value...)
	return append(b, '"')
}

// snapVAAckValue is the VA ack as a value, what json.Marshal encodes.
func snapVAAckValue(code string, n *schemas.SNAPVANotify) schemas.SNAPVANotifyAck {
	paid := schemas.Money{Value: string(n.PaidAmount.Value), Currency: string(n.PaidAmount.Currency)}
	return schemas.SNAPVANotifyAck{
		ResponseCode: code, ResponseMessage: "Successful",
		VirtualAccountData: schemas.VirtualAccountData{
			PartnerServiceID: string(n.PartnerServiceID), CustomerNo: string(n.CustomerNo),
			VirtualAccountNo: string(n.VirtualAccountNo), VirtualAccountName: string(n.VirtualAccountName),
			PaymentRequestID: string(n.PaymentRequestID), PaidAmount: &paid,
		},
	}
}

// kirimAckTemplate is schemas.NewKirimNotificationAck's encoding cut where
// the transactionId goes.
var kirimAckTemplate = splitAck(schemas.NewKirimNotificationAck(""), `"transactionId":"`)

// writeKirimAck writes schemas.NewKirimNotificationAck(id).
func writeKirimAck(w http.ResponseWriter, n *schemas.KirimNotification) {
	id := string(n.TransactionID)
	if !plainJSON(id) {
		respond.WriteJSON(w, http.StatusOK, schemas.NewKirimNotificationAck(id))
		return
	}
	a := kirimAckTemplate
	b := make([]byte, 0, len(a.head)+len(id)+len(a.tail))
	b = append(b, a.head...)
	b = append(b, id...)
	b = append(b, a.tail...)
	respond.WriteJSONBytes(w, http.StatusOK, b)
}
