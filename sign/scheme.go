package sign

// Scheme names a DOKU signature scheme. It is the one Scheme type of the kit
// (verify.Scheme is this type), and its values are the one spelling of each
// scheme: in verify's errors and results, in metric labels
// (dokukit_verifications_total{scheme}), and on doku-verify's command line.
// The Go names follow the same words: SNAPRSA ([SignSNAPRSA],
// verify.SNAPRSA) is "snap-rsa", SNAPToken ([SignSNAPToken],
// verify.SNAPToken) is "token".
type Scheme string

// The schemes.
const (
	SchemeSNAP      Scheme = "snap"     // SNAP symmetric, HMAC-SHA512
	SchemeSNAPRSA   Scheme = "snap-rsa" // SNAP asymmetric transactional, SHA256withRSA
	SchemeSNAPToken Scheme = "token"    // SNAP access-token request, SHA256withRSA
	SchemeNonSNAP   Scheme = "nonsnap"  // HMACSHA256= component signature
	SchemeKirim     Scheme = "kirim"    // Kirim DOKU callback
)
