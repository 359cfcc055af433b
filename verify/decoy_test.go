package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	body := shared(t, "debit_notify_body.json")
	pub, err := NewPublicKey("k", testPublicKey(t))
	require.NoError(t, err)
	static := func(client string) PublicKeySet { return PublicKeys{client: {pub}} }
	vault := func(client string) PublicKeySet { return vaultKeys{client: pub} }
	ctx := context.Background()

	asym := vs["SNAP asymmetric transactional signature (notification to merchant)"]
	rsaMsg := func(sig, partner string) Message {
		h := snapHeader(sig)
		h.Del("Authorization")
		h.Set("X-PARTNER-ID", partner)
		return Message{Method: "POST", Target: "/v1.0/debit/notify", Header: h, Body: body}
	}
	tok := vs["SNAP token request signature"]
	const tokClient = "BRN-0001-1700000000000"
	tokMsg := func(sig, client string) Message {
		return Message{Method: "POST", Target: "/authorization/v1/access-token/b2b",
			Header: http.Header{"X-Client-Key": {client}, "X-Timestamp": {snapTS}, "X-Signature": {sig}}}
	}

	for setName, set := range map[string]func(string) PublicKeySet{"vault": vault, "static": static} {
		rv, err := NewSNAPRSA(SNAPRSAConfig{PublicKeys: set("PARTNER-1"), Timestamps: Timestamps{Now: at(snapTS)}})
		require.NoError(t, err)
		tv, err := NewSNAPToken(SNAPTokenConfig{PublicKeys: set(tokClient), Timestamps: Timestamps{Now: at(snapTS)}})
		require.NoError(t, err)
		for _, c := range []struct {
			name   string
			v      Verifier
			m      Message
			want   error
			field  string
			decoys uint64
		}{
			{"snap-rsa unknown partner", rv, rsaMsg(asym.Signature, "PARTNER-2"), ErrUnknownClient, "X-PARTNER-ID", 1},
			{"token unknown client", tv, tokMsg(tok.Signature, "BRN-0002"), ErrUnknownClient, "X-CLIENT-KEY", 1},
			{"snap-rsa unknown partner, signature not base64", rv, rsaMsg("not base64!", "PARTNER-2"), ErrUnknownClient, "X-PARTNER-ID", 1},
			{"snap-rsa valid", rv, rsaMsg(asym.Signature, "PARTNER-1"), nil, "", 0},
			{"token valid", tv, tokMsg(tok.Signature, tokClient), nil, "", 0},
			{"snap-rsa bad signature", rv, rsaMsg(flipSig(asym.Signature), "PARTNER-1"), ErrSignatureMismatch, "X-SIGNATURE", 0},
			{"token bad signature", tv, tokMsg(flipSig(tok.Signature), tokClient), ErrSignatureMismatch, "X-SIGNATURE", 0},
			{"token missing signature", tv, tokMsg("", "BRN-0002"), ErrMissingHeader, "X-SIGNATURE", 0},
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
	_, err = tv.VerifyMessage(ctx, tokMsg(tok.Signature, "DOWN"))
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
