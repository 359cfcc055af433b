package middleware

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "schemas", "testdata", "samples", name))
	require.NoError(t, err)
	return b
}

// loopback starts an httptest server on 127.0.0.1.
func loopback(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	return srv
}

type answer struct {
	status int
	body   map[string]any
	raw    []byte
}

func post(t *testing.T, url string, body []byte) answer {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func edit(t *testing.T, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	f(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// echo is the downstream handler: it proves the decoded value is in the
// context and the body was restored byte for byte.
type echo struct {
	t        *testing.T
	calls    int
	lastBody []byte
	lastV    any
}

func (e *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.calls++
	e.lastBody, _ = io.ReadAll(r.Body)
	e.lastV, _ = Decoded(r.Context())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{}`))
}

func TestSchemaEndToEnd(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	down := &echo{t: t}
	mux := http.NewServeMux()
	mux.Handle("/", Schema(SchemaRegisterer(reg))(down))
	mux.Handle("/hooks/kirim-unpaid", Schema(SchemaRegisterer(reg), SchemaRoute(mustRoute(t, "kirim.unpaid_notification")))(down))
	srv := loopback(t, mux)

	t.Run("valid non-SNAP request reaches the handler decoded, body intact", func(t *testing.T) {
		body := sample(t, "cards.payment_page.request.json")
		a := post(t, srv.URL+"/credit-card/v1/payment-page", body)
		require.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, body, down.lastBody)
		req, ok := down.lastV.(*schemas.CardsPaymentRequest)
		require.True(t, ok)
		assert.Equal(t, int64(90000), req.Order.Amount)
	})
	t.Run("SNAP missing mandatory field: 400<svc>02 naming it", func(t *testing.T) {
		body := edit(t, sample(t, "dana.payment.request.json"), func(m map[string]any) { delete(m, "partnerReferenceNo") })
		calls := down.calls
		a := post(t, srv.URL+"/direct-debit/core/v1/debit/payment-host-to-host", body)
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, map[string]any{"responseCode": "4005402", "responseMessage": "Invalid Mandatory Field {partnerReferenceNo}"}, a.body)
		assert.Equal(t, calls, down.calls, "handler not reached")
	})
	t.Run("SNAP invalid format: 400<svc>01 naming the JSON path", func(t *testing.T) {
		body := edit(t, sample(t, "wallet.debit_refund.request.json"), func(m map[string]any) {
			m["refundAmount"].(map[string]any)["value"] = "10000"
		})
		a := post(t, srv.URL+"/snap-adapter/b2b2c/v1.0/debit/refund", body)
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, "4005801", a.body["responseCode"])
		assert.Equal(t, "Invalid Field Format {refundAmount.value}", a.body["responseMessage"])
	})
	t.Run("SNAP: a missing field is reported before a malformed one", func(t *testing.T) {
		body := edit(t, sample(t, "kirim.transfer_bank.request.json"), func(m map[string]any) {
			m["sessionId"] = strings.Repeat("S", 30)
			delete(m, "beneficiaryBankCode")
		})
		a := post(t, srv.URL+"/v1.0/emoney/transfer-bank", body)
		assert.Equal(t, "4004302", a.body["responseCode"])
		assert.Equal(t, "Invalid Mandatory Field {beneficiaryBankCode}", a.body["responseMessage"])
	})
	t.Run("non-SNAP: every bad field at once", func(t *testing.T) {
		body := edit(t, sample(t, "akulaku.generate_order.request.json"), func(m map[string]any) {
			li := m["order"].(map[string]any)["line_items"].([]any)[1].(map[string]any)
			delete(li, "sku")
			m["customer"].(map[string]any)["phone"] = "62856945661471234"
		})
		a := post(t, srv.URL+"/akulaku-peer-to-peer/v2/generate-order", body)
		require.Equal(t, http.StatusBadRequest, a.status)
		e := a.body["error"].(map[string]any)
		assert.Equal(t, "invalid_field", e["code"])
		var paths []string
		for _, f := range e["fields"].([]any) {
			paths = append(paths, f.(map[string]any)["field"].(string))
		}
		assert.Equal(t, []string{"order.line_items[1].sku", "customer.phone"}, paths)
		assert.NotContains(t, string(a.raw), "62856945661471234", "values are never echoed")
	})
	t.Run("malformed JSON", func(t *testing.T) {
		a := post(t, srv.URL+"/credit-card/capture", []byte(`{"payment":`))
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, "malformed_body", a.body["error"].(map[string]any)["code"])
		a = post(t, srv.URL+"/v1.0/balance-inquiry", []byte(`not json`))
		assert.Equal(t, "4001101", a.body["responseCode"])
	})
	t.Run("unknown route passes through unchecked", func(t *testing.T) {
		calls := down.calls
		a := post(t, srv.URL+"/not/a/doku/route", []byte(`garbage`))
		assert.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, calls+1, down.calls)
		assert.Equal(t, []byte(`garbage`), down.lastBody)
	})
	t.Run("explicit route for a merchant-chosen notification path, lenient", func(t *testing.T) {
		body := edit(t, sample(t, "kirim.unpaid_notification.request.json"), func(m map[string]any) {
			m["transactionStatus"] = 50 // DOKU may send a number
			m["newFieldFromDOKU"] = true
		})
		a := post(t, srv.URL+"/hooks/kirim-unpaid", body)
		require.Equal(t, http.StatusOK, a.status, string(a.raw))
		n := down.lastV.(*schemas.KirimNotification)
		assert.Equal(t, schemas.FlexString("50"), n.TransactionStatus)

		bad := edit(t, body, func(m map[string]any) { m["transactionStatus"] = "99" })
		a = post(t, srv.URL+"/hooks/kirim-unpaid", bad)
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, "transactionStatus", a.body["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["field"])
	})

	// Shared counter across both checkers on the same registry.
	assert.Equal(t, 1.0, testutil.ToFloat64(mustCounter(t, reg, "cards.payment_page", "request", "valid")))
	assert.Equal(t, 1.0, testutil.ToFloat64(mustCounter(t, reg, "dana.payment", "request", "invalid")))
	assert.Equal(t, 1.0, testutil.ToFloat64(mustCounter(t, reg, "cards.capture", "request", "malformed")))
	assert.Equal(t, 1.0, testutil.ToFloat64(mustCounter(t, reg, "unrouted", "request", "unrouted")))
	assert.Equal(t, 1.0, testutil.ToFloat64(mustCounter(t, reg, "kirim.unpaid_notification", "request", "invalid")))
	n, err := testutil.GatherAndCount(reg, "dokukit_schema_checks_total")
	require.NoError(t, err)
	assert.Equal(t, 10, n)
}

func mustRoute(t *testing.T, name string) schemas.Route {
	t.Helper()
	r, ok := schemas.RouteByName(name)
	require.True(t, ok, name)
	return r
}

// mustCounter finds the shared counter by registering a twin (the registry
// hands back the existing one).
func mustCounter(t *testing.T, reg prometheus.Registerer, labels ...string) prometheus.Counter {
	t.Helper()
	c, err := NewSchemaChecker(SchemaRegisterer(reg))
	require.NoError(t, err)
	return c.checks.WithLabelValues(labels...)
}

func TestSchemaRejectUnknownFields(t *testing.T) {
	down := &echo{t: t}
	srv := loopback(t, Schema(SchemaRejectUnknownFields())(down))
	body := edit(t, sample(t, "cards.refund.request.json"), func(m map[string]any) { m["extra"] = 1 })
	a := post(t, srv.URL+"/cancellation/credit-card/refund", body)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "extra", a.body["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["field"])

	// DOKU-sent messages stay lenient even with the option on.
	debit := edit(t, sample(t, "notify.snap_debit.request.json"), func(m map[string]any) { m["extra"] = 1 })
	a = post(t, srv.URL+"/v1.0/debit/notify", debit)
	assert.Equal(t, http.StatusOK, a.status)

	// Default: unknown fields allowed.
	srv2 := loopback(t, Schema()(down))
	a = post(t, srv2.URL+"/cancellation/credit-card/refund", body)
	assert.Equal(t, http.StatusOK, a.status)
}

func TestSchemaBodyLimit(t *testing.T) {
	c, err := NewSchemaChecker(SchemaMaxBodyBytes(64))
	require.NoError(t, err)
	srv := loopback(t, c.Handler(&echo{t: t}))
	a := post(t, srv.URL+"/v1.0/balance-inquiry", []byte(`{"accountNo":"A1","partnerReferenceNo":"`+strings.Repeat("x", 100)+`"}`))
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "4001101", a.body["responseCode"])

	r := httptest.NewRequest("POST", "/v1.0/balance-inquiry", strings.NewReader(strings.Repeat(" ", 65)))
	_, err = c.Check(r)
	assert.ErrorIs(t, err, ErrSchemaBodyTooLarge)
}

func TestSchemaCheckWithoutMiddleware(t *testing.T) {
	c, err := NewSchemaChecker()
	require.NoError(t, err)
	body := sample(t, "wallet.topup.request.json")
	r := httptest.NewRequest("POST", "/snap-adapter/b2b2c/v1.0/emoney/topup", bytes.NewReader(body))
	v, err := c.Check(r)
	require.NoError(t, err)
	assert.IsType(t, &schemas.WalletTopUpRequest{}, v)
	again, _ := io.ReadAll(r.Body)
	assert.Equal(t, body, again, "body restored")
	gb, err := r.GetBody()
	require.NoError(t, err)
	again, _ = io.ReadAll(gb)
	assert.Equal(t, body, again, "GetBody restored")

	_, err = c.Check(httptest.NewRequest("POST", "/elsewhere", nil))
	assert.ErrorIs(t, err, ErrSchemaNoRoute)

	r = httptest.NewRequest("POST", "/snap-adapter/b2b2c/v1.0/emoney/topup", strings.NewReader(`{}`))
	_, err = c.Check(r)
	var ve *schemas.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Paths(), "partnerReferenceNo")
}

// response checks: a handler that answers with a body violating the route's
// response schema.
func TestSchemaResponseCheck(t *testing.T) {
	const secretToken = "eyJhbGciOiJSUzI1NiJ9.SECRET.TOKEN"
	badToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusOK)
		// responseCode is not seven digits; the token must never be logged
		_, _ = w.Write([]byte(`{"responseCode":"200","responseMessage":"ok","accessToken":"` + secretToken + `","tokenType":"Bearer"}`))
	})
	goodToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"responseCode":"2007300","responseMessage":"Successful","accessToken":"` + secretToken + `","tokenType":"Bearer","expiresIn":900}`))
	})
	errorAnswer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"responseCode":"4017300","responseMessage":"Unauthorized. Invalid Signature"}`))
	})
	body := sample(t, "notify.snap_token.request.json")
	route := mustRoute(t, "notify.snap_token")

	for _, c := range []struct {
		name       string
		mode       SchemaResponseMode
		h          http.Handler
		wantStatus int
		wantCode   string
		violation  bool
	}{
		{"off passes anything", SchemaResponseOff, badToken, 200, "200", false},
		{"report passes and reports", SchemaResponseReport, badToken, 200, "200", true},
		{"strict replaces with 500", SchemaResponseStrict, badToken, 500, "5007300", true},
		{"strict passes a valid answer", SchemaResponseStrict, goodToken, 200, "2007300", false},
		{"error answers are not checked", SchemaResponseStrict, errorAnswer, 401, "4017300", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			srv := loopback(t, Schema(SchemaRoute(route), SchemaResponseCheck(c.mode), SchemaRegisterer(reg), SchemaLogger(log))(c.h))
			resp, err := http.Post(srv.URL+"/merchant/token", "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, c.wantStatus, resp.StatusCode)
			var m map[string]any
			require.NoError(t, json.Unmarshal(raw, &m), string(raw))
			assert.Equal(t, c.wantCode, m["responseCode"])
			if c.violation && c.mode == SchemaResponseReport {
				assert.Equal(t, "yes", resp.Header.Get("X-Handler"), "report mode sends the handler's answer unchanged")
			}
			if c.violation && c.mode == SchemaResponseStrict {
				assert.Empty(t, resp.Header.Get("X-Handler"), "strict mode drops the violating answer")
			}
			assert.NotContains(t, logs.String(), "SECRET")
			if c.violation {
				assert.Contains(t, logs.String(), `"fields":"responseCode:snapcode"`)
				assert.Contains(t, logs.String(), `"route":"notify.snap_token"`)
			} else {
				assert.Empty(t, logs.String())
			}
			expected := ""
			if c.violation {
				expected = `
# HELP dokukit_schema_checks_total Schema checks of DOKU messages by route, stage (request, response) and outcome.
# TYPE dokukit_schema_checks_total counter
dokukit_schema_checks_total{outcome="invalid",route="notify.snap_token",stage="response"} 1
dokukit_schema_checks_total{outcome="valid",route="notify.snap_token",stage="request"} 1
`
			}
			if expected != "" {
				assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(expected), "dokukit_schema_checks_total"))
			}
		})
	}
}

func TestDecodedAs(t *testing.T) {
	c, err := NewSchemaChecker()
	require.NoError(t, err)
	var gotPtr *schemas.CardsRefundRequest
	var gotVal schemas.CardsRefundRequest
	var okPtr, okVal, okWrong, okRoute bool
	var route schemas.Route
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPtr, okPtr = DecodedAs[*schemas.CardsRefundRequest](r.Context())
		gotVal, okVal = DecodedAs[schemas.CardsRefundRequest](r.Context())
		_, okWrong = DecodedAs[*schemas.CardsPaymentRequest](r.Context())
		route, okRoute = DecodedRoute(r.Context())
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/cancellation/credit-card/refund", bytes.NewReader(sample(t, "cards.refund.request.json"))))
	require.True(t, okPtr)
	require.True(t, okVal)
	assert.False(t, okWrong)
	require.True(t, okRoute)
	assert.Equal(t, "cards.refund", route.Name)
	assert.Equal(t, int64(90000), gotPtr.Refund.Amount)
	assert.Equal(t, gotPtr.Order.InvoiceNumber, gotVal.Order.InvoiceNumber)

	_, ok := Decoded(httptest.NewRequest("GET", "/", nil).Context())
	assert.False(t, ok)
	_, ok = DecodedAs[int](httptest.NewRequest("GET", "/", nil).Context())
	assert.False(t, ok)
}

func TestSchemaRegistererConflict(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dokukit_schema_checks_total", Help: "Schema checks of DOKU messages by route, stage (request, response) and outcome.",
	}, []string{"route", "stage", "outcome"})))
	_, err := NewSchemaChecker(SchemaRegisterer(reg))
	require.Error(t, err)
	assert.Panics(t, func() { Schema(SchemaRegisterer(reg)) })
	assert.False(t, errors.Is(err, ErrSchemaNoRoute))
}
