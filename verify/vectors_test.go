package verify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/sign"
)

// docs/protocol.md's vectors, through the verifiers.

const (
	snapSecret  = "SK-snap-secret-123"
	snapToken   = "eyJhbGciOiJSUzI1NiJ9.test.token"
	snapTS      = "2024-01-01T12:00:00+07:00"
	nsSecret    = "SK-hCJ42G28TA0MKG9LE2E"
	nsClient    = "MCH-0001-10791114622547"
	nsRequestID = "cc682442-6c22-493e-8121-b9ef6b3fa728"
	nsTS        = "2020-10-21T03:38:28Z"
	nsBody      = `{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`
	protoBody   = "{\n  \"partnerReferenceNo\": \"INV 2024 0001\",\n  \"amount\": { \"value\": \"10000.00\", \"currency\": \"IDR\" },\n  \"additionalInfo\": { \"note\": \"café  two  spaces\", \"channel\": \"EMONEY_DANA_SNAP\" }\n}"
	kirimKey    = "0123456789abcdef"
)

// shared returns one of the known-answer files in internal/testvectors.
func shared(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testvectors.Read(name)
	require.NoError(t, err)
	return b
}

func at(ts string) func() time.Time {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t.Add(time.Minute) }
}

// testSecrets is SecretsFor(client, secrets...), or SecretsFor(client,
// def) when no secret is given.
func testSecrets(t testing.TB, client, def string, secrets []string) Secrets {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{def}
	}
	bs := make([][]byte, len(secrets))
	for i, s := range secrets {
		bs[i] = []byte(s)
	}
	set, err := SecretsFor(client, bs...)
	require.NoError(t, err)
	return set
}

func snapVerifier(t testing.TB, secrets ...string) *SNAP {
	t.Helper()
	v, err := NewSNAP(SNAPConfig{Secrets: testSecrets(t, "PARTNER-1", snapSecret, secrets), Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	return v
}

func snapHeader(sig string) http.Header {
	h := http.Header{}
	h.Set("X-TIMESTAMP", snapTS)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", "PARTNER-1")
	h.Set("X-EXTERNAL-ID", "41807553358950093184162180797837")
	h.Set("Authorization", "Bearer "+snapToken)
	return h
}

func TestSNAPProtocolVector(t *testing.T) {
	v := snapVerifier(t)
	res, err := v.VerifyMessage(context.Background(), Message{
		Method: "POST", Target: "/direct-debit/core/v1/debit/payment-host-to-host",
		Header: snapHeader("zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ=="),
		Body:   []byte(protoBody), Explain: true,
	})
	require.NoError(t, err)
	assert.Equal(t, "POST:/direct-debit/core/v1/debit/payment-host-to-host:"+snapToken+":2e2aeb929a58f6d0bfffef29910a0d1b0d389c8e6b9e9aef69175f25e87d5180:"+snapTS, res.StringToSign)
	// The body hash the string to sign carries is handed on (the duplicate
	// guard fingerprints with it instead of hashing again).
	var bodyHash [32]byte
	_, err = hex.Decode(bodyHash[:], []byte("2e2aeb929a58f6d0bfffef29910a0d1b0d389c8e6b9e9aef69175f25e87d5180"))
	require.NoError(t, err)
	assert.Equal(t, Result{Scheme: SchemeSNAP, ClientID: "PARTNER-1", ExternalID: "41807553358950093184162180797837", KeyID: "0",
		Timestamp: res.Timestamp, Age: time.Minute, Target: "/direct-debit/core/v1/debit/payment-host-to-host", Token: snapToken, StringToSign: res.StringToSign,
		BodyHash: bodyHash, HasBodyHash: true}, res)

	// GET with query and no body: the query is signed by default.
	res, err = v.VerifyMessage(context.Background(), Message{Method: "GET", Target: "/v1.0/example/status?referenceNo=INV-1",
		Header: snapHeader("6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ==")})
	require.NoError(t, err)
	assert.Equal(t, "/v1.0/example/status?referenceNo=INV-1", res.Target)
}

type fileVector struct {
	Name, StringToSign, Body, Signature, Secret, AccessToken string
}

func fileVectors(t testing.TB) map[string]fileVector {
	var vs []fileVector
	require.NoError(t, json.Unmarshal(shared(t, "vectors.json"), &vs))
	m := map[string]fileVector{}
	for _, v := range vs {
		m[v.Name] = v
	}
	require.Len(t, m, 4)
	return m
}

func testPublicKey(t testing.TB) *rsa.PublicKey {
	pub, err := sign.ParsePublicKey(shared(t, "test_rsa_public_spki.pem"))
	require.NoError(t, err)
	return pub
}

// shortKey is a fresh 1024-bit RSA key: under sign.MinRSABits, a key every
// constructor must refuse.
func shortKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	return k
}

// tokClient is the X-CLIENT-KEY of the shared token request vector.
const tokClient = "BRN-0001-1700000000000"

// rsaVerifiers are a SNAPRSA verifier for PARTNER-1 and a SNAPToken one for
// tokClient, over the key sets keys makes for them with testPublicKey.
func rsaVerifiers(t testing.TB, keys func(client string, k *PublicKey) PublicKeySet) (*SNAPRSA, *SNAPToken) {
	t.Helper()
	pub, err := NewPublicKey("0", testPublicKey(t))
	require.NoError(t, err)
	rv, err := NewSNAPRSA(SNAPRSAConfig{PublicKeys: keys("PARTNER-1", pub), Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	tv, err := NewSNAPToken(SNAPTokenConfig{PublicKeys: keys(tokClient, pub), Timestamps: Timestamps{Now: at(snapTS)}})
	require.NoError(t, err)
	return rv, tv
}

// staticKeys is the static PublicKeys set of one client and key.
func staticKeys(client string, k *PublicKey) PublicKeySet { return PublicKeys{client: {k}} }

// rsaNotification is the shared debit notification from partner with
// X-SIGNATURE sig and no Authorization (DOKU's RSA sample carries none).
func rsaNotification(t testing.TB, sig, partner string) Message {
	h := snapHeader(sig)
	h.Del("Authorization")
	h.Set("X-PARTNER-ID", partner)
	return Message{Method: "POST", Target: "/v1.0/debit/notify", Header: h, Body: shared(t, "debit_notify_body.json")}
}

// tokenRequest is a SNAP token request from client with X-SIGNATURE sig.
func tokenRequest(sig, client string) Message {
	return Message{Method: "POST", Target: "/authorization/v1/access-token/b2b",
		Header: http.Header{"X-Client-Key": {client}, "X-Timestamp": {snapTS}, "X-Signature": {sig}}}
}

func TestSharedVectorsThroughVerifiers(t *testing.T) {
	vs := fileVectors(t)
	body := shared(t, "debit_notify_body.json")
	ctx := context.Background()

	sym := vs["SNAP symmetric notification signature"]
	res, err := snapVerifier(t).VerifyMessage(ctx, Message{Method: "POST", Target: "/v1.0/debit/notify", Header: snapHeader(sym.Signature), Body: body, Explain: true})
	require.NoError(t, err)
	assert.Equal(t, sym.StringToSign, res.StringToSign)

	rv, tv := rsaVerifiers(t, staticKeys)
	asym := vs["SNAP asymmetric transactional signature (notification to merchant)"]
	m := rsaNotification(t, asym.Signature, "PARTNER-1")
	m.Explain = true
	res, err = rv.VerifyMessage(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, asym.StringToSign, res.StringToSign)

	tok := vs["SNAP token request signature"]
	m = tokenRequest(tok.Signature, tokClient)
	m.Explain = true
	res, err = tv.VerifyMessage(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, tok.StringToSign, res.StringToSign)
	assert.Equal(t, "BRN-0001-1700000000000", res.ClientID)
}

func nonSNAPVerifier(t testing.TB, secrets ...string) *NonSNAP {
	t.Helper()
	v, err := NewNonSNAP(NonSNAPConfig{Secrets: testSecrets(t, nsClient, nsSecret, secrets), Timestamps: Timestamps{Now: at(nsTS)}})
	require.NoError(t, err)
	return v
}

func nsHeader(sig string) http.Header {
	return http.Header{"Client-Id": {nsClient}, "Request-Id": {nsRequestID}, "Request-Timestamp": {nsTS}, "Signature": {sig}}
}

func TestNonSNAPProtocolVectors(t *testing.T) {
	v := nonSNAPVerifier(t)
	ctx := context.Background()
	res, err := v.VerifyMessage(ctx, Message{Method: "POST", Target: "/credit-card/v1/payment-page", Header: nsHeader("HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM="), Body: []byte(nsBody), Explain: true})
	require.NoError(t, err)
	assert.Equal(t, "Client-Id:"+nsClient+"\nRequest-Id:"+nsRequestID+"\nRequest-Timestamp:"+nsTS+"\nRequest-Target:/credit-card/v1/payment-page\nDigest:lT4t0vg5IMzU2M6T1DGiASYsuLWVQ5iUHZVsiNj/FrU=", res.StringToSign)
	assert.Equal(t, nsRequestID, res.RequestID)

	// No body: no Digest line. The query is not signed by default.
	res, err = v.VerifyMessage(ctx, Message{Method: "GET", Target: "/orders/v1/status/INV-20210124-0001?x=1", Header: nsHeader("HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=")})
	require.NoError(t, err)
	assert.Equal(t, "/orders/v1/status/INV-20210124-0001", res.Target)
}

func TestKirimProtocolVector(t *testing.T) {
	set, err := SecretsFor("A41418", []byte(kirimKey))
	require.NoError(t, err)
	v, err := NewKirim(KirimConfig{Keys: set})
	require.NoError(t, err)
	h := http.Header{"Requestid": {"fd53b1e3-9c35-4dfa-a95ca8dbc5695485"}, "Agentkey": {"A41418"}, "Signature": {"y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6"}}
	res, err := v.VerifyMessage(context.Background(), Message{Method: "POST", Target: "/kirim/unpaid", Header: h, Body: []byte(`{"transactionStatus":"50"}`)})
	require.NoError(t, err)
	assert.Equal(t, "fd53b1e3-9c35-4dfa-a95ca8dbc5695485", res.RequestID)
	assert.Equal(t, "A41418", res.ClientID)
}
