package conformance_test

import (
	"context"
	"fmt"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
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
	// unknown-transfer
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

// A merchant's test teaches its Kirim DOKU transfer check the transfers the
// suite's callbacks are about; the "unknown-transfer" case then checks that
// a callback about any other transfer is refused.
func ExampleConfig_kirimTransfers() {
	key := []byte("0123456789abcdef") // the Kirim DOKU encryption key
	cfg := conformance.Config{Channel: conformance.KirimRefund, Secret: key, KirimTransfers: conformance.DefaultKirimTransfers()}

	// In a real test these are rows the test put in the merchant's database.
	awaited := map[string]bool{}
	for _, tr := range cfg.KirimTransfers {
		awaited[tr.TransactionID] = true
	}
	keys, _ := verify.SecretsFor("A41418", key)
	h, err := notify.NewKirimRefund(notify.KirimConfig{Keys: keys,
		Transfers: func(ctx context.Context, n *schemas.KirimNotification) (bool, error) {
			return awaited[string(n.TransactionID)], nil
		}},
		func(ctx context.Context, n *schemas.KirimNotification) error { return nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, err := conformance.RunHandler(context.Background(), h, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	pass := 0
	for _, r := range rs {
		if r.Pass {
			pass++
		} else {
			fmt.Println(r.Case, r.Message)
		}
	}
	fmt.Printf("%d of %d cases pass\n", pass, len(rs))
	// Output:
	// 13 of 13 cases pass
}
