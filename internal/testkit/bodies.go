package testkit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// With is route's sample request (Sample) changed by edit, as JSON.
func With(t testing.TB, route string, edit func(m map[string]any)) []byte {
	t.Helper()
	m := Sample(t, route)
	if edit != nil {
		edit(m)
	}
	return JSON(t, m)
}

// RouteCall calls route with body on the simulator, fails the test unless
// DOKU answered the route's success, and returns the answer's body and the
// request id the call sent (X-EXTERNAL-ID on SNAP, Request-Id on non-SNAP).
type RouteCall func(route string, body []byte) (answer []byte, requestID string)

// RouteSim is how ValidBodies drives a simulated DOKU (dokutest.Server),
// whichever merchant plays against it: the kit's client or a test's own
// hand-signed caller.
type RouteSim struct {
	// Call makes the calls a body needs first.
	Call RouteCall
	// Complete ends the pending payment with the merchant reference ref in
	// status ("00": paid), as dokutest.Server.Complete. The simulator must
	// not complete payments itself (no AutoComplete): an Akulaku cancel
	// needs an order still pending.
	Complete func(ref, status string) error
	// AuthorizeID is the Cards authorize id of the payment of invoice.
	AuthorizeID func(invoice string) (string, bool)
	// Unique is a merchant reference no other call of the test uses.
	Unique func(prefix string) string
}

// ValidBodies makes, per merchant → DOKU route the merchant calls (every
// one but the token routes, whose bodies the caller makes itself), a valid
// body from the route's DOKU page sample, first making on s whatever the
// body refers to (the paid payment a refund names, the binding an unbinding
// names, the account inquiry a Kirim transfer needs), so that DOKU answers
// the route's success. Each func makes fresh references when it is called.
func ValidBodies(t testing.TB, s RouteSim) map[string]func() []byte {
	n := s.Unique
	w := func(route string, edit func(m map[string]any)) []byte { return With(t, route, edit) }
	call := func(route string, edit func(m map[string]any)) ([]byte, string) { return s.Call(route, w(route, edit)) }
	paid := func(ref string) { require.NoError(t, s.Complete(ref, "00"), ref) }
	invoice := func(inv string) func(m map[string]any) {
		return func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = inv }
	}
	danaPaid := func() string {
		ref := n("INV")
		call("dana.payment", func(m map[string]any) { m["partnerReferenceNo"] = ref })
		paid(ref)
		return ref
	}
	walletPaid := func() string {
		ref := n("WP")
		call("wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = ref })
		paid(ref)
		return ref
	}
	cardsPaid := func() (inv, requestID string) {
		inv = n("CC")
		_, requestID = call("cards.payment_page", invoice(inv))
		paid(inv)
		return inv, requestID
	}
	akulakuOrder := func(complete bool) string {
		inv := n("AK")
		call("akulaku.generate_order", invoice(inv))
		if complete {
			paid(inv)
		}
		return inv
	}
	const kirimAccount = "8377388292"
	kirimInquired := func() {
		call("kirim.bank_account_inquiry", func(m map[string]any) {
			m["partnerReferenceNo"], m["beneficiaryAccountNumber"] = n("KI"), kirimAccount
		})
	}
	kirimTransfer := func(ref string) []byte {
		return w("kirim.transfer_bank", func(m map[string]any) {
			m["partnerReferenceNo"], m["beneficiaryAccountNumber"] = ref, kirimAccount
			delete(m, "sessionId")
		})
	}
	newRef := func(route, prefix string) func() []byte {
		return func() []byte { return w(route, func(m map[string]any) { m["partnerReferenceNo"] = n(prefix) }) }
	}
	sample := func(route string) func() []byte { return func() []byte { return w(route, nil) } }
	return map[string]func() []byte{
		"dana.payment": newRef("dana.payment", "INV"),
		"dana.refund": func() []byte {
			ref := danaPaid()
			return w("dana.refund", func(m map[string]any) { m["originalPartnerReferenceNo"], m["partnerRefundNo"] = ref, n("RF") })
		},
		"cards.payment_page": func() []byte { return w("cards.payment_page", invoice(n("CC"))) },
		"cards.capture": func() []byte {
			inv, _ := cardsPaid()
			id, ok := s.AuthorizeID(inv)
			require.True(t, ok, inv)
			return w("cards.capture", func(m map[string]any) { m["payment"].(map[string]any)["authorize_id"] = id })
		},
		"cards.refund": func() []byte {
			inv, rid := cardsPaid()
			return w("cards.refund", func(m map[string]any) {
				invoice(inv)(m)
				m["payment"].(map[string]any)["original_request_id"] = rid
			})
		},
		"cards.delete_token":         func() []byte { return w("cards.delete_token", func(m map[string]any) { m["token_id"] = n("TOK") }) },
		"kirim.bank_account_inquiry": newRef("kirim.bank_account_inquiry", "KI"),
		"kirim.balance_inquiry":      sample("kirim.balance_inquiry"),
		"kirim.transfer_bank": func() []byte {
			kirimInquired()
			return kirimTransfer(n("KT"))
		},
		"kirim.qr_mpm_status": func() []byte {
			kirimInquired()
			ref := n("KT")
			s.Call("kirim.transfer_bank", kirimTransfer(ref))
			return w("kirim.qr_mpm_status", func(m map[string]any) { m["originalPartnerReferenceNo"] = ref })
		},
		"wallet.account_creation": newRef("wallet.account_creation", "AC"),
		"wallet.otp_verification": func() []byte {
			ref := n("AC")
			a, _ := call("wallet.account_creation", func(m map[string]any) { m["partnerReferenceNo"] = ref })
			return w("wallet.otp_verification", func(m map[string]any) {
				m["originalPartnerReferenceNo"], m["originalReferenceNo"] = ref, Field(t, a, "referenceNo")
			})
		},
		"wallet.binding": newRef("wallet.binding", "BIND"),
		"wallet.binding_inquiry": func() []byte {
			return w("wallet.binding_inquiry", func(m map[string]any) { m["additionalInfo"] = map[string]any{"accountId": "1120340010"} })
		},
		"wallet.unbinding": func() []byte {
			a, _ := call("wallet.binding", func(m map[string]any) {
				m["partnerReferenceNo"] = n("BIND")
				m["successParams"] = map[string]any{"accountId": n("ACC")}
			})
			return w("wallet.unbinding", func(m map[string]any) { m["linkId"] = Field(t, a, "linkId") })
		},
		"wallet.balance_inquiry":      sample("wallet.balance_inquiry"),
		"wallet.bank_account_inquiry": sample("wallet.bank_account_inquiry"),
		"wallet.transfer_bank":        newRef("wallet.transfer_bank", "TRF"),
		"wallet.topup":                newRef("wallet.topup", "TOP"),
		"wallet.topup_status": func() []byte {
			ref := n("TOP")
			call("wallet.topup", func(m map[string]any) { m["partnerReferenceNo"] = ref })
			return w("wallet.topup_status", func(m map[string]any) { m["originalPartnerReferenceNo"] = ref })
		},
		"wallet.debit_payment": newRef("wallet.debit_payment", "WP"),
		"wallet.debit_status": func() []byte {
			ref := walletPaid()
			return w("wallet.debit_status", func(m map[string]any) { m["partnerReferenceNo"] = ref })
		},
		"wallet.debit_cancel": func() []byte {
			ref := walletPaid()
			return w("wallet.debit_cancel", func(m map[string]any) { m["originalPartnerReferenceNo"] = ref })
		},
		"wallet.debit_refund": func() []byte {
			ref := walletPaid()
			return w("wallet.debit_refund", func(m map[string]any) { m["originalPartnerReferenceNo"], m["partnerRefundNo"] = ref, n("RF") })
		},
		"wallet.history_list": sample("wallet.history_list"),
		"wallet.history_detail": func() []byte {
			ref := walletPaid()
			return w("wallet.history_detail", func(m map[string]any) { m["partnerReferenceNo"] = ref })
		},
		"akulaku.generate_order": func() []byte { return w("akulaku.generate_order", invoice(n("AK"))) },
		"akulaku.cancel": func() []byte {
			inv := akulakuOrder(false) // only a pending order can be cancelled
			return w("akulaku.cancel", invoice(inv))
		},
		"akulaku.refund": func() []byte { return w("akulaku.refund", invoice(akulakuOrder(true))) },
	}
}
