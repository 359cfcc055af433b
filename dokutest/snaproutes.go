package dokutest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// handleSNAP runs the business of one verified SNAP call.
func (s *Server) handleSNAP(c *call) answer {
	switch req := c.req.(type) {
	case *schemas.DANAPaymentRequest:
		return s.createPayment(c, req.PartnerReferenceNo, req.Amount, req.AdditionalInfo.Channel, "")
	case *schemas.WalletDebitPaymentRequest:
		return s.createPayment(c, req.PartnerReferenceNo, req.Amount, "EMONEY_DOKU_SNAP", c.customer.accountID)
	case *schemas.DANARefundRequest:
		return s.refund(c, "dana", req.OriginalPartnerReferenceNo, req.PartnerRefundNo, &req.RefundAmount)
	case *schemas.WalletDebitRefundRequest:
		return s.refund(c, "wallet", req.OriginalPartnerReferenceNo, req.PartnerRefundNo, req.RefundAmount)
	case *schemas.WalletDebitStatusRequest:
		return s.status(c, "wallet", req.PartnerReferenceNo, req.ServiceCode)
	case *schemas.WalletTopUpStatusRequest:
		return s.status(c, "topup", req.OriginalPartnerReferenceNo, req.ServiceCode)
	case *schemas.KirimStatusRequest:
		return s.status(c, "kirim", req.OriginalPartnerReferenceNo, req.ServiceCode)
	case *schemas.WalletDebitCancelRequest:
		return s.cancelPayment(c, req.OriginalPartnerReferenceNo)
	case *schemas.WalletTopUpRequest:
		return s.topUp(c, req)
	case *schemas.KirimBankAccountInquiryRequest:
		return s.kirimInquiry(c, req)
	case *schemas.KirimTransferBankRequest:
		return s.kirimTransfer(c, req)
	case *schemas.KirimBalanceInquiryRequest:
		return c.ok(map[string]any{"responseCode": c.rt.SuccessCode, "responseMessage": "Successful", "accountNo": req.AccountNo,
			"name": "DOKU Simulator Agent", "accountInfos": map[string]any{
				"holdAmount":       map[string]string{"value": "0.00", "currency": "IDR"},
				"avaliableBalance": map[string]string{"value": "100000000.00", "currency": "IDR"}}})
	case *schemas.WalletAccountCreationRequest:
		s.mu.Lock()
		ref := s.st.ref("REG")
		s.st.creations[req.PartnerReferenceNo] = ref
		s.mu.Unlock()
		return c.ok(schemas.WalletAccountCreationResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
			ReferenceNo: fs(ref), PartnerReferenceNo: fs(req.PartnerReferenceNo)})
	case *schemas.WalletOTPVerificationRequest:
		s.mu.Lock()
		ref, ok := s.st.creations[req.OriginalPartnerReferenceNo]
		s.mu.Unlock()
		if !ok || ref != req.OriginalReferenceNo {
			return c.notFound()
		}
		return c.ok(schemas.WalletOTPVerificationResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
			OriginalPartnerReferenceNo: fs(req.OriginalPartnerReferenceNo), OriginalReferenceNo: fs(ref), SendOTPFlag: "YES",
			QparamsURL: fs(c.s.URL + "/_dokutest/create-pin")})
	case *schemas.WalletBindingRequest:
		return s.bind(c, req)
	case *schemas.WalletBindingInquiryRequest:
		return s.bindingInquiry(c, req)
	case *schemas.WalletUnbindingRequest:
		s.mu.Lock()
		var b *binding
		for _, x := range s.st.bindings {
			if x.linkID == req.LinkID && !x.unbound {
				b = x
			}
		}
		if b != nil {
			b.unbound = true
		}
		s.mu.Unlock()
		if b == nil {
			return c.notFound()
		}
		return c.ok(schemas.WalletUnbindingResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
			ReferenceNo: fs(s.st.ref("UNB")), PartnerReferenceNo: fs(req.PartnerReferenceNo), MerchantID: fs(req.MerchantID),
			LinkID: fs(req.LinkID), UnlinkResult: "success"})
	case *schemas.WalletBalanceInquiryRequest:
		return c.ok(map[string]any{"responseCode": code(c), "responseMessage": "Request has been processed successfully",
			"referenceNo": s.st.ref("BAL"), "partnerReferenceNo": req.PartnerReferenceNo, "accountNo": c.customer.accountID,
			"name": "DOKU Simulator Customer", "accountInfo": map[string]any{"balanceType": "Cash",
				"amount": map[string]string{"value": "1000000.00", "currency": "IDR"}}})
	case *schemas.WalletBankAccountInquiryRequest:
		resp := schemas.WalletBankAccountInquiryResponse{ResponseCode: code(c), ResponseMessage: "Successful", ReferenceNo: fs(s.st.ref("BAI")),
			PartnerReferenceNo: fs(req.PartnerReferenceNo), BeneficiaryAccountNumber: fs(req.BeneficiaryAccountNumber),
			BeneficiaryAccountName: "DOKU SIMULATOR"}
		if req.AdditionalInfo != nil {
			resp.BeneficiaryBankCode = fs(req.AdditionalInfo.BankCode)
		}
		if req.Amount != nil {
			resp.Amount = &schemas.LenientMoney{Value: fs(req.Amount.Value), Currency: fs(req.Amount.Currency)}
		}
		return c.ok(resp)
	case *schemas.WalletTransferBankRequest:
		return c.ok(schemas.WalletTransferBankResponse{ResponseCode: code(c), ResponseMessage: "Successful", ReferenceNo: fs(s.st.ref("TRF")),
			PartnerReferenceNo: fs(req.PartnerReferenceNo), TransactionDate: fs(sign.FormatTimestamp(c.now)), ReferenceNumber: fs(s.st.ref("RN"))})
	case *schemas.WalletHistoryListRequest:
		return s.historyList(c)
	case *schemas.WalletHistoryDetailRequest:
		s.mu.Lock()
		p := s.lookup("wallet", req.PartnerReferenceNo)
		var resp schemas.WalletHistoryDetailResponse
		if p != nil {
			resp = schemas.WalletHistoryDetailResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
				ReferenceNo: fs(p.ReferenceNo), PartnerReferenceNo: fs(p.Reference),
				Amount:   &schemas.LenientMoney{Value: fs(formatAmount(p.amount)), Currency: fs(p.Currency)},
				DateTime: fs(sign.FormatTimestamp(p.Created)), Remark: "Payment", Status: fs(statusWord(p.Status)), Type: "PAYMENT"}
		}
		s.mu.Unlock()
		if p == nil {
			return c.notFound()
		}
		return c.ok(resp)
	}
	return c.fail(http.StatusInternalServerError, 0, "General Error", outcomeFault)
}

func code(c *call) schemas.FlexString { return schemas.FlexString(c.rt.SuccessCode) }
func fs(v string) schemas.FlexString  { return schemas.FlexString(v) }

func statusWord(st string) string {
	switch st {
	case StatusSuccess:
		return "SUCCESS"
	case StatusPending:
		return "PENDING"
	case StatusRefunded:
		return "REFUNDED"
	case StatusCanceled:
		return "CANCELED"
	}
	return "FAILED"
}

// createPayment accepts a DANA or DOKU Wallet debit payment: pending until
// completed (at once with AutoComplete).
func (s *Server) createPayment(c *call, ref string, amt schemas.Money, channel, account string) answer {
	cents, ok := parseAmount(amt.Value)
	if !ok || cents <= 0 {
		return c.fail(http.StatusBadRequest, 1, "Invalid Field Format {amount.value}", outcomeBadRequest)
	}
	s.mu.Lock()
	p := &payment{Payment: Payment{Reference: ref, ReferenceNo: s.st.ref("DD"), Route: c.rt.Name, Currency: amt.Currency,
		ExternalID: c.externalID, Created: c.now}, amount: cents, refunds: map[string]int64{}, account: account, channel: channel}
	s.addPayment(p)
	var jobs []notification
	if s.cfg.AutoComplete {
		jobs = s.completeLocked(p, StatusSuccess)
	}
	refNo := p.ReferenceNo
	s.mu.Unlock()
	redirect := s.URL + "/_dokutest/checkout/" + refNo
	var a answer
	if c.rt.Name == "dana.payment" {
		a = c.ok(schemas.DANAPaymentResponse{ResponseCode: code(c), ResponseMessage: "Successful", WebRedirectURL: fs(redirect),
			PartnerReferenceNo: fs(ref), ReferenceNo: fs(refNo)})
	} else {
		a = c.ok(schemas.WalletDebitPaymentResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
			ReferenceNo: fs(refNo), PartnerReferenceNo: fs(ref), WebRedirectURL: fs(redirect)})
	}
	a.jobs = jobs
	return a
}

// refund refunds a paid payment, in parts, up to its amount.
func (s *Server) refund(c *call, kind, original, refundNo string, amt *schemas.Money) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(kind, original)
	if p == nil {
		return c.notFound()
	}
	if p.Status != StatusSuccess {
		return c.fail(http.StatusNotFound, 0, "Invalid Transaction Status", outcomeRejected)
	}
	cents := p.amount - p.refunded
	if amt != nil {
		v, ok := parseAmount(amt.Value)
		if !ok || v <= 0 || amt.Currency != p.Currency || v > p.amount-p.refunded {
			// SNAP 404xx13 "Invalid Amount": more than is left to refund.
			return c.fail(http.StatusNotFound, 13, "Invalid Amount", outcomeRejected)
		}
		cents = v
	}
	p.refunds[refundNo] = cents
	p.refunded += cents
	if p.refunded == p.amount {
		p.Status = StatusRefunded
	}
	money := &schemas.LenientMoney{Value: fs(formatAmount(cents)), Currency: fs(p.Currency)}
	rno := s.st.ref("RF")
	if kind == "dana" {
		return c.ok(schemas.DANARefundResponse{ResponseCode: code(c), ResponseMessage: "Successful", OriginalPartnerReferenceNo: fs(p.Reference),
			OriginalReferenceNo: fs(p.ReferenceNo), RefundNo: fs(rno), PartnerRefundNo: fs(refundNo), RefundAmount: money, RefundTime: fs(sign.FormatTimestamp(c.now))})
	}
	return c.ok(schemas.WalletDebitRefundResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
		OriginalPartnerReferenceNo: fs(p.Reference), OriginalReferenceNo: fs(p.ReferenceNo), RefundNo: fs(rno), PartnerRefundNo: fs(refundNo),
		RefundAmount: money, RefundTime: fs(sign.FormatTimestamp(c.now))})
}

// status answers a SNAP status query.
func (s *Server) status(c *call, kind, ref, service string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(kind, ref)
	if p == nil {
		return c.notFound()
	}
	resp := schemas.SNAPStatusResponse{ResponseCode: code(c), ResponseMessage: "Successful", OriginalPartnerReferenceNo: fs(p.Reference),
		OriginalReferenceNo: fs(p.ReferenceNo), OriginalExternalID: fs(p.ExternalID), ServiceCode: fs(service),
		LatestTransactionStatus: fs(p.Status), TransactionStatusDesc: fs(statusWord(p.Status)),
		Amount:          &schemas.LenientMoney{Value: fs(formatAmount(p.amount)), Currency: fs(p.Currency)},
		TransactionDate: fs(sign.FormatTimestamp(p.Created))}
	if p.Status == StatusSuccess {
		resp.PaidTime = fs(sign.FormatTimestamp(p.Created))
	}
	return c.ok(resp)
}

// cancel cancels a pending or paid, not refunded, DOKU Wallet payment.
func (s *Server) cancelPayment(c *call, ref string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup("wallet", ref)
	if p == nil {
		return c.notFound()
	}
	if (p.Status != StatusPending && p.Status != StatusSuccess) || p.refunded > 0 {
		return c.fail(http.StatusNotFound, 0, "Invalid Transaction Status", outcomeRejected)
	}
	p.Status = StatusCanceled
	return c.ok(schemas.WalletDebitCancelResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
		OriginalReferenceNo: fs(p.ReferenceNo), OriginalPartnerReferenceNo: fs(p.Reference), CancelTime: fs(sign.FormatTimestamp(c.now)),
		TransactionDate: fs(sign.FormatTimestamp(p.Created))})
}

func (s *Server) topUp(c *call, req *schemas.WalletTopUpRequest) answer {
	cents, ok := parseAmount(req.Amount.Value)
	if !ok || cents <= 0 {
		return c.fail(http.StatusBadRequest, 1, "Invalid Field Format {amount.value}", outcomeBadRequest)
	}
	s.mu.Lock()
	p := &payment{Payment: Payment{Reference: req.PartnerReferenceNo, ReferenceNo: s.st.ref("TOP"), Route: c.rt.Name, Currency: req.Amount.Currency,
		ExternalID: c.externalID, Created: c.now}, amount: cents, refunds: map[string]int64{}, account: c.customer.accountID}
	s.addPayment(p)
	p.Status = StatusSuccess // a top-up from the partner's own balance completes at once
	s.mu.Unlock()
	return c.ok(schemas.WalletTopUpResponse{ResponseCode: code(c), ResponseMessage: "Successful", ReferenceNo: fs(p.ReferenceNo),
		PartnerReferenceNo: fs(req.PartnerReferenceNo), SessionID: fs(req.SessionID), CustomerNumber: fs(req.CustomerNumber)})
}

func (s *Server) historyList(c *call) answer {
	s.mu.Lock()
	var entries []schemas.WalletHistoryEntry
	for _, p := range s.st.order {
		if p.account == c.customer.accountID {
			entries = append(entries, schemas.WalletHistoryEntry{DateTime: fs(sign.FormatTimestamp(p.Created)),
				Amount: &schemas.LenientMoney{Value: fs(formatAmount(p.amount)), Currency: fs(p.Currency)},
				Remark: fs(p.Reference), Status: fs(statusWord(p.Status)), Type: "PAYMENT"})
		}
	}
	s.mu.Unlock()
	if entries == nil {
		entries = []schemas.WalletHistoryEntry{}
	}
	return c.ok(map[string]any{"responseCode": c.rt.SuccessCode, "responseMessage": "Request has been processed successfully", "detailData": entries})
}

// bind starts an account binding: the account (successParams.accountId, or
// a new one) gets a linkId and an authCode, which binding inquiry reveals.
func (s *Server) bind(c *call, req *schemas.WalletBindingRequest) answer {
	s.mu.Lock()
	account := ""
	if req.SuccessParams != nil {
		account = req.SuccessParams.AccountID
	}
	if account == "" {
		account = fmt.Sprintf("11%08d", s.st.seq.Add(1))
	}
	b := &binding{accountID: account, linkID: s.st.ref("LNK"), partnerRef: req.PartnerReferenceNo, referenceNo: s.st.ref("BND")}
	b.authCode = s.st.ref("AUTH")
	s.st.authCodes[b.authCode] = account
	if old := s.st.bindings[account]; old != nil {
		delete(s.st.authCodes, old.authCode)
	}
	s.st.bindings[account] = b
	s.mu.Unlock()
	return c.ok(schemas.WalletBindingResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
		ReferenceNo: fs(b.referenceNo), PartnerReferenceNo: fs(req.PartnerReferenceNo), LinkID: fs(b.linkID),
		NextAction: fs(s.URL + "/_dokutest/account-binding/" + b.linkID), RedirectURL: fs(req.RedirectURL),
		UserInfo: schemas.FlexObject{Raw: mustJSON(map[string]string{"publicUserId": account})}})
}

// bindingInquiry answers with the bound account and, as the DOKU Wallet
// page shows, additionalInfo.authCode for the B2B2C token. An authCode is
// single use: once exchanged, the next inquiry gets a fresh one.
func (s *Server) bindingInquiry(c *call, req *schemas.WalletBindingInquiryRequest) answer {
	s.mu.Lock()
	var b *binding
	if req.AdditionalInfo != nil && req.AdditionalInfo.AccountID != "" {
		b = s.st.bindings[req.AdditionalInfo.AccountID]
	} else {
		for _, x := range s.st.bindings {
			if x.partnerRef == req.PartnerReferenceNo {
				b = x
			}
		}
	}
	if b == nil || b.unbound {
		s.mu.Unlock()
		return c.notFound()
	}
	if _, unused := s.st.authCodes[b.authCode]; !unused {
		b.authCode = s.st.ref("AUTH")
		s.st.authCodes[b.authCode] = b.accountID
	}
	resp := schemas.WalletBindingInquiryResponse{ResponseCode: code(c), ResponseMessage: "Request has been processed successfully",
		ReferenceNo: fs(b.referenceNo), PartnerReferenceNo: fs(req.PartnerReferenceNo), AccountNo: fs(b.accountID),
		AdditionalInfo: schemas.FlexObject{Raw: mustJSON(map[string]string{"linkId": b.linkID, "authCode": b.authCode})}}
	s.mu.Unlock()
	return c.ok(resp)
}

// kirimInquiry is Kirim DOKU's account inquiry, required before a transfer
// to the same beneficiary.
func (s *Server) kirimInquiry(c *call, req *schemas.KirimBankAccountInquiryRequest) answer {
	bank := ""
	if req.AdditionalInfo != nil {
		bank = req.AdditionalInfo.BeneficiaryBankCode
	}
	s.mu.Lock()
	session := s.st.ref("I")
	s.st.inquiries[bank+"\x00"+req.BeneficiaryAccountNumber] = session
	s.st.inquiries["\x00"+req.BeneficiaryAccountNumber] = session
	ref := s.st.ref("I")
	s.mu.Unlock()
	resp := schemas.KirimBankAccountInquiryResponse{ResponseCode: code(c), ResponseMessage: "Successful", ReferenceNo: fs(ref),
		PartnerReferenceNo: fs(req.PartnerReferenceNo), BeneficiaryAccountNumber: fs(req.BeneficiaryAccountNumber),
		BeneficiaryAccountName: "DOKU SIMULATOR", BeneficiaryBankCode: fs(bank), BeneficiaryBankShortName: fs(bankName(bank)),
		BeneficiaryBankName: fs(bankName(bank)), SessionID: fs(session)}
	if req.Amount != nil {
		resp.Amount = &schemas.LenientMoney{Value: fs(req.Amount.Value), Currency: fs(req.Amount.Currency)}
	}
	return c.ok(resp)
}

func bankName(code string) string {
	switch code {
	case "002":
		return "Bank BRI"
	case "014":
		return "Bank Central Asia BCA"
	}
	return "Bank " + code
}

// kirimRefundAccount is the beneficiary account the Kirim DOKU page names
// for a sandbox refund.
const kirimRefundAccount = "7746555134"

// kirimTransfer is Kirim DOKU's transfer to a bank account. The Kirim page's
// sandbox rules: an account containing 12345 is UNPAID until completed,
// then FAILED for bank 002 and SUCCESS for any other bank (the unpaid
// callback says which); account 7746555134 is pending until completed,
// then refunded (the refund callback; the sandbox sends it "5 minutes
// after" the transfer); any other account succeeds at once.
func (s *Server) kirimTransfer(c *call, req *schemas.KirimTransferBankRequest) answer {
	cents, ok := parseAmount(req.Amount.Value)
	if !ok || cents <= 0 {
		return c.fail(http.StatusBadRequest, 1, "Invalid Field Format {amount.value}", outcomeBadRequest)
	}
	s.mu.Lock()
	session, inquired := s.st.inquiries[req.BeneficiaryBankCode+"\x00"+req.BeneficiaryAccountNumber]
	if !inquired {
		session, inquired = s.st.inquiries["\x00"+req.BeneficiaryAccountNumber]
	}
	if !inquired || (req.SessionID != "" && req.SessionID != session) {
		s.mu.Unlock()
		// The Kirim page makes the account inquiry mandatory before a
		// transfer: without one for this beneficiary there is nothing to
		// transfer against.
		return c.fail(http.StatusNotFound, 1, "Transaction Not Found. Account inquiry required before transfer", outcomeNotFound)
	}
	p := &payment{Payment: Payment{Reference: req.PartnerReferenceNo, ReferenceNo: s.st.ref("DK"), Route: c.rt.Name, Currency: req.Amount.Currency,
		ExternalID: c.externalID, Created: c.now}, amount: cents, refunds: map[string]int64{},
		bank: req.BeneficiaryBankCode, beneficiary: req.BeneficiaryAccountNumber}
	s.addPayment(p)
	var jobs []notification
	switch {
	case req.BeneficiaryAccountNumber == kirimRefundAccount:
		p.kirimOutcome = "refunded"
	case strings.Contains(req.BeneficiaryAccountNumber, "12345"):
		p.kirimOutcome = "success"
		if req.BeneficiaryBankCode == "002" {
			p.kirimOutcome = "failed"
		}
	default:
		p.Status = StatusSuccess
	}
	if p.kirimOutcome != "" && s.cfg.AutoComplete {
		jobs = s.completeLocked(p, StatusSuccess)
	}
	s.mu.Unlock()
	a := c.ok(schemas.KirimTransferBankResponse{ResponseCode: code(c), ResponseMessage: "Successful", ReferenceNo: fs(p.ReferenceNo),
		PartnerReferenceNo: fs(req.PartnerReferenceNo), TransactionDate: fs(sign.FormatTimestamp(c.now)), ReferenceNumber: fs(s.st.ref("RN")),
		AdditionalInfo: schemas.FlexObject{Raw: mustJSON(map[string]string{"sessionId": session, "amount": req.Amount.Value})}})
	a.jobs = jobs
	return a
}
