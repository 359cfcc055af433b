// Command doku-verify signs, verifies and diagnoses DOKU signatures on
// captured payloads, simulates DOKU against a merchant's endpoint and runs the
// conformance suite as a black box.
//
// Usage:
//
//	doku-verify <command> [flags]
//
// Commands register themselves in init functions (one file each); run
// doku-verify without arguments for the list. Exit codes everywhere: 0 ok or
// valid, 1 a check failed, 2 usage or I/O error. Secrets come from
// --secret-file or the DOKU_SECRET environment variable, never from a flag
// value that would land in shell history.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// Exit codes shared by every command.
const (
	exitOK     = 0 // valid / ok
	exitFailed = 1 // a check failed
	exitUsage  = 2 // usage or I/O error
)

// env is what a command sees of the world; tests substitute every part.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

type command struct {
	summary string
	run     func(e *env, args []string) int
}

var commands = map[string]command{}

// register adds a command; called from init functions.
func register(name, summary string, run func(e *env, args []string) int) {
	if _, dup := commands[name]; dup {
		panic("doku-verify: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		return exitUsage
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "doku-verify: unknown command %q\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return c.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: doku-verify <command> [flags]   (doku-verify <command> -h for an example)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 ok/valid, 1 check failed, 2 usage or I/O error")
}
