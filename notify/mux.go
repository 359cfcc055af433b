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
	// SNAPSecrets are the SNAP client secrets by X-PARTNER-ID, for
	// HMAC-signed notifications (DOKU's current scheme).
	SNAPSecrets verify.SecretSet
	// SNAPRSA selects RSA-signed SNAP notifications (verified with
	// DOKUPublicKeys) instead of HMAC with SNAPSecrets.
	SNAPRSA bool
	// NonSNAPSecrets are the non-SNAP secret keys by Client-Id.
	NonSNAPSecrets verify.SecretSet
	// KirimKeys are the Kirim DOKU encryption keys by agentKey.
	KirimKeys verify.SecretSet
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
}

// NewMux builds the channels of cfg. Every missing key or unsafe setting is
// an error here, at start-up, not a silent pass at request time.
func NewMux(cfg MuxConfig) (*Mux, error) {
	m := &Mux{mux: http.NewServeMux(), paths: cfg.Paths.withDefaults()}
	mount := func(path string, h http.Handler, err error) error {
		if err != nil {
			return err
		}
		m.mux.Handle(path, h)
		return nil
	}
	if cfg.SNAPDebit != nil || cfg.SNAPVA != nil {
		m.issuer = cfg.TokenIssuer
		if m.issuer == nil {
			var err error
			if m.issuer, err = NewTokenIssuer(cfg.TokenKey, TokenIssuerConfig{Now: cfg.Timestamps.Now}); err != nil {
				return nil, fmt.Errorf("%w: SNAP channels: %v", ErrConfig, err)
			}
		}
		te, err := NewTokenEndpoint(TokenEndpointConfig{DOKUPublicKeys: cfg.DOKUPublicKeys, Issuer: m.issuer,
			MaxSkewPast: cfg.Timestamps.MaxPast, MaxSkewFuture: cfg.Timestamps.MaxFuture, Now: cfg.Timestamps.Now,
			MaxBodyBytes: cfg.MaxBodyBytes, Registerer: cfg.Registerer, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("%w: token endpoint: %v", ErrConfig, err)
		}
		m.mux.Handle(m.paths.Token, te)
		sc := SNAPConfig{Common: cfg.Common, Tokens: m.issuer}
		if cfg.SNAPRSA {
			keys := verify.PublicKeys{}
			for id, ks := range cfg.DOKUPublicKeys {
				for i, k := range ks {
					pk, err := verify.NewPublicKey(fmt.Sprint(i), k)
					if err != nil {
						return nil, fmt.Errorf("%w: DOKU public key for %q: %v", ErrConfig, id, err)
					}
					keys[id] = append(keys[id], pk)
				}
			}
			sc.PublicKeys = keys
		} else {
			sc.Secrets = cfg.SNAPSecrets
		}
		if cfg.SNAPDebit != nil {
			h, err := NewSNAPDebit(sc, cfg.SNAPDebit)
			if err := mount(m.paths.SNAPDebit, h, err); err != nil {
				return nil, err
			}
		}
		if cfg.SNAPVA != nil {
			h, err := NewSNAPVA(sc, cfg.SNAPVA)
			if err := mount(m.paths.SNAPVA, h, err); err != nil {
				return nil, err
			}
		}
	}
	if cfg.NonSNAP != nil {
		h, err := NewNonSNAP(NonSNAPConfig{Common: cfg.Common, Secrets: cfg.NonSNAPSecrets}, cfg.NonSNAP)
		if err := mount(m.paths.NonSNAP, h, err); err != nil {
			return nil, err
		}
	}
	if cfg.KirimUnpaid != nil {
		h, err := NewKirimUnpaid(KirimConfig{Common: cfg.Common, Keys: cfg.KirimKeys, Transfers: cfg.KirimTransfers, InsecureSkipTransferCheck: cfg.KirimInsecureSkipTransferCheck}, cfg.KirimUnpaid)
		if err := mount(m.paths.KirimUnpaid, h, err); err != nil {
			return nil, err
		}
	}
	if cfg.KirimRefund != nil {
		h, err := NewKirimRefund(KirimConfig{Common: cfg.Common, Keys: cfg.KirimKeys, Transfers: cfg.KirimTransfers, InsecureSkipTransferCheck: cfg.KirimInsecureSkipTransferCheck}, cfg.KirimRefund)
		if err := mount(m.paths.KirimRefund, h, err); err != nil {
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

// Paths reports where each channel is mounted.
func (m *Mux) Paths() Paths { return m.paths }
