package middleware

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Handler recycles body buffers between requests; concurrent requests of
// different sizes must each see exactly their own body.
func TestPooledBodiesNeverLeakBetweenRequests(t *testing.T) {
	v := snapVerifier(t, 0)
	var bad atomic.Int32
	h := Verify(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != wantBody(r.Header.Get("X-Test-Id")) {
			bad.Add(1)
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := snapClient(nil, secret)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				id := fmt.Sprintf("%d-%d", g, i)
				req, _ := http.NewRequest("POST", srv.URL+"/n", bytes.NewReader([]byte(wantBody(id))))
				req.Header.Set("X-Test-Id", id)
				resp, err := c.Do(req)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, 200, resp.StatusCode)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, bad.Load(), "a handler saw another request's body")
}

// wantBody gives each request a body of a different length (up to ~20 KiB),
// so pooled buffers are grown and reused.
func wantBody(id string) string {
	n := 0
	for _, c := range id {
		n = n*31 + int(c)
	}
	return `{"id":"` + id + `","pad":"` + strings.Repeat("x", n%20000) + `"}`
}

// A handler that outlives the request (as inside http.TimeoutHandler) and
// reads the body late gets an error, never bytes of a later request.
func TestLateBodyReadIsCutOff(t *testing.T) {
	v := snapVerifier(t, 0)
	late := make(chan io.Reader, 1)
	h := Verify(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-Id") == "first" {
			late <- r.Body // kept past the request, read later
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := snapClient(nil, secret)
	send := func(id string) {
		req, _ := http.NewRequest("POST", srv.URL+"/n", strings.NewReader(wantBody(id)))
		req.Header.Set("X-Test-Id", id)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}
	send("first")
	send("second") // reuses the pooled array
	b, err := io.ReadAll(<-late)
	assert.ErrorIs(t, err, errBodyRecycled)
	assert.Empty(t, b)
}
