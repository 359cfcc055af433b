package verify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
)

// vaultKeys is a PublicKeySet that is not the static PublicKeys: a key
// store that wraps ErrUnknownClient in its own words, and fails for
// "DOWN".
type vaultKeys map[string]*PublicKey

func (v vaultKeys) Lookup(_ context.Context, clientID string) ([]*PublicKey, error) {
	if clientID == "DOWN" {
		return nil, errors.New("vault: connection refused")
	}
	if k, ok := v[clientID]; ok {
		return []*PublicKey{k}, nil
	}
	return nil, fmt.Errorf("vault: no key at secret/doku/%s: %w", clientID, ErrUnknownClient)
}

// An unknown client costs an RSA verification against the decoy key, with
// any PublicKeySet, for both RSA verifiers; nothing else does. Timing is
// not measured (BenchmarkVerify shows it): the count of decoy
// verifications is.
func TestUnknownClientIsVerifiedAgainstTheDecoy(t *testing.T) {
	vs := fileVectors(t)
	asym := vs["SNAP asymmetric transactional signature (notification to merchant)"]
	tok := vs["SNAP token request signature"]
	vault := func(client string, k *PublicKey) PublicKeySet { return vaultKeys{client: k} }
	ctx := context.Background()

	for setName, keys := range map[string]func(string, *PublicKey) PublicKeySet{"vault": vault, "static": staticKeys} {
		rv, tv := rsaVerifiers(t, keys)
		for _, c := range []struct {
			name   string
			v      Verifier
			m      Message
			want   error
			field  string
			decoys uint64
		}{
			{"snap-rsa unknown partner", rv, rsaNotification(t, asym.Signature, "PARTNER-2"), ErrUnknownClient, "X-PARTNER-ID", 1},
			{"token unknown client", tv, tokenRequest(tok.Signature, "BRN-0002"), ErrUnknownClient, "X-CLIENT-KEY", 1},
			{"snap-rsa unknown partner, signature not base64", rv, rsaNotification(t, "not base64!", "PARTNER-2"), ErrUnknownClient, "X-PARTNER-ID", 1},
			{"snap-rsa valid", rv, rsaNotification(t, asym.Signature, "PARTNER-1"), nil, "", 0},
			{"token valid", tv, tokenRequest(tok.Signature, tokClient), nil, "", 0},
			{"snap-rsa bad signature", rv, rsaNotification(t, flipSig(asym.Signature), "PARTNER-1"), ErrSignatureMismatch, "X-SIGNATURE", 0},
			{"token bad signature", tv, tokenRequest(flipSig(tok.Signature), tokClient), ErrSignatureMismatch, "X-SIGNATURE", 0},
			{"token missing signature", tv, tokenRequest("", "BRN-0002"), ErrMissingHeader, "X-SIGNATURE", 0},
		} {
			before := decoyRuns.Load()
			_, err := c.v.VerifyMessage(ctx, c.m)
			assert.Equal(t, c.decoys, decoyRuns.Load()-before, "%s, %s: decoy verifications", setName, c.name)
			if c.want == nil {
				assert.NoError(t, err, "%s, %s", setName, c.name)
				continue
			}
			require.ErrorIs(t, err, c.want, "%s, %s", setName, c.name)
			var ve *Error
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.field, ve.Field, "%s, %s", setName, c.name)
		}
	}

	// A key store that is down is a server error, not an unknown client: no decoy.
	tv, err := NewSNAPToken(SNAPTokenConfig{PublicKeys: vaultKeys{}, Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	before := decoyRuns.Load()
	_, err = tv.VerifyMessage(ctx, tokenRequest(tok.Signature, "DOWN"))
	assert.ErrorIs(t, err, ErrKey)
	assert.Equal(t, before, decoyRuns.Load())
}

// The decoy is a real 2048-bit key (the verification costs what one against
// a client's key costs) that verifies nothing.
func TestDecoyKeyVerifiesNothing(t *testing.T) {
	assert.Equal(t, sign.MinRSABits, decoyKey.N.BitLen())
	assert.Equal(t, 65537, decoyKey.E)
	assert.NotEqual(t, testPublicKey(t).N, decoyKey.N)
	priv, err := sign.ParsePrivateKey(shared(t, testvectors.PrivatePKCS8))
	require.NoError(t, err)
	sig, err := sign.SignSNAPToken(priv, "BRN-0002", snapTS)
	require.NoError(t, err)
	assert.NoError(t, sign.VerifySNAPToken(testPublicKey(t), "BRN-0002", snapTS, sig))
	assert.ErrorIs(t, sign.VerifySNAPToken(decoyKey, "BRN-0002", snapTS, sig), sign.ErrSignatureMismatch)
}
