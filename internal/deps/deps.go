//go:build tools

// Package deps pins the module's direct dependencies while the packages that
// use them are being written. It is never built.
package deps

import (
	_ "github.com/go-playground/validator/v10"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/leanovate/gopter"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/stretchr/testify/require"
)
