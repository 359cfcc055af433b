package main

import (
	"context"
	"fmt"
	"os"
)

// The server refuses to start without its keys: it never runs unverified.
func Example() {
	code := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, os.Stdout, os.Stdout, func(string) string { return "" })
	fmt.Println("exit", code)
	// Output:
	// merchant: DOKU_CLIENT_ID is not set (merchant -h lists every variable)
	// exit 2
}
