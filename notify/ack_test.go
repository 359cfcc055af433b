package notify

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

// written runs write on a recorder and returns the body after checking the
// headers WriteJSON writes.
func written(t *testing.T, write func(w http.ResponseWriter)) string {
	t.Helper()
	rec := httptest.NewRecorder()
	write(rec)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"))
	return rec.Body.String()
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestConstantAcksAreTheSchemaTypesBytes(t *testing.T) {
	for _, svc := range []int{ServiceDebitNotify, 7, 99} {
		a := snapDebitAck(svc)
		got := written(t, func(w http.ResponseWriter) { a.Write(w, http.StatusOK) })
		assert.Equal(t, marshal(t, schemas.SNAPDebitNotifyAck{ResponseCode: ackCode(svc), ResponseMessage: "Request has been processed successfully"}), got)
	}
	assert.Equal(t, `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`,
		written(t, func(w http.ResponseWriter) { snapDebitAck(ServiceDebitNotify).Write(w, http.StatusOK) }))
	assert.Equal(t, `{"status":"OK"}`, written(t, func(w http.ResponseWriter) { nonSNAPAck.Write(w, http.StatusOK) }))
}

func TestSNAPVAAckEchoesExactly(t *testing.T) {
	var n schemas.SNAPVANotify
	require.NoError(t, schemas.Decode(readSample(t, "notify.snap_va_payment.request.json"), &n, false))
	ack := newSNAPVAAck(ServiceVANotify)
	got := written(t, func(w http.ResponseWriter) { ack(w, &n) })
	assert.Equal(t, marshal(t, snapVAAckValue("2002500", &n)), got)
	assert.Contains(t, got, `{"responseCode":"2002500","responseMessage":"Successful","virtualAccountData":{`)

	for name, n := range map[string]schemas.SNAPVANotify{
		"only-mandatory": {VirtualAccountNo: "123"},
		"all-empty":      {},
		"escapes":        {PartnerServiceID: `a"b`, VirtualAccountNo: "<x>&", VirtualAccountName: "Budi\u2028é", CustomerNo: "\x01"},
		"invalid-utf8":   {VirtualAccountNo: "\xff", PaidAmount: schemas.LenientMoney{Value: "1.00", Currency: "IDR"}},
	} {
		got := written(t, func(w http.ResponseWriter) { ack(w, &n) })
		assert.Equal(t, marshal(t, snapVAAckValue("2002500", &n)), got, name)
	}
}

func TestKirimAckEchoesExactly(t *testing.T) {
	for _, id := range []string{"", "KRM-202407100001", `a"b\c`, "<script>", "é", "\x00"} {
		n := schemas.KirimNotification{TransactionID: schemas.FlexString(id)}
		got := written(t, func(w http.ResponseWriter) { writeKirimAck(w, &n) })
		assert.Equal(t, marshal(t, schemas.NewKirimNotificationAck(id)), got, "%q", id)
	}
}

// For any echoed fields the spliced acks are json.Marshal's bytes.
func TestPropertyEchoAcksAreJSONMarshal(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20261201)
	params.MinSuccessfulTests = 300
	t.Logf("gopter seed %d", 20261201)
	props := gopter.NewProperties(params)
	field := gen.Weighted([]gen.WeightedGen{
		{Weight: 3, Gen: gen.AlphaString()},
		{Weight: 2, Gen: gen.NumString()},
		{Weight: 1, Gen: gen.Const("")},
		{Weight: 1, Gen: gen.AnyString()},
		{Weight: 1, Gen: gen.OneConstOf(`"`, `\`, "<", ">", "&", "\x7f", "\x1f", "\u2028", "\xc3")},
	})
	ack := newSNAPVAAck(ServiceVANotify)
	props.Property("VA ack", prop.ForAll(
		func(psid, cust, vano, vaname, prid, value, cur string) bool {
			n := schemas.SNAPVANotify{PartnerServiceID: schemas.FlexString(psid), CustomerNo: schemas.FlexString(cust),
				VirtualAccountNo: schemas.FlexString(vano), VirtualAccountName: schemas.FlexString(vaname),
				PaymentRequestID: schemas.FlexString(prid),
				PaidAmount:       schemas.LenientMoney{Value: schemas.FlexString(value), Currency: schemas.FlexString(cur)}}
			rec := httptest.NewRecorder()
			ack(rec, &n)
			return rec.Body.String() == marshal(t, snapVAAckValue("2002500", &n)) &&
				rec.Header().Get("Content-Length") == strconv.Itoa(rec.Body.Len())
		},
		field, field, field, field, field, field, field,
	))
	props.Property("Kirim ack", prop.ForAll(
		func(id string) bool {
			n := schemas.KirimNotification{TransactionID: schemas.FlexString(id)}
			rec := httptest.NewRecorder()
			writeKirimAck(rec, &n)
			return rec.Body.String() == marshal(t, schemas.NewKirimNotificationAck(id))
		},
		field,
	))
	props.TestingRun(t)
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../schemas/testdata/samples/" + name)
	require.NoError(t, err)
	return b
}

// headerOnly is a ResponseWriter that keeps nothing but its header map, so
// allocation counts are the ack's own.
type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerOnly) WriteHeader(int)             {}

// A constant ack costs its two header values only; a spliced one adds its
// body and Content-Length.
func TestAckAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
	w := &headerOnly{h: http.Header{}}
	debit := snapDebitAck(ServiceDebitNotify)
	va := newSNAPVAAck(ServiceVANotify)
	vaN := &schemas.SNAPVANotify{PartnerServiceID: "   1899", CustomerNo: "000000000001", VirtualAccountNo: "   1899000000000001",
		VirtualAccountName: "Budi", PaymentRequestID: "REQ-1", PaidAmount: schemas.LenientMoney{Value: "10000.00", Currency: "IDR"}}
	kirimN := &schemas.KirimNotification{TransactionID: "KRM-202407100001"}
	for _, c := range []struct {
		name  string
		write func()
		want  float64
	}{
		{"snap-debit", func() { debit.Write(w, http.StatusOK) }, 2},
		{"nonsnap", func() { nonSNAPAck.Write(w, http.StatusOK) }, 2},
		{"snap-va", func() { va(w, vaN) }, 4},
		{"kirim", func() { writeKirimAck(w, kirimN) }, 4},
	} {
		allocs := testing.AllocsPerRun(100, func() { clear(w.h); c.write() })
		assert.Equal(t, c.want, allocs, c.name)
	}
}
