//go:build tools

package bench

// Pins the bench module's requirements (the library's own dependencies and
// the baseline-only peers) so parallel work never races on bench/go.mod.
import (
	_ "github.com/go-playground/validator/v10"
	_ "github.com/goccy/go-json"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/stretchr/testify/require"
)
