package schemas

import "strings"

// callInfo is, per MerchantToDOKU route, what a client needs beyond the
// schemas: what the call does, the headers its DOKU page requires of the
// caller, and the status route that tells a lost answer's outcome. It is
// kept apart from the route lines so each can change on its own.
var callInfo = map[string]struct {
	effect      Effect
	headers     []string
	optional    []string
	statusRoute string
}{
	"dana.payment": {effect: MovesMoney, headers: []string{"X-DEVICE-ID"}, optional: []string{"X-IP-ADDRESS"}},
	"dana.refund":  {effect: MovesMoney, headers: []string{"X-DEVICE-ID"}, optional: []string{"X-IP-ADDRESS"}},

	"cards.payment_page": {effect: MovesMoney},
	"cards.capture":      {effect: MovesMoney},
	"cards.refund":       {effect: MovesMoney},
	"cards.delete_token": {effect: ChangesState},

	"kirim.bank_account_inquiry": {effect: ReadOnly},
	"kirim.balance_inquiry":      {effect: ReadOnly},
	"kirim.transfer_bank":        {effect: MovesMoney, statusRoute: "kirim.qr_mpm_status"},
	"kirim.qr_mpm_status":        {effect: ReadOnly},

	"wallet.token_b2b":            {effect: ChangesState},
	"wallet.token_b2b2c":          {effect: ChangesState},
	"wallet.account_creation":     {effect: ChangesState},
	"wallet.otp_verification":     {effect: ChangesState},
	"wallet.binding":              {effect: ChangesState},
	"wallet.binding_inquiry":      {effect: ReadOnly},
	"wallet.unbinding":            {effect: ChangesState},
	"wallet.balance_inquiry":      {effect: ReadOnly},
	"wallet.bank_account_inquiry": {effect: ReadOnly},
	"wallet.transfer_bank":        {effect: MovesMoney},
	"wallet.topup":                {effect: MovesMoney, statusRoute: "wallet.topup_status"},
	"wallet.topup_status":         {effect: ReadOnly},
	"wallet.debit_payment":        {effect: MovesMoney, statusRoute: "wallet.debit_status"},
	"wallet.debit_status":         {effect: ReadOnly},
	"wallet.debit_cancel":         {effect: MovesMoney, statusRoute: "wallet.debit_status"},
	"wallet.debit_refund":         {effect: MovesMoney, statusRoute: "wallet.debit_status"},
	"wallet.history_list":         {effect: ReadOnly},
	"wallet.history_detail":       {effect: ReadOnly},

	"akulaku.generate_order": {effect: MovesMoney},
	"akulaku.cancel":         {effect: MovesMoney},
	"akulaku.refund":         {effect: MovesMoney},
}

// init fills the call fields of the route table. The B2B2C routes are the
// DOKU Wallet page's /b2b2c/ paths, each marked "Authorization-Customer …
// Required" there.
func init() {
	for i := range routes {
		r := &routes[i]
		ci, ok := callInfo[r.Name]
		if !ok || r.Direction != MerchantToDOKU {
			continue
		}
		r.Effect, r.StatusRoute = ci.effect, ci.statusRoute
		r.Customer = r.Page == PageWallet && strings.Contains(r.Path, "/b2b2c/") && r.Name != "wallet.token_b2b2c"
		r.Headers = append([]string(nil), ci.headers...)
		if r.Customer {
			r.Headers = append(r.Headers, "Authorization-Customer")
		}
		r.OptionalHeaders = append([]string(nil), ci.optional...)
	}
}
