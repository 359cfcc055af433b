package schemas

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	require.NoError(t, err)
	return b
}

// partTarget returns a new value for the route's part ("request" or
// "response") and whether that part is decoded strictly (a request the
// merchant sends).
func partTarget(r Route, part string) (v any, strict bool) {
	if part == "request" {
		return r.NewRequest(), r.Strict()
	}
	return r.NewResponse(), false
}

// Every route has a corrected DOKU page sample for its request and response, and
// they pass: requests the merchant sends pass even with unknown fields
// rejected (so the schema covers every field the DOKU page shows).
func TestPageSamplesPass(t *testing.T) {
	for _, r := range Routes() {
		t.Run(r.Name, func(t *testing.T) {
			req := r.NewRequest()
			err := Decode(readSample(t, r.Name+".request.json"), req, r.Strict())
			require.NoError(t, err)
			if r.NewResponse == nil {
				_, statErr := os.Stat(filepath.Join("testdata", "samples", r.Name+".response.json"))
				assert.True(t, errors.Is(statErr, os.ErrNotExist), "route without response schema has a response sample")
				return
			}
			resp := r.NewResponse()
			require.NoError(t, Decode(readSample(t, r.Name+".response.json"), resp, false))
		})
	}
}

type slipEntry struct {
	File     string   `json:"file"`
	Route    string   `json:"route"`
	Part     string   `json:"part"`
	Decision string   `json:"decision"`
	Paths    []string `json:"paths"`
	Reason   string   `json:"reason"`
}

// Every documentation slip is decided: merchant-sent slips are rejected
// naming the field, DOKU-sent spellings are accepted.
func TestPageSlipsDecided(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "slips.json"))
	require.NoError(t, err)
	var slips []slipEntry
	require.NoError(t, json.Unmarshal(b, &slips))
	require.NotEmpty(t, slips)
	for _, s := range slips {
		t.Run(filepath.Base(s.File), func(t *testing.T) {
			require.NotEmpty(t, s.Reason)
			r, ok := RouteByName(s.Route)
			require.True(t, ok, s.Route)
			data, err := os.ReadFile(filepath.Join("testdata", s.File))
			require.NoError(t, err)
			v, strict := partTarget(r, s.Part)
			err = Decode(data, v, strict)
			switch s.Decision {
			case "accept":
				assert.NoError(t, err)
			case "reject":
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrInvalid)
				got := ve.Paths()
				for _, p := range s.Paths {
					assert.Contains(t, got, p)
				}
			default:
				t.Fatalf("decision %q", s.Decision)
			}
		})
	}
}

func TestRouteTable(t *testing.T) {
	names := map[string]bool{}
	pages := map[Page]int{}
	for _, r := range Routes() {
		assert.False(t, names[r.Name], "duplicate route name %s", r.Name)
		names[r.Name] = true
		pages[r.Page]++
		require.NotNil(t, r.NewRequest, r.Name)
		if r.Family == SNAP {
			assert.NotZero(t, r.ServiceCode, r.Name)
			assert.Regexp(t, `^200\d{4}$`, r.SuccessCode, r.Name)
		}
		if !r.Templated() {
			got, ok := LookupDirection(r.Method, r.Path, r.Direction)
			require.True(t, ok, r.Name)
			assert.Equal(t, r.Name, got.Name)
		}
	}
	// Counted from the DOKU pages: 2 DANA, 4 Cards, 6 Kirim, 18 Wallet (two tokens + 16), 3 Akulaku.
	assert.Equal(t, map[Page]int{PageDANA: 2, PageCards: 4, PageKirim: 6, PageWallet: 18, PageAkulaku: 3, PageNotifications: 4}, pages)

	// Codes from the DOKU pages, not from a formula.
	for name, code := range map[string]string{"dana.payment": "2000500", "dana.refund": "2000700", "wallet.account_creation": "2000600", "wallet.debit_payment": "2005400", "kirim.qr_mpm_status": "2005300"} {
		r, ok := RouteByName(name)
		require.True(t, ok)
		assert.Equal(t, code, r.SuccessCode, name)
	}

	r, ok := Lookup("post", "/credit-card/v1/payment-page/?x=1")
	require.True(t, ok)
	assert.Equal(t, "cards.payment_page", r.Name)
	r, ok = Lookup("POST", "/authorization/v1/access-token/b2b")
	require.True(t, ok)
	assert.Equal(t, MerchantToDOKU, r.Direction)
	r, ok = LookupDirection("POST", "/authorization/v1/access-token/b2b", DOKUToMerchant)
	require.True(t, ok)
	assert.Equal(t, "notify.snap_token", r.Name)
	_, ok = Lookup("POST", "/merchantUrlUnpaidNotification")
	assert.False(t, ok, "templated paths never match")
	_, ok = Lookup("GET", "/credit-card/v1/payment-page")
	assert.False(t, ok)

	// Routes returns a copy.
	rs := Routes()
	rs[0].Name = "changed"
	assert.NotEqual(t, "changed", Routes()[0].Name)

	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	assert.Len(t, sorted, 37)
}
