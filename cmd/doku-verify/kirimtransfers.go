package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"unicode"

	"github.com/dokukit/dokukit/conformance"
)

// maxKirimTransfers bounds a --kirim-transfers file: the Kirim DOKU table
// sends 16 callbacks; a few hundred leaves room without reading a huge file
// into memory.
const maxKirimTransfers = 1000

// maxKirimTransferField bounds each id in the file (DOKU's ids are tens of
// characters).
const maxKirimTransferField = 128

// kirimTransferJSON is one entry of a --kirim-transfers file, spelt as the
// Kirim DOKU callback spells the fields.
type kirimTransferJSON struct {
	TransactionID string `json:"transactionId"`
	InvoiceNumber string `json:"invoiceNumber"`
	SendTrxID     string `json:"sendTrxId"`
}

// parseKirimTransfers reads a --kirim-transfers file: a JSON array of
// {"transactionId", "invoiceNumber", "sendTrxId"} objects, the transfers the
// merchant under test awaits. Every entry needs a transactionId; an
// unpaid-callback channel (needInvoice) needs invoiceNumber and sendTrxId
// too, since the unpaid callback carries them. Unknown fields, an empty list,
// duplicates, control characters and oversized values are errors naming the
// entry, never a silent skip.
func parseKirimTransfers(b []byte, needInvoice bool) ([]conformance.KirimTransfer, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in []kirimTransferJSON
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("not a JSON array of {\"transactionId\",\"invoiceNumber\",\"sendTrxId\"}: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON array")
	}
	if len(in) == 0 {
		return nil, errors.New("no transfers in the list")
	}
	if len(in) > maxKirimTransfers {
		return nil, fmt.Errorf("%d transfers, more than %d", len(in), maxKirimTransfers)
	}
	out := make([]conformance.KirimTransfer, 0, len(in))
	seen := make(map[string]bool, len(in))
	for i, t := range in {
		for _, f := range [...]struct{ name, v string }{{"transactionId", t.TransactionID}, {"invoiceNumber", t.InvoiceNumber}, {"sendTrxId", t.SendTrxID}} {
			switch {
			case f.v == "" && (f.name == "transactionId" || needInvoice):
				return nil, fmt.Errorf("entry %d: missing %s", i, f.name)
			case len(f.v) > maxKirimTransferField:
				return nil, fmt.Errorf("entry %d: %s longer than %d bytes", i, f.name, maxKirimTransferField)
			case hasControl(f.v):
				return nil, fmt.Errorf("entry %d: %s has a control character", i, f.name)
			}
		}
		if seen[t.TransactionID] {
			return nil, fmt.Errorf("entry %d: transactionId %q listed twice", i, t.TransactionID)
		}
		seen[t.TransactionID] = true
		out = append(out, conformance.KirimTransfer{TransactionID: t.TransactionID, InvoiceNumber: t.InvoiceNumber, SendTrxID: t.SendTrxID})
	}
	return out, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// loadKirimTransfers reads and parses the --kirim-transfers file for ch;
// the flag is an error on a channel that sends no Kirim DOKU callback.
func loadKirimTransfers(path string, ch conformance.Channel) ([]conformance.KirimTransfer, error) {
	if ch != conformance.KirimUnpaid && ch != conformance.KirimRefund {
		return nil, fmt.Errorf("--kirim-transfers is for kirim-unpaid and kirim-refund, not %s", ch)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read --kirim-transfers: %w", unwrapPathErr(err))
	}
	trs, err := parseKirimTransfers(b, ch == conformance.KirimUnpaid)
	if err != nil {
		return nil, fmt.Errorf("--kirim-transfers %s: %w", path, err)
	}
	return trs, nil
}
