package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: for any body and any route, Decode never panics, returns nil
// or a *ValidationError matching ErrInvalid, and a body it accepts also
// passes Validate on its own (no second opinion).
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"samples", "slips"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				f.Add(b, uint8(0), false)
			}
		}
	}
	f.Add([]byte(`{"order":{"amount":1e999}}`), uint8(2), true)
	f.Add([]byte(`{"amount":{"value":1.5,"currency":null}}`), uint8(24), false)
	f.Add([]byte(`{"virtual_account_payment":{"identifer":[{"name":{}}]}}`), uint8(36), false)
	f.Add([]byte(`{"detailData":[1,"x",{}]}`), uint8(28), false)
	routes := Routes()
	f.Fuzz(func(t *testing.T, data []byte, pick uint8, strict bool) {
		r := routes[int(pick)%len(routes)]
		for _, newV := range []func() any{r.NewRequest, r.NewResponse} {
			if newV == nil {
				continue
			}
			v := newV()
			err := Decode(data, v, strict)
			if err == nil {
				if verr := Validate(v); verr != nil {
					t.Fatalf("%s: Decode accepted what Validate rejects: %v", r.Name, verr)
				}
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) || len(ve.Fields) == 0 {
				t.Fatalf("%s: untyped or empty error %T %v", r.Name, err, err)
			}
		}
	})
}
