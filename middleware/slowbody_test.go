package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/verify"
)

// stallBody reports, once per request, a reader that has come back for
// more after the bytes the client sent: that request is stalled on the wire.
type stallBody struct {
	io.ReadCloser
	reads   int
	stalled chan<- struct{}
}

func (b *stallBody) Read(p []byte) (int, error) {
	b.reads++
	if b.reads == 2 {
		b.stalled <- struct{}{}
	}
	return b.ReadCloser.Read(p)
}

// slowServer is a non-SNAP verification in front of a handler that must
// never run, on a server with no ReadTimeout, so only the body reader
// decides what a slow client costs.
// stalled has room for every request a test sends (up to 1024).
func slowServer(t *testing.T, limit int64) (srv *httptest.Server, stalled <-chan struct{}, ran *atomic.Int32) {
	t.Helper()
	set, err := verify.SecretsFor(client, []byte(nsSecret))
	require.NoError(t, err)
	v, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: set, MaxBodyBytes: limit})
	require.NoError(t, err)
	stalls := make(chan struct{}, 1024)
	ran = &atomic.Int32{}
	mw := Verify(v)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran.Add(1) }))
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-Count-Stalls") != "" {
			r.Body = &stallBody{ReadCloser: r.Body, stalled: stalls}
		}
		mw.ServeHTTP(w, r)
	}))
	srv.Start() // httptest's server has no Read/Write timeouts
	t.Cleanup(srv.Close)
	return srv, stalls, ran
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// 300 connections declare a 1 MiB body, send its first bytes and stall.
// Every required header is there, so the reader must wait for the body:
// what it holds must be what arrived, not what was declared (the reader
// used to allocate the declared length first, and this pinned ~300 MB).
func TestStalledBodiesHoldWhatArrivedNotWhatWasDeclared(t *testing.T) {
	const conns, declared = 300, 1 << 20
	srv, stalled, ran := slowServer(t, declared)
	addr := srv.Listener.Addr().String()
	head := fmt.Sprintf("POST /payments/notifications HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"+
		"X-Test-Count-Stalls: 1\r\nClient-Id: %s\r\nRequest-Id: r-1\r\nRequest-Timestamp: 2026-11-25T08:00:00Z\r\nSignature: HMACSHA256=x\r\n\r\n{\"order\":", addr, declared, client)

	before := heapInuse()
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		cs = append(cs, c)
		_, err = io.WriteString(c, head)
		require.NoError(t, err)
	}
	waiting, timeout := 0, time.After(3*time.Second)
wait:
	for waiting < conns {
		select {
		case <-stalled:
			waiting++
		case <-timeout:
			break wait
		}
	}
	require.Equal(t, conns, waiting, "every request is waiting for its body")
	rise := int64(heapInuse()) - int64(before)
	t.Logf("%d stalled 1 MiB bodies: heap in use rose %.1f MB", conns, float64(rise)/1e6)
	assert.Less(t, rise, int64(64<<20), "heap rise with %d stalled connections", conns)
	assert.Zero(t, ran.Load())
}

// A request that cannot pass (a required header is missing, or the declared
// body is over the limit) is answered while the client has sent only its
// headers: no body is read, and the connection is closed rather than left
// for net/http to drain a body that may never come.
func TestEarlyRefusalAnswersBeforeTheBody(t *testing.T) {
	const limit = 4096
	srv, _, ran := slowServer(t, limit)
	addr := srv.Listener.Addr().String()
	cases := []struct {
		name     string
		headers  string
		status   int
		wantBody string
	}{
		{"missing signature", "Content-Length: 2048\r\nClient-Id: " + client + "\r\nRequest-Id: r-1\r\nRequest-Timestamp: 2026-11-25T08:00:00Z\r\n",
			400, `{"error":{"code":"missing_header","message":"missing header: Signature","type":"invalid_request_error"}}`},
		{"missing client id, chunked", "Transfer-Encoding: chunked\r\nRequest-Id: r-1\r\nRequest-Timestamp: 2026-11-25T08:00:00Z\r\nSignature: HMACSHA256=x\r\n",
			400, `{"error":{"code":"missing_header","message":"missing header: Client-Id","type":"invalid_request_error"}}`},
		{"declared over the limit", fmt.Sprintf("Content-Length: %d\r\nClient-Id: %s\r\nRequest-Id: r-1\r\nRequest-Timestamp: 2026-11-25T08:00:00Z\r\nSignature: HMACSHA256=x\r\n", limit+1, client),
			413, `{"error":{"code":"body_too_large","message":"body too large: body","type":"invalid_request_error"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			_, err = io.WriteString(c, "POST /payments/notifications HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\n"+tc.headers+"\r\n")
			require.NoError(t, err)
			// Not one body byte is sent. The deadline only keeps a broken
			// server from hanging the test: the answer must not need it.
			require.NoError(t, c.SetReadDeadline(time.Now().Add(2*time.Second)))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			require.NoError(t, err, "answered with the body still unsent")
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.wantBody, strings.TrimSpace(string(b)))
			assert.True(t, resp.Close, "Connection: close, so net/http does not wait to drain the body")
		})
	}
	assert.Zero(t, ran.Load())
}

// A client that sends a whole oversized body before reading the answer
// (as Go's and most clients do) still gets the answer: net/http must see
// its own body closed early, so it shuts the connection down gently
// instead of resetting it under the client's writes.
func TestOversizedBodyGetsItsAnswer(t *testing.T) {
	const limit = 1 << 20
	srv, _, ran := slowServer(t, limit)
	for i := range 5 {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/payments/notifications", strings.NewReader(strings.Repeat("x", limit+1)))
		require.NoError(t, err)
		for _, h := range []string{"Client-Id", "Request-Id", "Request-Timestamp", "Signature"} {
			req.Header.Set(h, "x")
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err, "attempt %d: answered, not reset", i)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		assert.Equal(t, `{"error":{"code":"body_too_large","message":"body too large: body","type":"invalid_request_error"}}`, strings.TrimSpace(string(b)))
	}
	assert.Zero(t, ran.Load())
}
