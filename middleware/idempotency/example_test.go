package idempotency_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dokukit/dokukit/middleware/idempotency"
)

// The life of one notification key: the first delivery reserves it, stores
// its response, and a retry finds the record instead of running again.
func ExampleMemory() {
	ctx := context.Background()
	store := idempotency.NewMemory()
	body := []byte(`{"order":{"invoice_number":"INV-1"}}`)
	fp := idempotency.FingerprintBody(body)

	first, _ := store.Reserve(ctx, "nonsnap:MCH-1:req-1", fp, time.Minute)
	fmt.Println("first delivery:", first.State)

	dup, _ := store.Reserve(ctx, "nonsnap:MCH-1:req-1", fp, time.Minute)
	fmt.Println("duplicate while running:", dup.State)

	_ = store.Complete(ctx, "nonsnap:MCH-1:req-1", first.Token,
		idempotency.Record{Status: 200, Body: []byte("OK"), Fingerprint: fp}, 25*time.Hour)

	retry, _ := store.Reserve(ctx, "nonsnap:MCH-1:req-1", fp, time.Minute)
	fmt.Println("retry:", retry.State, retry.Record.Status, string(retry.Record.Body), retry.Fingerprint == fp)
	// Output:
	// first delivery: reserved
	// duplicate while running: in_flight
	// retry: completed 200 OK true
}
