package diagnose_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/diagnose"
)

// A sender hashed the pretty-printed body as it was instead of minifying it.
func ExampleCheck() {
	body := "{\n  \"amount\": { \"value\": \"10000.00\" }\n}"
	sum := sha256.Sum256([]byte(body)) // the mistake: no minify
	sts := fmt.Sprintf("POST:/v1.0/debit/notify:tok:%x:2024-01-01T12:00:00+07:00", sum)
	m := hmac.New(sha512.New, []byte("SK-secret"))
	m.Write([]byte(sts))

	r, err := diagnose.Check(diagnose.Input{
		Method: "POST", Target: "/v1.0/debit/notify", Body: []byte(body), Secret: []byte("SK-secret"),
		Header: http.Header{
			"Authorization": {"Bearer tok"},
			"X-Timestamp":   {"2024-01-01T12:00:00+07:00"},
			"X-Signature":   {base64.StdEncoding.EncodeToString(m.Sum(nil))},
			"X-Partner-Id":  {"PARTNER-1"},
			"X-External-Id": {"ext-1"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Scheme, r.Valid, r.Mistakes)
	fmt.Println(r.Explanation)
	// Output:
	// snap false [body-raw]
	// the sender hashed the body without minifying it
}
