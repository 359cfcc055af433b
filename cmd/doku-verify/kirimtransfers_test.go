package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

const testKirimKey = "0123456789abcdef"

// startKirimMerchant serves a notify Kirim DOKU unpaid channel on loopback
// whose transfer check knows only the transfers of awaited, as a merchant's
// database would.
func startKirimMerchant(t *testing.T, awaited []conformance.KirimTransfer) string {
	t.Helper()
	known := map[string]bool{}
	for _, tr := range awaited {
		known[tr.TransactionID] = true
	}
	keys, err := verify.SecretsFor(conformance.DefaultAgentKey, []byte(testKirimKey))
	require.NoError(t, err)
	h, err := notify.NewKirimUnpaid(notify.KirimConfig{Keys: keys,
		Transfers: func(_ context.Context, n *schemas.KirimNotification) (bool, error) {
			return known[string(n.TransactionID)], nil
		}},
		func(context.Context, *schemas.KirimNotification) error { return nil })
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(conformance.DefaultPath(conformance.KirimUnpaid), h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	return srv.URL
}

// A merchant awaiting its own transfers passes the Kirim DOKU suite once
// doku-verify is told them with --kirim-transfers; without the flag the
// valid callback is about a transfer it never made, is refused, and the hint
// names the flag.
func TestConformanceKirimTransfersFlag(t *testing.T) {
	var mine []conformance.KirimTransfer
	var entries []string
	for i := 1; i <= 16; i++ {
		tr := conformance.KirimTransfer{TransactionID: fmt.Sprintf("MYTRX%04d", i), InvoiceNumber: fmt.Sprintf("INV-MINE-%d", i), SendTrxID: fmt.Sprintf("SEND-MINE-%d", i)}
		mine = append(mine, tr)
		entries = append(entries, fmt.Sprintf(`{"transactionId":%q,"invoiceNumber":%q,"sendTrxId":%q}`, tr.TransactionID, tr.InvoiceNumber, tr.SendTrxID))
	}
	file := writeFile(t, "transfers.json", "["+strings.Join(entries, ",\n")+"]\n")
	base := startKirimMerchant(t, mine)
	env := []string{"DOKU_SECRET=" + testKirimKey}

	r := cli(t, env, "", "conformance", "--url", base, "--channel", "kirim-unpaid", "--kirim-transfers", file)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "PASS  valid ")
	assert.Contains(t, r.stdout, "PASS  unknown-transfer ")
	assert.Contains(t, r.stdout, " 0 failed (kirim-unpaid at ")
	assert.Empty(t, r.stderr)

	r = cli(t, env, "", "send", "--url", base, "--channel", "kirim-unpaid", "--kirim-transfers", file)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "ok: the ack DOKU expects")

	r = cli(t, env, "", "conformance", "--url", base, "--channel", "kirim-unpaid")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "FAIL  valid                                        401")
	assert.Equal(t, 1, strings.Count(r.stderr, "hint:"), r.stderr)
	assert.Contains(t, r.stderr, "--kirim-transfers FILE")
}

func TestKirimTransfersUsageErrors(t *testing.T) {
	good := writeFile(t, "good.json", `[{"transactionId":"T1","invoiceNumber":"I1","sendTrxId":"S1"}]`)
	refundOnly := writeFile(t, "refund.json", `[{"transactionId":"T1"}]`)
	env := []string{"DOKU_SECRET=" + testKirimKey}
	usageErrors(t, []usageCase{
		{"", env, []string{"conformance", "--url", "http://127.0.0.1:1", "--channel", "nonsnap", "--kirim-transfers", good}, "--kirim-transfers is for kirim-unpaid and kirim-refund, not nonsnap"},
		{"", env, []string{"send", "--url", "http://127.0.0.1:1", "--channel", "kirim-unpaid", "--kirim-transfers", "/nonexistent.json"}, "cannot read --kirim-transfers"},
		{"", env, []string{"conformance", "--url", "http://127.0.0.1:1", "--channel", "kirim-unpaid", "--kirim-transfers", refundOnly}, "entry 0: missing invoiceNumber"},
	}, testKirimKey)
}

func TestParseKirimTransfers(t *testing.T) {
	trs, err := parseKirimTransfers([]byte(`[{"transactionId":"T1","invoiceNumber":"I1","sendTrxId":"S1"},{"transactionId":"T2"}]`), false)
	require.NoError(t, err)
	assert.Equal(t, []conformance.KirimTransfer{{TransactionID: "T1", InvoiceNumber: "I1", SendTrxID: "S1"}, {TransactionID: "T2"}}, trs)

	for in, want := range map[string]string{
		``:                                   "not a JSON array",
		`{}`:                                 "not a JSON array",
		`[]`:                                 "no transfers",
		`[{"transactionId":""}]`:             "entry 0: missing transactionId",
		`[{"transactionId":"T","amount":1}]`: `unknown field "amount"`,
		`[{"transactionId":"T"}] []`:         "trailing data",
		`[{"transactionId":"T"},{"transactionId":"T"}]`:                                              `entry 1: transactionId "T" listed twice`,
		`[{"transactionId":"T\u0000"}]`:                                                              "entry 0: transactionId has a control character",
		`[{"transactionId":"` + strings.Repeat("x", maxKirimTransferField+1) + `"}]`:                 "longer than 128 bytes",
		"[" + strings.Repeat(`{"transactionId":"T"},`, maxKirimTransfers) + `{"transactionId":"U"}]`: "more than 1000",
	} {
		_, err := parseKirimTransfers([]byte(in), false)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
	_, err = parseKirimTransfers([]byte(`[{"transactionId":"T1","invoiceNumber":"I1"}]`), true)
	assert.ErrorContains(t, err, "entry 0: missing sendTrxId", "the unpaid callback carries both ids")
}

// FuzzParseKirimTransfers: any file gives transfers or an error, never a
// panic; what it accepts has an id on every entry, no id twice, nothing
// over the bounds and no control character.
func FuzzParseKirimTransfers(f *testing.F) {
	f.Add([]byte(`[{"transactionId":"DKTEST0001","invoiceNumber":"INV-1","sendTrxId":"TRX-1"}]`), true)
	f.Add([]byte(`[{"transactionId":"T"},{"transactionId":"T"}]`), false)
	f.Add([]byte(`[{"transactionId":"\u0007"}]`), false)
	f.Fuzz(func(t *testing.T, b []byte, unpaid bool) {
		trs, err := parseKirimTransfers(b, unpaid)
		if err != nil {
			if trs != nil {
				t.Fatalf("transfers %v with error %v", trs, err)
			}
			return
		}
		if len(trs) == 0 || len(trs) > maxKirimTransfers {
			t.Fatalf("%d transfers accepted", len(trs))
		}
		seen := map[string]bool{}
		for _, tr := range trs {
			if tr.TransactionID == "" || seen[tr.TransactionID] {
				t.Fatalf("bad or repeated id %q", tr.TransactionID)
			}
			seen[tr.TransactionID] = true
			if unpaid && (tr.InvoiceNumber == "" || tr.SendTrxID == "") {
				t.Fatalf("unpaid transfer without its ids: %+v", tr)
			}
			for _, v := range []string{tr.TransactionID, tr.InvoiceNumber, tr.SendTrxID} {
				if len(v) > maxKirimTransferField || hasControl(v) {
					t.Fatalf("accepted %q", v)
				}
			}
		}
	})
}
