package main

import (
	"strings"
	"time"

	"github.com/dokukit/dokukit/verify"
)

// cliSchemes are the signature schemes as the CLI spells them, in the order
// help lists them. Each has one spelling, "snap-" for every SNAP scheme as
// the conformance channels (snap-token, snap-debit) are named; aliases are
// older spellings still accepted, never shown.
var cliSchemes = []struct {
	name    string
	aliases []string
	scheme  verify.Scheme
}{
	{"snap", nil, verify.SchemeSNAP},
	{"snap-rsa", nil, verify.SchemeSNAPRSA},
	{"snap-token", []string{"token"}, verify.SchemeSNAPToken},
	{"nonsnap", nil, verify.SchemeNonSNAP},
	{"kirim", nil, verify.SchemeKirim},
}

// lookupScheme finds a scheme by its CLI spelling or an alias and returns
// its canonical spelling.
func lookupScheme(s string) (name string, scheme verify.Scheme, ok bool) {
	for _, c := range cliSchemes {
		if c.name == s {
			return c.name, c.scheme, true
		}
		for _, a := range c.aliases {
			if a == s {
				return c.name, c.scheme, true
			}
		}
	}
	return "", "", false
}

// schemeList is "snap, snap-rsa, snap-token, nonsnap<last>kirim", for help
// text and errors; first names choices before the schemes ("auto").
func schemeList(last string, first ...string) string {
	names := append([]string(nil), first...)
	for _, c := range cliSchemes {
		names = append(names, c.name)
	}
	return strings.Join(names[:len(names)-1], ", ") + last + names[len(names)-1]
}

// parseNow reads --now: a timestamp verify accepts or, as before, one
// without a zone (taken as UTC) or with a zone written +0700.
func parseNow(s string) (time.Time, bool) {
	if t, err := verify.ParseTimestamp(s); err == nil {
		return t, true
	}
	for _, f := range []string{"2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(f, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
