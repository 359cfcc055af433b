package middleware

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/verify"
)

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
