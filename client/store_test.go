package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/internal/redistest"
)

// Both stores keep the contract: no token is ErrNoToken, a lock is
// exclusive, a saved token is what every user loads.
func TestStoreContract(t *testing.T) {
	rs := redistest.Start(t)
	for name, st := range map[string]client.TokenStore{"memory": client.NewMemoryStore(), "redis": redisStore(t, rs)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, err := st.Load(ctx, "k")
			assert.ErrorIs(t, err, client.ErrNoToken)
			l, err := st.Lock(ctx, "k")
			require.NoError(t, err)
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			_, err = st.Lock(short, "k")
			cancel()
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the lock is exclusive")
			tok := client.Token{Value: "v1", IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
			require.NoError(t, l.Save(ctx, tok))
			require.NoError(t, l.Unlock(ctx))
			got, err := st.Load(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, "v1", got.Value)
			assert.WithinDuration(t, tok.ExpiresAt, got.ExpiresAt, time.Millisecond)
			assert.Error(t, l.Save(ctx, client.Token{Value: "late"}), "an unlocked lock cannot save")
			l2, err := st.Lock(ctx, "k")
			require.NoError(t, err, "free again after Unlock")
			require.NoError(t, l2.Unlock(ctx))
			assert.NotContains(t, got.String()+got.GoString(), "v1", "a token prints redacted")
		})
	}
}

// The fencing check: a holder whose lock expired (here: removed, as its TTL
// would) cannot overwrite the token of the next holder.
func TestRedisSaveIsFenced(t *testing.T) {
	rs := redistest.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rc.Close()
	st, err := client.NewRedisStore(rc, client.RedisKeyPrefix("t:"))
	require.NoError(t, err)
	ctx := context.Background()
	l1, err := st.Lock(ctx, "k")
	require.NoError(t, err)
	require.NoError(t, rc.Del(ctx, "t:{k}:lock").Err()) // l1's lock expires
	l2, err := st.Lock(ctx, "k")
	require.NoError(t, err)
	require.NoError(t, l2.Save(ctx, client.Token{Value: "new", ExpiresAt: time.Now().Add(time.Minute)}))
	assert.ErrorIs(t, l1.Save(ctx, client.Token{Value: "stale", ExpiresAt: time.Now().Add(time.Minute)}), client.ErrLockLost)
	require.NoError(t, l1.Unlock(ctx), "unlocking a lost lock leaves the new holder's alone")
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = st.Lock(short, "k")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "l2 still holds it")
	got, err := st.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "new", got.Value)
	_, err = client.NewRedisStore(nil)
	assert.ErrorIs(t, err, client.ErrConfig)
}
