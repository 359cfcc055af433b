package notify

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/syncbuf"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// awaits is a transfer check that knows trs and never settles them.
func awaits(trs []conformance.KirimTransfer) KirimTransferCheck {
	known := map[string]bool{}
	for _, tr := range trs {
		known[tr.TransactionID] = true
	}
	return func(_ context.Context, n *schemas.KirimNotification) (bool, error) {
		return known[string(n.TransactionID)], nil
	}
}

// kirimCall is one Kirim DOKU callback on the wire.
func kirimCall(t *testing.T, url, requestID, signature, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("requestId", requestID)
	req.Header.Set("agentKey", kirimAgent)
	req.Header.Set("signature", signature)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// signed is a callback as Kirim DOKU signs it.
func signed(t *testing.T, requestID string) string {
	t.Helper()
	sig, err := sign.KirimSignature([]byte(kirimSecret), kirimAgent, requestID)
	require.NoError(t, err)
	return sig
}

// splice is the attack: from the signatures of two requestIds Kirim DOKU
// used, it builds a valid signature for a third it never used, without the
// key. With a 6-byte agentKey and 36-byte requestIds the signed string is
// three AES blocks: agentKey+r[0:10], r[10:26], r[26:36]+padding. ECB
// encrypts each alone, so the middle block can come from the other one.
func splice(t *testing.T, r1, sig1, r2, sig2 string) (requestID, signature string) {
	t.Helper()
	c1, err := base64.StdEncoding.DecodeString(sig1)
	require.NoError(t, err)
	c2, err := base64.StdEncoding.DecodeString(sig2)
	require.NoError(t, err)
	require.Len(t, c1, 48)
	require.Len(t, c2, 48)
	forged := append(append(append([]byte{}, c1[:16]...), c2[16:32]...), c1[32:]...)
	return r1[:10] + r2[10:26] + r1[26:], base64.StdEncoding.EncodeToString(forged)
}

const (
	seenRID1 = "fd53b1e3-9c35-4dfa-a95c-a8dbc5695485"
	seenRID2 = "0b7c21aa-4e1f-4c55-8d0e-3f9a6b2c7d10"
	// kirimUnknown is Kirim's 401 for a transfer the merchant does not await.
	kirimUnknown = `{"status":false,"transactionId":"","responseCode":"401","responseMessage":"Unknown transfer"}`
)

// A refund callback forged from the blocks of two real signatures, about a
// transfer the merchant never made, is refused and runs nothing. (Before
// the transfer check it was acked 200 and the refund func ran.)
func TestKirimSplicedForgeryForUnknownTransferIsRefused(t *testing.T) {
	keys := kirimKeys(t)
	reg := prometheus.NewPedanticRegistry()
	var logs syncbuf.Buffer
	var ran atomic.Int32
	h, err := NewKirimRefund(KirimConfig{
		Common:    Common{Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))},
		Keys:      keys,
		Transfers: awaits([]conformance.KirimTransfer{{TransactionID: "DKREAL0001"}}),
	}, func(context.Context, *schemas.KirimNotification) error { ran.Add(1); return nil })
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Two callbacks Kirim DOKU really sent (a proxy or a log saw them).
	sig1, sig2 := signed(t, seenRID1), signed(t, seenRID2)
	st, body := kirimCall(t, srv.URL+"/kirim/refund", seenRID1, sig1, `{"transactionId":"DKREAL0001","transactionStatus":"40"}`)
	assert.Equal(t, 200, st)
	assert.Equal(t, `{"status":true,"transactionId":"DKREAL0001","responseCode":"00","responseMessage":"Successfully processed"}`, body)
	require.EqualValues(t, 1, ran.Load())

	rid, forged := splice(t, seenRID1, sig1, seenRID2, sig2)
	require.NotEqual(t, seenRID1, rid)
	require.NotEqual(t, seenRID2, rid)
	require.NoError(t, sign.VerifyKirim([]byte(kirimSecret), kirimAgent, rid, forged), "the splice is a valid signature: only the transfer check can stop it")

	st, body = kirimCall(t, srv.URL+"/kirim/refund", rid, forged, `{"transactionId":"DKFORGED0001","transactionStatus":"40"}`)
	assert.Equal(t, http.StatusUnauthorized, st)
	assert.Equal(t, kirimUnknown, body)
	assert.EqualValues(t, 1, ran.Load(), "the refund func never ran for the forgery")
	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dokukit_notifications_total DOKU notifications that passed verification, by channel and outcome.
# TYPE dokukit_notifications_total counter
dokukit_notifications_total{channel="kirim-refund",outcome="acked"} 1
dokukit_notifications_total{channel="kirim-refund",outcome="unknown_transfer"} 1
`), "dokukit_notifications_total"))
	assert.Contains(t, logs.String(), `"outcome":"unknown_transfer"`)
	assert.Contains(t, logs.String(), `"transaction_id":"DKFORGED0001"`)
	assert.Contains(t, logs.String(), `"level":"WARN"`)
	assert.NotContains(t, logs.String(), forged)
	assert.NotContains(t, logs.String(), kirimSecret)
}

func TestKirimChannelNeedsATransferCheck(t *testing.T) {
	keys := kirimKeys(t)
	fn := func(context.Context, *schemas.KirimNotification) error { return nil }
	check := awaits(nil)
	for _, build := range []func(KirimConfig, Func[schemas.KirimNotification]) (http.Handler, error){NewKirimUnpaid, NewKirimRefund} {
		_, err := build(KirimConfig{Keys: keys}, fn)
		require.ErrorIs(t, err, ErrConfig)
		assert.Contains(t, err.Error(), "needs Transfers")
		assert.Contains(t, err.Error(), "InsecureSkipTransferCheck")
		_, err = build(KirimConfig{Keys: keys, Transfers: check, InsecureSkipTransferCheck: true}, fn)
		assert.ErrorIs(t, err, ErrConfig)
		_, err = build(KirimConfig{Keys: keys, Transfers: check}, fn)
		assert.NoError(t, err)
	}
	_, err := NewMux(MuxConfig{KirimKeys: keys, KirimRefund: fn})
	assert.ErrorIs(t, err, ErrConfig)
	_, err = NewMux(MuxConfig{KirimKeys: keys, KirimRefund: fn, KirimTransfers: check})
	assert.NoError(t, err)
}

// The opt-out does what its name says: a spliced forgery is acked.
func TestKirimInsecureSkipTransferCheckActsOnForgeries(t *testing.T) {
	keys := kirimKeys(t)
	var ran atomic.Int32
	m, err := NewMux(MuxConfig{KirimKeys: keys, KirimInsecureSkipTransferCheck: true,
		KirimRefund: func(context.Context, *schemas.KirimNotification) error { ran.Add(1); return nil }})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	defer srv.Close()
	rid, forged := splice(t, seenRID1, signed(t, seenRID1), seenRID2, signed(t, seenRID2))
	st, _ := kirimCall(t, srv.URL+DefaultKirimRefundPath, rid, forged, `{"transactionId":"DKFORGED0001","transactionStatus":"40"}`)
	assert.Equal(t, 200, st)
	assert.EqualValues(t, 1, ran.Load())
}

// A check that fails (or panics) answers 500 in Kirim's shape and runs
// nothing; the duplicate guard is released, so Kirim DOKU's retry of the
// same callback is checked again and processed.
func TestKirimTransferCheckFailureIsRetried(t *testing.T) {
	keys := kirimKeys(t)
	reg := prometheus.NewPedanticRegistry()
	var mode atomic.Value
	var ran atomic.Int32
	h, err := NewKirimUnpaid(KirimConfig{Common: Common{Registerer: reg}, Keys: keys,
		Transfers: func(context.Context, *schemas.KirimNotification) (bool, error) {
			switch mode.Load() {
			case "error":
				return false, errors.New("ledger unreachable")
			case "panic":
				panic("ledger exploded")
			}
			return true, nil
		}}, func(context.Context, *schemas.KirimNotification) error { ran.Add(1); return nil })
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	const cb = `{"transactionId":"DKREAL0001","invoiceNumber":"INV-1","sendTrxId":"TRX-1","transactionStatus":"50"}`
	const failed = `{"status":false,"transactionId":"","responseCode":"500","responseMessage":"General Error"}`
	for _, m := range []string{"error", "panic"} {
		mode.Store(m)
		st, body := kirimCall(t, srv.URL, seenRID1, signed(t, seenRID1), cb)
		assert.Equal(t, 500, st, m)
		assert.Equal(t, failed, body, m)
	}
	assert.Zero(t, ran.Load())
	mode.Store("ok")
	st, body := kirimCall(t, srv.URL, seenRID1, signed(t, seenRID1), cb)
	assert.Equal(t, 200, st)
	assert.Equal(t, `{"status":true,"transactionId":"DKREAL0001","responseCode":"00","responseMessage":"Successfully processed"}`, body)
	assert.EqualValues(t, 1, ran.Load())
	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dokukit_notifications_total DOKU notifications that passed verification, by channel and outcome.
# TYPE dokukit_notifications_total counter
dokukit_notifications_total{channel="kirim-unpaid",outcome="acked"} 1
dokukit_notifications_total{channel="kirim-unpaid",outcome="transfer_check_failed"} 2
`), "dokukit_notifications_total"))
}

// ledger is a merchant's record of the transfers it made: a callback is
// awaited until the transfer is settled, as a real check answers.
type ledger struct {
	mu      sync.Mutex
	pending map[string]bool
}

func newLedger(trs []conformance.KirimTransfer) *ledger {
	l := &ledger{pending: map[string]bool{}}
	for _, tr := range trs {
		l.pending[tr.TransactionID] = true
	}
	return l
}

func (l *ledger) awaited(_ context.Context, n *schemas.KirimNotification) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending[string(n.TransactionID)], nil
}

func (l *ledger) settle(_ context.Context, n *schemas.KirimNotification) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pending, string(n.TransactionID))
	return nil
}

// A settled transfer is no longer awaited: a new callback about it is
// refused, while Kirim DOKU's retry of the callback that settled it still
// gets the same ack (the duplicate guard answers before the check).
func TestKirimSettledTransfer(t *testing.T) {
	keys := kirimKeys(t)
	l := newLedger([]conformance.KirimTransfer{{TransactionID: "DKREAL0001"}})
	var ran atomic.Int32
	h, err := NewKirimUnpaid(KirimConfig{Keys: keys, Transfers: l.awaited},
		func(ctx context.Context, n *schemas.KirimNotification) error { ran.Add(1); return l.settle(ctx, n) })
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	const cb = `{"transactionId":"DKREAL0001","invoiceNumber":"INV-1","sendTrxId":"TRX-1","transactionStatus":"50"}`
	const ack = `{"status":true,"transactionId":"DKREAL0001","responseCode":"00","responseMessage":"Successfully processed"}`
	for range 2 {
		st, body := kirimCall(t, srv.URL, seenRID1, signed(t, seenRID1), cb)
		assert.Equal(t, 200, st)
		assert.Equal(t, ack, body)
	}
	st, body := kirimCall(t, srv.URL, seenRID2, signed(t, seenRID2), cb)
	assert.Equal(t, 401, st)
	assert.Equal(t, kirimUnknown, body)
	assert.EqualValues(t, 1, ran.Load())
}

// The conformance suite's Kirim cases take their transfers from its
// config: a check that knows them, and settles each on its first callback,
// passes every case on both channels.
func TestKirimConformanceWithASettlingCheck(t *testing.T) {
	keys := kirimKeys(t)
	for _, ch := range []conformance.Channel{conformance.KirimUnpaid, conformance.KirimRefund} {
		t.Run(string(ch), func(t *testing.T) {
			cfg := conformance.Config{Channel: ch, Secret: []byte(kirimSecret)}
			cfg.KirimTransfers = conformance.DefaultKirimTransfers()
			l := newLedger(cfg.KirimTransfers)
			var ran atomic.Int32
			fn := func(ctx context.Context, n *schemas.KirimNotification) error { ran.Add(1); return l.settle(ctx, n) }
			build := NewKirimUnpaid
			if ch == conformance.KirimRefund {
				build = NewKirimRefund
			}
			h, err := build(KirimConfig{Keys: keys, Transfers: l.awaited}, fn)
			require.NoError(t, err)
			cfg.Probe = func() int { return int(ran.Load()) }
			conformance.Run(t, h, cfg)
		})
	}
}
