package dokutest

import (
	"net/http"
	"strconv"

	"github.com/dokukit/dokukit/schemas"
)

// handleNonSNAP runs the business of one verified Cards or Akulaku call.
// Amounts are whole IDR on these APIs; they are kept as cents like SNAP's.
func (s *Server) handleNonSNAP(c *call) answer {
	switch req := c.req.(type) {
	case *schemas.CardsPaymentRequest:
		s.mu.Lock()
		p := &payment{Payment: Payment{Reference: req.Order.InvoiceNumber, ReferenceNo: s.st.ref("CC"), Route: c.rt.Name, Currency: "IDR",
			ExternalID: c.requestID, AuthorizeID: s.st.ref("AUTHZ"), Created: c.now}, amount: req.Order.Amount * 100, refunds: map[string]int64{}}
		s.addPayment(p)
		var jobs []notification
		if s.cfg.AutoComplete {
			jobs = s.completeLocked(p, StatusSuccess)
		}
		s.mu.Unlock()
		items := make([]schemas.LenientLineItem, 0, len(req.Order.LineItems))
		for _, li := range req.Order.LineItems {
			items = append(items, schemas.LenientLineItem{Name: fs(li.Name), Price: fs(strconv.FormatInt(li.Price, 10)), Quantity: fs(strconv.FormatInt(li.Quantity, 10))})
		}
		var resp schemas.CardsPaymentResponse
		resp.Order.InvoiceNumber = fs(req.Order.InvoiceNumber)
		resp.Order.LineItems = items
		resp.Order.SessionID = fs(p.ReferenceNo)
		resp.CreditCardPaymentPage.URL = fs(s.URL + "/_dokutest/checkout/" + p.ReferenceNo)
		if req.AdditionalInfo != nil {
			resp.AdditionalInfo = schemas.FlexObject{Raw: mustJSON(req.AdditionalInfo)}
		}
		a := nonSNAPOK(resp)
		a.jobs = jobs
		return a
	case *schemas.CardsCaptureRequest:
		s.mu.Lock()
		p := s.st.byAuthID[req.Payment.AuthorizeID]
		if p == nil {
			s.mu.Unlock()
			return nonSNAPError(http.StatusNotFound, "transaction_not_found", "no authorization with this authorize_id", nil)
		}
		amount := p.amount / 100
		if req.Payment.CaptureAmount != "" {
			v, err := strconv.ParseInt(req.Payment.CaptureAmount, 10, 64)
			if err != nil || v <= 0 || v > amount {
				s.mu.Unlock()
				return nonSNAPError(http.StatusBadRequest, "invalid_amount", "capture_amount must be at most the authorized amount", nil)
			}
			amount = v
		}
		status := "SUCCESS"
		if p.Status != StatusSuccess {
			status = "FAILED"
		}
		inv := p.Reference
		s.mu.Unlock()
		var resp schemas.CardsCaptureResponse
		resp.Order.InvoiceNumber = fs(inv)
		resp.Order.Amount = fs(strconv.FormatInt(amount, 10))
		resp.Payment.Type = "CAPTURE"
		resp.Payment.RequestID = fs(c.requestID)
		resp.Payment.AuthorizeID = fs(req.Payment.AuthorizeID)
		resp.Payment.ResponseCode = "00"
		resp.Payment.ResponseMessage = "SUCCESS"
		resp.Payment.Status = fs(status)
		return nonSNAPOK(resp)
	case *schemas.CardsRefundRequest:
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.lookup("cards", req.Order.InvoiceNumber)
		if p == nil || p.ExternalID != req.Payment.OriginalRequestID {
			return nonSNAPError(http.StatusNotFound, "transaction_not_found", "no payment with this invoice_number and original_request_id", nil)
		}
		if p.Status != StatusSuccess {
			return nonSNAPError(http.StatusBadRequest, "invalid_status", "only a paid order can be refunded", nil)
		}
		cents := req.Refund.Amount * 100
		if cents > p.amount-p.refunded {
			return nonSNAPError(http.StatusBadRequest, "invalid_amount", "refund.amount exceeds what is left to refund", nil)
		}
		typ := schemas.RefundPartial
		if p.refunded == 0 && cents == p.amount {
			typ = schemas.RefundFull
		}
		p.refunded += cents
		if p.refunded == p.amount {
			p.Status = StatusRefunded
		}
		var resp schemas.CardsRefundResponse
		resp.Order.InvoiceNumber = fs(p.Reference)
		resp.Payment.OriginalRequestID = fs(req.Payment.OriginalRequestID)
		resp.Refund.Amount = fs(strconv.FormatInt(req.Refund.Amount, 10))
		resp.Refund.Type = fs(typ)
		resp.Refund.Status = "SUCCESS"
		resp.Refund.Message = "Approved"
		resp.Refund.ApprovalCode = fs(s.st.ref("AP"))
		return nonSNAPOK(resp)
	case *schemas.CardsDeleteTokenRequest:
		s.mu.Lock()
		gone := s.st.deleted[req.TokenID]
		s.st.deleted[req.TokenID] = true
		s.mu.Unlock()
		st := "DELETE SUCCESS"
		if gone {
			st = "DELETE FAILED"
		}
		return nonSNAPOK(schemas.CardsDeleteTokenResponse{Status: fs(st)})
	case *schemas.AkulakuOrderRequest:
		s.mu.Lock()
		p := &payment{Payment: Payment{Reference: req.Order.InvoiceNumber, ReferenceNo: s.st.ref("AK"), Route: c.rt.Name, Currency: "IDR",
			ExternalID: c.requestID, Created: c.now}, amount: req.Order.Amount * 100, refunds: map[string]int64{}}
		s.addPayment(p)
		var jobs []notification
		if s.cfg.AutoComplete {
			jobs = s.completeLocked(p, StatusSuccess)
		}
		s.mu.Unlock()
		var resp schemas.AkulakuOrderResponse
		resp.Order.InvoiceNumber = fs(req.Order.InvoiceNumber)
		resp.Order.Amount = fs(strconv.FormatInt(req.Order.Amount, 10))
		resp.Payment.MerchantUniqueReference = fs(req.Payment.MerchantUniqueReference)
		resp.Payment.URL = fs(s.URL + "/_dokutest/checkout/" + p.ReferenceNo)
		resp.Payment.Status = "PENDING"
		resp.Payment.Identifier = []schemas.NameValue{{Name: "ORDER_ID", Value: fs(p.ReferenceNo)},
			{Name: "AKULAKU_UNIQUE_REFERENCE", Value: fs(s.cfg.ClientID + req.Payment.MerchantUniqueReference)}}
		a := nonSNAPOK(resp)
		a.jobs = jobs
		return a
	case *schemas.AkulakuCancelRequest:
		ch, miss := s.akulakuChange(req.Order.InvoiceNumber, StatusPending, StatusCanceled, "CANCELLED")
		if miss != nil {
			return *miss
		}
		var resp schemas.AkulakuCancelResponse
		resp.Order.InvoiceNumber, resp.Order.Amount = ch.invoice, ch.amount
		resp.Payment.MerchantUniqueReference = fs(req.Payment.MerchantUniqueReference)
		resp.Payment.Date = fs(c.now.UTC().Format("2006-01-02T15:04:05Z"))
		resp.Cancel.Date = resp.Payment.Date
		resp.Payment.Status, resp.Cancel.Status = ch.paymentStatus, ch.result
		return nonSNAPOK(resp)
	case *schemas.AkulakuRefundRequest:
		ch, miss := s.akulakuChange(req.Order.InvoiceNumber, StatusSuccess, StatusRefunded, "REFUNDED")
		if miss != nil {
			return *miss
		}
		var resp schemas.AkulakuRefundResponse
		resp.Order.InvoiceNumber, resp.Order.Amount = ch.invoice, ch.amount
		resp.Payment.MerchantUniqueReference = fs(req.Payment.MerchantUniqueReference)
		resp.Refund.MerchantUniqueReference = fs(req.Refund.MerchantUniqueReference)
		resp.Refund.Date = fs(c.now.UTC().Format("2006-01-02T15:04:05Z"))
		resp.Payment.Status, resp.Refund.Status = ch.paymentStatus, ch.result
		return nonSNAPOK(resp)
	}
	return nonSNAPError(http.StatusInternalServerError, "internal", "general error", nil)
}

// akulakuChanged is what an Akulaku cancel or refund answer reports of
// the order: its invoice, its amount in whole IDR, the payment status after
// the call and the call's result (SUCCESS or FAILED).
type akulakuChanged struct {
	invoice, amount, paymentStatus, result schemas.FlexString
}

// akulakuChange moves the Akulaku order of invoice from status from to
// status to, which the payment then shows as word; an order in any other
// status is left as it is and the change FAILED. A refund is of the full
// amount: Akulaku refunds nothing less. No order answers 404.
func (s *Server) akulakuChange(invoice, from, to string, word schemas.FlexString) (akulakuChanged, *answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup("akulaku", invoice)
	if p == nil {
		a := nonSNAPError(http.StatusNotFound, "transaction_not_found", "no order with this invoice_number", nil)
		return akulakuChanged{}, &a
	}
	ch := akulakuChanged{invoice: fs(p.Reference), amount: fs(strconv.FormatInt(p.amount/100, 10))}
	if p.Status != from {
		ch.paymentStatus, ch.result = fs(statusWord(p.Status)), "FAILED"
		return ch, nil
	}
	p.Status = to
	if to == StatusRefunded {
		p.refunded = p.amount
	}
	ch.paymentStatus, ch.result = word, "SUCCESS"
	return ch, nil
}

func nonSNAPOK(v any) answer {
	return answer{status: http.StatusOK, body: mustJSON(v), code: "", outcome: outcomeOK}
}
