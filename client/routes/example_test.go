package routes_test

import (
	"fmt"

	"github.com/dokukit/dokukit/client/routes"
	"github.com/dokukit/dokukit/schemas"
)

// Each typed route is a row of the schemas route table: its name finds the
// method, path and success code the client uses, and its type parameters are
// that row's request and response types.
func Example() {
	r, _ := schemas.RouteByName(routes.DANAPayment.Name())
	fmt.Println(r.Method, r.Path, r.SuccessCode)
	fmt.Printf("%T\n", r.NewRequest())
	// Output:
	// POST /direct-debit/core/v1/debit/payment-host-to-host 2000500
	// *schemas.DANAPaymentRequest
}
