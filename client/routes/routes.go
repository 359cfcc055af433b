// Package routes holds one typed value per route the merchant calls on
// DOKU, so a route and the wrong request or response type cannot compile
// together:
//
//	resp, err := client.Call(ctx, c, routes.DANAPayment, &schemas.DANAPaymentRequest{...})
//
// The two access-token routes have no value: the client gets tokens itself.
package routes

import "github.com/dokukit/dokukit/schemas"

// Route is a merchant → DOKU route of schemas.Routes with its request and
// response types.
type Route[Req, Resp any] struct{ name string }

// Name is the route's name in schemas.Routes ("dana.payment").
func (r Route[Req, Resp]) Name() string { return r.name }

// Named is what every Route is: a route name.
type Named interface{ Name() string }

// The routes, by DOKU page.
var (
	DANAPayment = Route[schemas.DANAPaymentRequest, schemas.DANAPaymentResponse]{"dana.payment"}
	DANARefund  = Route[schemas.DANARefundRequest, schemas.DANARefundResponse]{"dana.refund"}

	CardsPaymentPage = Route[schemas.CardsPaymentRequest, schemas.CardsPaymentResponse]{"cards.payment_page"}
	CardsCapture     = Route[schemas.CardsCaptureRequest, schemas.CardsCaptureResponse]{"cards.capture"}
	CardsRefund      = Route[schemas.CardsRefundRequest, schemas.CardsRefundResponse]{"cards.refund"}
	CardsDeleteToken = Route[schemas.CardsDeleteTokenRequest, schemas.CardsDeleteTokenResponse]{"cards.delete_token"}

	KirimBankAccountInquiry = Route[schemas.KirimBankAccountInquiryRequest, schemas.KirimBankAccountInquiryResponse]{"kirim.bank_account_inquiry"}
	KirimBalanceInquiry     = Route[schemas.KirimBalanceInquiryRequest, schemas.KirimBalanceInquiryResponse]{"kirim.balance_inquiry"}
	KirimTransferBank       = Route[schemas.KirimTransferBankRequest, schemas.KirimTransferBankResponse]{"kirim.transfer_bank"}
	KirimQRMPMStatus        = Route[schemas.KirimStatusRequest, schemas.SNAPStatusResponse]{"kirim.qr_mpm_status"}

	WalletAccountCreation    = Route[schemas.WalletAccountCreationRequest, schemas.WalletAccountCreationResponse]{"wallet.account_creation"}
	WalletOTPVerification    = Route[schemas.WalletOTPVerificationRequest, schemas.WalletOTPVerificationResponse]{"wallet.otp_verification"}
	WalletBinding            = Route[schemas.WalletBindingRequest, schemas.WalletBindingResponse]{"wallet.binding"}
	WalletBindingInquiry     = Route[schemas.WalletBindingInquiryRequest, schemas.WalletBindingInquiryResponse]{"wallet.binding_inquiry"}
	WalletUnbinding          = Route[schemas.WalletUnbindingRequest, schemas.WalletUnbindingResponse]{"wallet.unbinding"}
	WalletBalanceInquiry     = Route[schemas.WalletBalanceInquiryRequest, schemas.WalletBalanceInquiryResponse]{"wallet.balance_inquiry"}
	WalletBankAccountInquiry = Route[schemas.WalletBankAccountInquiryRequest, schemas.WalletBankAccountInquiryResponse]{"wallet.bank_account_inquiry"}
	WalletTransferBank       = Route[schemas.WalletTransferBankRequest, schemas.WalletTransferBankResponse]{"wallet.transfer_bank"}
	WalletTopUp              = Route[schemas.WalletTopUpRequest, schemas.WalletTopUpResponse]{"wallet.topup"}
	WalletTopUpStatus        = Route[schemas.WalletTopUpStatusRequest, schemas.SNAPStatusResponse]{"wallet.topup_status"}
	WalletDebitPayment       = Route[schemas.WalletDebitPaymentRequest, schemas.WalletDebitPaymentResponse]{"wallet.debit_payment"}
	WalletDebitStatus        = Route[schemas.WalletDebitStatusRequest, schemas.SNAPStatusResponse]{"wallet.debit_status"}
	WalletDebitCancel        = Route[schemas.WalletDebitCancelRequest, schemas.WalletDebitCancelResponse]{"wallet.debit_cancel"}
	WalletDebitRefund        = Route[schemas.WalletDebitRefundRequest, schemas.WalletDebitRefundResponse]{"wallet.debit_refund"}
	WalletHistoryList        = Route[schemas.WalletHistoryListRequest, schemas.WalletHistoryListResponse]{"wallet.history_list"}
	WalletHistoryDetail      = Route[schemas.WalletHistoryDetailRequest, schemas.WalletHistoryDetailResponse]{"wallet.history_detail"}

	AkulakuGenerateOrder = Route[schemas.AkulakuOrderRequest, schemas.AkulakuOrderResponse]{"akulaku.generate_order"}
	AkulakuCancel        = Route[schemas.AkulakuCancelRequest, schemas.AkulakuCancelResponse]{"akulaku.cancel"}
	AkulakuRefund        = Route[schemas.AkulakuRefundRequest, schemas.AkulakuRefundResponse]{"akulaku.refund"}
)

// All lists every typed route, in table order.
func All() []Named {
	return []Named{
		DANAPayment, DANARefund,
		CardsPaymentPage, CardsCapture, CardsRefund, CardsDeleteToken,
		KirimBankAccountInquiry, KirimBalanceInquiry, KirimTransferBank, KirimQRMPMStatus,
		WalletAccountCreation, WalletOTPVerification, WalletBinding, WalletBindingInquiry, WalletUnbinding,
		WalletBalanceInquiry, WalletBankAccountInquiry, WalletTransferBank, WalletTopUp, WalletTopUpStatus,
		WalletDebitPayment, WalletDebitStatus, WalletDebitCancel, WalletDebitRefund, WalletHistoryList, WalletHistoryDetail,
		AkulakuGenerateOrder, AkulakuCancel, AkulakuRefund,
	}
}

// types returns pointers to zero Req and Resp (for the table test).
func (r Route[Req, Resp]) types() (any, any) { return new(Req), new(Resp) }
