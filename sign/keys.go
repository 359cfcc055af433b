package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
)

// MinRSABits is the smallest RSA modulus accepted for signing or verifying.
// Shorter keys are ErrKeyTooShort: 1024-bit RSA is within reach of a
// determined attacker, and DOKU issues 2048-bit keys.
const MinRSABits = 2048

// ParsePrivateKey parses an RSA private key in any form DOKU hands out: PEM
// ("RSA PRIVATE KEY" PKCS#1 or "PRIVATE KEY" PKCS#8) or the same DER as bare
// base64 without armour (line breaks and surrounding space allowed). The
// error wraps ErrKeyFormat, ErrKeyType or ErrKeyTooShort; it never quotes the
// key material.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	der, label, err := keyDER(data)
	if err != nil {
		return nil, err
	}
	if label == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("%w: encrypted private keys are not supported; decrypt it first", ErrKeyFormat)
	}
	var key any
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		key = k
	} else if _, err := x509.ParseECPrivateKey(der); err == nil {
		return nil, fmt.Errorf("%w: got an EC private key", ErrKeyType)
	} else {
		return nil, fmt.Errorf("%w: not a PKCS#1 or PKCS#8 private key", ErrKeyFormat)
	}
	return rsaKey[*rsa.PrivateKey](key)
}

// ParsePublicKey parses an RSA public key: PEM "PUBLIC KEY" (PKIX/SPKI),
// "RSA PUBLIC KEY" (PKCS#1) or "CERTIFICATE" (the certificate's key), or the
// DER of any of these as bare base64. Errors as for ParsePrivateKey.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	der, _, err := keyDER(data)
	if err != nil {
		return nil, err
	}
	var key any
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		key = k
	} else if c, err := x509.ParseCertificate(der); err == nil {
		key = c.PublicKey
	} else {
		return nil, fmt.Errorf("%w: not a PKIX, PKCS#1 or certificate public key", ErrKeyFormat)
	}
	return rsaKey[*rsa.PublicKey](key)
}

// rsaKey returns a parsed key as the RSA key type K: another kind of key is
// ErrKeyType, a modulus under MinRSABits ErrKeyTooShort.
func rsaKey[K *rsa.PrivateKey | *rsa.PublicKey](key any) (K, error) {
	k, ok := key.(K)
	if !ok {
		return nil, fmt.Errorf("%w: got %s", ErrKeyType, keyKind(key))
	}
	pub, _ := any(k).(*rsa.PublicKey)
	if priv, ok := any(k).(*rsa.PrivateKey); ok {
		pub = &priv.PublicKey
	}
	if err := checkSize(pub.N.BitLen()); err != nil {
		return nil, err
	}
	return k, nil
}

func checkSize(bits int) error {
	if bits < MinRSABits {
		return fmt.Errorf("%w: %d bits, need at least %d", ErrKeyTooShort, bits, MinRSABits)
	}
	return nil
}

func keyKind(k any) string {
	switch k.(type) {
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		return "an ECDSA key"
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "an Ed25519 key"
	default:
		return fmt.Sprintf("a %T", k)
	}
}

// keyDER extracts DER bytes from PEM or bare base64.
func keyDER(data []byte) (der []byte, label string, err error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, "", fmt.Errorf("%w: empty input", ErrKeyFormat)
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, _ := pem.Decode(trimmed)
		if block == nil {
			return nil, "", fmt.Errorf("%w: malformed PEM", ErrKeyFormat)
		}
		return block.Bytes, block.Type, nil
	}
	// Bare base64: drop line breaks and spaces a copy-paste leaves behind.
	clean := make([]byte, 0, len(trimmed))
	for _, c := range trimmed {
		if c != '\n' && c != '\r' && c != ' ' && c != '\t' {
			clean = append(clean, c)
		}
	}
	der = make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(der, clean)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(der, clean)
		if err != nil {
			return nil, "", fmt.Errorf("%w: neither PEM nor base64", ErrKeyFormat)
		}
	}
	return der[:n], "", nil
}
