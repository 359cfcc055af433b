package echodoku_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/dokukit/dokukit/examples/frameworks/echodoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/frameworktest"
)

// TestEcho runs the frameworks' shared suite through an echo server.
func TestEcho(t *testing.T) {
	frameworktest.Suite[*echo.Echo, echo.MiddlewareFunc]{
		Verify:      echodoku.Verify,
		MountNotify: echodoku.MountNotify,
		New:         echo.New,
		Guard: func(e *echo.Echo, mw echo.MiddlewareFunc, path string, serve func(*http.Request) error) {
			e.POST(path, func(c echo.Context) error {
				if err := serve(c.Request()); err != nil {
					return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
				}
				return c.JSON(http.StatusOK, frameworktest.AckJSON)
			}, mw)
		},
		Route: func(e *echo.Echo, method, path, body string) {
			e.Add(method, path, func(c echo.Context) error { return c.String(http.StatusOK, body) })
		},
		GuardedAck:        frameworktest.Ack + "\n", // echo's c.JSON ends with json.Encoder's newline
		NotFoundBody:      `{"message":"Not Found"}` + "\n",
		WrongMethodStatus: http.StatusMethodNotAllowed,
		BadPath:           "/v1.0/:channel/notify",
	}.Run(t)
}
