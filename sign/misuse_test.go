package sign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmptySecretsFailClosed(t *testing.T) {
	_, err := NewSNAPSymmetric(nil)
	assert.ErrorIs(t, err, ErrEmptySecret)
	_, err = NewNonSNAP([]byte{})
	assert.ErrorIs(t, err, ErrEmptySecret)
	_, err = KirimSignature(nil, "a", "b")
	assert.ErrorIs(t, err, ErrEmptySecret)
}

func TestSecretIsCopied(t *testing.T) {
	secret := []byte("SK-snap-secret-123")
	s, err := NewSNAPSymmetric(secret)
	require.NoError(t, err)
	secret[0] = 'X' // the caller reuses its buffer
	sig, err := s.Sign("GET", "/v1.0/example/status?referenceNo=INV-1", "eyJhbGciOiJSUzI1NiJ9.test.token", nil, "2024-01-01T12:00:00+07:00")
	require.NoError(t, err)
	assert.Equal(t, "6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ==", sig)
}

func TestSNAPInvalidBody(t *testing.T) {
	s, _ := NewSNAPSymmetric([]byte("k"))
	_, err := s.Sign("POST", "/p", "t", []byte(`{"a":`), "ts")
	assert.ErrorIs(t, err, ErrInvalidJSON)
	assert.ErrorIs(t, s.Verify("sig", "POST", "/p", "t", []byte("not json"), "ts"), ErrInvalidJSON)
}

func TestVerifyMismatchAndEncoding(t *testing.T) {
	s, _ := NewSNAPSymmetric([]byte("k"))
	assert.ErrorIs(t, s.Verify("AAAA", "POST", "/p", "t", nil, "ts"), ErrSignatureMismatch)
	assert.ErrorIs(t, s.VerifyString("AAAA", []byte("x")), ErrSignatureMismatch)
	n, _ := NewNonSNAP([]byte("k"))
	sig := n.Sign(Components{ClientID: "c"})
	assert.True(t, strings.HasPrefix(sig, NonSNAPPrefix))
	assert.NoError(t, n.VerifyString(sig, AppendComponent(nil, Components{ClientID: "c"})))
	// The signature value must match exactly, prefix included.
	assert.ErrorIs(t, n.Verify(strings.TrimPrefix(sig, NonSNAPPrefix), Components{ClientID: "c"}), ErrSignatureMismatch)
	assert.ErrorIs(t, n.Verify(strings.ToLower(sig), Components{ClientID: "c"}), ErrSignatureMismatch, "comparison is case-sensitive")

	pub, err := ParsePublicKey(readVector(t, "test_rsa_public_spki.pem"))
	require.NoError(t, err)
	assert.ErrorIs(t, VerifyRSA(pub, []byte("x"), "!!!not base64"), ErrBadSignatureEncoding)
	assert.ErrorIs(t, VerifyRSA(pub, []byte("x"), base64.StdEncoding.EncodeToString(make([]byte, 256))), ErrSignatureMismatch)
	assert.ErrorIs(t, VerifyRSA(pub, []byte("x"), strings.Repeat("A", 4000)), ErrSignatureMismatch)
	assert.ErrorIs(t, VerifyRSA(nil, []byte("x"), "AAAA"), ErrKeyFormat)
}

func TestStripBearer(t *testing.T) {
	assert.Equal(t, "abc", StripBearer("Bearer abc"))
	assert.Equal(t, "abc", StripBearer("bearer abc"))
	assert.Equal(t, "abc", StripBearer("abc"))
	assert.Equal(t, "Bearerabc", StripBearer("Bearerabc"))
	assert.Equal(t, " Bearer abc", StripBearer(" Bearer abc"), "only a leading scheme is stripped; the rest is signed as sent")
}

func TestEqual(t *testing.T) {
	assert.True(t, Equal("abc", []byte("abc")))
	assert.False(t, Equal("abc", "abd"))
	assert.False(t, Equal("abc", "ab"))
	assert.True(t, Equal("", ""))
}

func TestKeyErrors(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	ecSEC1, _ := x509.MarshalECPrivateKey(ec)
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	shortDER := x509.MarshalPKCS1PrivateKey(short)
	shortPub, _ := x509.MarshalPKIXPublicKey(&short.PublicKey)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }

	_, err = ParsePrivateKey(pemOf("PRIVATE KEY", ecDER))
	assert.ErrorIs(t, err, ErrKeyType)
	_, err = ParsePrivateKey(pemOf("EC PRIVATE KEY", ecSEC1))
	assert.ErrorIs(t, err, ErrKeyType)
	_, err = ParsePublicKey(pemOf("PUBLIC KEY", ecPub))
	assert.ErrorIs(t, err, ErrKeyType)
	_, err = ParsePrivateKey(pemOf("RSA PRIVATE KEY", shortDER))
	assert.ErrorIs(t, err, ErrKeyTooShort)
	_, err = ParsePublicKey([]byte(base64.StdEncoding.EncodeToString(shortPub)))
	assert.ErrorIs(t, err, ErrKeyTooShort)
	_, err = SignRSA(short, []byte("x"))
	assert.ErrorIs(t, err, ErrKeyTooShort)
	_, err = ParsePrivateKey(pemOf("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}))
	assert.ErrorIs(t, err, ErrKeyFormat)
	for _, junk := range []string{"", "   ", "garbage!!", "-----BEGIN PUBLIC KEY-----\nnot closed", "bm90IGEga2V5"} {
		_, err = ParsePublicKey([]byte(junk))
		assert.ErrorIs(t, err, ErrKeyFormat, "%q", junk)
		_, err = ParsePrivateKey([]byte(junk))
		assert.ErrorIs(t, err, ErrKeyFormat, "%q", junk)
	}
	// Error text never quotes key material.
	_, err = ParsePrivateKey(pemOf("RSA PRIVATE KEY", shortDER))
	assert.NotContains(t, err.Error(), base64.StdEncoding.EncodeToString(shortDER)[:20])
}

func TestBareBase64WithLineBreaks(t *testing.T) {
	bare := string(readVector(t, "test_rsa_public_bare_base64.txt"))
	var wrapped strings.Builder
	for i := 0; i < len(bare); i += 64 {
		end := min(i+64, len(bare))
		wrapped.WriteString(bare[i:end] + "\r\n")
	}
	_, err := ParsePublicKey([]byte("  " + wrapped.String()))
	assert.NoError(t, err)
}

func TestCertificatePublicKey(t *testing.T) {
	priv, err := ParsePrivateKey(readVector(t, "test_rsa_private_pkcs8.pem"))
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big1()}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	pub, err := ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	require.NoError(t, err)
	assert.True(t, pub.Equal(&priv.PublicKey))
}

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; `make test` reruns this without it")
	}
}

func TestZeroAllocHotPaths(t *testing.T) {
	skipUnderRace(t)
	s, _ := NewSNAPSymmetric([]byte("SK-snap-secret-123"))
	body := []byte(protocolSNAPBody)
	dst := make([]byte, 0, 128)
	s.AppendSignature(dst, "POST", "/p", "t", body, "ts") // warm the pool
	assert.Zero(t, testing.AllocsPerRun(200, func() {
		dst, _ = s.AppendSignature(dst[:0], "POST", "/p", "t", body, "ts")
	}), "SNAP signing allocates")
	n, _ := NewNonSNAP([]byte("k"))
	c := Components{ClientID: "c", RequestID: "r", Timestamp: "t", Target: "/p", Body: body}
	n.AppendSignature(dst[:0], c)
	assert.Zero(t, testing.AllocsPerRun(200, func() { dst = n.AppendSignature(dst[:0], c) }), "non-SNAP signing allocates")
}

func big1() *big.Int { return big.NewInt(1) }

func TestBodyHashAllocFreeForSmallBodies(t *testing.T) {
	skipUnderRace(t)
	body := []byte(protocolSNAPBody)
	var dst [64]byte
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = AppendBodyHashHex(dst[:0], body)
	}))
	want, _ := AppendBodyHashHex(nil, body)
	assert.Equal(t, "2e2aeb929a58f6d0bfffef29910a0d1b0d389c8e6b9e9aef69175f25e87d5180", string(want))
	big := []byte(`["` + strings.Repeat("x", 10000) + `"]`)
	_, err := BodyHash(big)
	assert.NoError(t, err)
}
