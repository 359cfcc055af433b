package bench

// The full-stack benchmark of issue 16 target 1: a notify.NewMux server and
// a bare decode-and-ack server, each in its own child process on
// 127.0.0.1, driven over keep-alive HTTP/1.1 with the same distinct signed
// SNAP debit notifications, interleaved in batches so both see the same
// machine load. Each child reports its own CPU time (getrusage), so the
// figures are per server, not the driver's.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

const (
	// serverEnv makes the test binary a server: "kit" or "bare".
	serverEnv = "DOKUKIT_BENCH_SERVER"
	// dokuKeyEnv carries DOKU's public key (base64 PKIX DER) to the kit
	// server, for the token request the driver signs.
	dokuKeyEnv = "DOKUKIT_BENCH_DOKU_KEY"
	// countEnv raises the number of measured notifications per server.
	countEnv = "DOKUKIT_BENCH_NOTIFICATIONS"
	// statsPath is where each child answers "cpu-µs effects".
	statsPath = "/_bench/stats"

	fsClient = "DOKU-BENCH-CLIENT"
	fsSecret = "SK-bench-snap-secret"
	// defaultNotifications per server and per run; batch is how many go
	// to one server before the other's turn.
	defaultNotifications = 2000
	batch                = 50
	warmup               = 200
)

// kitAck is the SNAP debit ack the kit writes; the bare server writes the
// same bytes.
const kitAck = `{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}`

// bareDebit has the fields of schemas.SNAPDebitNotify, as a merchant's own
// struct would.
type bareDebit struct {
	OriginalPartnerReferenceNo string `json:"originalPartnerReferenceNo"`
	OriginalReferenceNo        string `json:"originalReferenceNo"`
	OriginalExternalID         string `json:"originalExternalId"`
	LatestTransactionStatus    string `json:"latestTransactionStatus"`
	TransactionStatusDesc      string `json:"transactionStatusDesc"`
	Amount                     struct {
		Value    string `json:"value"`
		Currency string `json:"currency"`
	} `json:"amount"`
	AdditionalInfo struct {
		CustIDMerchant string `json:"custIdMerchant"`
		AccountType    string `json:"accountType"`
		Channel        string `json:"channel"`
	} `json:"additionalInfo"`
}

// runServer is a child's main: build the server, listen on 127.0.0.1, print
// the address, serve until standard input closes (the driver exiting, by
// any means, ends the child).
func runServer(kind string) int {
	var effects atomic.Int64
	var h http.Handler
	switch kind {
	case "kit":
		der, err := base64.StdEncoding.DecodeString(os.Getenv(dokuKeyEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "kit server: bad", dokuKeyEnv, err)
			return 2
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kit server:", err)
			return 2
		}
		tokenKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kit server:", err)
			return 2
		}
		secrets, err := verify.SecretsFor(fsClient, []byte(fsSecret))
		if err != nil {
			fmt.Fprintln(os.Stderr, "kit server:", err)
			return 2
		}
		h, err = notify.NewMux(notify.MuxConfig{
			TokenKey:       tokenKey,
			DOKUPublicKeys: map[string][]*rsa.PublicKey{fsClient: {pub.(*rsa.PublicKey)}},
			SNAPSecrets:    secrets,
			SNAPDebit: func(ctx context.Context, n *schemas.SNAPDebitNotify) error {
				effects.Add(1)
				return nil
			},
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "kit server:", err)
			return 2
		}
	case "bare":
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != notify.DefaultSNAPDebitPath {
				http.NotFound(w, r)
				return
			}
			body, err := io.ReadAll(r.Body)
			var n bareDebit
			if err == nil {
				err = json.Unmarshal(body, &n)
			}
			if err != nil {
				http.Error(w, "bad body", http.StatusBadRequest)
				return
			}
			effects.Add(1)
			hd := w.Header()
			hd.Set("Content-Type", "application/json")
			hd.Set("Content-Length", strconv.Itoa(len(kitAck)))
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, kitAck)
		})
	default:
		fmt.Fprintln(os.Stderr, "unknown server kind", kind)
		return 2
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET "+statsPath, func(w http.ResponseWriter, r *http.Request) {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := ru.Utime.Sec*1e6 + int64(ru.Utime.Usec) + ru.Stime.Sec*1e6 + int64(ru.Stime.Usec)
		fmt.Fprintf(w, "%d %d", cpu, effects.Load())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("LISTEN", ln.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	http.Serve(ln, mux)
	return 0
}

// child is one running server process.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	url    string
	client *http.Client
}

func startChild(tb testing.TB, kind string, env ...string) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), append(env, serverEnv+"="+kind)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &child{name: kind, cmd: cmd, stdin: stdin}
	tb.Cleanup(c.stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if err != nil || !ok {
		tb.Fatalf("%s server did not start: %q %v", kind, line, err)
	}
	c.url = "http://" + addr
	// One keep-alive HTTP/1.1 connection per server.
	c.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true, ForceAttemptHTTP2: false,
	}}
	return c
}

func (c *child) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// stats returns the child's CPU time so far (µs) and how many
// notifications its handler ran.
func (c *child) stats(tb testing.TB) (cpuMicros, effects int64) {
	tb.Helper()
	resp, err := c.client.Get(c.url + statsPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if _, err := fmt.Sscanf(string(b), "%d %d", &cpuMicros, &effects); err != nil {
		tb.Fatalf("%s stats %q: %v", c.name, b, err)
	}
	return cpuMicros, effects
}

// notification is one signed SNAP debit notification.
type notification struct {
	body []byte
	hdr  http.Header
}

// driver signs notifications as DOKU would: distinct ~500-byte bodies and
// X-EXTERNAL-IDs, HMAC-SHA512 over the token the kit server issued.
type driver struct {
	signer *sign.SNAPSymmetric
	token  string
	next   int
	run    string
}

func newDriver(tb testing.TB, kit *child, dokuKey *rsa.PrivateKey) *driver {
	tb.Helper()
	ts := sign.FormatTimestamp(time.Now())
	sig, err := sign.SignToken(dokuKey, fsClient, ts)
	if err != nil {
		tb.Fatal(err)
	}
	req, _ := http.NewRequest("POST", kit.url+notify.TokenPath, strings.NewReader(`{"grantType":"client_credentials"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CLIENT-KEY", fsClient)
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	resp, err := kit.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ ResponseCode, AccessToken string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.ResponseCode != "2007300" {
		tb.Fatalf("token request: %d %+v %v", resp.StatusCode, tok, err)
	}
	s, err := sign.NewSNAPSymmetric([]byte(fsSecret))
	if err != nil {
		tb.Fatal(err)
	}
	return &driver{signer: s, token: tok.AccessToken, run: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// batch returns n new notifications, timestamped now (the kit checks the
// ±5 minute skew, so they are signed just before they are sent).
func (d *driver) batch(tb testing.TB, n int) []notification {
	ts := sign.FormatTimestamp(time.Now())
	out := make([]notification, n)
	for i := range out {
		d.next++
		id := fmt.Sprintf("%s-%08d", d.run, d.next)
		body := []byte(`{"originalPartnerReferenceNo":"INV-` + id + `","originalReferenceNo":"REF-` + id +
			`","originalExternalId":"EXT-` + id + `","latestTransactionStatus":"00","transactionStatusDesc":"Transaction has been processed successfully","amount":{"value":"` +
			strconv.Itoa(10000+d.next%90000) + `.00","currency":"IDR"},"additionalInfo":{"custIdMerchant":"CUST-` + id +
			`","accountType":"WALLET","channel":"EMONEY_SHOPEE_PAY_SNAP","note":"benchmark notification, padded to a realistic size of about five hundred bytes"}}`)
		sig, err := d.signer.Sign("POST", notify.DefaultSNAPDebitPath, d.token, body, ts)
		if err != nil {
			tb.Fatal(err)
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-TIMESTAMP", ts)
		h.Set("X-SIGNATURE", sig)
		h.Set("X-PARTNER-ID", fsClient)
		h.Set("X-EXTERNAL-ID", fmt.Sprintf("%019d%013d", time.Now().UnixNano(), d.next))
		h.Set("CHANNEL-ID", "DOKU")
		h.Set("Authorization", "Bearer "+d.token)
		out[i] = notification{body: body, hdr: h}
	}
	return out
}

// send posts n and returns its latency; anything but 200 with the exact
// ack fails the run.
func (c *child) send(tb testing.TB, n notification) time.Duration {
	req, _ := http.NewRequest("POST", c.url+notify.DefaultSNAPDebitPath, bytes.NewReader(n.body))
	req.Header = n.hdr.Clone()
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		tb.Fatalf("%s: %v", c.name, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil || resp.StatusCode != 200 || string(b) != kitAck {
		tb.Fatalf("%s answered %d %q (%v), want 200 %s", c.name, resp.StatusCode, b, err, kitAck)
	}
	return took
}

// fullStackResult is one run's figures.
type fullStackResult struct {
	count              int
	kitCPU, bareCPU    float64 // µs per notification
	kitLat, bareLat    []time.Duration
	kitEffects, bareFx int64
}

func pct(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p * float64(len(s)-1))
	return float64(s[i].Nanoseconds()) / 1e3
}

// fullStack sends count notifications to each server, alternating batches
// (kit first, then bare, …), each batch's notifications sent to both, and
// measures each child's CPU time over the whole run.
func fullStack(tb testing.TB, kit, bare *child, d *driver, count int) fullStackResult {
	tb.Helper()
	r := fullStackResult{count: count}
	kc0, ke0 := kit.stats(tb)
	bc0, be0 := bare.stats(tb)
	for sent := 0; sent < count; sent += batch {
		ns := d.batch(tb, min(batch, count-sent))
		for _, n := range ns {
			r.kitLat = append(r.kitLat, kit.send(tb, n))
		}
		for _, n := range ns {
			r.bareLat = append(r.bareLat, bare.send(tb, n))
		}
	}
	kc1, ke1 := kit.stats(tb)
	bc1, be1 := bare.stats(tb)
	r.kitCPU = float64(kc1-kc0) / float64(count)
	r.bareCPU = float64(bc1-bc0) / float64(count)
	r.kitEffects, r.bareFx = ke1-ke0, be1-be0
	return r
}

func startPair(tb testing.TB) (kit, bare *child, d *driver) {
	tb.Helper()
	dokuKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&dokuKey.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	kit = startChild(tb, "kit", dokuKeyEnv+"="+base64.StdEncoding.EncodeToString(der))
	bare = startChild(tb, "bare")
	return kit, bare, newDriver(tb, kit, dokuKey)
}

// TestFullStackHarness runs the harness on 100 notifications per server:
// both answer every one 200 with the exact ack, the kit's handler ran
// exactly 100 times (each notification is new), and both report CPU time.
func TestFullStackHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two child processes")
	}
	kit, bare, d := startPair(t)
	r := fullStack(t, kit, bare, d, 100)
	if r.kitEffects != 100 || r.bareFx != 100 {
		t.Fatalf("handlers ran kit %d, bare %d times; want 100 each", r.kitEffects, r.bareFx)
	}
	if len(r.kitLat) != 100 || len(r.bareLat) != 100 {
		t.Fatalf("latencies: kit %d, bare %d", len(r.kitLat), len(r.bareLat))
	}
	if r.kitCPU <= 0 || r.bareCPU <= 0 {
		t.Fatalf("no CPU time measured: kit %.1f µs, bare %.1f µs", r.kitCPU, r.bareCPU)
	}
	// A replay (same X-EXTERNAL-ID and body) is answered, not run again.
	n := d.batch(t, 1)[0]
	kit.send(t, n)
	kit.send(t, n)
	if _, fx := kit.stats(t); fx != 101 {
		t.Fatalf("kit ran its handler %d times after a new notification and its replay; want 101", fx)
	}
}

// BenchmarkFullStack is issue 16 target 1: CPU time per notification of a
// notify.NewMux server (SNAP debit, HMAC, token endpoint, in-memory store)
// and of a bare io.ReadAll + json.Unmarshal + ack server, each a child
// process on 127.0.0.1 served over one keep-alive HTTP/1.1 connection, with
// the same signed notifications in interleaved batches of 50. One
// iteration is one run of DOKUKIT_BENCH_NOTIFICATIONS (default 2000) per
// server; ns/op is the run's wall time, and B/op and allocs/op (with
// -benchmem) are the driver's own, not the servers'. The figures are noisy on a shared
// machine: compare kit and bare from the same run, not across runs.
func BenchmarkFullStack(b *testing.B) {
	count := defaultNotifications
	if v, err := strconv.Atoi(os.Getenv(countEnv)); err == nil && v > 0 {
		count = v
	}
	kit, bare, d := startPair(b)
	fullStack(b, kit, bare, d, warmup) // connections, caches, GC pacing
	b.ResetTimer()
	var r fullStackResult
	for i := 0; i < b.N; i++ {
		r = fullStack(b, kit, bare, d, count)
	}
	b.StopTimer()
	if r.kitEffects != int64(count) || r.bareFx != int64(count) {
		b.Fatalf("handlers ran kit %d, bare %d times; want %d", r.kitEffects, r.bareFx, count)
	}
	b.ReportMetric(r.kitCPU, "kit-cpu-µs/op")
	b.ReportMetric(r.bareCPU, "bare-cpu-µs/op")
	b.ReportMetric(r.kitCPU/r.bareCPU, "cpu-ratio")
	b.ReportMetric(pct(r.kitLat, 0.50), "kit-p50-µs")
	b.ReportMetric(pct(r.kitLat, 0.99), "kit-p99-µs")
	b.ReportMetric(pct(r.bareLat, 0.50), "bare-p50-µs")
	b.ReportMetric(pct(r.bareLat, 0.99), "bare-p99-µs")
	b.ReportMetric(float64(count), "notifications")
}
