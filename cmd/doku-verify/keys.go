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
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read private key: %w", unwrapPathErr(err))
	}
	k, err := sign.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return k, nil
}

// loadPublicKey reads and parses an RSA public key or certificate file.
func loadPublicKey(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read public key: %w", unwrapPathErr(err))
	}
	k, err := sign.ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	return k, nil
}
