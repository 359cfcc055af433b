// Command doku-verify signs, verifies and diagnoses DOKU signatures on
// captured payloads, simulates DOKU against a merchant's endpoint and runs the
// conformance suite as a black box.
//
// Usage:
//
//	doku-verify <command> [flags]
//	doku-verify help [command]
//	doku-verify version
//
// The commands are listed in one table (commandList); run doku-verify help
// for it. Exit codes everywhere: 0 ok or valid, 1 a check failed, 2 usage,
// I/O or network error; each command's -h says what its own codes mean.
// Secrets come from --secret-file or the DOKU_SECRET environment variable,
// never from a flag value that would land in shell history.
//
// The protocol each command checks is described in docs/protocol.md; the
// files the -h examples name ship in the repository
// (cmd/doku-verify/testdata, internal/testvectors), and doku-verify examples
// DIR writes them out from an installed binary.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Exit codes shared by every command.
const (
	exitOK     = 0 // valid / ok
	exitFailed = 1 // a check failed
	exitUsage  = 2 // usage, I/O or network error
)

// env is what a command sees of the world; tests substitute every part.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// fail reports err on stderr as "doku-verify CMD: err" and returns code,
// the exit status of the command.
func (e *env) fail(cmd string, code int, err error) int {
	fmt.Fprintf(e.stderr, "doku-verify %s: %v\n", cmd, err)
	return code
}

// printJSON writes v as one line of JSON on stdout: the --json output of
// the commands that have one. v is one of their result types, which always
// marshal.
func (e *env) printJSON(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(e.stdout, "%s\n", b)
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int
}

// commandList is every command, in the order help lists them.
func commandList() []command {
	return []command{
		{"verify", "check the signature of a captured request (raw HTTP or HAR)", runVerify},
		{"diagnose", "explain why a captured request's signature does not match", runDiagnose},
		{"sign", "compute a signature (" + schemeList(", ") + ")", runSign},
		{"validate", "check a captured request or a JSON body against its DOKU page's schema (every bad field, by JSON path)", runValidate},
		{"send", "act as DOKU: sign and post a notification (optionally repeated or tampered) to a merchant URL", runSend},
		{"conformance", "run the conformance suite against a running merchant endpoint (pass/fail table, JUnit XML)", runConformance},
		{"call", "call a DOKU API route as the merchant: tokens, headers, schema check, verified answer, safe retries", runCall},
		{"simulate", "play DOKU on loopback: every API a merchant calls, with state, faults and notifications back", runSimulate},
		{"demo", "sign the docs/protocol.md §3 sample SNAP request, verify it, and show a tampered copy fail", runDemo},
		{"examples", "write the example captures and TEST-ONLY keys the -h examples use into a directory", runExamples},
		{"version", "print the module version, VCS revision and Go version of this binary", runVersion},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commandList() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func main() {
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			usage(e.stdout)
			return exitOK
		}
		c, ok := findCommand(args[1])
		if !ok {
			fmt.Fprintf(e.stderr, "doku-verify help: unknown command %q\n", args[1])
			usage(e.stderr)
			return exitUsage
		}
		return c.run(e, []string{"-h"})
	case "-version", "--version":
		return runVersion(e, nil)
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "doku-verify: unknown command %q\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return c.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: doku-verify <command> [flags]   (doku-verify help <command> for its flags and an example)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commandList() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 ok/valid, 1 check failed, 2 usage, I/O or network error")
	fmt.Fprintln(w, "the protocol: docs/protocol.md; the files the examples use: doku-verify examples DIR")
}
