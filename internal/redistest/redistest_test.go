package redistest

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startWithKey starts a server with opts and returns it with a client
// (no retries) that has written k = v.
func startWithKey(t *testing.T, opts ...Option) (*Server, *redis.Client) {
	t.Helper()
	s := Start(t, opts...)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Set(context.Background(), "k", "v", 0).Err())
	return s, c
}

// With AOF (appendfsync always) an acknowledged write survives SIGKILL.
func TestKillRestartKeepsAcknowledgedWritesWithAOF(t *testing.T) {
	s, c := startWithKey(t, AOF())
	ctx := context.Background()
	addr := s.Addr()

	s.Kill()
	assert.Error(t, ping(addr), "server must be down after Kill")
	assert.Error(t, c.Ping(ctx).Err())

	s.Restart()
	assert.Equal(t, addr, s.Addr(), "same port after restart")
	v, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

// Without AOF and with --save "" a SIGKILL loses everything: this proves Kill
// does not shut down gracefully (a graceful shutdown would not lose data
// either, but also would not test anything).
func TestKillWithoutAOFLosesData(t *testing.T) {
	s, c := startWithKey(t)
	ctx := context.Background()
	s.Kill()
	s.Restart()
	_, err := c.Get(ctx, "k").Result()
	assert.ErrorIs(t, err, redis.Nil)
}

func TestArgs(t *testing.T) {
	a := Args("/d", 7000, true)
	assert.Contains(t, a, "always")
	assert.Equal(t, []string{"--port", "7000", "--bind", "127.0.0.1"}, a[:4])
	assert.NotContains(t, Args("/d", 7000, false), "always")
}

func TestPingRejectsNonRedis(t *testing.T) {
	assert.Error(t, ping("127.0.0.1:1"))
}

func TestClusterOneNode(t *testing.T) {
	s := Start(t, Cluster())
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr()}})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "{a}1", "v", 0).Err())
	// Cluster rules apply: two keys in different slots in one command fail.
	err := c.Do(ctx, "MSET", "k1", "v", "k2", "v").Err()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CROSSSLOT")
	require.NoError(t, c.Do(ctx, "MSET", "{t}k1", "v", "{t}k2", "v").Err(), "same hash tag, same slot")
}

// A stopped server accepts connections but answers nothing; after Cont it
// answers again, data intact, and runs a command sent during the stall.
func TestStopContStallsAndResumes(t *testing.T) {
	s, c := startWithKey(t)
	ctx := context.Background()

	s.Stop()
	conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	require.NoError(t, err, "the kernel still accepts connections to a stopped server")
	defer conn.Close()
	_, err = conn.Write([]byte("SET during stall\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = conn.Read(make([]byte, 16))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "a stopped server does not answer: %v", err)

	s.Cont()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "+OK\r\n", line, "the command sent during the stall ran on resume")
	v, err := c.Get(ctx, "during").Result()
	require.NoError(t, err)
	assert.Equal(t, "stall", v)
	v, err = c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

// Cleanup kills a server left stopped (the test binary must not hang).
func TestStopWithoutContIsCleanedUp(t *testing.T) {
	s := Start(t)
	s.Stop()
}
