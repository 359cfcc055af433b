package verify

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strconv"

	"github.com/dokukit/dokukit/sign"
)

// Secret is one shared secret, prepared once: the SNAP client secret, the
// non-SNAP secret key or the Kirim DOKU encryption key. Build it with
// NewSecret; its signers are reused across requests, so verifying does not
// set up HMAC state each time.
type Secret struct {
	id    string
	raw   []byte
	snap  *sign.SNAPSymmetric
	plain *sign.NonSNAP
}

// NewSecret prepares secret under an id (reported as Result.KeyID when it
// matches; use it to tell rotated keys apart, e.g. "2026-11"). An empty
// secret is an error: verification fails closed. The bytes are copied.
func NewSecret(id string, secret []byte) (*Secret, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty secret for key %q", ErrConfig, id)
	}
	raw := append([]byte(nil), secret...)
	snap, err := sign.NewSNAPSymmetric(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	plain, err := sign.NewNonSNAP(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Secret{id: id, raw: raw, snap: snap, plain: plain}, nil
}

// ID is the id the secret was created with.
func (s *Secret) ID() string { return s.id }

// String hides the secret: printing a Secret shows only its id.
func (s *Secret) String() string { return "verify.Secret(" + s.id + ")" }

// GoString hides the secret from %#v too.
func (s *Secret) GoString() string { return s.String() }

// SecretSet finds the secrets valid for a sender. Implement it to read keys
// from a vault; Secrets is the ready-made static one.
//
// Lookup returns every secret currently valid for clientID (during a
// rotation, old and new), or an error wrapping ErrUnknownClient when there
// is none. Any other error is treated as the key store being down: the
// request is answered with a server error so DOKU retries later. It must be
// safe for concurrent use.
type SecretSet interface {
	Lookup(ctx context.Context, clientID string) ([]*Secret, error)
}

// Secrets is a static SecretSet: client id (SNAP X-PARTNER-ID, non-SNAP
// Client-Id, Kirim agentKey) → the secrets valid for it. Safe for concurrent
// use as long as it is not modified.
type Secrets map[string][]*Secret

// Lookup implements SecretSet.
func (s Secrets) Lookup(_ context.Context, clientID string) ([]*Secret, error) {
	return lookupStatic(s, clientID)
}

// SecretsFor is a shortcut for the common case: one client id and its
// secrets (several during a rotation), ids "0", "1", ….
func SecretsFor(clientID string, secrets ...[]byte) (Secrets, error) {
	return staticFor(clientID, "secret", secrets, NewSecret)
}

// PublicKey is one RSA public key a sender signs with, under an id.
type PublicKey struct {
	id  string
	key *rsa.PublicKey
}

// NewPublicKey checks key (non-nil, at least sign.MinRSABits) and names it.
func NewPublicKey(id string, key *rsa.PublicKey) (*PublicKey, error) {
	if key == nil || key.N == nil {
		return nil, fmt.Errorf("%w: nil RSA public key %q", ErrConfig, id)
	}
	if key.N.BitLen() < sign.MinRSABits {
		return nil, fmt.Errorf("%w: RSA key %q has %d bits: %w (want at least %d)", ErrConfig, id, key.N.BitLen(), sign.ErrKeyTooShort, sign.MinRSABits)
	}
	return &PublicKey{id: id, key: key}, nil
}

// ID is the id the key was created with.
func (k *PublicKey) ID() string { return k.id }

// Key is the RSA public key.
func (k *PublicKey) Key() *rsa.PublicKey { return k.key }

// PublicKeySet finds the public keys valid for a sender (X-CLIENT-KEY or
// X-PARTNER-ID). The contract is SecretSet's. A request from a client the
// set does not know (ErrUnknownClient) is verified against a decoy key all
// the same, so that it costs what a bad signature costs: a set need not
// take pains over the time a miss takes.
type PublicKeySet interface {
	Lookup(ctx context.Context, clientID string) ([]*PublicKey, error)
}

// PublicKeys is a static PublicKeySet.
type PublicKeys map[string][]*PublicKey

// Lookup implements PublicKeySet.
func (p PublicKeys) Lookup(_ context.Context, clientID string) ([]*PublicKey, error) {
	return lookupStatic(p, clientID)
}

// PublicKeysFor is a shortcut: one client id and its keys, ids "0", "1", ….
func PublicKeysFor(clientID string, keys ...*rsa.PublicKey) (PublicKeys, error) {
	return staticFor(clientID, "public key", keys, NewPublicKey)
}

// lookupStatic is the static sets' Lookup: clientID's keys, or
// ErrUnknownClient when it has none.
func lookupStatic[K any](m map[string][]K, clientID string) ([]K, error) {
	if v := m[clientID]; len(v) > 0 {
		return v, nil
	}
	return nil, ErrUnknownClient
}

// staticFor is SecretsFor and PublicKeysFor: a one-client static set whose
// keys are made from in by newKey under ids "0", "1", …; what names a key
// in the error for none.
func staticFor[K, In any](clientID, what string, in []In, newKey func(id string, k In) (K, error)) (map[string][]K, error) {
	if clientID == "" {
		return nil, fmt.Errorf("%w: empty client id", ErrConfig)
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: no %s for client %q", ErrConfig, what, clientID)
	}
	out := make([]K, 0, len(in))
	for i, k := range in {
		key, err := newKey(strconv.Itoa(i), k)
		if err != nil {
			return nil, err
		}
		out = append(out, key)
	}
	return map[string][]K{clientID: out}, nil
}

// lookupErr turns a key-set error into the verifier's error.
func lookupErr(s Scheme, field string, err error) *Error {
	if errors.Is(err, ErrUnknownClient) {
		return fail(s, CheckKey, field, ErrUnknownClient)
	}
	// Do not echo the store's error: it may name a vault path or a key. It
	// stays reachable (errors.Is(err, context.DeadlineExceeded)) as Cause.
	e := fail(s, CheckKey, "", ErrKey)
	e.Cause = err
	return e
}

func isNilSet(v any) bool {
	switch s := v.(type) {
	case nil:
		return true
	case Secrets:
		return s == nil
	case PublicKeys:
		return s == nil
	}
	return false
}
