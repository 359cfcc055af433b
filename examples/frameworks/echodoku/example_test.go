package echodoku_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/dokukit/dokukit/examples/frameworks/echodoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/dokusim"
	"github.com/dokukit/dokukit/middleware"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
)

// The merchant's existing echo handler, guarded by the verification
// middleware on its one route.
func ExampleVerify() {
	e := echo.New()

	// v is verify.NewSNAP with the SNAP secret the merchant shares with
	// DOKU (dokusim.SNAPVerifier).
	v, _ := dokusim.SNAPVerifier()
	mw, err := echodoku.Verify(v, middleware.WithServiceCode(notify.ServiceDebitNotify))
	if err != nil {
		fmt.Println(err)
		return
	}
	e.POST(notify.DefaultSNAPDebitPath, func(c echo.Context) error {
		id, _ := middleware.Verified(c.Request().Context())
		body, _ := io.ReadAll(c.Request().Body)
		fmt.Printf("handler: %s sent %s\n", id.ClientID, body)
		return c.JSON(http.StatusOK, schemas.SNAPDebitNotifyAck{ResponseCode: "2005600", ResponseMessage: "Request has been processed successfully"})
	}, mw)

	// DOKU signs with the kit's middleware.SNAPTransport; a forger cannot.
	dokusim.PostSignedThenUnsigned(e)
	// Output:
	// handler: DOKU-TEST-CLIENT sent {"originalPartnerReferenceNo":"INV-1001","latestTransactionStatus":"00"}
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 400 {"responseCode":"4005602","responseMessage":"Invalid Mandatory Field {X-TIMESTAMP}"}
}

// notify's SNAP debit channel and the token endpoint DOKU calls first,
// mounted beside the merchant's own routes.
func ExampleMountNotify() {
	// cfg is the merchant's notify.MuxConfig (dokusim.MuxConfig): its key
	// for the bearer tokens it issues, DOKU's public key, the SNAP secret
	// and, here, the func each verified SNAP debit notification runs.
	cfg, _ := dokusim.MuxConfig(func(_ context.Context, n *schemas.SNAPDebitNotify) error {
		fmt.Println("paid:", n.LatestTransactionStatus)
		return nil // mark the order paid here
	})
	e := echo.New()
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	if _, err := echodoku.MountNotify(e, cfg); err != nil {
		fmt.Println(err)
		return
	}

	// DOKU fetches a token and sends the notification, then the same
	// notification with one body byte changed after signing.
	dokusim.DeliverThenTamper(e)
	// Output:
	// paid: 00
	// 200 {"responseCode":"2005600","responseMessage":"Request has been processed successfully"}
	// 401 {"responseCode":"4015600","responseMessage":"Unauthorized. Invalid Signature"}
}
