package sign

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// AppendSNAPTokenStringToSign appends the SNAP access-token string to sign
// clientID + "|" + timestamp (X-CLIENT-KEY|X-TIMESTAMP).
func AppendSNAPTokenStringToSign(dst []byte, clientID, timestamp string) []byte {
	dst = append(dst, clientID...)
	dst = append(dst, '|')
	return append(dst, timestamp...)
}

// SignRSA returns base64(SHA256withRSA-PKCS1v15(priv, stringToSign)). Keys
// shorter than MinRSABits are refused with ErrKeyTooShort.
func SignRSA(priv *rsa.PrivateKey, stringToSign []byte) (string, error) {
	if priv == nil {
		return "", fmt.Errorf("%w: nil private key", ErrKeyFormat)
	}
	if err := checkSize(priv.N.BitLen()); err != nil {
		return "", err
	}
	sum := sha256.Sum256(stringToSign)
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign: RSA signing failed: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyRSA checks a base64 SHA256withRSA (PKCS#1 v1.5) signature. It
// returns nil, ErrBadSignatureEncoding, ErrKeyTooShort or
// ErrSignatureMismatch.
func VerifyRSA(pub *rsa.PublicKey, stringToSign []byte, signature string) error {
	if pub == nil {
		return fmt.Errorf("%w: nil public key", ErrKeyFormat)
	}
	if err := checkSize(pub.N.BitLen()); err != nil {
		return err
	}
	var buf [512]byte
	if base64.StdEncoding.DecodedLen(len(signature)) > len(buf) {
		return ErrSignatureMismatch
	}
	n, err := base64.StdEncoding.Decode(buf[:], []byte(signature))
	if err != nil {
		return ErrBadSignatureEncoding
	}
	sum := sha256.Sum256(stringToSign)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], buf[:n]) != nil {
		return ErrSignatureMismatch
	}
	return nil
}

// SignSNAPToken signs a SNAP access-token request (scheme "token"):
// SHA256withRSA over clientID|timestamp.
func SignSNAPToken(priv *rsa.PrivateKey, clientID, timestamp string) (string, error) {
	return SignRSA(priv, AppendSNAPTokenStringToSign(nil, clientID, timestamp))
}

// VerifySNAPToken checks the X-SIGNATURE of a SNAP access-token request.
func VerifySNAPToken(pub *rsa.PublicKey, clientID, timestamp, signature string) error {
	var b [256]byte
	return VerifyRSA(pub, AppendSNAPTokenStringToSign(b[:0], clientID, timestamp), signature)
}

// SignSNAPRSA signs a SNAP asymmetric transactional request (scheme
// "snap-rsa"): SHA256withRSA over
// METHOD:EndpointUrl:hex(sha256(minify(body))):X-TIMESTAMP.
func SignSNAPRSA(priv *rsa.PrivateKey, method, endpointURL string, body []byte, timestamp string) (string, error) {
	h, err := AppendBodyHashHex(make([]byte, 0, 64), body)
	if err != nil {
		return "", err
	}
	return SignRSA(priv, AppendSNAPRSAStringToSign(nil, method, endpointURL, h, timestamp))
}

// VerifySNAPRSA checks a SNAP asymmetric transactional signature.
func VerifySNAPRSA(pub *rsa.PublicKey, signature, method, endpointURL string, body []byte, timestamp string) error {
	var hb [64]byte
	h, err := AppendBodyHashHex(hb[:0], body)
	if err != nil {
		return err
	}
	var b [512]byte
	return VerifyRSA(pub, AppendSNAPRSAStringToSign(b[:0], method, endpointURL, h, timestamp), signature)
}
