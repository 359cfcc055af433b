package dokutest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// SNAP transaction statuses the simulator uses (Payment.Status).
const (
	StatusSuccess  = "00"
	StatusPending  = "03"
	StatusRefunded = "04"
	StatusCanceled = "05"
	StatusFailed   = "06"
)

// Payment is a snapshot of one payment, transfer, top-up or order the
// simulator accepted.
type Payment struct {
	// Reference is the merchant's reference: partnerReferenceNo (SNAP) or
	// order.invoice_number (Cards, Akulaku).
	Reference string `json:"reference"`
	// ReferenceNo is the simulator's (DOKU's) reference.
	ReferenceNo string `json:"referenceNo"`
	// Route is the route that created it ("dana.payment", …).
	Route string `json:"route"`
	// Status is the SNAP transaction status: 03 pending, 00 success,
	// 06 failed, 05 canceled, 04 refunded (in full).
	Status string `json:"status"`
	// Amount and Refunded are SNAP money values ("10000.00").
	Amount   string `json:"amount"`
	Refunded string `json:"refunded"`
	Currency string `json:"currency"`
	// ExternalID is the X-EXTERNAL-ID (SNAP) or Request-Id (non-SNAP) of
	// the call that created it.
	ExternalID string `json:"externalId"`
	// AuthorizeID is the Cards authorize id a capture names.
	AuthorizeID string    `json:"authorizeId,omitempty"`
	Created     time.Time `json:"created"`
}

// payment is the simulator's record behind a Payment.
type payment struct {
	Payment
	amount, refunded int64 // cents
	refunds          map[string]int64
	account          string // bound wallet account, wallet payments only
	// Kirim DOKU transfers: beneficiary bank and account, and what the
	// Kirim page's sandbox rules make of them.
	bank, beneficiary string
	kirimOutcome      string // "success", "failed" or "refunded"
	channel           string // additionalInfo.channel of SNAP payments
}

// binding is a DOKU Wallet account bound to the merchant.
type binding struct {
	accountID, linkID, partnerRef, referenceNo string
	authCode                                   string // current unused authCode
	unbound                                    bool
}

// state is everything the simulator remembers; guarded by Server.mu.
type state struct {
	tokens     map[string]*token
	tokenOrder []*token
	latest     map[string]*token
	authCodes  map[string]string // authCode → account id
	externalID map[string]struct{}
	dedup      map[string]dedupEntry
	payments   map[string]*payment // by "kind\x00reference"
	byAuthID   map[string]*payment
	order      []*payment
	bindings   map[string]*binding // by account id
	creations  map[string]string   // account creation partnerReferenceNo → referenceNo
	inquiries  map[string]string   // Kirim inquiry: bank\x00account → sessionId
	deleted    map[string]bool     // deleted card tokens
	seq        atomic.Int64
}

type dedupEntry struct {
	fp [32]byte
	a  answer
}

func newState() *state {
	return &state{tokens: map[string]*token{}, latest: map[string]*token{}, authCodes: map[string]string{},
		externalID: map[string]struct{}{}, dedup: map[string]dedupEntry{}, payments: map[string]*payment{},
		byAuthID: map[string]*payment{}, bindings: map[string]*binding{}, creations: map[string]string{},
		inquiries: map[string]string{}, deleted: map[string]bool{}}
}

// ref makes a DOKU-side reference, unique within the simulator.
func (st *state) ref(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + strconv.FormatInt(st.seq.Add(1), 10) + hex.EncodeToString(b[:])
}

// useExternalID records X-EXTERNAL-ID for the partner's day (WIB); false
// when it was used before that day.
func (s *Server) useExternalID(partner, id string, now time.Time) bool {
	k := now.In(wib).Format("2006-01-02") + "\x00" + partner + "\x00" + id
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.st.externalID[k]; dup {
		return false
	}
	s.st.externalID[k] = struct{}{}
	return true
}

func (s *Server) dedupLookup(route, key string) (dedupEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.dedup[route+"\x00"+key]
	return e, ok
}

func (s *Server) dedupStore(route, key string, fp [32]byte, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.jobs = nil
	s.st.dedup[route+"\x00"+key] = dedupEntry{fp: fp, a: a}
}

// Payments lists every payment, transfer, top-up and order, oldest first.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.st.order))
	for _, p := range s.st.order {
		out = append(out, p.snapshot())
	}
	return out
}

// Payment returns the payment (or transfer, top-up, order) with the
// merchant's reference, the most recent if several products use it.
func (s *Server) Payment(reference string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.st.order) - 1; i >= 0; i-- {
		if p := s.st.order[i]; p.Reference == reference {
			return p.snapshot(), true
		}
	}
	return Payment{}, false
}

func (p *payment) snapshot() Payment {
	out := p.Payment
	out.Amount, out.Refunded = formatAmount(p.amount), formatAmount(p.refunded)
	return out
}

// kind groups routes that share a reference space.
func kindOf(route string) string {
	switch route {
	case "dana.payment":
		return "dana"
	case "wallet.debit_payment":
		return "wallet"
	case "wallet.topup":
		return "topup"
	case "kirim.transfer_bank":
		return "kirim"
	case "cards.payment_page":
		return "cards"
	case "akulaku.generate_order":
		return "akulaku"
	}
	return route
}

// addPayment records a new pending payment; the caller holds s.mu.
func (s *Server) addPayment(p *payment) {
	p.Status = StatusPending
	s.st.payments[kindOf(p.Route)+"\x00"+p.Reference] = p
	s.st.order = append(s.st.order, p)
	if p.AuthorizeID != "" {
		s.st.byAuthID[p.AuthorizeID] = p
	}
}

// lookup finds a payment by kind and reference; the caller holds s.mu.
func (s *Server) lookup(kind, reference string) *payment {
	return s.st.payments[kind+"\x00"+reference]
}

// Complete completes (status "00", or "") or fails ("06") the pending
// payment, transfer or order with the merchant's reference, as the
// customer paying (or giving up) would, and sends its notification when
// NotifyURL is set. A Kirim DOKU transfer ends as the Kirim page's sandbox
// rules say whatever the status. It is ErrNotFound for an unknown
// reference and ErrState for one that is not pending.
func (s *Server) Complete(reference, status string) error {
	switch status {
	case "", StatusSuccess:
		status = StatusSuccess
	case StatusFailed:
	default:
		return fmt.Errorf("%w: status must be %q (success) or %q (failed), not %q", ErrState, StatusSuccess, StatusFailed, status)
	}
	s.mu.Lock()
	var p *payment
	for i := len(s.st.order) - 1; i >= 0; i-- {
		if q := s.st.order[i]; q.Reference == reference && q.Status == StatusPending {
			p = q
			break
		}
	}
	if p == nil {
		_, known := s.paymentLocked(reference)
		s.mu.Unlock()
		if known {
			return fmt.Errorf("%w: %q is not pending", ErrState, reference)
		}
		return fmt.Errorf("%w: %q", ErrNotFound, reference)
	}
	jobs := s.completeLocked(p, status)
	s.mu.Unlock()
	for _, j := range jobs {
		s.send(j)
	}
	return nil
}

func (s *Server) paymentLocked(reference string) (*payment, bool) {
	for _, p := range s.st.order {
		if p.Reference == reference {
			return p, true
		}
	}
	return nil, false
}

// completeLocked moves p out of pending and returns the notifications it
// causes; the caller holds s.mu and sends them after unlocking.
func (s *Server) completeLocked(p *payment, status string) []notification {
	if p.kirimOutcome != "" {
		switch p.kirimOutcome {
		case "failed":
			p.Status = StatusFailed
		case "refunded":
			p.Status = StatusRefunded
			p.refunded = p.amount
		default:
			p.Status = StatusSuccess
		}
	} else {
		p.Status = status
	}
	return s.notificationsFor(p)
}
