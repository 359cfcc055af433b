package schemas

import "strings"

// Family is the DOKU API family a route belongs to; it decides the error
// body shape.
type Family string

// API families.
const (
	SNAP    Family = "SNAP"    // Bank Indonesia SNAP: responseCode/responseMessage bodies
	NonSNAP Family = "NonSNAP" // DOKU "Jokul" APIs and notifications
	Kirim   Family = "Kirim"   // Kirim DOKU callbacks
)

// Direction says who sends the request of a route.
type Direction string

// Directions. What the merchant sends is checked strictly, what DOKU sends
// leniently.
const (
	MerchantToDOKU Direction = "MerchantToDOKU" // an API call the merchant makes
	DOKUToMerchant Direction = "DOKUToMerchant" // a notification DOKU delivers
)

// Page names a DOKU product page the kit's schemas are built from.
type Page string

// The DOKU product pages. PageNotifications stands for DOKU's notification
// docs and SDKs (what DOKU sends the merchant; see docs/protocol.md §8).
const (
	PageDANA          Page = "DANA SNAP direct debit"
	PageCards         Page = "Cards payment page"
	PageKirim         Page = "Kirim DOKU"
	PageWallet        Page = "DOKU Wallet SNAP"
	PageAkulaku       Page = "Akulaku"
	PageNotifications Page = "DOKU notifications"
)

// Route ties one endpoint to its schemas and codes.
type Route struct {
	// Name is a stable, bounded identifier (safe as a metric label),
	// e.g. "cards.payment_page".
	Name string
	// Page is the DOKU product page the route is documented on.
	Page      Page
	Method    string
	Path      string // a {placeholder} marks a merchant-chosen path
	Family    Family
	Direction Direction
	// ServiceCode is the SNAP service code used for error codes
	// (400<ServiceCode>01/02); 0 outside SNAP.
	ServiceCode int
	// SuccessCode is the success responseCode the DOKU page shows for this
	// route, e.g. DANA payment "2000500" (not derived from ServiceCode:
	// DANA's samples do not follow the formula); "" outside SNAP.
	SuccessCode string
	// NewRequest returns a pointer to a zero request body.
	NewRequest func() any
	// NewResponse returns a pointer to a zero success response body, or is
	// nil when the answer has no body to check (non-SNAP notifications:
	// any 2xx).
	NewResponse func() any

	// The fields below describe how a client calls a MerchantToDOKU route;
	// they are filled in from the table in calls.go (zero on the
	// DOKUToMerchant routes).

	// Effect says what the call does to money and state; it decides which
	// failures a client may retry.
	Effect Effect
	// Customer reports a B2B2C route: its DOKU page requires
	// Authorization-Customer (a customer's access token) besides the B2B
	// token.
	Customer bool
	// Headers are the headers the route's DOKU page marks required that
	// the caller must supply (the kit sets the signature, timestamp,
	// partner, external id and token headers itself), e.g. X-DEVICE-ID on
	// DANA's routes and Authorization-Customer on the B2B2C ones.
	Headers []string
	// OptionalHeaders are headers the page lists as optional (DANA's
	// X-IP-ADDRESS: "conditional", with no condition given).
	OptionalHeaders []string
	// ChannelID is the CHANNEL-ID header value to send, or "" to send
	// none: no DOKU page asks for one (Bank Indonesia's SNAP standard does,
	// with the example 95221).
	ChannelID string
	// StatusRoute names the route that tells the outcome of a call whose
	// answer was lost ("wallet.debit_status" for "wallet.debit_payment"),
	// or "" when the route's DOKU page has none.
	StatusRoute string
}

// Effect is what a call does: only ReadOnly calls may be resent after a
// request reached DOKU.
type Effect string

// Effects.
const (
	// ReadOnly routes only read (inquiry, status, balance, history): a
	// lost answer is safely asked again.
	ReadOnly Effect = "read-only"
	// MovesMoney routes pay, transfer, top up, refund, cancel or capture
	// (and the payment page and order that start a payment): resending
	// one whose answer was lost may move money twice.
	MovesMoney Effect = "moves-money"
	// ChangesState routes create or change something without moving money
	// (account creation, binding, unbinding, deleting a card token): not
	// resent either.
	ChangesState Effect = "changes-state"
)

// Strict reports whether requests on this route follow the field tables
// strictly (what the merchant sends) rather than leniently (what DOKU
// sends).
func (r Route) Strict() bool { return r.Direction == MerchantToDOKU }

// Templated reports whether Path holds a merchant-chosen {placeholder}; such
// routes are never found by Lookup and must be selected explicitly.
func (r Route) Templated() bool { return strings.Contains(r.Path, "{") }

func nr[T any]() func() any { return func() any { return new(T) } }

var routes = []Route{
	// DANA SNAP direct debit.
	{Name: "dana.payment", Page: PageDANA, Method: "POST", Path: "/direct-debit/core/v1/debit/payment-host-to-host", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 54, SuccessCode: "2000500", NewRequest: nr[DANAPaymentRequest](), NewResponse: nr[DANAPaymentResponse]()},
	{Name: "dana.refund", Page: PageDANA, Method: "POST", Path: "/direct-debit/core/v1/debit/refund", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 58, SuccessCode: "2000700", NewRequest: nr[DANARefundRequest](), NewResponse: nr[DANARefundResponse]()},

	// Cards payment page.
	{Name: "cards.payment_page", Page: PageCards, Method: "POST", Path: "/credit-card/v1/payment-page", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[CardsPaymentRequest](), NewResponse: nr[CardsPaymentResponse]()},
	{Name: "cards.capture", Page: PageCards, Method: "POST", Path: "/credit-card/capture", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[CardsCaptureRequest](), NewResponse: nr[CardsCaptureResponse]()},
	{Name: "cards.refund", Page: PageCards, Method: "POST", Path: "/cancellation/credit-card/refund", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[CardsRefundRequest](), NewResponse: nr[CardsRefundResponse]()},
	{Name: "cards.delete_token", Page: PageCards, Method: "POST", Path: "/credit-card/delete-tokenization", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[CardsDeleteTokenRequest](), NewResponse: nr[CardsDeleteTokenResponse]()},

	// Kirim DOKU.
	{Name: "kirim.bank_account_inquiry", Page: PageKirim, Method: "POST", Path: "/v1.0/emoney/bank-account-inquiry", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 42, SuccessCode: "2004200", NewRequest: nr[KirimBankAccountInquiryRequest](), NewResponse: nr[KirimBankAccountInquiryResponse]()},
	{Name: "kirim.balance_inquiry", Page: PageKirim, Method: "POST", Path: "/v1.0/balance-inquiry", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 11, SuccessCode: "2001100", NewRequest: nr[KirimBalanceInquiryRequest](), NewResponse: nr[KirimBalanceInquiryResponse]()},
	{Name: "kirim.transfer_bank", Page: PageKirim, Method: "POST", Path: "/v1.0/emoney/transfer-bank", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 43, SuccessCode: "2004300", NewRequest: nr[KirimTransferBankRequest](), NewResponse: nr[KirimTransferBankResponse]()},
	{Name: "kirim.qr_mpm_status", Page: PageKirim, Method: "POST", Path: "/v1.0/qr/qr-mpm-status", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 53, SuccessCode: "2005300", NewRequest: nr[KirimStatusRequest](), NewResponse: nr[SNAPStatusResponse]()},
	{Name: "kirim.unpaid_notification", Page: PageKirim, Method: "POST", Path: "/{merchantUrlUnpaidNotification}", Family: Kirim, Direction: DOKUToMerchant, NewRequest: nr[KirimNotification](), NewResponse: nr[KirimNotificationAck]()},
	{Name: "kirim.refund_notification", Page: PageKirim, Method: "POST", Path: "/{merchantUrlRefundNotification}", Family: Kirim, Direction: DOKUToMerchant, NewRequest: nr[KirimNotification](), NewResponse: nr[KirimNotificationAck]()},

	// DOKU Wallet SNAP.
	{Name: "wallet.token_b2b", Page: PageWallet, Method: "POST", Path: "/authorization/v1/access-token/b2b", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 73, SuccessCode: "2007300", NewRequest: nr[SNAPTokenRequest](), NewResponse: nr[SNAPTokenResponse]()},
	{Name: "wallet.token_b2b2c", Page: PageWallet, Method: "POST", Path: "/authorization/v1/access-token/b2b2c", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 74, SuccessCode: "2007400", NewRequest: nr[SNAPB2B2CTokenRequest](), NewResponse: nr[SNAPTokenResponse]()},
	{Name: "wallet.account_creation", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b/v1.0/registration-account-creation", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 6, SuccessCode: "2000600", NewRequest: nr[WalletAccountCreationRequest](), NewResponse: nr[WalletAccountCreationResponse]()},
	{Name: "wallet.otp_verification", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b/v1.0/otp-verification", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 4, SuccessCode: "2000400", NewRequest: nr[WalletOTPVerificationRequest](), NewResponse: nr[WalletOTPVerificationResponse]()},
	{Name: "wallet.binding", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b/v1.0/registration-account-binding", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 7, SuccessCode: "2000700", NewRequest: nr[WalletBindingRequest](), NewResponse: nr[WalletBindingResponse]()},
	{Name: "wallet.binding_inquiry", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b/v1.0/registration-account-inquiry", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 8, SuccessCode: "2000800", NewRequest: nr[WalletBindingInquiryRequest](), NewResponse: nr[WalletBindingInquiryResponse]()},
	{Name: "wallet.unbinding", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b/v1.0/registration-account-unbinding", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 9, SuccessCode: "2000900", NewRequest: nr[WalletUnbindingRequest](), NewResponse: nr[WalletUnbindingResponse]()},
	{Name: "wallet.balance_inquiry", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/balance-inquiry", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 11, SuccessCode: "2001100", NewRequest: nr[WalletBalanceInquiryRequest](), NewResponse: nr[WalletBalanceInquiryResponse]()},
	{Name: "wallet.bank_account_inquiry", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/emoney/bank-account-inquiry", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 42, SuccessCode: "2004200", NewRequest: nr[WalletBankAccountInquiryRequest](), NewResponse: nr[WalletBankAccountInquiryResponse]()},
	{Name: "wallet.transfer_bank", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/emoney/transfer-bank", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 43, SuccessCode: "2004300", NewRequest: nr[WalletTransferBankRequest](), NewResponse: nr[WalletTransferBankResponse]()},
	{Name: "wallet.topup", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/emoney/topup", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 38, SuccessCode: "2003800", NewRequest: nr[WalletTopUpRequest](), NewResponse: nr[WalletTopUpResponse]()},
	{Name: "wallet.topup_status", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/emoney/topup-status", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 39, SuccessCode: "2003900", NewRequest: nr[WalletTopUpStatusRequest](), NewResponse: nr[SNAPStatusResponse]()},
	{Name: "wallet.debit_payment", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/debit/payment-host-to-host", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 54, SuccessCode: "2005400", NewRequest: nr[WalletDebitPaymentRequest](), NewResponse: nr[WalletDebitPaymentResponse]()},
	{Name: "wallet.debit_status", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/debit/status", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 55, SuccessCode: "2005500", NewRequest: nr[WalletDebitStatusRequest](), NewResponse: nr[SNAPStatusResponse]()},
	{Name: "wallet.debit_cancel", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/debit/cancel", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 57, SuccessCode: "2005700", NewRequest: nr[WalletDebitCancelRequest](), NewResponse: nr[WalletDebitCancelResponse]()},
	{Name: "wallet.debit_refund", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/debit/refund", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 58, SuccessCode: "2005800", NewRequest: nr[WalletDebitRefundRequest](), NewResponse: nr[WalletDebitRefundResponse]()},
	{Name: "wallet.history_list", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/transaction-history-list", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 12, SuccessCode: "2001200", NewRequest: nr[WalletHistoryListRequest](), NewResponse: nr[WalletHistoryListResponse]()},
	{Name: "wallet.history_detail", Page: PageWallet, Method: "POST", Path: "/snap-adapter/b2b2c/v1.0/transaction-history-detail", Family: SNAP, Direction: MerchantToDOKU, ServiceCode: 13, SuccessCode: "2001300", NewRequest: nr[WalletHistoryDetailRequest](), NewResponse: nr[WalletHistoryDetailResponse]()},

	// Akulaku.
	{Name: "akulaku.generate_order", Page: PageAkulaku, Method: "POST", Path: "/akulaku-peer-to-peer/v2/generate-order", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[AkulakuOrderRequest](), NewResponse: nr[AkulakuOrderResponse]()},
	{Name: "akulaku.cancel", Page: PageAkulaku, Method: "POST", Path: "/akulaku-peer-to-peer/v2/cancel", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[AkulakuCancelRequest](), NewResponse: nr[AkulakuCancelResponse]()},
	{Name: "akulaku.refund", Page: PageAkulaku, Method: "POST", Path: "/akulaku-peer-to-peer/v2/refund", Family: NonSNAP, Direction: MerchantToDOKU, NewRequest: nr[AkulakuRefundRequest](), NewResponse: nr[AkulakuRefundResponse]()},

	// Notifications DOKU sends the merchant (docs/protocol.md §8).
	{Name: "notify.snap_token", Page: PageNotifications, Method: "POST", Path: "/authorization/v1/access-token/b2b", Family: SNAP, Direction: DOKUToMerchant, ServiceCode: 73, SuccessCode: "2007300", NewRequest: nr[SNAPTokenRequest](), NewResponse: nr[SNAPTokenResponse]()},
	{Name: "notify.snap_debit", Page: PageNotifications, Method: "POST", Path: "/v1.0/debit/notify", Family: SNAP, Direction: DOKUToMerchant, ServiceCode: 56, SuccessCode: "2005600", NewRequest: nr[SNAPDebitNotify](), NewResponse: nr[SNAPDebitNotifyAck]()},
	{Name: "notify.snap_va_payment", Page: PageNotifications, Method: "POST", Path: "/v1.0/transfer-va/payment", Family: SNAP, Direction: DOKUToMerchant, ServiceCode: 25, SuccessCode: "2002500", NewRequest: nr[SNAPVANotify](), NewResponse: nr[SNAPVANotifyAck]()},
	{Name: "notify.nonsnap", Page: PageNotifications, Method: "POST", Path: "/{merchantNotificationUrl}", Family: NonSNAP, Direction: DOKUToMerchant, NewRequest: nr[NonSNAPNotification]()},
}

// Routes returns a copy of the route table: every endpoint of the five DOKU
// product pages plus the notifications DOKU sends the merchant.
func Routes() []Route {
	out := make([]Route, len(routes))
	copy(out, routes)
	return out
}

// Lookup finds the route for method and path (the request path without
// query string; a trailing slash is ignored). Merchant-chosen
// ({placeholder}) paths never match: select those routes by name. Where a
// path serves both directions (the B2B token endpoint, called on DOKU by
// the merchant and on the merchant by DOKU) the MerchantToDOKU route is
// returned; use LookupDirection for the other.
func Lookup(method, path string) (Route, bool) {
	return lookup(method, path, "")
}

// LookupDirection is Lookup restricted to one direction.
func LookupDirection(method, path string, d Direction) (Route, bool) {
	return lookup(method, path, d)
}

func lookup(method, path string, d Direction) (Route, bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	for _, r := range routes {
		if r.Templated() || (d != "" && r.Direction != d) {
			continue
		}
		if strings.EqualFold(r.Method, method) && r.Path == path {
			return r, true
		}
	}
	return Route{}, false
}

// RouteByName returns the route with the given Name.
func RouteByName(name string) (Route, bool) {
	for _, r := range routes {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}
