package sign

import (
	"encoding/json"
	"testing"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readVector returns one of the known-answer files in internal/testvectors,
// the ground truth every signing test checks against.
func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testvectors.Read(name)
	require.NoError(t, err)
	return b
}

type vector struct {
	Name         string `json:"name"`
	StringToSign string `json:"stringToSign"`
	Secret       string `json:"secret"`
	AccessToken  string `json:"accessToken"`
	Body         string `json:"body"`
	Signature    string `json:"signature"`
}

func loadVectors(t testing.TB) []vector {
	var vs []vector
	require.NoError(t, json.Unmarshal(readVector(t, "vectors.json"), &vs))
	require.Len(t, vs, 4, "vectors.json changed shape; update this test")
	return vs
}

// docs/protocol.md §3: the pretty-printed DANA body.
const protocolSNAPBody = `{
  "partnerReferenceNo": "INV 2024 0001",
  "amount": { "value": "10000.00", "currency": "IDR" },
  "additionalInfo": { "note": "café  two  spaces", "channel": "EMONEY_DANA_SNAP" }
}`

func TestSNAPSymmetricProtocolVector(t *testing.T) {
	s, err := NewSNAPSymmetric([]byte("SK-snap-secret-123"))
	require.NoError(t, err)
	h, err := AppendBodyHashHex(nil, []byte(protocolSNAPBody))
	require.NoError(t, err)
	assert.Equal(t, "2e2aeb929a58f6d0bfffef29910a0d1b0d389c8e6b9e9aef69175f25e87d5180", string(h))

	sig, err := s.Sign("POST", "/direct-debit/core/v1/debit/payment-host-to-host", "eyJhbGciOiJSUzI1NiJ9.test.token", []byte(protocolSNAPBody), "2024-01-01T12:00:00+07:00")
	require.NoError(t, err)
	assert.Equal(t, "zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ==", sig)

	// "Bearer " is stripped: the same signature with the prefix kept.
	sig2, err := s.Sign("POST", "/direct-debit/core/v1/debit/payment-host-to-host", "Bearer eyJhbGciOiJSUzI1NiJ9.test.token", []byte(protocolSNAPBody), "2024-01-01T12:00:00+07:00")
	require.NoError(t, err)
	assert.Equal(t, sig, sig2)

	get, err := s.Sign("GET", "/v1.0/example/status?referenceNo=INV-1", "eyJhbGciOiJSUzI1NiJ9.test.token", nil, "2024-01-01T12:00:00+07:00")
	require.NoError(t, err)
	assert.Equal(t, "6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ==", get)
}

func TestNonSNAPProtocolVectors(t *testing.T) {
	s, err := NewNonSNAP([]byte("SK-hCJ42G28TA0MKG9LE2E"))
	require.NoError(t, err)
	body := []byte(`{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`)
	assert.Equal(t, "lT4t0vg5IMzU2M6T1DGiASYsuLWVQ5iUHZVsiNj/FrU=", string(AppendDigest(nil, body)))
	c := Components{ClientID: "MCH-0001-10791114622547", RequestID: "cc682442-6c22-493e-8121-b9ef6b3fa728",
		Timestamp: "2020-10-21T03:38:28Z", Target: "/credit-card/v1/payment-page", Body: body}
	assert.Equal(t, "HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM=", s.Sign(c))
	assert.Equal(t, "Client-Id:MCH-0001-10791114622547\nRequest-Id:cc682442-6c22-493e-8121-b9ef6b3fa728\n"+
		"Request-Timestamp:2020-10-21T03:38:28Z\nRequest-Target:/credit-card/v1/payment-page\n"+
		"Digest:lT4t0vg5IMzU2M6T1DGiASYsuLWVQ5iUHZVsiNj/FrU=", string(AppendComponent(nil, c)))
	assert.NoError(t, s.Verify("HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM=", c))

	c.Body, c.Target = nil, "/orders/v1/status/INV-20210124-0001"
	assert.Equal(t, "HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=", s.Sign(c))

	// A response signature differs only in the timestamp line's name.
	c.Response = true
	assert.Contains(t, string(AppendComponent(nil, c)), "\nResponse-Timestamp:2020-10-21T03:38:28Z\n")
	assert.NotEqual(t, "HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=", s.Sign(c))
}

func TestKirimProtocolVector(t *testing.T) {
	sig, err := KirimSignature([]byte("0123456789abcdef"), "A41418", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485")
	require.NoError(t, err)
	assert.Equal(t, "y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6", sig)
	assert.NoError(t, VerifyKirim([]byte("0123456789abcdef"), "A41418", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485", sig))
	assert.ErrorIs(t, VerifyKirim([]byte("0123456789abcdeF"), "A41418", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485", sig), ErrSignatureMismatch)
	_, err = KirimSignature([]byte("short"), "A", "B")
	assert.ErrorIs(t, err, ErrBadKeyLength)
	_, err = KirimSignature(nil, "A", "B")
	assert.ErrorIs(t, err, ErrEmptySecret)
}

func TestSharedVectors(t *testing.T) {
	vs := loadVectors(t)
	priv, err := ParsePrivateKey(readVector(t, "test_rsa_private_pkcs8.pem"))
	require.NoError(t, err)
	pub, err := ParsePublicKey(readVector(t, "test_rsa_public_spki.pem"))
	require.NoError(t, err)
	notifyBody := readVector(t, "debit_notify_body.json")
	h, err := AppendBodyHashHex(nil, notifyBody)
	require.NoError(t, err)
	require.Equal(t, "dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80", string(h))

	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			switch v.Name {
			case "SNAP token request signature":
				assert.Equal(t, v.StringToSign, string(AppendTokenStringToSign(nil, "BRN-0001-1700000000000", "2024-01-01T12:00:00+07:00")))
				got, err := SignToken(priv, "BRN-0001-1700000000000", "2024-01-01T12:00:00+07:00")
				require.NoError(t, err)
				assert.Equal(t, v.Signature, got, "PKCS#1 v1.5 is deterministic")
				assert.NoError(t, VerifyToken(pub, "BRN-0001-1700000000000", "2024-01-01T12:00:00+07:00", v.Signature))
				assert.ErrorIs(t, VerifyToken(pub, "BRN-0001-1700000000001", "2024-01-01T12:00:00+07:00", v.Signature), ErrSignatureMismatch)
			case "SNAP asymmetric transactional signature (notification to merchant)":
				assert.Equal(t, v.StringToSign, string(AppendSNAPAsymmetricStringToSign(nil, "POST", "/v1.0/debit/notify", h, "2024-01-01T12:00:00+07:00")))
				got, err := SignSNAPAsymmetric(priv, "POST", "/v1.0/debit/notify", notifyBody, "2024-01-01T12:00:00+07:00")
				require.NoError(t, err)
				assert.Equal(t, v.Signature, got)
				assert.NoError(t, VerifySNAPAsymmetric(pub, v.Signature, "POST", "/v1.0/debit/notify", notifyBody, "2024-01-01T12:00:00+07:00"))
			case "SNAP symmetric notification signature":
				s, err := NewSNAPSymmetric([]byte(v.Secret))
				require.NoError(t, err)
				assert.Equal(t, v.StringToSign, string(AppendSNAPStringToSign(nil, "POST", "/v1.0/debit/notify", v.AccessToken, h, "2024-01-01T12:00:00+07:00")))
				got, err := s.Sign("POST", "/v1.0/debit/notify", v.AccessToken, notifyBody, "2024-01-01T12:00:00+07:00")
				require.NoError(t, err)
				assert.Equal(t, v.Signature, got)
				assert.Equal(t, v.Signature, string(s.AppendSignString(nil, []byte(v.StringToSign))))
			case "SNAP symmetric GET with query, no body":
				s, err := NewSNAPSymmetric([]byte(v.Secret))
				require.NoError(t, err)
				assert.Equal(t, v.StringToSign, string(AppendSNAPStringToSign(nil, "GET", "/v1.0/example/status?referenceNo=INV-1", v.AccessToken, []byte(EmptyBodyHash), "2024-01-01T12:00:00+07:00")))
				got, err := s.Sign("GET", "/v1.0/example/status?referenceNo=INV-1", v.AccessToken, nil, "2024-01-01T12:00:00+07:00")
				require.NoError(t, err)
				assert.Equal(t, v.Signature, got)
			default:
				t.Fatalf("vector %q has no test", v.Name)
			}
		})
	}
}

func TestKeyFormats(t *testing.T) {
	p8, err := ParsePrivateKey(readVector(t, "test_rsa_private_pkcs8.pem"))
	require.NoError(t, err)
	p1, err := ParsePrivateKey(readVector(t, "test_rsa_private_pkcs1.pem"))
	require.NoError(t, err)
	assert.True(t, p8.Equal(p1))
	for _, f := range []string{"test_rsa_public_spki.pem", "test_rsa_public_pkcs1.pem", "test_rsa_public_bare_base64.txt"} {
		pub, err := ParsePublicKey(readVector(t, f))
		require.NoError(t, err, f)
		assert.True(t, pub.Equal(&p8.PublicKey), f)
	}
}
