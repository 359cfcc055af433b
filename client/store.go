package client

import (
	"context"
	"sync"
	"time"
)

// Token is an access token as kept in a TokenStore: a B2B token, or a
// customer's B2B2C token with its refresh token. Its fields are live
// credentials: never log them.
type Token struct {
	Value string `json:"v"`
	// IssuedAt is when the client asked for it.
	IssuedAt time.Time `json:"i"`
	// ExpiresAt is when DOKU stops accepting Value (issue time +
	// expiresIn); the client stops using it a margin earlier.
	ExpiresAt time.Time `json:"e"`
	// RefreshToken and RefreshExpiresAt are set on B2B2C tokens.
	RefreshToken     string    `json:"r,omitempty"`
	RefreshExpiresAt time.Time `json:"re,omitempty"`
}

// String hides the token.
func (t Token) String() string { return "client.Token([redacted])" }

// GoString hides the token.
func (t Token) GoString() string { return t.String() }

// TokenStore keeps tokens where every client instance that shares it sees
// them (MemoryStore: one process; RedisStore: every replica). Keys are
// chosen by the client: one per client id for the B2B token, one per
// customer for B2B2C tokens. Implementations are safe for concurrent use.
type TokenStore interface {
	// Load returns the token under key, or an error wrapping ErrNoToken
	// when there is none (expired tokens may be dropped).
	Load(ctx context.Context, key string) (Token, error)
	// Lock takes key's refresh lock, waiting until it is free or ctx
	// ends. Only the holder refreshes; the others wait and then Load what
	// it saved.
	Lock(ctx context.Context, key string) (Lock, error)
}

// Lock is a held TokenStore lock.
type Lock interface {
	// Save stores t under the lock's key if the lock is still held (a
	// fencing check: a holder whose lock expired must not overwrite a
	// newer token); otherwise it returns an error wrapping ErrLockLost.
	Save(ctx context.Context, t Token) error
	// Unlock releases the lock if still held.
	Unlock(ctx context.Context) error
}

// MemoryStore is a TokenStore for one process: every Client given the same
// MemoryStore shares its tokens. The zero value is not usable; use
// NewMemoryStore.
type MemoryStore struct {
	mu    sync.Mutex
	toks  map[string]Token
	locks map[string]chan struct{}
	now   func() time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{toks: map[string]Token{}, locks: map[string]chan struct{}{}, now: time.Now}
}

// Load implements TokenStore.
func (m *MemoryStore) Load(_ context.Context, key string) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.toks[key]
	if !ok {
		return Token{}, ErrNoToken
	}
	return t, nil
}

func (m *MemoryStore) sem(key string) chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.locks[key]
	if !ok {
		c = make(chan struct{}, 1)
		m.locks[key] = c
	}
	return c
}

// Lock implements TokenStore.
func (m *MemoryStore) Lock(ctx context.Context, key string) (Lock, error) {
	c := m.sem(key)
	select {
	case c <- struct{}{}:
		return &memLock{m: m, key: key, c: c}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type memLock struct {
	m    *MemoryStore
	key  string
	c    chan struct{}
	once sync.Once
	done bool
}

// Save implements Lock.
func (l *memLock) Save(_ context.Context, t Token) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.done {
		return ErrLockLost
	}
	l.m.toks[l.key] = t
	return nil
}

// Unlock implements Lock; a second Unlock does nothing.
func (l *memLock) Unlock(context.Context) error {
	l.once.Do(func() {
		l.m.mu.Lock()
		l.done = true
		l.m.mu.Unlock()
		<-l.c
	})
	return nil
}
