package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// errNoSecret is returned when neither --secret-file nor DOKU_SECRET gives a
// secret. Its text names where a secret may come from, never a value.
var errNoSecret = errors.New("missing secret: set DOKU_SECRET or pass --secret-file PATH")

// loadSecret reads the secret from the file at path (one trailing "\n" or
// "\r\n" stripped, nothing else), else from DOKU_SECRET (used as is). An
// empty secret is errNoSecret: signing with it would be forgeable.
func loadSecret(e *env, path string) ([]byte, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read --secret-file: %w", unwrapPathErr(err))
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(b) == 0 {
			return nil, fmt.Errorf("--secret-file %s is empty", path)
		}
		return b, nil
	}
	if s := e.getenv("DOKU_SECRET"); s != "" {
		return []byte(s), nil
	}
	return nil, errNoSecret
}

// readInput reads a whole file, or standard input for "-".
func readInput(e *env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(e.stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, unwrapPathErr(err)
	}
	return b, nil
}

// unwrapPathErr keeps "open x: no such file" readable without Go's op prefix
// duplication.
func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// optionalFile is a flag.Value that records whether it was set at all, so
// "--body ”" (an empty body, which still gets a Digest line) differs from no
// --body.
type optionalFile struct {
	path string
	set  bool
}

func (o *optionalFile) String() string { return o.path }
func (o *optionalFile) Set(v string) error {
	o.path, o.set = v, true
	return nil
}

// newFlagSet returns a flag set that prints usage plus a worked example on -h
// and returns errors instead of exiting.
func newFlagSet(e *env, name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	full := func(w io.Writer) {
		fmt.Fprintf(w, "usage: doku-verify %s\n\n", synopsis)
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
		if example != "" {
			fmt.Fprintf(w, "\nexample (from a clone; doku-verify examples DIR writes the files out):\n%s\n", strings.TrimRight(example, "\n"))
		}
	}
	// A bad flag: flag has printed the error; point at the help.
	fs.Usage = func() { fmt.Fprintf(e.stderr, "run doku-verify help %s for the flags and an example\n", name) }
	helps.Store(fs, func() { full(e.stdout) })
	return fs
}

// helps holds each flag set's full help printer, which writes to stdout:
// asking for help is not an error.
var helps sync.Map // *flag.FlagSet → func()

// parseFlags parses args and reports the exit code to return when parsing
// stopped the command: -h/--help prints the help to stdout and exits 0, a
// bad flag exits 2.
func parseFlags(fs *flag.FlagSet, args []string) (stop bool, code int) {
	defer helps.Delete(fs)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			if h, ok := helps.Load(fs); ok {
				h.(func())()
				return true, exitOK
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, exitOK
		}
		return true, exitUsage
	}
	if fs.NArg() > 0 && fs.Name() != "verify" && fs.Name() != "diagnose" && fs.Name() != "validate" {
		fmt.Fprintf(fs.Output(), "doku-verify %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return true, exitUsage
	}
	return false, 0
}

// requireFlags reports the first empty required flag by name.
func requireFlags(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("missing required flag --%s", pairs[i])
		}
	}
	return nil
}
