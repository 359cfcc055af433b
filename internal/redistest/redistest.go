// Package redistest starts a real redis-server for tests: on a free
// 127.0.0.1 port, with its data in t.TempDir(), killed when the test ends.
//
// Tests that need Redis call Start. When the redis-server binary is missing
// the test is skipped with a message saying how to install it — unless the
// CI environment variable is set, in which case it fails: CI installs
// redis-server (.ci/run), so a missing binary there is a broken machine, not
// a reason to silently test less.
//
// Kill (SIGKILL, no shutdown save) and Restart (same port, same directory)
// let a test crash Redis mid-run and check what survives; with AOF enabled
// (the AOF option: appendonly yes, appendfsync always) every acknowledged
// write survives a Kill. Stop (SIGSTOP) and Cont (SIGCONT) stall it instead:
// the port stays open and the kernel still accepts connections and buffers
// what clients send, but nothing is answered until Cont — what a Redis
// stuck in a long fork, swap or VM pause looks like to its clients.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary is the redis-server executable Start runs; REDIS_SERVER in the
// environment overrides the PATH lookup.
func Binary() (string, error) {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p, nil
	}
	return exec.LookPath("redis-server")
}

// Option configures Start.
type Option func(*config)

type config struct {
	aof     bool
	cluster bool
}

// AOF turns on the append-only file with appendfsync always: every write is
// fsynced before Redis acknowledges it, so it survives Kill.
func AOF() Option { return func(c *config) { c.aof = true } }

// Cluster starts the server in cluster mode as a one-node cluster owning
// all 16384 slots, for redis.NewClusterClient: enough to prove that every
// command obeys Cluster's one-slot-per-command rule (CROSSSLOT).
func Cluster() Option { return func(c *config) { c.cluster = true } }

// Args returns the redis-server command-line arguments Start uses for a
// server on 127.0.0.1:port with its data in dir.
func Args(dir string, port int, aof bool) []string {
	return args(dir, port, aof, false)
}

func args(dir string, port int, aof, cluster bool) []string {
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--logfile", "",
		"--loglevel", "warning",
	}
	if aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	return args
}

// Server is a running (or killed) redis-server owned by one test.
type Server struct {
	tb      testing.TB
	bin     string
	dir     string
	port    int
	aof     bool
	cluster bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs redis-server for tb and stops it in tb.Cleanup. It skips the
// test (fails it when $CI is set) if the binary is missing, and fails it if
// the server does not answer PING within 10 s.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	bin, err := Binary()
	if err != nil {
		msg := "redistest: redis-server not found on PATH (install it, e.g. apt-get install redis-server, or set REDIS_SERVER)"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg + "; CI is set, so this is a failure, not a skip")
		}
		tb.Skip(msg)
	}
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), aof: c.aof, cluster: c.cluster}
	var lastErr error
	for range 5 { // the free port can be taken between probe and bind; try another
		s.port, err = freePort()
		if err != nil {
			tb.Fatalf("redistest: no free port: %v", err)
		}
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(s.Kill) // SIGKILL ends a stopped server too
			return s
		}
	}
	tb.Fatalf("redistest: %v", lastErr)
	return nil
}

// Addr is the server's host:port on 127.0.0.1; it stays the same across
// Restart.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Dir is the server's data directory (AOF files live under it).
func (s *Server) Dir() string { return s.dir }

// Kill sends SIGKILL and waits for the process to exit: no shutdown save,
// no AOF rewrite — what a power cut or OOM kill leaves behind. It is also
// the test's cleanup; Kill on a killed server does nothing.
func (s *Server) Kill() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Stop sends SIGSTOP: the server stops answering but keeps its port and
// its data, and clients' commands queue up in its socket buffers, to run
// when Cont resumes it. The test's cleanup kills a stopped server as it
// does a running one. Stop on a killed server does nothing.
func (s *Server) Stop() {
	s.tb.Helper()
	s.signal(syscall.SIGSTOP)
}

// Cont sends SIGCONT, resuming a server paused by Stop; it runs whatever
// commands clients sent meanwhile (those whose client gave up too: a
// closed connection's buffered commands are still executed). Cont on a
// running or killed server does nothing.
func (s *Server) Cont() {
	s.tb.Helper()
	s.signal(syscall.SIGCONT)
}

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redistest: %v: %v", sig, err)
	}
}

// Restart starts the server again on the same port with the same directory
// (so an AOF is replayed) and waits until it answers PING. It calls Kill
// first if the server is still running.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Kill()
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond) // the old socket may still be closing
	}
	s.tb.Fatalf("redistest: restart: %v", err)
}

func (s *Server) start() error {
	cmd := exec.Command(s.bin, args(s.dir, s.port, s.aof, s.cluster)...)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("redis-server exited during start: %s", strings.TrimSpace(out.String()))
		default:
		}
		if err := ping(s.Addr()); err == nil {
			break
		} else if time.Now().After(deadline) {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return fmt.Errorf("redis-server did not answer PING in 10s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.cluster {
		if err := claimSlots(s.Addr()); err != nil {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return err
		}
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// claimSlots makes a fresh cluster node own every slot (a restarted node
// remembers them in nodes.conf) and waits for cluster_state:ok.
func claimSlots(addr string) error {
	if _, err := command(addr, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil && !strings.Contains(err.Error(), "busy") {
		return fmt.Errorf("cluster addslots: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := command(addr, "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not ok after 10s: %v %q", err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// command sends one command and returns a simple-string, error or bulk
// reply; enough for the few admin commands above.
func command(addr string, argv ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(argv))
	for _, a := range argv {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk reply %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return strings.TrimPrefix(line, "+"), nil
}

// ping speaks just enough RESP to know the server is up and has loaded its
// data: a loading server answers -LOADING, not +PONG.
func ping(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return errors.New("unexpected reply " + strconv.Quote(strings.TrimSpace(line)))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
