package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/schemas"
)

// KirimTransferCheck answers whether a Kirim DOKU callback is about a
// transfer this merchant made and still awaits news of: one it recorded
// when it asked DOKU for the transfer (match n.TransactionID, and on unpaid
// callbacks n.InvoiceNumber or n.SendTrxID, against that record) and that
// is not settled yet. It runs after the signature, the duplicate guard and
// the schema, before the channel's Func.
//
// It is required because the Kirim DOKU signature proves nothing beyond
// "someone saw earlier signatures": it is AES-ECB over agentKey + requestId,
// ECB encrypts each 16-byte block on its own, and nothing in it is tied to a
// time or to the body, so the blocks of two observed signatures splice into
// a valid signature for a requestId DOKU never sent, on any body. The check
// keeps a forger to the transfers you are waiting for; confirm the outcome
// with DOKU (the Kirim status call, route "kirim.qr_mpm_status") before
// paying out or refunding on it. See ExampleNewKirimUnpaid.
//
// Return false (nil error) for an unknown or settled transfer: the callback
// is answered HTTP 401 {"status":false,…,"responseCode":"401"}, counted as
// OutcomeUnknownTransfer, and Func does not run. An error (the database is
// down) answers 500 in the same shape, counted as OutcomeTransferCheckFailed,
// so Kirim DOKU retries. It must be safe for concurrent use.
type KirimTransferCheck func(ctx context.Context, n *schemas.KirimNotification) (awaited bool, err error)

// Outcomes of the Kirim transfer check, counted in
// dokukit_notifications_total{channel,outcome} beside the others.
const (
	OutcomeUnknownTransfer     = "unknown_transfer"      // the check answered false: 401, Func not run
	OutcomeTransferCheckFailed = "transfer_check_failed" // the check returned an error: 500, Func not run
)

// kirimAdmit is the channel's admit step for a transfer check.
func kirimAdmit(c *channel[schemas.KirimNotification], check KirimTransferCheck) func(context.Context, http.ResponseWriter, *schemas.KirimNotification) bool {
	return func(ctx context.Context, w http.ResponseWriter, n *schemas.KirimNotification) bool {
		awaited, err := runCheck(ctx, check, n)
		id := slog.String("transaction_id", truncate(string(n.TransactionID), 64))
		switch {
		case err != nil:
			// The error may quote the merchant's records: log its type only.
			c.outcome(ctx, OutcomeTransferCheckFailed, id, slog.String("error_type", fmt.Sprintf("%T", err)))
			kirimFailed(w)
			return false
		case !awaited:
			c.outcome(ctx, OutcomeUnknownTransfer, id)
			respond.WriteKirim(w, http.StatusUnauthorized, "Unknown transfer")
			return false
		}
		return true
	}
}

// runCheck turns a panicking check into an error, as Func's are: the
// callback is answered 500 and retried, and the duplicate guard released.
func runCheck(ctx context.Context, check KirimTransferCheck, n *schemas.KirimNotification) (awaited bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			awaited, err = false, errPanicked
		}
	}()
	return check(ctx, n)
}
