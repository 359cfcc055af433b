package schemas

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sdkOrigin = map[string]any{"product": "SDK", "source": "NODE JS", "sourceVersion": "1.0.45", "system": "doku-nodejs-library", "apiFormat": "SNAP"}

// withAdditional returns the route's sample request with key set inside
// additionalInfo (created when the sample has none).
func withAdditional(t *testing.T, route, key string, v any) []byte {
	t.Helper()
	return mutate(t, route+".request.json", func(m map[string]any) {
		ai, _ := m["additionalInfo"].(map[string]any)
		if ai == nil {
			ai = map[string]any{}
		}
		ai[key] = v
		m["additionalInfo"] = ai
	})
}

// DOKU's Node SDK adds additionalInfo.origin to every SNAP call: every SNAP
// route the merchant calls accepts it under strict decoding.
func TestSNAPRoutesAcceptSDKOrigin(t *testing.T) {
	n := 0
	for _, r := range Routes() {
		if r.Family != SNAP || r.Direction != MerchantToDOKU {
			continue
		}
		n++
		t.Run(r.Name, func(t *testing.T) {
			body := withAdditional(t, r.Name, "origin", sdkOrigin)
			assert.NoError(t, Decode(body, r.NewRequest(), true))
		})
	}
	assert.Equal(t, 24, n, "2 token routes and 22 SNAP transactional routes")
}

// Strict stays strict around origin, and an unknown field is named by its
// full JSON path.
func TestStrictUnknownFieldFullPath(t *testing.T) {
	cases := []struct {
		name, route, want string
		body              func(t *testing.T) []byte
	}{
		{"inside origin", "dana.payment", "additionalInfo.origin.extra", func(t *testing.T) []byte {
			o := map[string]any{"product": "SDK", "extra": 1}
			return withAdditional(t, "dana.payment", "origin", o)
		}},
		{"beside origin", "dana.payment", "additionalInfo.lineItems", func(t *testing.T) []byte {
			return withAdditional(t, "dana.payment", "lineItems", []any{})
		}},
		{"typed additionalInfo without origin in the table", "kirim.balance_inquiry", "additionalInfo.note", func(t *testing.T) []byte {
			return withAdditional(t, "kirim.balance_inquiry", "note", "x")
		}},
		{"top level", "dana.refund", "origin", func(t *testing.T) []byte {
			return mutate(t, "dana.refund.request.json", func(m map[string]any) { m["origin"] = sdkOrigin })
		}},
		{"inside a list", "akulaku.generate_order", "order.line_items[1].colour", func(t *testing.T) []byte {
			return mutate(t, "akulaku.generate_order.request.json", func(m map[string]any) {
				obj(m, "order")["line_items"].([]any)[1].(map[string]any)["colour"] = "red"
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := RouteByName(c.route)
			require.True(t, ok)
			err := Decode(c.body(t), r.NewRequest(), true)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "%v", err)
			assert.Equal(t, []FieldError{{Path: c.want, Rule: "unknown", Message: "is not a field of this message"}}, ve.Fields)
		})
	}
}
