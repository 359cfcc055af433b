package testkit

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

// callRecorder records what ValidBodies asks of the simulator and answers
// every call with the members the bodies read back. It checks the table's
// own bookkeeping (what is made before it is referred to); DOKU's side of
// each call is checked by the every-route tests in client and dokutest,
// which run the table against the real simulator.
type callRecorder struct {
	t         *testing.T
	calls     []string // route of each call, in order
	bodies    [][]byte
	answers   [][]byte
	ids       []string // request id of each call
	completed []string
	seq       int
}

func (f *callRecorder) sim() RouteSim {
	return RouteSim{
		Call: func(route string, body []byte) ([]byte, string) {
			f.seq++
			answer, id := []byte(fmt.Sprintf(`{"linkId":"LNK-%d","referenceNo":"REF-%d"}`, f.seq, f.seq)), fmt.Sprintf("rid-%d", f.seq)
			f.calls, f.bodies = append(f.calls, route), append(f.bodies, body)
			f.answers, f.ids = append(f.answers, answer), append(f.ids, id)
			return answer, id
		},
		Complete: func(ref, status string) error {
			assert.Equal(f.t, "00", status, "a prerequisite is paid")
			f.completed = append(f.completed, ref)
			return nil
		},
		AuthorizeID: func(invoice string) (string, bool) { return "AUTHZ-" + invoice, true },
		Unique:      func(prefix string) string { f.seq++; return fmt.Sprintf("%s-%d", prefix, f.seq) },
	}
}

// sampleOnly are the routes whose valid body is the page sample as it is
// (binding_inquiry's names the account testkit's users bind first).
var sampleOnly = map[string]bool{"kirim.balance_inquiry": true, "wallet.balance_inquiry": true,
	"wallet.bank_account_inquiry": true, "wallet.history_list": true, "wallet.binding_inquiry": true}

func (f *callRecorder) reset() {
	f.calls, f.bodies, f.answers, f.ids, f.completed = nil, nil, nil, nil, nil
}

// ValidBodies has a body for exactly the merchant → DOKU routes a merchant
// calls with a body of its own (all but the two token routes), each body
// and each call made first is valid for its route under the strict
// reading DOKU gives a merchant's request, and what a body refers to was
// made (and paid where it must be) before.
func TestValidBodies(t *testing.T) {
	f := &callRecorder{t: t}
	valid := ValidBodies(t, f.sim())

	var want, got []string
	for _, rt := range schemas.Routes() {
		if rt.Direction == schemas.MerchantToDOKU && !strings.HasPrefix(rt.Name, "wallet.token_") {
			want = append(want, rt.Name)
		}
	}
	for name := range valid {
		got = append(got, name)
	}
	sort.Strings(want)
	sort.Strings(got)
	require.Len(t, want, 29, "22 SNAP transactional and 7 non-SNAP routes")
	assert.Equal(t, want, got)

	decodes := func(route string, body []byte) {
		t.Helper()
		rt, ok := schemas.RouteByName(route)
		require.True(t, ok, route)
		assert.Equal(t, schemas.MerchantToDOKU, rt.Direction, route)
		assert.NoError(t, schemas.Decode(body, rt.NewRequest(), true), "%s: %s", route, body)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			f.reset()
			body := valid[name]()
			decodes(name, body)
			for i, c := range f.calls {
				decodes(c, f.bodies[i])
			}
			for _, ref := range f.completed {
				made := false
				for _, b := range f.bodies {
					made = made || strings.Contains(string(b), `"`+ref+`"`)
				}
				assert.True(t, made, "%s was paid without being made", ref)
			}
			if sampleOnly[name] {
				assert.Equal(t, string(body), string(valid[name]()), "the page sample as it is")
			} else {
				assert.NotEqual(t, string(body), string(valid[name]()), "fresh references on each call")
			}
		})
	}
}

// The bodies that name what an earlier call made name exactly that.
func TestValidBodiesRefer(t *testing.T) {
	f := &callRecorder{t: t}
	valid := ValidBodies(t, f.sim())
	at := func(body []byte, path ...string) string { return Field(t, body, path...) }

	body := valid["cards.refund"]()
	assert.Equal(t, []string{"cards.payment_page"}, f.calls)
	assert.Equal(t, f.ids[0], at(body, "payment", "original_request_id"), "the request id the payment was made with")
	assert.Equal(t, at(f.bodies[0], "order", "invoice_number"), at(body, "order", "invoice_number"))
	assert.Equal(t, []string{at(body, "order", "invoice_number")}, f.completed)

	f.reset()
	body = valid["cards.capture"]()
	assert.Equal(t, "AUTHZ-"+at(f.bodies[0], "order", "invoice_number"), at(body, "payment", "authorize_id"))

	f.reset()
	body = valid["wallet.unbinding"]()
	assert.Equal(t, []string{"wallet.binding"}, f.calls)
	assert.Equal(t, at(f.answers[0], "linkId"), at(body, "linkId"), "the link the binding answered")

	f.reset()
	body = valid["wallet.otp_verification"]()
	assert.Equal(t, []string{"wallet.account_creation"}, f.calls)
	assert.Equal(t, at(f.bodies[0], "partnerReferenceNo"), at(body, "originalPartnerReferenceNo"))
	assert.Equal(t, at(f.answers[0], "referenceNo"), at(body, "originalReferenceNo"), "the reference the creation answered")

	f.reset()
	body = valid["akulaku.cancel"]()
	assert.Equal(t, []string{"akulaku.generate_order"}, f.calls)
	assert.Equal(t, at(f.bodies[0], "order", "invoice_number"), at(body, "order", "invoice_number"))
	assert.Empty(t, f.completed, "only a pending order can be cancelled")

	f.reset()
	body = valid["akulaku.refund"]()
	assert.Equal(t, []string{at(body, "order", "invoice_number")}, f.completed, "only a paid order can be refunded")

	f.reset()
	body = valid["kirim.qr_mpm_status"]()
	assert.Equal(t, []string{"kirim.bank_account_inquiry", "kirim.transfer_bank"}, f.calls, "the Kirim page wants an inquiry before a transfer")
	assert.Equal(t, at(f.bodies[1], "partnerReferenceNo"), at(body, "originalPartnerReferenceNo"))
	assert.Equal(t, at(f.bodies[0], "beneficiaryAccountNumber"), at(f.bodies[1], "beneficiaryAccountNumber"))
}
