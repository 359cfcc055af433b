package routes

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

// Every callable route of the table has exactly one typed value, whose
// types are the table's request and response types; nothing else has one.
func TestEveryTableRouteHasOneTypedValue(t *testing.T) {
	seen := map[string]int{}
	for _, r := range All() {
		seen[r.Name()]++
		rt, ok := schemas.RouteByName(r.Name())
		require.True(t, ok, r.Name())
		typ := reflect.TypeOf(r)
		req, resp := typeArgs(typ)
		assert.Equal(t, reflect.TypeOf(rt.NewRequest()).Elem(), req, "%s request type", r.Name())
		assert.Equal(t, reflect.TypeOf(rt.NewResponse()).Elem(), resp, "%s response type", r.Name())
	}
	n := 0
	for _, rt := range schemas.Routes() {
		if rt.Direction != schemas.MerchantToDOKU || rt.Name == "wallet.token_b2b" || rt.Name == "wallet.token_b2b2c" {
			assert.Zero(t, seen[rt.Name], rt.Name)
			continue
		}
		n++
		assert.Equal(t, 1, seen[rt.Name], "%s has exactly one typed value", rt.Name)
	}
	assert.Equal(t, n, len(All()))
	assert.Equal(t, 29, n, "22 SNAP transactional and 7 non-SNAP routes")
}

// typeArgs reads Req and Resp back from the Route's method set.
func typeArgs(typ reflect.Type) (reflect.Type, reflect.Type) {
	v := reflect.New(typ).Elem().Interface().(interface{ types() (any, any) })
	a, b := v.types()
	return reflect.TypeOf(a).Elem(), reflect.TypeOf(b).Elem()
}
