package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// tokenEnv is where a bearer token comes from when neither its flag nor its
// file flag is given: a token on the command line is visible in ps and lands
// in shell history.
const tokenEnv = "DOKU_ACCESS_TOKEN"

// loadToken returns the bearer token from, in order, the flag value (for a
// throw-away value: it is visible to every local user through ps), the file
// (one trailing newline stripped) or DOKU_ACCESS_TOKEN. Both the flag and
// the file is a usage error. "" means none was given.
func loadToken(e *env, flagName, value, file string) (string, error) {
	if value != "" && file != "" {
		return "", fmt.Errorf("give --%s or --%s-file, not both", flagName, flagName)
	}
	if value != "" {
		return value, nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("cannot read --%s-file: %w", flagName, unwrapPathErr(err))
		}
		t := strings.TrimRight(string(b), "\r\n")
		if t == "" {
			return "", errors.New("--" + flagName + "-file " + file + " is empty")
		}
		return t, nil
	}
	return e.getenv(tokenEnv), nil
}

// redactToken keeps a token's first and last four characters, enough to
// tell two tokens apart in a report without handing anyone a usable one.
func redactToken(tok string) string {
	if len(tok) <= 12 {
		return "[redacted]"
	}
	return tok[:4] + "…" + tok[len(tok)-4:]
}

// redactIn replaces each token in s by its redacted form.
func redactIn(s string, tokens ...string) string {
	for _, t := range tokens {
		if t != "" {
			s = strings.ReplaceAll(s, t, redactToken(t))
		}
	}
	return s
}

// bearer is the token of an Authorization header value, "" without one.
func bearer(authorization string) string {
	a := strings.TrimSpace(authorization)
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return a
}
