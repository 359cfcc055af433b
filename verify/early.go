package verify

import (
	"net/http"
	"strings"
)

// headersFirst is what this package's verifiers check before a body is
// read: that every header the scheme needs is there. A request without
// them cannot pass, so it must not cost the server a body's worth of
// memory or a wait for bytes a client may never send.
type headersFirst interface {
	requiredHeaders(h http.Header) error
}

func (v *SNAP) requiredHeaders(h http.Header) error {
	return present(SchemeSNAP, h, snapHeaders)
}

func (v *SNAPRSA) requiredHeaders(h http.Header) error {
	if err := present(SchemeSNAPRSA, h, snapHeaders[:4]); err != nil {
		return err
	}
	if v.cfg.Tokens != nil && !v.cfg.TokenOptional {
		return present(SchemeSNAPRSA, h, snapHeaders[4:])
	}
	return nil
}

func (v *SNAPToken) requiredHeaders(h http.Header) error {
	return present(SchemeSNAPToken, h, tokenHeaders)
}

func (v *NonSNAP) requiredHeaders(h http.Header) error {
	return present(SchemeNonSNAP, h, nonSNAPHeaders)
}

func (v *Kirim) requiredHeaders(h http.Header) error {
	return present(SchemeKirim, h, kirimHeaders)
}

// present is need without keeping the values: the first missing header
// fails, as need reports it.
func present(s Scheme, h http.Header, hs []headerName) error {
	for _, n := range hs {
		if strings.TrimSpace(header(h, n)) == "" {
			return fail(s, CheckHeader, n.display, ErrMissingHeader)
		}
	}
	return nil
}
