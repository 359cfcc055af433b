// Package testvectors carries the kit's known-answer vectors and its
// TEST-ONLY RSA key pair inside the repository, so every test, example,
// benchmark and Makefile target runs on a fresh clone with nothing beside it.
//
// The values are facts about DOKU's protocol: each signature in vectors.json
// was produced independently of this kit and is checked byte for byte by the
// sign, verify, middleware and CLI tests. docs/protocol.md walks through each
// one.
//
// The RSA key pair (test_rsa_*.pem, test_rsa_public_bare_base64.txt) is
// public: it is printed in this repository and must never sign or verify
// anything outside a test.
package testvectors

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
)

// Files holds every vector file. Names are flat: "vectors.json",
// "debit_notify_body.json", "test_rsa_private_pkcs8.pem", ….
//
//go:embed *.json *.pem *.txt
var Files embed.FS

// The file names, so a typo is a compile error rather than a missing file.
const (
	VectorsJSON      = "vectors.json"
	DebitNotifyBody  = "debit_notify_body.json"
	PrivatePKCS1     = "test_rsa_private_pkcs1.pem"
	PrivatePKCS8     = "test_rsa_private_pkcs8.pem"
	PublicSPKI       = "test_rsa_public_spki.pem"
	PublicPKCS1      = "test_rsa_public_pkcs1.pem"
	PublicBareBase64 = "test_rsa_public_bare_base64.txt"
)

// Read returns the named file's bytes, or an error naming the file when it is
// not one of the embedded vectors.
func Read(name string) ([]byte, error) {
	b, err := Files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("testvectors: %w", err)
	}
	return b, nil
}

// MustRead is Read for package-level test fixtures: it panics when name is
// not embedded, which only a typo in a test can cause.
func MustRead(name string) []byte {
	b, err := Read(name)
	if err != nil {
		panic(err)
	}
	return b
}

// Path is the file's path on disk inside this checkout, for tests that hand
// a file name to the CLI (--private-key FILE). It errors when the file is
// not embedded.
func Path(name string) (string, error) {
	if _, err := fs.Stat(Files, name); err != nil {
		return "", fmt.Errorf("testvectors: %w", err)
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("testvectors: cannot locate the package directory")
	}
	return filepath.Join(filepath.Dir(self), name), nil
}

// Vector is one known-answer signature from vectors.json. Fields a scheme
// does not use are empty.
type Vector struct {
	// Name says which scheme and message the vector covers.
	Name string `json:"name"`
	// StringToSign is the exact string the signature covers.
	StringToSign string `json:"stringToSign"`
	// Algorithm names the primitive ("HMAC-SHA512, base64", …).
	Algorithm string `json:"algorithm"`
	// Key names the private key file for RSA vectors.
	Key string `json:"key"`
	// Secret is the shared secret for HMAC vectors.
	Secret string `json:"secret"`
	// AccessToken is the bearer token inside a SNAP symmetric string to sign.
	AccessToken string `json:"accessToken"`
	// Body names the body file whose minified SHA-256 is in StringToSign.
	Body string `json:"body"`
	// Signature is the expected base64 signature.
	Signature string `json:"signature"`
}

// Vectors decodes vectors.json.
func Vectors() ([]Vector, error) {
	var vs []Vector
	if err := json.Unmarshal(MustRead(VectorsJSON), &vs); err != nil {
		return nil, fmt.Errorf("testvectors: decode %s: %w", VectorsJSON, err)
	}
	return vs, nil
}
