package client

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dokukit/dokukit/client/routes"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
)

// Call sends req on route r and returns DOKU's typed answer; Do is the
// untyped form and documents the checks and errors. On an error the typed
// answer is nil; an *APIError keeps DOKU's body.
func Call[Req, Resp any](ctx context.Context, c *Client, r routes.Route[Req, Resp], req *Req, opts ...CallOption) (*Resp, error) {
	rt, ok := schemas.RouteByName(r.Name())
	if !ok {
		return nil, fmt.Errorf("%w: unknown route %q", ErrNotCallable, r.Name())
	}
	if err := checkCallable(rt); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: %s: nil request", ErrInvalidRequest, rt.Name)
	}
	if err := schemas.Validate(req); err != nil {
		c.metrics.Observe(rt.Name, outcomeNotSent, 0)
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, rt.Name, err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, rt.Name, err)
	}
	var o callOptions
	for _, f := range opts {
		f(&o)
	}
	out := new(Resp)
	if _, err := c.do(ctx, rt, body, o, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Status asks the status route of a call whose outcome is unknown (the
// route named by u.StatusRoute), with the references of the request as it
// was sent and the same customer, and returns DOKU's status answer. A call
// that never reached DOKU answers 404xx01 (an *APIError). Its
// LatestTransactionStatus ("00" success, "03" pending, ...) tells whether
// the money moved.
func (c *Client) Status(ctx context.Context, u *UnknownOutcomeError) (*schemas.SNAPStatusResponse, error) {
	if u == nil || u.StatusRoute == "" {
		return nil, fmt.Errorf("%w: no status route to ask", ErrNotCallable)
	}
	body, err := statusRequest(u.Route, u.body, u.ExternalID, u.sentAt)
	if err != nil {
		return nil, err
	}
	rt, _ := schemas.RouteByName(u.StatusRoute)
	req := rt.NewRequest()
	if err := schemas.Decode(body, req, true); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, rt.Name, err)
	}
	out := new(schemas.SNAPStatusResponse)
	o := u.opts
	o.externalID = ""
	if _, err := c.do(ctx, rt, body, o, out); err != nil {
		return nil, err
	}
	return out, nil
}

// statusRequest builds the status route's request from the original one.
func statusRequest(route string, orig []byte, externalID string, sentAt time.Time) ([]byte, error) {
	var m struct {
		PartnerReferenceNo         string          `json:"partnerReferenceNo"`
		OriginalPartnerReferenceNo string          `json:"originalPartnerReferenceNo"`
		Amount                     *schemas.Money  `json:"amount"`
		AdditionalInfo             json.RawMessage `json:"additionalInfo"`
	}
	if err := json.Unmarshal(orig, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: the original request is not JSON", ErrInvalidRequest, route)
	}
	date := sign.FormatTimestamp(sentAt)
	var v any
	switch route {
	case "wallet.debit_payment":
		v = schemas.WalletDebitStatusRequest{PartnerReferenceNo: m.PartnerReferenceNo, ServiceCode: "54", TransactionDate: date, Amount: m.Amount}
	case "wallet.debit_cancel", "wallet.debit_refund":
		v = schemas.WalletDebitStatusRequest{PartnerReferenceNo: m.OriginalPartnerReferenceNo, ServiceCode: "54", TransactionDate: date}
	case "wallet.topup":
		v = schemas.WalletTopUpStatusRequest{OriginalPartnerReferenceNo: m.PartnerReferenceNo, OriginalExternalID: externalID, ServiceCode: "38"}
	case "kirim.transfer_bank":
		v = schemas.KirimStatusRequest{OriginalPartnerReferenceNo: m.PartnerReferenceNo, OriginalExternalID: externalID, ServiceCode: "43"}
	default:
		return nil, fmt.Errorf("%w: %s has no status route", ErrNotCallable, route)
	}
	return json.Marshal(v)
}
