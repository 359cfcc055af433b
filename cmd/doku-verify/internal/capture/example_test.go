package capture_test

import (
	"fmt"

	"github.com/dokukit/dokukit/cmd/doku-verify/internal/capture"
)

func ExampleParse() {
	raw := "POST /payments/notifications?src=doku HTTP/1.1\r\n" +
		"Client-Id: MCH-0001\r\n" +
		"Content-Length: 2\r\n" +
		"\r\n" +
		"{}\n" // the editor's trailing newline is not part of the body
	r, err := capture.Parse([]byte(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.Path(), r.Header.Get("Client-Id"), string(r.Body))
	fmt.Println(r.Warnings)
	// Output:
	// POST /payments/notifications MCH-0001 {}
	// [1 byte(s) after Content-Length (2) ignored]
}
