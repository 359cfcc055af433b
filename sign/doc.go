// Package sign computes DOKU's request and notification signatures, byte for
// byte, with nothing but the standard library.
//
// It covers every scheme DOKU uses (docs/protocol.md in the repository walks
// through each one with a worked example):
//
//   - SNAP symmetric: base64(HMAC-SHA512(secret,
//     METHOD:EndpointUrl:AccessToken:hex(sha256(minify(body))):X-TIMESTAMP)),
//     see [SNAPSymmetric].
//   - SNAP asymmetric: SHA256withRSA over clientId|X-TIMESTAMP for access-token
//     requests ([AppendSNAPTokenStringToSign]) and over METHOD:EndpointUrl:bodyhash:X-TIMESTAMP
//     for transactional calls ([AppendSNAPRSAStringToSign]); see [SignRSA]
//     and [VerifyRSA].
//   - non-SNAP ("Jokul"): HMACSHA256= + base64(HMAC-SHA256(secret, component))
//     over Client-Id, Request-Id, Request-Timestamp (or Response-Timestamp),
//     Request-Target and an optional Digest line, see [NonSNAP].
//   - Kirim DOKU callbacks: base64(AES-ECB-PKCS5(agentKey+requestId)), see
//     [KirimSignature].
//
// The package has no I/O, no logging and no mutable package state; every
// function and method is safe for concurrent use. Hot-path functions come in
// append form (AppendX(dst, …) []byte), as in strconv, so a caller that reuses
// its buffers signs with zero allocations.
//
// Signatures are secrets' fingerprints: every comparison here of a received
// signature with an expected one is constant-time ([Equal]), and no error
// returned by this package contains a secret or an expected signature.
package sign
