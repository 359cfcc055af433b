package redistest_test

import (
	"fmt"
	"strings"

	"github.com/dokukit/dokukit/internal/redistest"
)

// A test calls redistest.Start(t, redistest.AOF()) and gets a server started
// with these arguments; Args shows them without needing the binary.
func ExampleArgs() {
	fmt.Println(strings.Join(redistest.Args("/tmp/x", 6390, true), " "))
	// Output: --port 6390 --bind 127.0.0.1 --dir /tmp/x --save  --daemonize no --protected-mode yes --logfile  --loglevel warning --appendonly yes --appendfsync always
}
