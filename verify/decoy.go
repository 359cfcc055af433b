package verify

import (
	"crypto/rsa"
	"math/big"
	"sync/atomic"

	"github.com/dokukit/dokukit/sign"
)

// decoyKey is what the RSA verifiers (SNAPRSA, SNAPToken) check a request
// from an unknown client against — one whose X-PARTNER-ID or X-CLIENT-KEY
// the PublicKeySet does not know — before refusing it with
// ErrUnknownClient. The result is thrown away: the check is there so that an
// unknown client costs what a bad signature from a known one costs (an RSA
// verification), and the time of the answer does not tell a caller which
// client ids exist. The answer itself is the bad signature's already (see
// Error.Answered). It works for any PublicKeySet, a vault as much as the
// static PublicKeys, since it needs none of the set's keys.
//
// The modulus is a 2048-bit RSA modulus (e = 65537) generated once with
// crypto/rsa for this purpose; its private key was never stored, so no
// signature verifies under it and it authenticates nothing.
var decoyKey = &rsa.PublicKey{N: decoyModulus(), E: 65537}

func decoyModulus() *big.Int {
	n, ok := new(big.Int).SetString(""+
		"b7f8dcb347a313f003f59e7a0d33e59e349aaa4aeaf185bd3fda7c24450b2c4b"+
		"892a1fbe85dbb29039d5599a5d1c6a7fa76119c886fa23b382bad38d80019224"+
		"d5a263f9cadaf1374983d6d640af2dab4c5b24f21b2bcc66d3bfd52218671270"+
		"b39b28063f25065771469505b7def1857949fc2eff77aa1a5bca77129e2bef1c"+
		"a8ba9cb036b28f1ab0bee519890e4468491525727d5741d5b418dce7aa7ce957"+
		"a305f7130e88451a814e34a2d8b20070230a47a0281f8e3045e71b9304ae1d6d"+
		"ee8a53b38cef2f2cfa71c59dd39659dbbd1c994cc570812aaae8e1358f73433d"+
		"e208f38b46249feca680cb0e0d162ec7dc01dcf3f76a50a146fa8a853d741197", 16)
	if !ok {
		panic("verify: bad decoy modulus")
	}
	return n
}

// decoyRuns counts decoy verifications, for the test that proves an
// unknown client still costs one (an atomic add, on the unknown-client path
// only).
var decoyRuns atomic.Uint64

// decoy verifies sig over sts against decoyKey, as verifyPublic verifies
// it against a known client's key, and discards the result.
func decoy(sts []byte, sig string) {
	_ = sign.VerifyRSA(decoyKey, sts, sig)
	decoyRuns.Add(1)
}
