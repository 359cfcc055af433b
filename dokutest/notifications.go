package dokutest

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/internal/uuid"
)

// Delivery is one try at delivering a notification to the merchant.
type Delivery struct {
	// Channel is the conformance channel name ("snap-debit", "nonsnap",
	// "kirim-unpaid", "kirim-refund").
	Channel string `json:"channel"`
	// Path is the merchant path it was sent to.
	Path string `json:"path"`
	// Reference is the payment's or transfer's merchant reference.
	Reference string `json:"reference"`
	// NotificationID is the X-EXTERNAL-ID, Request-Id or requestId every
	// try of this notification carries.
	NotificationID string `json:"notificationId"`
	// Attempt counts from 1 (the first try); retries follow DOKU's schedule.
	Attempt int `json:"attempt"`
	// Status is the merchant's HTTP status, 0 when there was no answer.
	Status int `json:"status"`
	// Err says why there was no answer (or no notification could be built,
	// e.g. the merchant's token endpoint refused the token request).
	Err string `json:"error,omitempty"`
	// Time is when the try started (Config.Now).
	Time time.Time `json:"time"`
	// Acknowledged is true for a 2xx answer: DOKU stops retrying.
	Acknowledged bool `json:"acknowledged"`
}

// Deliveries lists every notification try so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]Delivery, 0, len(s.dels)), s.dels...)
}

// notification is one notification to deliver, with its retries.
type notification struct {
	channel   conformance.Channel
	path      string
	body      []byte
	id        string
	reference string
	// transfer names a Kirim DOKU callback's transfer (the sender puts its
	// ids into the body).
	transfer conformance.KirimTransfer
}

func numericID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e15))
	if err != nil {
		return "1"
	}
	return n.String()
}

// notificationsFor builds the notification a completed p causes; nil
// without NotifyURL. The caller holds s.mu.
func (s *Server) notificationsFor(p *payment) []notification {
	if s.notifyTo == nil {
		return nil
	}
	now := s.cfg.Now()
	paths := s.cfg.NotifyPaths
	switch p.Route {
	case "dana.payment", "wallet.debit_payment":
		accountType := "DIRECT_DEBIT"
		if p.Route == "wallet.debit_payment" {
			accountType = "WALLET"
		}
		body := mustJSON(map[string]any{
			"originalPartnerReferenceNo": p.Reference, "originalReferenceNo": p.ReferenceNo, "originalExternalId": p.ExternalID,
			"latestTransactionStatus": p.Status, "transactionStatusDesc": statusWord(p.Status),
			"amount":         map[string]string{"value": formatAmount(p.amount), "currency": p.Currency},
			"additionalInfo": map[string]string{"channel": p.channel, "accountType": accountType, "custIdMerchant": p.account},
		})
		return []notification{{channel: conformance.SNAPDebit, path: paths.SNAPDebit, body: body, id: numericID(), reference: p.Reference}}
	case "cards.payment_page", "akulaku.generate_order":
		status := "SUCCESS"
		if p.Status != StatusSuccess {
			status = "FAILED"
		}
		n := map[string]any{
			"order":       map[string]any{"invoice_number": p.Reference, "amount": p.amount / 100},
			"transaction": map[string]any{"status": status, "date": now.UTC().Format("2006-01-02T15:04:05Z"), "original_request_id": p.ExternalID},
		}
		if p.Route == "cards.payment_page" {
			n["service"], n["acquirer"], n["channel"] = map[string]string{"id": "CREDIT_CARD"}, map[string]string{"id": "BANK_MANDIRI"}, map[string]string{"id": "CREDIT_CARD"}
			n["card_payment"] = map[string]any{"masked_card_number": "557338******1101", "approval_code": "123456", "response_code": "00",
				"response_message": "SUCCESS", "issuer": "Bank Mandiri", "authorize_id": p.AuthorizeID}
		} else {
			n["service"], n["acquirer"], n["channel"] = map[string]string{"id": "PEER_TO_PEER"}, map[string]string{"id": "AKULAKU"}, map[string]string{"id": "PEER_TO_PEER_AKULAKU"}
			n["peer_to_peer_info"] = map[string]any{"status": status, "identifier": []map[string]string{{"name": "ORDER_ID", "value": p.ReferenceNo}}}
		}
		return []notification{{channel: conformance.NonSNAP, path: paths.NonSNAP, body: mustJSON(n), id: uuid.V4(), reference: p.Reference}}
	case "kirim.transfer_bank":
		if len(s.cfg.KirimKey) == 0 {
			return nil
		}
		process := now.In(wib).Format("2006-01-02T15:04:05")
		if p.Status == StatusRefunded {
			body := mustJSON(map[string]string{"transactionId": p.ReferenceNo, "transactionStatus": "40", "activityCode": "200",
				"message": "Transaction is Refunded", "processDate": process})
			return []notification{{channel: conformance.KirimRefund, path: paths.KirimRefund, body: body, id: uuid.V4(), reference: p.Reference,
				transfer: conformance.KirimTransfer{TransactionID: p.ReferenceNo}}}
		}
		st, msg := "50", "Transaction is Success"
		if p.Status == StatusFailed {
			st, msg = "35", "Transaction is Failed"
		}
		body := mustJSON(map[string]string{"sendTrxId": p.Reference, "transactionId": p.ReferenceNo, "invoiceNumber": p.Reference,
			"transactionStatus": st, "activityCode": "200", "message": msg, "processDate": process,
			"createdTime": big.NewInt(p.Created.UnixMilli()).String()})
		return []notification{{channel: conformance.KirimUnpaid, path: paths.KirimUnpaid, body: body, id: uuid.V4(), reference: p.Reference,
			transfer: conformance.KirimTransfer{TransactionID: p.ReferenceNo, InvoiceNumber: p.Reference, SendTrxID: p.Reference}}}
	}
	return nil
}

// send delivers n in the background: the first try now, then a retry for
// each step of the retry schedule (times RetryScale, from the first try)
// while the merchant does not answer 2xx. The message is built and signed
// by conformance.Send, the same sender `doku-verify send` uses; each try is
// re-signed with a fresh timestamp and keeps n.id, as DOKU's retries do.
func (s *Server) send(n notification) {
	if s.reserve(1) {
		s.start(n)
	}
}

// reserve counts n notifications as pending (Flush and Close wait for
// them); false once Close has begun.
func (s *Server) reserve(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.notifWG.Add(n) // under mu, so never after Close has started waiting
	return true
}

// start delivers a reserved notification.
func (s *Server) start(n notification) {
	go func() {
		defer s.notifWG.Done()
		s.deliver(n)
	}()
}

func (s *Server) deliver(n notification) {
	baseURL := s.notifyTo.Scheme + "://" + s.notifyTo.Host
	prefix := strings.TrimSuffix(s.notifyTo.Path, "/")
	doer, err := conformance.ClientDoer(s.cfg.HTTPClient, baseURL)
	if err != nil {
		s.recordDelivery(n, prefix+n.path, 1, s.cfg.Now(), conformance.Delivery{Err: err}, false)
		return
	}
	cfg := conformance.Config{Channel: n.channel, Path: prefix + n.path, ClientID: s.cfg.ClientID, AgentKey: s.cfg.AgentKey,
		TokenPath: prefix + s.cfg.NotifyPaths.Token, DOKUPrivateKey: s.cfg.DOKUPrivateKey, Body: n.body, NotificationID: n.id, Now: s.cfg.Now}
	switch n.channel {
	case conformance.SNAPDebit, conformance.SNAPVA:
		cfg.Secret = s.cfg.SNAPSecret
	case conformance.NonSNAP:
		cfg.Secret = s.cfg.NonSNAPSecret
	default:
		cfg.Secret = s.cfg.KirimKey
		cfg.KirimTransfers = []conformance.KirimTransfer{n.transfer}
	}
	// The schedule runs on the monotonic clock from the first try; Delivery
	// times are on Config.Now, offset by the same amounts.
	var first time.Time
	base := s.cfg.Now()
	for attempt := 1; attempt <= len(s.cfg.RetrySchedule)+1; attempt++ {
		if attempt > 1 {
			wait := time.Until(first.Add(time.Duration(float64(s.cfg.RetrySchedule[attempt-2]) * s.cfg.RetryScale)))
			t := time.NewTimer(max(wait, 0))
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return
			}
		}
		started := time.Now()
		if attempt == 1 {
			first = started
		}
		sent := base.Add(started.Sub(first))
		ds, err := conformance.Send(s.ctx, doer, cfg, conformance.TamperNone, 1)
		var d conformance.Delivery
		switch {
		case errors.Is(err, conformance.ErrConfig):
			s.recordDelivery(n, cfg.Path, attempt, sent, conformance.Delivery{Err: err}, false)
			return
		case err != nil:
			d.Err = err
		case len(ds) > 0:
			d = ds[0]
		}
		acked := d.Err == nil && d.Status >= 200 && d.Status < 300
		s.recordDelivery(n, cfg.Path, attempt, sent, d, acked)
		if acked || s.ctx.Err() != nil {
			return
		}
	}
}

func (s *Server) recordDelivery(n notification, path string, attempt int, sent time.Time, d conformance.Delivery, acked bool) {
	rec := Delivery{Channel: string(n.channel), Path: path, Reference: n.reference, NotificationID: n.id, Attempt: attempt,
		Status: d.Status, Time: sent, Acknowledged: acked}
	if d.Err != nil {
		rec.Err = d.Err.Error()
	}
	s.mu.Lock()
	s.dels = append(s.dels, rec)
	s.mu.Unlock()
	outcome := "acked"
	switch {
	case !acked && attempt > len(s.cfg.RetrySchedule):
		outcome = "gave_up"
	case !acked:
		outcome = "failed"
	}
	s.metrics.notifications.Inc(string(n.channel), outcome)
	if s.log != nil {
		s.log.LogAttrs(s.ctx, slog.LevelInfo, "dokutest notification", slog.String("channel", string(n.channel)),
			slog.String("path", path), slog.Int("attempt", attempt), slog.Int("status", d.Status), slog.String("outcome", outcome))
	}
}
