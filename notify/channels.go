package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dokukit/dokukit/dedupe"
	"github.com/dokukit/dokukit/internal/respond"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/middleware/idempotency"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// ErrConfig reports a channel, Mux or token endpoint built with a missing or
// unsafe setting. It is verify.ErrConfig, the kit's one name for a
// configuration error: errors.Is with either matches, and the error keeps
// what lies underneath (errors.Is(err, sign.ErrKeyTooShort)).
var ErrConfig = verify.ErrConfig

// configErr puts what into err's message and makes sure it is an ErrConfig,
// keeping err's chain.
func configErr(what string, err error) error {
	if errors.Is(err, ErrConfig) {
		return fmt.Errorf("notify: %s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrConfig, what, err)
}

// SNAP service codes of the SNAP notification channels.
const (
	ServiceDebitNotify = 56 // /v1.0/debit/notify, ack 2005600
	ServiceVANotify    = 25 // VA payment notify, ack 2002500
)

// SNAPConfig configures a SNAP notification channel.
//
// DOKU signs SNAP notifications either with HMAC-SHA512 over the bearer
// token it got from the merchant's token endpoint (current docs: set
// Secrets and Tokens) or with RSA (a 2023 sample: set PublicKeys). Exactly
// one of Secrets and PublicKeys must be set.
type SNAPConfig struct {
	Common
	// Secrets are the client secrets by X-PARTNER-ID (HMAC channels).
	Secrets verify.SecretSet
	// PublicKeys are DOKU's public keys by X-PARTNER-ID (RSA channels).
	PublicKeys verify.PublicKeySet
	// Tokens is the merchant's token issuer: only bearer tokens it issued
	// and that have not expired are accepted (401xx01 otherwise).
	// Required with Secrets; optional with PublicKeys (DOKU's RSA sample
	// sends no token).
	//
	// A token is bound to the client it was issued to: it is accepted only
	// on a notification whose X-PARTNER-ID is the token's sub, the
	// X-CLIENT-KEY of the token request (else 401xx01, as for a token this
	// issuer did not make), so a token issued to one client never
	// authorises another client's notifications. See TokenClients for a
	// DOKU setup whose two headers carry different ids.
	Tokens *TokenIssuer
	// TokenClients maps an X-PARTNER-ID to the X-CLIENT-KEY whose tokens
	// it presents, for a DOKU setup where the two differ (the DOKU pages
	// never state they are equal). A partner id in the map accepts only
	// tokens issued to its client key; a partner id not in it, only tokens
	// issued to itself. Nil (the default) binds every token to the partner
	// id itself. The map is copied by the constructor.
	TokenClients map[string]string
	// TokenOptional, with PublicKeys and Tokens, accepts a notification
	// without Authorization (DOKU's RSA-signed notifications carry no
	// token; the signature authenticates them); a token that is present is
	// still validated with Tokens. NewMux sets it in SNAPRSA mode.
	TokenOptional bool
	// ServiceCode overrides the channel's SNAP service code (56 debit
	// notify, 25 VA notify), used in every responseCode it answers.
	ServiceCode int
}

// NewSNAPDebit returns the handler for DOKU's SNAP direct debit / e-wallet
// payment notification (POST /v1.0/debit/notify, service 56): it verifies
// the signature and the bearer token, drops duplicates
// (X-PARTNER-ID + X-EXTERNAL-ID), decodes the body into
// schemas.SNAPDebitNotify, runs fn once, and answers
// {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}.
// Failures answer 401xx00 (signature), 401xx01 (token: not issued by Tokens,
// expired, or issued to another client than X-PARTNER-ID), 400xx01/02
// (headers, body), 409xx00 (same X-EXTERNAL-ID, other body), 500xx00 (fn
// failed: DOKU retries), 405xx00 with "Allow: POST" (any method but POST).
func NewSNAPDebit(cfg SNAPConfig, fn Func[schemas.SNAPDebitNotify]) (http.Handler, error) {
	svc := serviceOr(cfg.ServiceCode, ServiceDebitNotify)
	ack := snapDebitAck(svc) // constant per service code: encoded once
	ch := &channel[schemas.SNAPDebitNotify]{name: "snap-debit", fn: fn,
		reject: snapReject(svc), failed: snapFailed(svc),
		ack: func(w http.ResponseWriter, _ *schemas.SNAPDebitNotify) { ack.Write(w, http.StatusOK) }}
	return snapChannel(cfg, svc, ch, ch.name, fn == nil)
}

// NewSNAPVA returns the handler for DOKU's SNAP virtual-account payment
// notification (service 25). It works as NewSNAPDebit and answers 2002500
// with virtualAccountData echoing the paid account.
func NewSNAPVA(cfg SNAPConfig, fn Func[schemas.SNAPVANotify]) (http.Handler, error) {
	svc := serviceOr(cfg.ServiceCode, ServiceVANotify)
	ch := &channel[schemas.SNAPVANotify]{name: "snap-va", fn: fn,
		reject: snapReject(svc), failed: snapFailed(svc), ack: newSNAPVAAck(svc)}
	return snapChannel(cfg, svc, ch, ch.name, fn == nil)
}

func serviceOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func ackCode(svc int) string { return respond.SNAPCode{HTTP: 200, Service: svc}.String() }

func snapChannel[T any](cfg SNAPConfig, svc int, ch *channel[T], name string, nilFn bool) (http.Handler, error) {
	if nilFn {
		return nil, fmt.Errorf("%w: %s needs a handler func", ErrConfig, name)
	}
	var v verify.Verifier
	var err error
	switch {
	case cfg.Secrets != nil && cfg.PublicKeys != nil:
		return nil, fmt.Errorf("%w: %s: set Secrets (HMAC) or PublicKeys (RSA), not both", ErrConfig, name)
	case cfg.Secrets != nil:
		if cfg.Tokens == nil {
			return nil, fmt.Errorf("%w: %s: HMAC notifications need Tokens, the issuer of the bearer tokens DOKU must present", ErrConfig, name)
		}
		v, err = verify.NewSNAP(verify.SNAPConfig{Secrets: cfg.Secrets, Tokens: tokenCheck(cfg.Tokens, cfg.TokenClients), Timestamps: cfg.Timestamps, Target: cfg.Target, MaxBodyBytes: cfg.MaxBodyBytes})
	case cfg.PublicKeys != nil:
		var tc verify.TokenValidator
		if cfg.Tokens != nil {
			tc = tokenCheck(cfg.Tokens, cfg.TokenClients)
		}
		v, err = verify.NewSNAPRSA(verify.SNAPRSAConfig{PublicKeys: cfg.PublicKeys, Tokens: tc, TokenOptional: cfg.TokenOptional, Timestamps: cfg.Timestamps, Target: cfg.Target, MaxBodyBytes: cfg.MaxBodyBytes})
	default:
		return nil, fmt.Errorf("%w: %s needs Secrets or PublicKeys", ErrConfig, name)
	}
	if err != nil {
		return nil, configErr(name, err)
	}
	// The replay key of each signature lives as long as the verifier accepts its timestamp.
	guard := dedupe.Config{Scheme: idempotency.SchemeSNAP, ServiceCode: svc, ReplayTTL: dedupe.ReplayTTLFor(cfg.Timestamps)}
	return assemble(cfg.Common, name, v, guard, ch)
}

// tokenCheck accepts a token t issued to the client the notification's
// signed X-PARTNER-ID stands for: the partner id itself, or its entry in
// clients.
func tokenCheck(t *TokenIssuer, clients map[string]string) verify.TokenValidator {
	bound := make(map[string]string, len(clients))
	for partner, client := range clients {
		bound[partner] = client
	}
	return func(_ context.Context, token, partnerID string) error {
		client := partnerID
		if c, ok := bound[partnerID]; ok {
			client = c
		}
		_, err := t.ValidateFor(token, client)
		return err
	}
}

// NonSNAPConfig configures the non-SNAP notification channel.
type NonSNAPConfig struct {
	Common
	// Secrets are the secret keys by Client-Id. Required.
	Secrets verify.SecretSet
}

// NewNonSNAP returns the handler for DOKU's non-SNAP notifications (Cards,
// Checkout, virtual accounts, Akulaku): it verifies the HMACSHA256
// Signature with Request-Target = the notification path, drops duplicates
// (Client-Id + Request-Id), decodes into schemas.NonSNAPNotification, runs
// fn once and answers 200. Failures answer 401 (signature), 400 (headers,
// body, listing every bad field), 409 (same Request-Id, other body) or 500
// (fn failed: DOKU retries). Checkout integrations should ignore
// transaction.status FAILED in fn, as DOKU's docs say.
//
// The signature covers neither the method nor the query string: the
// handler answers 405 (Allow: POST) to any method but POST, and removes
// the query before verification (unless Target.Query is verify.QueryKeep,
// which signs it), so nothing of it reaches fn or
// middleware.Verified(ctx).
func NewNonSNAP(cfg NonSNAPConfig, fn Func[schemas.NonSNAPNotification]) (http.Handler, error) {
	const name = "nonsnap"
	if fn == nil {
		return nil, fmt.Errorf("%w: %s needs a handler func", ErrConfig, name)
	}
	v, err := verify.NewNonSNAP(verify.NonSNAPConfig{Secrets: cfg.Secrets, Timestamps: cfg.Timestamps, Target: cfg.Target, MaxBodyBytes: cfg.MaxBodyBytes})
	if err != nil {
		return nil, configErr(name, err)
	}
	ch := &channel[schemas.NonSNAPNotification]{name: name, fn: fn, reject: nonSNAPReject, failed: nonSNAPFailed,
		ack: func(w http.ResponseWriter, _ *schemas.NonSNAPNotification) { nonSNAPAck.Write(w, http.StatusOK) }}
	return assemble(cfg.Common, name, v, dedupe.Config{Scheme: idempotency.SchemeNonSNAP}, ch)
}

// KirimConfig configures a Kirim DOKU callback channel.
//
// Exactly one of Transfers and InsecureSkipTransferCheck must be set: the
// Kirim DOKU signature can be forged by anyone who has seen two of them
// (see KirimTransferCheck), so a channel that acts on every correctly
// signed callback is something to choose knowingly, never a default.
type KirimConfig struct {
	Common
	// Keys are the encryption keys (16, 24 or 32 bytes) by agentKey, for
	// the default callback scheme (verify.NewKirim, AES). Required unless
	// Verifier is set.
	Keys verify.SecretSet
	// Verifier, when set, verifies the callbacks in place of the AES
	// signature over Keys: the callback scheme is the channel's choice.
	// Rejections are answered in its scheme's shape. Set Keys or Verifier.
	Verifier verify.Verifier
	// Transfers answers whether a callback is about a transfer you made
	// and still await news of; any other is answered 401 and Func does not
	// run. Required unless InsecureSkipTransferCheck.
	Transfers KirimTransferCheck
	// InsecureSkipTransferCheck runs Func for every correctly signed
	// callback, including forged ones (spliced from the blocks of earlier
	// signatures) about transfers you never made. Only for a Func that
	// acts on nothing the callback claims, e.g. one that only triggers a
	// status call to DOKU.
	InsecureSkipTransferCheck bool
}

// NewKirimUnpaid returns the handler for Kirim DOKU's unpaid (paid / failed)
// notification; NewKirimRefund the one for its refund notification. Each
// verifies the callback signature, drops duplicates (agentKey + requestId),
// decodes into schemas.KirimNotification (transactionStatus 50 success,
// 35 failed, 20 unpaid, 40 refunded), asks cfg.Transfers whether the
// transfer is one you await, runs fn once and answers exactly
// {"status":true,"transactionId":"…","responseCode":"00","responseMessage":"Successfully processed"}.
// Anything else makes Kirim DOKU retry, at most 3 times.
//
// The signature proves nothing beyond "someone saw earlier signatures":
// it covers neither the body nor a time, and its AES-ECB blocks can be
// recombined into a valid signature for a new requestId. So an unknown or
// settled transfer is answered 401 {"status":false,…,"responseCode":"401",
// "responseMessage":"Unknown transfer"} without running fn, and fn should
// confirm the outcome with DOKU's status call (route "kirim.qr_mpm_status")
// before paying out or refunding on the callback's word. The 401 is kept
// by the duplicate guard like any 4xx, so record a transfer as awaited
// before you ask DOKU to make it. A missing check (and no
// InsecureSkipTransferCheck) is an ErrConfig.
func NewKirimUnpaid(cfg KirimConfig, fn Func[schemas.KirimNotification]) (http.Handler, error) {
	return kirimChannel(cfg, "kirim-unpaid", fn)
}

// NewKirimRefund: see NewKirimUnpaid. Refund callbacks carry only
// transactionId to match against your records.
func NewKirimRefund(cfg KirimConfig, fn Func[schemas.KirimNotification]) (http.Handler, error) {
	return kirimChannel(cfg, "kirim-refund", fn)
}

func kirimChannel(cfg KirimConfig, name string, fn Func[schemas.KirimNotification]) (http.Handler, error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: %s needs a handler func", ErrConfig, name)
	}
	switch {
	case cfg.Transfers == nil && !cfg.InsecureSkipTransferCheck:
		return nil, fmt.Errorf("%w: %s needs Transfers, the check that a callback is about a transfer you await (its signature can be forged from earlier ones); set InsecureSkipTransferCheck to act on every signed callback", ErrConfig, name)
	case cfg.Transfers != nil && cfg.InsecureSkipTransferCheck:
		return nil, fmt.Errorf("%w: %s: set Transfers or InsecureSkipTransferCheck, not both", ErrConfig, name)
	}
	v := cfg.Verifier
	switch {
	case v != nil && cfg.Keys != nil:
		return nil, fmt.Errorf("%w: %s: set Keys or Verifier, not both", ErrConfig, name)
	case v == nil:
		var err error
		if v, err = verify.NewKirim(verify.KirimConfig{Keys: cfg.Keys, MaxBodyBytes: cfg.MaxBodyBytes}); err != nil {
			return nil, configErr(name, err)
		}
	}
	ch := &channel[schemas.KirimNotification]{name: name, fn: fn, reject: kirimReject, failed: kirimFailed,
		ack: writeKirimAck}
	if cfg.Transfers != nil {
		ch.admit = kirimAdmit(ch, cfg.Transfers)
	}
	return assemble(cfg.Common, name, v, dedupe.Config{Scheme: idempotency.SchemeKirim}, ch)
}

// assemble stacks method check → verification → duplicate guard → typed
// channel. The guard runs after verification so forged requests never
// touch the store.
func assemble[T any](c Common, name string, v verify.Verifier, guard dedupe.Config, ch *channel[T]) (http.Handler, error) {
	svc := guard.ServiceCode
	count, err := notificationCounter(c.Registerer)
	if err != nil {
		return nil, configErr(name+" metrics", err)
	}
	ch.count, ch.log, ch.strict = count, c.Logger, c.StrictFields
	vm, err := middleware.New(v, middleware.Config{ServiceCode: svc, Logger: c.Logger, Registerer: c.Registerer})
	if err != nil {
		return nil, configErr(name+" metrics", err)
	}
	store := c.Store
	if store == nil {
		if store, err = newMemory(c); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
		}
	}
	// The channel name namespaces the keys, so channels can share a store.
	// The guard reads the verified body (one read, the verifier's limit).
	guard.Store, guard.Lease, guard.KeyPrefix = store, defaultLease, name+":"
	guard.MaxBodyBytes, guard.Registerer, guard.Logger = c.MaxBodyBytes, c.Registerer, c.Logger
	g, err := dedupe.New(guard)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
	}
	guarded := g.Handler(ch)
	return newEntry(vm.Handler(guarded), v.Scheme(), svc, c.Target), nil
}

// newMemory is the channel's default store. idempotency.NewMemory panics
// when the Registerer refuses its counter (it has no error to return, and
// keeps its signature); a channel constructor returns that as an error.
func newMemory(c Common) (s idempotency.Store, err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
				return
			}
			err = fmt.Errorf("%v", p)
		}
	}()
	return idempotency.NewMemory(idempotency.MemoryMetrics(c.Registerer), idempotency.MemoryLogger(c.Logger)), nil
}
