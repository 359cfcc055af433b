package sign

import "crypto/rsa"

// The names below are the earlier spellings of the SNAP RSA ("snap-rsa") and
// access-token ("token") schemes; each is the function it names.

// AppendTokenStringToSign is AppendSNAPTokenStringToSign.
//
// Deprecated: use AppendSNAPTokenStringToSign.
func AppendTokenStringToSign(dst []byte, clientID, timestamp string) []byte {
	return AppendSNAPTokenStringToSign(dst, clientID, timestamp)
}

// SignToken is SignSNAPToken.
//
// Deprecated: use SignSNAPToken.
func SignToken(priv *rsa.PrivateKey, clientID, timestamp string) (string, error) {
	return SignSNAPToken(priv, clientID, timestamp)
}

// VerifyToken is VerifySNAPToken.
//
// Deprecated: use VerifySNAPToken.
func VerifyToken(pub *rsa.PublicKey, clientID, timestamp, signature string) error {
	return VerifySNAPToken(pub, clientID, timestamp, signature)
}

// AppendSNAPAsymmetricStringToSign is AppendSNAPRSAStringToSign.
//
// Deprecated: use AppendSNAPRSAStringToSign.
func AppendSNAPAsymmetricStringToSign(dst []byte, method, endpointURL string, bodyHashHex []byte, timestamp string) []byte {
	return AppendSNAPRSAStringToSign(dst, method, endpointURL, bodyHashHex, timestamp)
}

// SignSNAPAsymmetric is SignSNAPRSA.
//
// Deprecated: use SignSNAPRSA.
func SignSNAPAsymmetric(priv *rsa.PrivateKey, method, endpointURL string, body []byte, timestamp string) (string, error) {
	return SignSNAPRSA(priv, method, endpointURL, body, timestamp)
}

// VerifySNAPAsymmetric is VerifySNAPRSA.
//
// Deprecated: use VerifySNAPRSA.
func VerifySNAPAsymmetric(pub *rsa.PublicKey, signature, method, endpointURL string, body []byte, timestamp string) error {
	return VerifySNAPRSA(pub, signature, method, endpointURL, body, timestamp)
}
