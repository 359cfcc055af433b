package middleware

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/verify"
)

// The config struct and the options are one configuration: New with a
// Config answers what NewVerification with the matching options answers,
// and Config.Registerer counts on the registerer given, shared between
// verifications built on it.
func TestConfigIsWhatTheOptionsSet(t *testing.T) {
	v := snapVerifier(t, 0)

	reg := prometheus.NewPedanticRegistry()
	byConfig, err := New(v, Config{ServiceCode: 56, Registerer: reg})
	require.NoError(t, err)
	second, err := New(v, Config{ServiceCode: 25, Registerer: reg})
	require.NoError(t, err, "a second verification on the same registerer shares its collectors")
	byOptions, err := NewVerification(v, WithServiceCode(56))
	require.NoError(t, err)

	unsigned := func() *http.Request {
		return httptest.NewRequest(http.MethodPost, notifyURL, strings.NewReader(`{}`))
	}
	answers := map[string]string{}
	for name, m := range map[string]*Verification{"config": byConfig, "options": byOptions, "second": second} {
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, unsigned())
		assert.Equal(t, http.StatusBadRequest, rec.Code, name)
		answers[name] = rec.Body.String()
	}
	assert.Equal(t, answers["options"], answers["config"])
	assert.Contains(t, answers["config"], `"4005602"`, "service code 56 in the SNAP code")
	assert.Contains(t, answers["second"], `"4002502"`, "each verification keeps its own service code")
	assert.Equal(t, 2.0, testutil.ToFloat64(byConfig.metrics.verifications.WithLabelValues("snap", "missing_header")),
		"both verifications count on the one registerer")

	_, err = New(nil, Config{})
	assert.Error(t, err, "a nil verifier fails closed")
	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "dokukit_verifications_total", Help: "the user's own"}))
	_, err = New(v, Config{Registerer: clash})
	assert.ErrorContains(t, err, "dokukit_verifications_total")
}

// SchemaConfig is what the schema options set: a limit ≤ 0 is the default,
// Route is copied (editing the caller's value later changes nothing).
func TestSchemaConfigIsWhatTheOptionsSet(t *testing.T) {
	route := mustRoute(t, "notify.snap_token")
	cfg := SchemaConfig{Route: &route, MaxBodyBytes: -1}
	c, err := NewSchema(cfg)
	require.NoError(t, err)
	route.Name = "edited"
	assert.Equal(t, SchemaDefaultMaxBodyBytes, int(c.maxBody))
	got, ok := c.Route(httptest.NewRequest(http.MethodPost, "/anywhere", nil))
	require.True(t, ok)
	assert.Equal(t, "notify.snap_token", got.Name)

	byOptions, err := NewSchemaChecker(SchemaRoute(mustRoute(t, "notify.snap_token")), SchemaMaxBodyBytes(16))
	require.NoError(t, err)
	byConfig, err := NewSchema(SchemaConfig{Route: &got, MaxBodyBytes: 16})
	require.NoError(t, err)
	body := sample(t, "notify.snap_token.request.json")
	answers := map[string]string{}
	for name, c := range map[string]*SchemaChecker{"options": byOptions, "config": byConfig} {
		_, err := c.Check(httptest.NewRequest(http.MethodPost, "/t", bytes.NewReader(body)))
		assert.ErrorIs(t, err, verify.ErrBodyTooLarge, name)
		rec := httptest.NewRecorder()
		c.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/t", bytes.NewReader(body)))
		assert.Equal(t, http.StatusBadRequest, rec.Code, name)
		answers[name] = rec.Body.String()
	}
	assert.Equal(t, answers["options"], answers["config"])
}

// The same knob means the same everywhere: no SchemaLogger (or a nil one)
// logs nothing — never to slog.Default() behind the caller's back — and a
// body limit of 0 or less is the kit's one default.
func TestSchemaOptionsMeanWhatTheyMeanElsewhere(t *testing.T) {
	var global bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&global, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	bad := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"responseCode":"200","responseMessage":"ok","accessToken":"t","tokenType":"Bearer"}`))
	})
	route := mustRoute(t, "notify.snap_token")
	for _, opts := range [][]SchemaOption{
		{SchemaRoute(route), SchemaResponseCheck(SchemaResponseReport)},
		{SchemaRoute(route), SchemaResponseCheck(SchemaResponseReport), SchemaLogger(nil)},
	} {
		c, err := NewSchemaChecker(opts...)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		c.Handler(bad).ServeHTTP(rec, httptest.NewRequest("POST", "/t", bytes.NewReader(sample(t, "notify.snap_token.request.json"))))
		assert.Equal(t, 200, rec.Code)
	}
	assert.Empty(t, global.String(), "a violation with no logger is not logged to slog.Default()")

	for _, n := range []int64{0, -1} {
		c, err := NewSchemaChecker(SchemaMaxBodyBytes(n))
		require.NoError(t, err)
		assert.EqualValues(t, verify.DefaultMaxBodyBytes, c.maxBody)
	}
	c, err := NewSchemaChecker(SchemaMaxBodyBytes(8))
	require.NoError(t, err)
	_, err = c.Check(httptest.NewRequest("POST", "/v1.0/balance-inquiry", strings.NewReader(strings.Repeat(" ", 9))))
	assert.ErrorIs(t, err, verify.ErrBodyTooLarge, "one sentinel for a body over its limit")
	assert.ErrorIs(t, err, ErrSchemaBodyTooLarge)
}
