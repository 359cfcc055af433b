package client_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/client"
	"github.com/dokukit/dokukit/dokutest"
	"github.com/dokukit/dokukit/internal/testkit"
)

const (
	testClient   = "BRN-0001-1700000000001"
	testSecret   = "SK-snap-secret-for-tests"
	testNonSNAP  = "SK-nonsnap-secret-for-tests"
	testKirimKey = "0123456789abcdef"
	testDevice   = "DEVICE1"
	testCustomer = "customer-1"
)

// merchantKey is the shipped TEST-ONLY key pair (internal/testvectors).
var merchantKey = testkit.Key

// newSim starts a simulated DOKU with every product configured.
func newSim(t testing.TB, edit func(*dokutest.Config)) *dokutest.Server {
	t.Helper()
	cfg := dokutest.Config{ClientID: testClient, MerchantPublicKey: &merchantKey(t).PublicKey, SNAPSecret: []byte(testSecret),
		NonSNAPSecret: []byte(testNonSNAP), KirimKey: []byte(testKirimKey)}
	if edit != nil {
		edit(&cfg)
	}
	s, err := dokutest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// newClient is a Client of the simulator; backoff is short so retries do
// not slow the tests.
func newClient(t testing.TB, s *dokutest.Server, edit func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{BaseURL: s.URL, ClientID: testClient, PrivateKey: merchantKey(t), SNAPSecret: []byte(testSecret),
		NonSNAPSecret: []byte(testNonSNAP), Backoff: time.Millisecond, AttemptTimeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := client.New(cfg)
	require.NoError(t, err)
	return c
}

var seq atomic.Int64

func init() { seq.Store(time.Now().UnixNano() % 1e9) }

func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// The shared fixtures: a route's sample request and a member of a JSON body.
var (
	sample = testkit.Sample
	field  = testkit.Field
)

func with(t testing.TB, route string, edit func(m map[string]any)) []byte {
	t.Helper()
	m := sample(t, route)
	if edit != nil {
		edit(m)
	}
	return testkit.JSON(t, m)
}

// opts are the call options every route of the tests gets: the DANA
// device id and the bound customer.
func opts() []client.CallOption {
	return []client.CallOption{client.WithDeviceID(testDevice), client.WithCustomer(testCustomer)}
}

// must calls route and requires its success.
func must(t testing.TB, c *client.Client, route string, body []byte) *client.Response {
	t.Helper()
	r, err := c.Do(context.Background(), route, body, opts()...)
	require.NoError(t, err, route)
	return r
}

// bind runs binding → binding inquiry → Authorize for testCustomer.
func bind(t testing.TB, c *client.Client, account string) (linkID string) {
	t.Helper()
	r := must(t, c, "wallet.binding", with(t, "wallet.binding", func(m map[string]any) {
		m["partnerReferenceNo"] = uniq("BIND")
		m["successParams"] = map[string]any{"accountId": account}
	}))
	link := field(t, r.Body, "linkId")
	r = must(t, c, "wallet.binding_inquiry", []byte(fmt.Sprintf(`{"partnerReferenceNo":%q,"additionalInfo":{"accountId":%q}}`, uniq("INQ"), account)))
	code := field(t, r.Body, "additionalInfo", "authCode")
	require.NoError(t, c.Authorize(context.Background(), testCustomer, code))
	return link
}

// validBodies makes, per route, a valid body from the route's DOKU page
// sample, first making (through the client) whatever it refers to.
func validBodies(t *testing.T, c *client.Client, s *dokutest.Server) map[string]func() []byte {
	n := uniq
	paid := func(ref string) { require.NoError(t, s.Complete(ref, "00"), ref) }
	w := func(route string, edit func(m map[string]any)) []byte { return with(t, route, edit) }
	walletPaid := func() string {
		ref := n("WP")
		must(t, c, "wallet.debit_payment", w("wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = ref }))
		paid(ref)
		return ref
	}
	cardsPaid := func() (inv, reqID string) {
		inv = n("CC")
		r := must(t, c, "cards.payment_page", w("cards.payment_page", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = inv }))
		paid(inv)
		return inv, r.ExternalID
	}
	akulakuOrder := func(complete bool) string {
		inv := n("AK")
		must(t, c, "akulaku.generate_order", w("akulaku.generate_order", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = inv }))
		if complete {
			paid(inv)
		}
		return inv
	}
	kirimInquired := func(account string) {
		must(t, c, "kirim.bank_account_inquiry", w("kirim.bank_account_inquiry", func(m map[string]any) {
			m["partnerReferenceNo"], m["beneficiaryAccountNumber"] = n("KI"), account
		}))
	}
	kirimTransfer := func(ref string) []byte {
		return w("kirim.transfer_bank", func(m map[string]any) {
			m["partnerReferenceNo"], m["beneficiaryAccountNumber"] = ref, "8377388292"
			delete(m, "sessionId")
		})
	}
	return map[string]func() []byte{
		"dana.payment": func() []byte { return w("dana.payment", func(m map[string]any) { m["partnerReferenceNo"] = n("INV") }) },
		"dana.refund": func() []byte {
			ref := n("INV")
			must(t, c, "dana.payment", w("dana.payment", func(m map[string]any) { m["partnerReferenceNo"] = ref }))
			paid(ref)
			return w("dana.refund", func(m map[string]any) { m["originalPartnerReferenceNo"], m["partnerRefundNo"] = ref, n("RF") })
		},
		"cards.payment_page": func() []byte {
			return w("cards.payment_page", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = n("CC") })
		},
		"cards.capture": func() []byte {
			inv, _ := cardsPaid()
			p, ok := s.Payment(inv)
			require.True(t, ok)
			return w("cards.capture", func(m map[string]any) { m["payment"].(map[string]any)["authorize_id"] = p.AuthorizeID })
		},
		"cards.refund": func() []byte {
			inv, rid := cardsPaid()
			return w("cards.refund", func(m map[string]any) {
				m["order"].(map[string]any)["invoice_number"] = inv
				m["payment"].(map[string]any)["original_request_id"] = rid
			})
		},
		"cards.delete_token": func() []byte { return w("cards.delete_token", func(m map[string]any) { m["token_id"] = n("TOK") }) },
		"kirim.bank_account_inquiry": func() []byte {
			return w("kirim.bank_account_inquiry", func(m map[string]any) { m["partnerReferenceNo"] = n("KI") })
		},
		"kirim.balance_inquiry": func() []byte { return w("kirim.balance_inquiry", nil) },
		"kirim.transfer_bank": func() []byte {
			kirimInquired("8377388292")
			return kirimTransfer(n("KT"))
		},
		"kirim.qr_mpm_status": func() []byte {
			kirimInquired("8377388292")
			ref := n("KT")
			must(t, c, "kirim.transfer_bank", kirimTransfer(ref))
			return w("kirim.qr_mpm_status", func(m map[string]any) { m["originalPartnerReferenceNo"] = ref })
		},
		"wallet.account_creation": func() []byte {
			return w("wallet.account_creation", func(m map[string]any) { m["partnerReferenceNo"] = n("AC") })
		},
		"wallet.otp_verification": func() []byte {
			ref := n("AC")
			r := must(t, c, "wallet.account_creation", w("wallet.account_creation", func(m map[string]any) { m["partnerReferenceNo"] = ref }))
			return w("wallet.otp_verification", func(m map[string]any) {
				m["originalPartnerReferenceNo"], m["originalReferenceNo"] = ref, field(t, r.Body, "referenceNo")
			})
		},
		"wallet.binding": func() []byte {
			return w("wallet.binding", func(m map[string]any) { m["partnerReferenceNo"] = n("BIND") })
		},
		"wallet.binding_inquiry": func() []byte {
			return w("wallet.binding_inquiry", func(m map[string]any) { m["additionalInfo"] = map[string]any{"accountId": "1120340010"} })
		},
		"wallet.unbinding": func() []byte {
			r := must(t, c, "wallet.binding", w("wallet.binding", func(m map[string]any) {
				m["partnerReferenceNo"] = n("BIND")
				m["successParams"] = map[string]any{"accountId": n("ACC")}
			}))
			return w("wallet.unbinding", func(m map[string]any) { m["linkId"] = field(t, r.Body, "linkId") })
		},
		"wallet.balance_inquiry":      func() []byte { return w("wallet.balance_inquiry", nil) },
		"wallet.bank_account_inquiry": func() []byte { return w("wallet.bank_account_inquiry", nil) },
		"wallet.transfer_bank": func() []byte {
			return w("wallet.transfer_bank", func(m map[string]any) { m["partnerReferenceNo"] = n("TRF") })
		},
		"wallet.topup": func() []byte { return w("wallet.topup", func(m map[string]any) { m["partnerReferenceNo"] = n("TOP") }) },
		"wallet.topup_status": func() []byte {
			ref := n("TOP")
			must(t, c, "wallet.topup", w("wallet.topup", func(m map[string]any) { m["partnerReferenceNo"] = ref }))
			return w("wallet.topup_status", func(m map[string]any) { m["originalPartnerReferenceNo"] = ref })
		},
		"wallet.debit_payment": func() []byte {
			return w("wallet.debit_payment", func(m map[string]any) { m["partnerReferenceNo"] = n("WP") })
		},
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
		"wallet.history_list": func() []byte { return w("wallet.history_list", nil) },
		"wallet.history_detail": func() []byte {
			ref := walletPaid()
			return w("wallet.history_detail", func(m map[string]any) { m["partnerReferenceNo"] = ref })
		},
		"akulaku.generate_order": func() []byte {
			return w("akulaku.generate_order", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = n("AK") })
		},
		"akulaku.cancel": func() []byte {
			inv := akulakuOrder(false) // only a pending order can be cancelled
			return w("akulaku.cancel", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = inv })
		},
		"akulaku.refund": func() []byte {
			inv := akulakuOrder(true)
			return w("akulaku.refund", func(m map[string]any) { m["order"].(map[string]any)["invoice_number"] = inv })
		},
	}
}

// routeRequests are the simulator's records of route.
func routeRequests(s *dokutest.Server, route string) []dokutest.Request {
	var out []dokutest.Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}
