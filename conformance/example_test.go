package conformance_test

import (
	"fmt"

	"github.com/dokukit/dokukit/conformance"
)

// The case table is data: the same cases drive conformance.Run in a Go test
// and `doku-verify conformance` against a running server.
func ExampleCases() {
	cases, err := conformance.Cases(conformance.Config{
		Channel: conformance.KirimUnpaid,
		Secret:  []byte("0123456789abcdef"), // the Kirim DOKU encryption key
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cases {
		fmt.Println(c.Name)
	}
	// Output:
	// valid
	// duplicate
	// wrong-secret
	// tamper/request-id
	// unknown-agent-key
	// oversized-body
	// malformed-json
	// missing-header/requestId
	// missing-header/agentKey
	// missing-header/signature
	// schema/bad-transactionStatus
	// schema/missing-transactionId
}
