package gindoku_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/dokukit/dokukit/examples/frameworks/gindoku"
	"github.com/dokukit/dokukit/examples/frameworks/internal/frameworktest"
)

// TestMain keeps gin's debug route listing out of the test output.
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// TestGin runs the frameworks' shared suite through a gin engine.
func TestGin(t *testing.T) {
	frameworktest.Suite[*gin.Engine, gin.HandlerFunc]{
		Verify:      gindoku.Verify,
		MountNotify: gindoku.MountNotify,
		New:         func() *gin.Engine { return gin.New() },
		Guard: func(e *gin.Engine, mw gin.HandlerFunc, path string, serve func(*http.Request) error) {
			e.POST(path, mw, func(c *gin.Context) {
				if err := serve(c.Request); err != nil {
					c.String(http.StatusInternalServerError, err.Error())
					return
				}
				c.JSON(http.StatusOK, frameworktest.AckJSON)
			})
		},
		Route: func(e *gin.Engine, method, path, body string) {
			e.Handle(method, path, func(c *gin.Context) { c.String(http.StatusOK, body) })
		},
		GuardedAck:   frameworktest.Ack,
		NotFoundBody: "404 page not found",
		// gin answers a wrong method with 404 unless HandleMethodNotAllowed.
		WrongMethodStatus: http.StatusNotFound,
		BadPath:           "/v1.0/*channel",
	}.Run(t)
}
