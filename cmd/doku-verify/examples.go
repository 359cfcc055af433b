package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dokukit/dokukit/internal/testvectors"
)

// captures are the example requests the -h examples name, as a clone has
// them under cmd/doku-verify/testdata.
//
//go:embed testdata/*.http testdata/*.har
var captures embed.FS

const examplesUsage = `usage: doku-verify examples DIR

Writes the example captures (cmd/doku-verify/testdata in a clone) and the
kit's TEST-ONLY RSA key pair and vectors (internal/testvectors) into DIR,
creating it, so the -h examples of an installed binary work with DIR/ in
place of those folders. The keys are public: they must never sign or verify
anything real. Existing files are not overwritten. Exit 0 written, 2 usage
or I/O error.

example:
  $ doku-verify examples /tmp/dk
  wrote 19 files to /tmp/dk (TEST-ONLY keys: never use them outside a test)
  $ DOKU_SECRET=SK-snap-secret-123 doku-verify verify /tmp/dk/snap_valid.http
  valid`

const testOnlyNote = `These files come from dokukit (doku-verify examples).

test_rsa_*.pem and test_rsa_public_bare_base64.txt are a PUBLIC, TEST-ONLY
RSA key pair: it is printed in the dokukit repository. Never use it to sign
or verify anything outside a test.

*.http and *.har are captured DOKU requests signed with the published test
secrets of docs/protocol.md (SNAP SK-snap-secret-123, non-SNAP
SK-hCJ42G28TA0MKG9LE2E, Kirim key 0123456789abcdef).
`

func runExamples(e *env, args []string) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintln(e.stdout, examplesUsage)
		return exitOK
	}
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, examplesUsage)
		return exitUsage
	}
	dir := args[0]
	n, err := writeExamples(dir)
	if err != nil {
		return e.fail("examples", exitUsage, err)
	}
	fmt.Fprintf(e.stdout, "wrote %d files to %s (TEST-ONLY keys: never use them outside a test)\n", n, dir)
	return exitOK
}

func writeExamples(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, unwrapPathErr(err)
	}
	n := 0
	put := func(name string, b []byte) error {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: not overwritten", filepath.Join(dir, name))
		}
		if err != nil {
			return unwrapPathErr(err)
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return unwrapPathErr(err)
		}
		n++
		return unwrapPathErr(f.Close())
	}
	if err := put("README.txt", []byte(testOnlyNote)); err != nil {
		return n, err
	}
	for _, src := range []fs.FS{captures, testvectors.Files} {
		err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			return put(filepath.Base(p), b)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
