package sign

import (
	"crypto/aes"
	"encoding/base64"
)

// KirimSignature returns the Kirim DOKU callback signature
// base64(AES-ECB-PKCS5(agentKey + requestId)) under key, the merchant's
// encryption key. The key length picks the AES variant (16 bytes AES-128, as
// DOKU documents, 24 or 32 bytes AES-192/256, as Java's "AES/ECB/PKCS5Padding"
// does with longer keys); any other length is ErrBadKeyLength, an empty key
// ErrEmptySecret.
//
// ECB is what the protocol specifies; here it only serves as a keyed
// fingerprint of public identifiers, never to hide data.
func KirimSignature(key []byte, agentKey, requestID string) (string, error) {
	b, err := AppendKirimSignature(nil, key, agentKey, requestID)
	return string(b), err
}

// AppendKirimSignature appends the Kirim DOKU callback signature to dst; see
// KirimSignature.
func AppendKirimSignature(dst, key []byte, agentKey, requestID string) ([]byte, error) {
	if len(key) == 0 {
		return dst, ErrEmptySecret
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return dst, ErrBadKeyLength
	}
	n := len(agentKey) + len(requestID)
	pad := aes.BlockSize - n%aes.BlockSize
	var stack [128]byte
	var pt []byte
	if n+pad <= len(stack) {
		pt = stack[:0]
	} else {
		pt = make([]byte, 0, n+pad)
	}
	pt = append(pt, agentKey...)
	pt = append(pt, requestID...)
	for k := 0; k < pad; k++ {
		pt = append(pt, byte(pad))
	}
	for off := 0; off < len(pt); off += aes.BlockSize {
		block.Encrypt(pt[off:off+aes.BlockSize], pt[off:off+aes.BlockSize])
	}
	return base64.StdEncoding.AppendEncode(dst, pt), nil
}

// VerifyKirim checks a received Kirim DOKU signature in constant time; it
// returns nil, ErrSignatureMismatch, or the key errors of KirimSignature.
func VerifyKirim(key []byte, agentKey, requestID, signature string) error {
	var b [256]byte
	want, err := AppendKirimSignature(b[:0], key, agentKey, requestID)
	if err != nil {
		return err
	}
	return verdict(want, signature)
}
