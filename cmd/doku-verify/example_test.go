package main

import (
	"fmt"
	"os"
	"strings"
)

// doku-verify verify on a captured SNAP notification (docs/protocol.md's
// vector), exit code 0 for valid.
func Example_verify() {
	capture := "POST /v1.0/debit/notify HTTP/1.1\r\n" +
		"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.test.token\r\n" +
		"X-TIMESTAMP: 2024-01-01T12:00:00+07:00\r\n" +
		"X-PARTNER-ID: DOKU\r\n" +
		"X-EXTERNAL-ID: 41807553358950093184162180797837\r\n" +
		"X-SIGNATURE: CtmbtoLOg00Gks/4O1t9hE563tTVWl8udVZOW1edErL6l5TYU3QfieMyQ3DYLu03fZ3sdfrbi5lfPfuLnkm3Nw==\r\n" +
		"\r\n" +
		`{"originalPartnerReferenceNo":"INV-001","latestTransactionStatus":"00","amount":{"value":"5000.00","currency":"IDR"}}`
	e := &env{stdin: strings.NewReader(capture), stdout: os.Stdout, stderr: os.Stdout,
		getenv: func(k string) string { return map[string]string{"DOKU_SECRET": "SK-snap-secret-123"}[k] }}
	code := run(e, []string{"verify", "--now", "2024-01-01T12:01:00+07:00", "-"})
	fmt.Println("exit", code)
	// Output:
	// valid
	// scheme: snap
	// timestamp: 2024-01-01T12:00:00+07:00 (age 1m0s)
	// stringToSign: POST:/v1.0/debit/notify:eyJh…oken:dbbcf244cd9058af369e9ec026b44415b196360d7fa024f2ad925afe6ffdda80:2024-01-01T12:00:00+07:00
	// exit 0
}
