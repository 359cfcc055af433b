package testvectors_test

import (
	"fmt"

	"github.com/dokukit/dokukit/internal/testvectors"
)

// The known-answer vectors are embedded: a test reads them without touching
// anything outside the repository.
func ExampleVectors() {
	vs, err := testvectors.Vectors()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vs[0].Name)
	fmt.Println(vs[0].StringToSign)
	// Output:
	// SNAP token request signature
	// BRN-0001-1700000000000|2024-01-01T12:00:00+07:00
}
