package notify

import (
	"crypto/rsa"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testkit"
)

// refuseAll makes every full check of iss fail, so that a Validate that
// still succeeds can only have been answered by the cache.
func refuseAll(iss *TokenIssuer) {
	iss.parser = jwt.NewParser(jwt.WithValidMethods([]string{"no-such-alg"}))
}

func TestTokenCacheAnswersTheSameTokenWithoutTheFullCheck(t *testing.T) {
	_, merchant, _ := keys(t)
	iss, clock, tok := issuedToken(t, nil)
	first, err := iss.Validate(tok)
	require.NoError(t, err)
	require.Equal(t, 1, iss.cache.len())

	refuseAll(iss)
	clock.Advance(899 * time.Second)
	again, err := iss.Validate(tok)
	require.NoError(t, err, "the cached token is answered without the full check")
	assert.Equal(t, first, again)
	assert.Equal(t, clientID, again.ClientID)
	assert.True(t, t0.Equal(again.IssuedAt), "iat %v", again.IssuedAt)
	assert.True(t, t0.Add(900*time.Second).Equal(again.ExpiresAt), "exp %v", again.ExpiresAt)

	other, _, err := mustIssuer(t, merchant, clock, nil).Issue(clientID)
	require.NoError(t, err)
	_, err = iss.Validate(other)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a token not in the cache gets the full check")
}

func TestTokenCacheRefusesACachedTokenOnceItsExpPasses(t *testing.T) {
	iss, clock := newIssuerAt(t, t0.Add(400*time.Millisecond), nil)
	tok, _, err := iss.Issue(clientID)
	require.NoError(t, err)
	_, err = iss.Validate(tok)
	require.NoError(t, err)

	clock.Advance(900*time.Second - 401*time.Millisecond) // t0+900s-1ms: exp is t0+900s
	_, err = iss.Validate(tok)
	require.NoError(t, err)
	require.Equal(t, 1, iss.cache.len())

	clock.Advance(time.Millisecond) // exactly exp
	_, err = iss.Validate(tok)
	require.ErrorIs(t, err, ErrTokenExpired)
	assert.Equal(t, "notify: token expired: expired", err.Error())
	assert.Equal(t, 0, iss.cache.len(), "an entry past its exp is removed")

	_, err = iss.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenExpired, "and stays refused")
	assert.Equal(t, 0, iss.cache.len())
}

func TestTokenCacheRefusesAnExpiredTokenBesideACachedOne(t *testing.T) {
	_, merchant, _ := keys(t)
	iss, _ := newIssuer(t, nil)
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"iss": DefaultTokenIssuer, "aud": DefaultTokenAudience, "sub": clientID, "jti": "same-jti",
			"iat": t0.Add(-time.Hour).Unix(), "exp": exp.Unix()}
	}
	withKid := func(c jwt.MapClaims) string {
		jt := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		jt.Header["kid"] = KeyID(&merchant.PublicKey)
		s, err := jt.SignedString(merchant)
		require.NoError(t, err)
		return s
	}
	live := withKid(claims(t0.Add(time.Minute)))
	_, err := iss.Validate(live)
	require.NoError(t, err)
	require.Equal(t, 1, iss.cache.len())

	_, err = iss.Validate(withKid(claims(t0.Add(-time.Second))))
	require.ErrorIs(t, err, ErrTokenExpired, "the same claims but an exp in the past")
	assert.NotErrorIs(t, err, ErrTokenInvalid)
	_, err = iss.Validate(withKid(claims(t0)))
	require.ErrorIs(t, err, ErrTokenExpired, "exp == now")
	assert.Equal(t, 1, iss.cache.len(), "a refused token is never added")
}

func TestTokenCacheRefusesEveryOneByteChangeOfACachedToken(t *testing.T) {
	iss, _, tok := issuedToken(t, nil)
	_, err := iss.Validate(tok)
	require.NoError(t, err)

	for i := range len(tok) {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		_, err := iss.Validate(string(b))
		require.ErrorIs(t, err, ErrTokenInvalid, "byte %d changed", i)
		require.NotErrorIs(t, err, ErrTokenExpired, "byte %d changed", i)
	}
	// Appending or dropping a byte is a change too.
	for _, bad := range []string{tok + "A", tok[:len(tok)-1], "A" + tok} {
		_, err := iss.Validate(bad)
		require.ErrorIs(t, err, ErrTokenInvalid)
	}
	assert.Equal(t, 1, iss.cache.len(), "no changed token was added")
	_, err = iss.Validate(tok)
	assert.NoError(t, err, "the original is still accepted")
}

func TestTokenCacheRefusesAForeignKeyTokenWithTheCachedClaims(t *testing.T) {
	_, merchant, other := keys(t)
	clock := testkit.NewClock(t0)
	iss := mustIssuer(t, merchant, clock, nil)
	c := jwt.MapClaims{"iss": DefaultTokenIssuer, "aud": DefaultTokenAudience, "sub": clientID, "jti": "j",
		"iat": t0.Unix(), "exp": t0.Add(time.Minute).Unix()}
	signed := func(key *rsa.PrivateKey) string {
		jt := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		jt.Header["kid"] = KeyID(&merchant.PublicKey) // the foreign one claims the merchant's kid
		s, err := jt.SignedString(key)
		require.NoError(t, err)
		return s
	}
	_, err := iss.Validate(signed(merchant))
	require.NoError(t, err)

	foreign := signed(other)
	for range 2 {
		_, err = iss.Validate(foreign)
		require.ErrorIs(t, err, ErrTokenInvalid)
		assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
		var te *TokenError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "bad signature", te.Reason)
	}
	assert.Equal(t, 1, iss.cache.len())
}

// The cache belongs to one issuer: a token another issuer validated (and
// cached) is checked in full by a new issuer, which refuses a key it does
// not hold; key rotation keeps working on top of the cache.
func TestTokenCacheIsPerIssuerAndRotationStillWorks(t *testing.T) {
	_, oldKey, newKey := keys(t)
	old, clock, tok := issuedToken(t, nil) // the merchant key is oldKey
	_, err := old.Validate(tok)
	require.NoError(t, err)

	rotated := mustIssuer(t, newKey, clock, func(c *TokenIssuerConfig) { c.PreviousKeys = []*rsa.PublicKey{&oldKey.PublicKey} })
	for range 2 { // the full check, then the cache
		got, err := rotated.Validate(tok)
		require.NoError(t, err, "an old key's token is accepted during the rotation")
		assert.Equal(t, clientID, got.ClientID)
	}
	require.Equal(t, 1, rotated.cache.len())

	done := mustIssuer(t, newKey, clock, nil)
	for range 2 {
		_, err = done.Validate(tok)
		require.ErrorIs(t, err, ErrTokenInvalid, "a new issuer without the old key refuses its token")
		assert.ErrorIs(t, err, jwt.ErrTokenUnverifiable)
	}
	assert.Equal(t, 0, done.cache.len())

	fresh, _, err := done.Issue(clientID)
	require.NoError(t, err)
	_, err = old.Validate(fresh)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a kid the old issuer does not know is refused")
}

func TestTokenCacheValidateForUsesTheCachedSub(t *testing.T) {
	iss, _, tok := issuedToken(t, nil)
	_, err := iss.ValidateFor(tok, clientID)
	require.NoError(t, err)

	refuseAll(iss) // from here on only the cache answers
	c, err := iss.ValidateFor(tok, clientID)
	require.NoError(t, err)
	assert.Equal(t, clientID, c.ClientID)
	_, err = iss.ValidateFor(tok, "BRN-0002-1700000000000")
	require.ErrorIs(t, err, ErrTokenWrongClient)
	assert.ErrorIs(t, err, ErrTokenInvalid)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "wrong client", te.Reason)
}

func TestTokenCacheFollowsTheClockBackwards(t *testing.T) {
	iss, clock, tok := issuedToken(t, nil)
	_, err := iss.Validate(tok)
	require.NoError(t, err)
	clock.Advance(-time.Second) // before iat: the full check refuses it, so must the cache
	_, err = iss.Validate(tok)
	require.ErrorIs(t, err, ErrTokenInvalid)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "issued in the future", te.Reason)
}

func TestTokenCacheNeverHoldsPastExpEvenWithLeeway(t *testing.T) {
	iss, clock, tok := issuedToken(t, func(c *TokenIssuerConfig) { c.Leeway = 10 * time.Second; c.TTL = time.Minute })
	clock.Advance(65 * time.Second) // past exp, within leeway
	_, err := iss.Validate(tok)
	require.NoError(t, err, "accepted by the full check through Leeway")
	assert.Equal(t, 0, iss.cache.len(), "but not cached: the cache never holds a token past its exp")
	clock.Advance(5 * time.Second)
	_, err = iss.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenExpired)
}

func TestTokenCacheIsBoundedOldestFirst(t *testing.T) {
	iss, _ := newIssuer(t, func(c *TokenIssuerConfig) { c.CacheSize = 3 })
	var toks []string
	for i := range 5 {
		tok, _, err := iss.Issue(fmt.Sprintf("client-%d", i))
		require.NoError(t, err)
		_, err = iss.Validate(tok)
		require.NoError(t, err)
		toks = append(toks, tok)
		assert.Equal(t, min(i+1, 3), iss.cache.len())
	}
	refuseAll(iss)
	for i, tok := range toks {
		_, err := iss.Validate(tok)
		if i < 2 {
			assert.ErrorIs(t, err, ErrTokenInvalid, "token %d was evicted", i)
		} else {
			assert.NoError(t, err, "token %d is cached", i)
		}
	}
}

// An entry removed because it expired leaves its ring slot behind; the
// ring still bounds the map and reusing the slot evicts nothing live.
func TestTokenCacheExpiredEntriesFreeTheirPlace(t *testing.T) {
	iss, clock := newIssuer(t, func(c *TokenIssuerConfig) { c.CacheSize = 2; c.TTL = 10 * time.Second })
	a, _, err := iss.Issue("a")
	require.NoError(t, err)
	_, err = iss.Validate(a)
	require.NoError(t, err)
	clock.Advance(10 * time.Second)
	_, err = iss.Validate(a)
	require.ErrorIs(t, err, ErrTokenExpired)
	require.Equal(t, 0, iss.cache.len())
	var live []string
	for _, c := range []string{"b", "c"} {
		tok, _, err := iss.Issue(c)
		require.NoError(t, err)
		_, err = iss.Validate(tok)
		require.NoError(t, err)
		live = append(live, tok)
	}
	assert.Equal(t, 2, iss.cache.len())
	refuseAll(iss)
	for _, tok := range live {
		_, err := iss.Validate(tok)
		assert.NoError(t, err)
	}
}

func TestTokenCacheSizeDefaultsAndDisable(t *testing.T) {
	_, merchant, _ := keys(t)
	clock := testkit.NewClock(t0)
	for _, size := range []int{0, -1} {
		iss := mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.CacheSize = size })
		assert.Equal(t, DefaultTokenCacheSize, iss.cache.size, "CacheSize %d", size)
	}
	assert.Equal(t, 10_000, DefaultTokenCacheSize)
	assert.Equal(t, 7, mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.CacheSize = 7 }).cache.size)

	off := mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.DisableCache = true; c.CacheSize = 5 })
	require.Nil(t, off.cache)
	tok, _, err := off.Issue(clientID)
	require.NoError(t, err)
	_, err = off.Validate(tok)
	require.NoError(t, err)
	refuseAll(off)
	_, err = off.Validate(tok)
	assert.ErrorIs(t, err, ErrTokenInvalid, "without the cache every call is the full check")
}

// Many goroutines validate good and bad tokens through a small cache that
// keeps evicting; every answer is the one the full check gives. Run with
// -race.
func TestTokenCacheConcurrent(t *testing.T) {
	_, merchant, other := keys(t)
	clock := testkit.NewClock(t0)
	iss := mustIssuer(t, merchant, clock, func(c *TokenIssuerConfig) { c.CacheSize = 4 })
	foreignIss := mustIssuer(t, other, clock, nil)
	var good, bad []string
	for i := range 6 {
		tok, _, err := iss.Issue(fmt.Sprintf("client-%d", i))
		require.NoError(t, err)
		good = append(good, tok)
		f, _, err := foreignIss.Issue(fmt.Sprintf("client-%d", i))
		require.NoError(t, err)
		tampered := tok[:len(tok)-2] + "AA"
		if tampered == tok { // the signature already ended so (about one token in 256)
			tampered = tok[:len(tok)-2] + "BA"
		}
		bad = append(bad, f, tampered)
	}
	const workers, rounds = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				i := (w + r) % len(good)
				c, err := iss.ValidateFor(good[i], fmt.Sprintf("client-%d", i))
				if err != nil || c.ClientID != fmt.Sprintf("client-%d", i) {
					errs <- fmt.Errorf("good token %d: %v, sub %q", i, err, c.ClientID)
				}
				j := (w*7 + r) % len(bad)
				if _, err := iss.Validate(bad[j]); err == nil {
					errs <- fmt.Errorf("bad token %d accepted", j)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.LessOrEqual(t, iss.cache.len(), 4)
}

// A cached token costs no allocation: the hash is taken in place and the
// claims are returned by value.
func TestTokenCacheHitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
	_, merchant, _ := keys(t)
	iss := mustIssuer(t, merchant, testkit.NewClock(t0), nil)
	tok, _, err := iss.Issue(clientID)
	require.NoError(t, err)
	_, err = iss.ValidateFor(tok, clientID)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := iss.ValidateFor(tok, clientID); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
