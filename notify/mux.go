package notify

import (
	"crypto/rsa"
	"fmt"
	"net/http"

	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/verify"
)

// Default paths of the channels a Mux mounts (the conformance suite's
// defaults too). Set MuxConfig.Paths to what DOKU is configured to call.
const (
	DefaultSNAPDebitPath   = "/v1.0/debit/notify"
	DefaultSNAPVAPath      = "/v1.0/transfer-va/payment"
	DefaultNonSNAPPath     = "/payments/notifications"
	DefaultKirimUnpaidPath = "/kirim/unpaid"
	DefaultKirimRefundPath = "/kirim/refund"
)

// Paths are where a Mux mounts each channel; empty means the default.
type Paths struct {
	Token, SNAPDebit, SNAPVA, NonSNAP, KirimUnpaid, KirimRefund string
}

func (p Paths) withDefaults() Paths {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&p.Token, TokenPath)
	def(&p.SNAPDebit, DefaultSNAPDebitPath)
	def(&p.SNAPVA, DefaultSNAPVAPath)
	def(&p.NonSNAP, DefaultNonSNAPPath)
	def(&p.KirimUnpaid, DefaultKirimUnpaidPath)
	def(&p.KirimRefund, DefaultKirimRefundPath)
	return p
}

// MuxConfig is one merchant's whole DOKU notification set-up: keys, shared
// settings, and one func per channel. A channel is mounted when its func
// is set; the token endpoint is mounted when a SNAP channel is.
type MuxConfig struct {
	Common
	Paths Paths

	// TokenKey is the merchant's RSA key (≥ 2048 bits) that signs the
	// bearer tokens issued to DOKU. Required for SNAP channels.
	TokenKey *rsa.PrivateKey
	// TokenIssuer overrides the issuer built from TokenKey (to share one
	// between processes' configuration, or set its TTL and clock).
	TokenIssuer *TokenIssuer
	// DOKUPublicKeys are DOKU's public keys by X-CLIENT-KEY, for DOKU's
	// token calls and, with SNAPRSA, its RSA-signed notifications (looked
	// up by X-PARTNER-ID). Required for SNAP channels.
	DOKUPublicKeys map[string][]*rsa.PublicKey
	// DOKUPublicKeySet is DOKU's keys as a verify.PublicKeySet (a vault,
	// say), in place of DOKUPublicKeys: set one of the two. It is looked up
	// by X-CLIENT-KEY for token calls and by X-PARTNER-ID for RSA-signed
	// notifications, as DOKUPublicKeys is.
	DOKUPublicKeySet verify.PublicKeySet
	// SNAPSecrets are the SNAP client secrets by X-PARTNER-ID, for
	// HMAC-signed notifications (DOKU's current scheme).
	SNAPSecrets verify.SecretSet
	// SNAPRSA selects RSA-signed SNAP notifications (verified with
	// DOKUPublicKeys) instead of HMAC with SNAPSecrets. DOKU's RSA-signed
	// notifications carry no bearer token, so one without Authorization is
	// accepted; a token that is present must still be one the TokenIssuer
	// issued to that partner (401xx01 otherwise). The token endpoint stays
	// mounted: DOKU may still ask for a token.
	SNAPRSA bool
	// NonSNAPSecrets are the non-SNAP secret keys by Client-Id.
	NonSNAPSecrets verify.SecretSet
	// TokenClients maps an X-PARTNER-ID to the X-CLIENT-KEY whose tokens
	// it may present, for a DOKU set-up whose two ids differ (see
	// SNAPConfig.TokenClients). Empty: a token is accepted only for the
	// client it was issued to.
	TokenClients map[string]string
	// KirimKeys are the Kirim DOKU encryption keys by agentKey.
	KirimKeys verify.SecretSet
	// KirimVerifier is the Kirim channels' KirimConfig.Verifier: the
	// callback scheme, when it is not the default AES signature over
	// KirimKeys. Set KirimKeys or KirimVerifier.
	KirimVerifier verify.Verifier
	// KirimTransfers is the Kirim channels' KirimConfig.Transfers: required
	// with KirimUnpaid or KirimRefund unless KirimInsecureSkipTransferCheck.
	KirimTransfers KirimTransferCheck
	// KirimInsecureSkipTransferCheck is KirimConfig.InsecureSkipTransferCheck.
	KirimInsecureSkipTransferCheck bool

	SNAPDebit   Func[schemas.SNAPDebitNotify]
	SNAPVA      Func[schemas.SNAPVANotify]
	NonSNAP     Func[schemas.NonSNAPNotification]
	KirimUnpaid Func[schemas.KirimNotification]
	KirimRefund Func[schemas.KirimNotification]
}

// Mux serves every configured channel on its path and answers 404 (in no
// protocol's shape: DOKU never calls it) elsewhere. Safe for concurrent use.
type Mux struct {
	mux    *http.ServeMux
	issuer *TokenIssuer
	paths  Paths
	mounts []Mount
}

// Mount is one endpoint a Mux serves.
type Mount struct {
	// Path is where the endpoint is mounted (DOKU must be configured to
	// call exactly this path, sub-directory included).
	Path string
	// Channel names what is served there: "token", "snap-debit",
	// "snap-va", "nonsnap", "kirim-unpaid" or "kirim-refund" (the
	// conformance suite's channel names).
	Channel string
}

// String is "PATH (channel)", the line examples print at start-up.
func (m Mount) String() string { return m.Path + " (" + m.Channel + ")" }

// NewMux builds the channels of cfg. Every missing key or unsafe setting is
// an error here, at start-up, not a silent pass at request time — and so is
// a key given for channels that no func would serve (KirimKeys without
// KirimUnpaid or KirimRefund, say), which is a wiring mistake that would
// otherwise mount nothing and answer DOKU 404. Mounts lists what it serves.
func NewMux(cfg MuxConfig) (*Mux, error) {
	if err := cfg.unusedKeys(); err != nil {
		return nil, err
	}
	m := &Mux{mux: http.NewServeMux(), paths: cfg.Paths.withDefaults()}
	mount := func(path, channel string, h http.Handler, err error) error {
		if err != nil {
			return err
		}
		m.mux.Handle(path, h)
		m.mounts = append(m.mounts, Mount{Path: path, Channel: channel})
		return nil
	}
	if cfg.SNAPDebit != nil || cfg.SNAPVA != nil {
		m.issuer = cfg.TokenIssuer
		if m.issuer == nil {
			var err error
			if m.issuer, err = NewTokenIssuer(cfg.TokenKey, TokenIssuerConfig{Now: cfg.Timestamps.Now}); err != nil {
				return nil, configErr("SNAP channels", err)
			}
		}
		te, err := NewTokenEndpoint(TokenEndpointConfig{DOKUPublicKeys: cfg.DOKUPublicKeys, PublicKeys: cfg.DOKUPublicKeySet,
			Issuer: m.issuer, Timestamps: cfg.Timestamps, MaxBodyBytes: cfg.MaxBodyBytes, Registerer: cfg.Registerer, Logger: cfg.Logger})
		if err != nil {
			return nil, configErr("token endpoint", err)
		}
		if err := mount(m.paths.Token, "token", te, nil); err != nil {
			return nil, err
		}
		sc := SNAPConfig{Common: cfg.Common, Tokens: m.issuer, TokenClients: cfg.TokenClients}
		if cfg.SNAPRSA {
			sc.PublicKeys, sc.TokenOptional = cfg.DOKUPublicKeySet, true
			if len(cfg.DOKUPublicKeys) > 0 {
				// NewTokenEndpoint has checked the map already.
				if sc.PublicKeys, _, err = publicKeySet(cfg.DOKUPublicKeys); err != nil {
					return nil, err
				}
			}
		} else {
			sc.Secrets = cfg.SNAPSecrets
		}
		if cfg.SNAPDebit != nil {
			h, err := NewSNAPDebit(sc, cfg.SNAPDebit)
			if err := mount(m.paths.SNAPDebit, "snap-debit", h, err); err != nil {
				return nil, err
			}
		}
		if cfg.SNAPVA != nil {
			h, err := NewSNAPVA(sc, cfg.SNAPVA)
			if err := mount(m.paths.SNAPVA, "snap-va", h, err); err != nil {
				return nil, err
			}
		}
	}
	if cfg.NonSNAP != nil {
		h, err := NewNonSNAP(NonSNAPConfig{Common: cfg.Common, Secrets: cfg.NonSNAPSecrets}, cfg.NonSNAP)
		if err := mount(m.paths.NonSNAP, "nonsnap", h, err); err != nil {
			return nil, err
		}
	}
	if cfg.KirimUnpaid != nil {
		h, err := NewKirimUnpaid(KirimConfig{Common: cfg.Common, Keys: cfg.KirimKeys, Verifier: cfg.KirimVerifier, Transfers: cfg.KirimTransfers, InsecureSkipTransferCheck: cfg.KirimInsecureSkipTransferCheck}, cfg.KirimUnpaid)
		if err := mount(m.paths.KirimUnpaid, "kirim-unpaid", h, err); err != nil {
			return nil, err
		}
	}
	if cfg.KirimRefund != nil {
		h, err := NewKirimRefund(KirimConfig{Common: cfg.Common, Keys: cfg.KirimKeys, Verifier: cfg.KirimVerifier, Transfers: cfg.KirimTransfers, InsecureSkipTransferCheck: cfg.KirimInsecureSkipTransferCheck}, cfg.KirimRefund)
		if err := mount(m.paths.KirimRefund, "kirim-refund", h, err); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ServeHTTP implements http.Handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// TokenIssuer is the issuer behind the token endpoint (nil without SNAP
// channels).
func (m *Mux) TokenIssuer() *TokenIssuer { return m.issuer }

// Paths reports where each channel is mounted, or would be: a channel
// without its func is not mounted although its path is filled in. Mounts
// lists only what is served.
func (m *Mux) Paths() Paths { return m.paths }

// Mounts lists every endpoint the Mux serves, in mounting order: the token
// endpoint first when a SNAP channel is configured.
func (m *Mux) Mounts() []Mount { return append([]Mount(nil), m.mounts...) }

// unusedKeys refuses keys that no configured channel would use.
func (cfg MuxConfig) unusedKeys() error {
	snap := cfg.SNAPDebit != nil || cfg.SNAPVA != nil
	for _, k := range []struct {
		given bool
		used  bool
		what  string
		funcs string
	}{
		{cfg.SNAPSecrets != nil, snap, "SNAPSecrets", "SNAPDebit or SNAPVA"},
		{cfg.TokenKey != nil || cfg.TokenIssuer != nil, snap, "TokenKey/TokenIssuer", "SNAPDebit or SNAPVA"},
		{len(cfg.DOKUPublicKeys) > 0, snap, "DOKUPublicKeys", "SNAPDebit or SNAPVA"},
		{cfg.DOKUPublicKeySet != nil, snap, "DOKUPublicKeySet", "SNAPDebit or SNAPVA"},
		{cfg.SNAPRSA, snap, "SNAPRSA", "SNAPDebit or SNAPVA"},
		{cfg.NonSNAPSecrets != nil, cfg.NonSNAP != nil, "NonSNAPSecrets", "NonSNAP"},
		{cfg.KirimKeys != nil, cfg.KirimUnpaid != nil || cfg.KirimRefund != nil, "KirimKeys", "KirimUnpaid or KirimRefund"},
		{cfg.KirimVerifier != nil, cfg.KirimUnpaid != nil || cfg.KirimRefund != nil, "KirimVerifier", "KirimUnpaid or KirimRefund"},
	} {
		if k.given && !k.used {
			return fmt.Errorf("%w: %s given but no %s func is set, so nothing would use them", ErrConfig, k.what, k.funcs)
		}
	}
	return nil
}
