package sign_test

import (
	"fmt"

	"github.com/dokukit/dokukit/sign"
)

// Sign and verify the docs/protocol.md §3 SNAP request. The body is
// pretty-printed; SNAP signs its minified form.
func Example() {
	s, err := sign.NewSNAPSymmetric([]byte("SK-snap-secret-123"))
	if err != nil {
		panic(err)
	}
	body := []byte(`{
  "partnerReferenceNo": "INV 2024 0001",
  "amount": { "value": "10000.00", "currency": "IDR" },
  "additionalInfo": { "note": "café  two  spaces", "channel": "EMONEY_DANA_SNAP" }
}`)
	sig, err := s.Sign("POST", "/direct-debit/core/v1/debit/payment-host-to-host",
		"Bearer eyJhbGciOiJSUzI1NiJ9.test.token", body, "2024-01-01T12:00:00+07:00")
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	fmt.Println(s.Verify(sig, "POST", "/direct-debit/core/v1/debit/payment-host-to-host",
		"eyJhbGciOiJSUzI1NiJ9.test.token", body, "2024-01-01T12:00:00+07:00"))
	// Output:
	// zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ==
	// <nil>
}

// The non-SNAP component string and signature of docs/protocol.md §2.
func ExampleNonSNAP() {
	s, _ := sign.NewNonSNAP([]byte("SK-hCJ42G28TA0MKG9LE2E"))
	c := sign.Components{
		ClientID:  "MCH-0001-10791114622547",
		RequestID: "cc682442-6c22-493e-8121-b9ef6b3fa728",
		Timestamp: "2020-10-21T03:38:28Z",
		Target:    "/orders/v1/status/INV-20210124-0001", // GET: Body nil, no Digest line
	}
	fmt.Printf("%s\n%s\n", sign.AppendComponent(nil, c), s.Sign(c))
	// Output:
	// Client-Id:MCH-0001-10791114622547
	// Request-Id:cc682442-6c22-493e-8121-b9ef6b3fa728
	// Request-Timestamp:2020-10-21T03:38:28Z
	// Request-Target:/orders/v1/status/INV-20210124-0001
	// HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=
}

func ExampleAppendMinified() {
	out, err := sign.AppendMinified(nil, []byte("{\n  \"note\": \"two  spaces\",\n  \"n\": 1.0\n}"))
	fmt.Println(string(out), err)
	_, err = sign.AppendMinified(nil, []byte(`{"a":1,}`))
	fmt.Println(err)
	// Output:
	// {"note":"two  spaces","n":1.0} <nil>
	// sign: invalid JSON at offset 7: invalid character looking for beginning of object key string
}

// Hash a body as it is read, in pieces, without holding it or its minified
// copy: the body hash of a large file or request stream. The result is
// BodyHash's, and goes into the string to sign as usual.
func ExampleBodyHasher() {
	h := sign.NewBodyHasher()
	// A body arriving in pieces cut anywhere, even inside an escape.
	for _, piece := range []string{"{\n  \"note\": \"caf\\u0", "0e9  two  spaces\",\n  \"n\": 1", ".5e3\n}\n"} {
		if _, err := h.Write([]byte(piece)); err != nil {
			panic(err)
		}
	}
	hexHash, err := h.AppendHex(nil)
	if err != nil {
		panic(err)
	}
	oneShot, _ := sign.AppendBodyHashHex(nil, []byte(`{"note":"caf\u00e9  two  spaces","n":1.5e3}`))
	fmt.Println(string(hexHash) == string(oneShot))
	fmt.Println(string(sign.AppendSNAPStringToSign(nil, "POST", "/v1.0/debit/notify", "TOKEN", hexHash, "2024-01-01T12:00:00+07:00"))[:40])

	// Invalid JSON is reported where it is seen, with its offset in the body.
	h.Reset()
	_, err = h.Write([]byte(`{"a": [1, 2,]}`))
	fmt.Println(err)
	// Output:
	// true
	// POST:/v1.0/debit/notify:TOKEN:1ee5f0001e
	// sign: invalid JSON at offset 12: invalid character looking for beginning of value
}
