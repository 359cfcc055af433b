package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// PrettyBody returns a deterministic, pretty-printed (2-space indent)
// DOKU-like JSON body of at least size bytes: nested objects, amounts as
// strings, strings with inner spaces, \" and \u00e9 escapes, and numbers
// such as 1.25e-2. Same size, same bytes, every run.
func PrettyBody(size int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"partnerReferenceNo\": \"INV 2024 0001\",\n  \"items\": [\n")
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `    {
      "sku": "SKU-%05d",
      "name": "Kopi \"Luwak\" caf\u00e9 %d  two  spaces",
      "amount": { "value": "%d.00", "currency": "IDR" },
      "rate": 1.25e-2,
      "qty": %d,
      "tags": [ "a b", "c\\d", true, null ]
    }`, i, i, 1000+i*7, i%9+1)
	}
	b.WriteString("\n  ],\n  \"additionalInfo\": { \"channel\": \"EMONEY_DANA_SNAP\", \"note\": \"caf\\u00e9 ok\" }\n}\n")
	if !json.Valid(b.Bytes()) {
		panic("bench: generated body is not valid JSON")
	}
	return b.Bytes()
}
