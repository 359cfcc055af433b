package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dokukit/dokukit/conformance"
	"github.com/dokukit/dokukit/verify"
)

const conformanceSynopsis = `conformance --url URL --channel CHANNEL [--doku-private-key FILE] [--junit FILE]
                        [--secret-file FILE] [--client-id ID] [--agent-key K] [--kirim-transfers FILE] [--token-url URL] [--token TOKEN] [--rsa]
                        [--max-body BYTES] [--skew 5m]

Acts as DOKU against the merchant endpoint at --url: a valid notification must
get the channel's ack; every tampered, stale, oversized, malformed or
schema-breaking one must be rejected with the protocol's status and code; a
repeated delivery must get the same answer. Prints one line per case and, on
failure, what DOKU would do next. Exit 0 when every case passes, 1 when any
fails, 2 on usage errors. The side-effect-once check needs an in-process run
(conformance.Run in a Go test); here only identical answers are checked.`

const conformanceExample = `  # a merchant on 127.0.0.1:8080: the README's quick start (go doc ./examples/quickstart)
  $ DOKU_SECRET=SK-snap-secret-123 doku-verify conformance --url http://127.0.0.1:8080 --channel snap-debit \
      --doku-private-key internal/testvectors/test_rsa_private_pkcs8.pem --junit /tmp/conformance.xml
  PASS  valid                                        200
  ...
  23 passed, 0 failed (snap-debit at http://127.0.0.1:8080/v1.0/debit/notify)`

func runConformance(e *env, args []string) int {
	var (
		f       dokuFlags
		junit   string
		maxBody int64
		skew    time.Duration
	)
	fs := newFlagSet(e, "conformance", conformanceSynopsis, conformanceExample)
	f.register(fs)
	fs.StringVar(&junit, "junit", "", "also write the results as JUnit XML to this file")
	fs.Int64Var(&maxBody, "max-body", verify.DefaultMaxBodyBytes, "the merchant's body limit in bytes (the oversized case sends one more)")
	fs.DurationVar(&skew, "skew", 5*time.Minute, "the merchant's allowed timestamp skew (the stale/future cases send twice as far)")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	fail := func(err error) int {
		return e.fail("conformance", exitUsage, err)
	}
	cfg, base, err := f.config(e)
	if err != nil {
		return fail(err)
	}
	cfg.MaxBodyBytes, cfg.Skew = maxBody, skew
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rs, err := conformance.RunURL(ctx, nil, base, cfg)
	if err != nil {
		return fail(err)
	}
	for _, r := range rs {
		if !r.Pass {
			if err := reachable(base); err != nil {
				return fail(err) // one line, not a list of failed cases
			}
			break
		}
	}
	if junit != "" {
		var b bytes.Buffer
		if err := conformance.WriteJUnit(&b, string(cfg.Channel), rs); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(junit, b.Bytes(), 0o644); err != nil {
			return fail(fmt.Errorf("cannot write --junit: %w", unwrapPathErr(err)))
		}
	}
	passed, failed := 0, 0
	for _, r := range rs {
		mark := "PASS"
		if r.Pass {
			passed++
		} else {
			mark = "FAIL"
			failed++
		}
		status := "-"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		fmt.Fprintf(e.stdout, "%s  %-44s %s\n", mark, r.Case, status)
	}
	for _, r := range rs {
		if !r.Pass {
			fmt.Fprintf(e.stdout, "\nFAIL %s: %s\n", r.Case, strings.TrimSpace(r.Message))
		}
	}
	fmt.Fprintf(e.stdout, "\n%d passed, %d failed (%s at %s)\n", passed, failed, cfg.Channel, f.target(cfg, base))
	for _, r := range rs {
		if r.Case == "valid" && !r.Pass && (r.Status == 401 || r.Status == 403) {
			fmt.Fprintln(e.stderr, unauthorizedHint(cfg))
		}
	}
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}
