//go:build tools

// Package deps pins the module's direct dependencies in go.mod while the
// packages that use them land one by one, so concurrent work never races on
// go.mod. It is never built (the tools tag is never set).
package deps

import (
	_ "github.com/go-playground/validator/v10"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/leanovate/gopter"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/stretchr/testify/require"
)
