package notify

import (
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"
)

// DefaultTokenCacheSize is the number of validated tokens a TokenIssuer
// remembers when TokenIssuerConfig.CacheSize is zero or negative. DOKU
// reuses one token for its whole TTL, so one entry per client is the
// working set; 10 000 leaves room for many clients and for tokens that
// overlap at renewal, at about 200 bytes per entry.
const DefaultTokenCacheSize = 10_000

// tokenCache remembers tokens that passed the issuer's full validation, so
// that a token DOKU presents again is not verified again (an RS256 check
// and a JSON decode of its claims, ~50 µs, on every notification).
//
// It is keyed by SHA-256 of the token string: only a token whose bytes are
// identical to one that passed is a hit, and the token itself is never
// retained. An entry holds the verified claims and answers only while the
// issuer's clock says the token's exp (and iat, nbf) would still pass the
// full check; past exp it is a miss and is removed, and the caller then runs
// the full check, which refuses it. Only a successful validation is ever
// added. The issuer's keys never change after construction, so a cached
// validation stays what the full check would answer; the cache belongs to
// one TokenIssuer and is never shared.
//
// It holds at most size entries: the oldest added is evicted first (all
// tokens of one issuer have the same TTL, so the oldest is the one that
// expires first). It is safe for concurrent use.
type tokenCache struct {
	mu      sync.Mutex
	size    int
	entries map[[sha256.Size]byte]cachedToken
	// ring holds the keys in insertion order, at most size of them; next
	// is where the next key goes once the ring is full. A key whose entry
	// was already removed (expired) is skipped when its slot is reused.
	ring []ringSlot
	next int
	seq  uint64
}

type cachedToken struct {
	claims TokenClaims
	nbf    time.Time // zero when the token has no nbf
	seq    uint64    // which insertion this is, to match its ring slot
}

type ringSlot struct {
	key [sha256.Size]byte
	seq uint64
}

func newTokenCache(size int) *tokenCache {
	return &tokenCache{size: size, entries: make(map[[sha256.Size]byte]cachedToken)}
}

// tokenKey is SHA-256 of the token. The token's bytes are only read, so
// they are hashed in place rather than copied.
func tokenKey(token string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

// get returns the claims of a cached token that the full check would still
// accept at now with leeway: now before exp (never exp+leeway: the cache
// holds an entry until exp, never longer), and iat and nbf not after now
// plus leeway, as golang-jwt checks them (the clock may be a test's clock
// and go backwards). An entry past its exp is removed.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time, leeway time.Duration) (TokenClaims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return TokenClaims{}, false
	}
	if !now.Before(e.claims.ExpiresAt) {
		delete(c.entries, key)
		return TokenClaims{}, false
	}
	if now.Before(e.claims.IssuedAt.Add(-leeway)) || (!e.nbf.IsZero() && now.Before(e.nbf.Add(-leeway))) {
		return TokenClaims{}, false // not yet valid: let the full check say why
	}
	return e.claims, true
}

// put adds a token that has just passed the full check at now. A token
// already past its exp (accepted only through Leeway) is not added.
func (c *tokenCache) put(key [sha256.Size]byte, claims TokenClaims, nbf, now time.Time) {
	if !now.Before(claims.ExpiresAt) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return // another goroutine validated the same token meanwhile
	}
	c.seq++
	slot := ringSlot{key: key, seq: c.seq}
	if len(c.ring) < c.size {
		c.ring = append(c.ring, slot)
	} else {
		old := c.ring[c.next]
		if e, ok := c.entries[old.key]; ok && e.seq == old.seq {
			delete(c.entries, old.key)
		}
		c.ring[c.next] = slot
		c.next = (c.next + 1) % c.size
	}
	c.entries[key] = cachedToken{claims: claims, nbf: nbf, seq: c.seq}
}

// len returns the number of entries, expired ones not yet removed included.
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
