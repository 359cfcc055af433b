package main

import (
	"crypto/rsa"
	"fmt"
	"os"

	"github.com/dokukit/dokukit/sign"
)

// loadPrivateKey reads and parses an RSA private key file; errors name the
// file and the problem, never key bytes.
func loadPrivateKey(path string) (*rsa.PrivateKey, error) {
	return loadKey(path, "private key", sign.ParsePrivateKey)
}

// loadPublicKey reads and parses an RSA public key or certificate file.
func loadPublicKey(path string) (*rsa.PublicKey, error) {
	return loadKey(path, "public key", sign.ParsePublicKey)
}

func loadKey[K any](path, what string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("cannot read %s: %w", what, unwrapPathErr(err))
	}
	k, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return k, nil
}
