package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/dokukit/dokukit/notify"
	"github.com/dokukit/dokukit/schemas"
	"github.com/dokukit/dokukit/sign"
	"github.com/dokukit/dokukit/verify"
)

// Asking for help is not an error: -h, --help, help and help CMD print to
// stdout and exit 0, for every command in the list.
func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		r := cli(t, nil, "", args...)
		assert.Equal(t, 0, r.code, args)
		assert.Empty(t, r.stderr, args)
		for _, c := range commandList() {
			assert.Contains(t, r.stdout, "  "+c.name+" ", "%v lists %s", args, c.name)
		}
	}
	for _, c := range commandList() {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "--help"}} {
			r := cli(t, nil, "", args...)
			assert.Equal(t, 0, r.code, args)
			assert.Empty(t, r.stderr, args)
			assert.Contains(t, r.stdout, "usage: doku-verify "+c.name, args)
		}
	}
	r := cli(t, nil, "", "help", "nope")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown command "nope"`)
	r = cli(t, nil, "")
	assert.Equal(t, 2, r.code, "no command is a usage error")
	assert.Contains(t, r.stderr, "usage:")
	r = cli(t, nil, "", "verify", "--bogus")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "run doku-verify help verify")
	assert.Empty(t, r.stdout)
}

// A binary built with go build in a git checkout names its revision; what
// it does not carry (the module version of a (devel) build) is "unknown".
func TestVersionOfAGoBuildBinary(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI runs in a git clone, but git rev-parse failed: %v", err)
		}
		t.Skip("not a git checkout: no revision to compare")
	}
	// go build stamps VCS data only where .git is a directory: a clone,
	// not a git worktree (whose .git is a file).
	if fi, err := os.Stat(filepath.Join("..", "..", ".git")); (err != nil || !fi.IsDir()) && os.Getenv("CI") == "" {
		t.Skip("a git worktree: go build does not stamp its revision")
	}
	bin := filepath.Join(t.TempDir(), "doku-verify")
	out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, arg := range []string{"version", "--version"} {
		var o bytes.Buffer
		cmd := exec.Command(bin, arg)
		cmd.Stdout = &o
		require.NoError(t, cmd.Run())
		got := o.String()
		assert.Contains(t, got, "revision: "+strings.TrimSpace(string(head))+"\n", arg)
		assert.Contains(t, got, "module:   github.com/dokukit/dokukit\n")
		assert.Regexp(t, `(?m)^go:       go1\.\d+`, got)
		assert.Regexp(t, `(?m)^doku-verify (unknown|v\S+)$`, got, "a (devel) build has no module version")
	}
	// The test binary of this package was built without VCS stamping.
	r := cli(t, nil, "", "version")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "revision: unknown\n")
}

// examples writes every file the -h examples name, refuses to overwrite,
// and the written capture verifies as the clone's does.
func TestExamplesCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dk")
	r := cli(t, nil, "", "examples", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "TEST-ONLY")
	for _, name := range []string{"snap_valid.http", "token_valid.http", testvectors.PrivatePKCS8, testvectors.PublicSPKI, testvectors.VectorsJSON, "README.txt"} {
		_, err := os.Stat(filepath.Join(dir, name))
		assert.NoError(t, err, name)
	}
	clone, err := os.ReadFile(golden("snap_valid.http"))
	require.NoError(t, err)
	written, err := os.ReadFile(filepath.Join(dir, "snap_valid.http"))
	require.NoError(t, err)
	assert.Equal(t, clone, written)
	r = cli(t, envSNAP, "", "verify", filepath.Join(dir, "snap_valid.http"))
	assert.Equal(t, 0, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "valid\n"), r.stdout)

	r = cli(t, nil, "", "examples", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "already exists")
	r = cli(t, nil, "", "examples")
	assert.Equal(t, 2, r.code)
}

// Every example in every -h runs as printed from the repository root (the
// port of the example merchant aside) and prints what the help says it
// prints; elided lines ("...", "…") are not compared.
func TestHelpExamplesRunAsPrinted(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	addr := exampleMerchant(t)
	simAddr := exampleSimulator(t) // the simulated DOKU the call example names as 127.0.0.1:8089
	helps := map[string]string{}
	for _, c := range commandList() {
		helps[c.name] = cli(t, nil, "", c.name, "-h").stdout
	}
	for _, sc := range cliSchemes {
		helps["sign "+sc.name] = cli(t, nil, "", "sign", sc.name, "-h").stdout
	}
	ran := 0
	for name, help := range helps {
		for _, ex := range parseExamples(help) {
			if strings.HasPrefix(ex.cmd, "doku-verify examples ") || strings.Contains(ex.cmd, "/tmp/dk/") {
				continue // writes outside the test's directory: TestExamplesCommand covers it
			}
			ran++
			t.Run(name+": "+ex.cmd, func(t *testing.T) {
				cmdline := strings.ReplaceAll(ex.cmd, "127.0.0.1:8080", addr)
				cmdline = strings.ReplaceAll(cmdline, "127.0.0.1:8089", simAddr)
				cmdline = strings.ReplaceAll(cmdline, "/tmp/conformance.xml", filepath.Join(t.TempDir(), "c.xml"))
				sh := exec.Command("sh", "-c", cmdline)
				sh.Dir = root
				sh.Env = []string{"PATH=" + filepath.Dir(binPath) + ":" + os.Getenv("PATH")}
				var out bytes.Buffer
				sh.Stdout, sh.Stderr = &out, &out
				err := sh.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				assert.NotEqual(t, 2, code, "usage or I/O error:\n%s", out.String())
				got := strings.ReplaceAll(out.String(), addr, "127.0.0.1:8080")
				for _, want := range ex.output {
					if strings.Contains(want, "...") || strings.Contains(want, "…") {
						continue
					}
					assert.Contains(t, got, want+"\n", "the help promises this line")
				}
			})
		}
	}
	assert.GreaterOrEqual(t, ran, 12, "every command shows a runnable example")
}

type example struct {
	cmd    string
	output []string
}

// parseExamples reads "  $ cmd \" continuation lines and the output lines
// after them; "  # …" lines are comments.
func parseExamples(help string) []example {
	i := strings.Index(help, "\nexample")
	if i < 0 {
		return nil
	}
	var out []example
	lines := strings.Split(help[i:], "\n")
	prompt := regexp.MustCompile(`^\s+\$ (.*)$`)
	for k := 0; k < len(lines); k++ {
		m := prompt.FindStringSubmatch(lines[k])
		if m == nil {
			if len(out) > 0 && strings.HasPrefix(lines[k], "  ") && !strings.HasPrefix(strings.TrimSpace(lines[k]), "#") {
				out[len(out)-1].output = append(out[len(out)-1].output, strings.TrimPrefix(lines[k], "  "))
			}
			continue
		}
		cmd := m[1]
		for strings.HasSuffix(cmd, `\`) && k+1 < len(lines) {
			k++
			cmd = strings.TrimSuffix(cmd, `\`) + " " + strings.TrimSpace(lines[k])
		}
		out = append(out, example{cmd: cmd})
	}
	return out
}

// exampleMerchant serves the README quick start's SNAP debit channel with
// the test keys on a loopback port and returns its host:port.
func exampleMerchant(t *testing.T) string {
	t.Helper()
	dokuPub, err := sign.ParsePublicKey(testvectors.MustRead(testvectors.PublicSPKI))
	require.NoError(t, err)
	merchantKey, err := sign.ParsePrivateKey(testvectors.MustRead(testvectors.PrivatePKCS1))
	require.NoError(t, err)
	secrets, err := verify.SecretsFor("DOKU-TEST-CLIENT", []byte("SK-snap-secret-123"))
	require.NoError(t, err)
	m, err := notify.NewMux(notify.MuxConfig{
		TokenKey: merchantKey, DOKUPublicKeys: map[string][]*rsa.PublicKey{"DOKU-TEST-CLIENT": {dokuPub}}, SNAPSecrets: secrets,
		SNAPDebit: func(context.Context, *schemas.SNAPDebitNotify) error { return nil },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestParseExamples(t *testing.T) {
	got := parseExamples("usage\n\nexample:\n  # a comment\n  $ a b \\\n      c\n  out 1\n  $ d\n  out 2\n")
	assert.Equal(t, []example{{cmd: "a b  c", output: []string{"out 1"}}, {cmd: "d", output: []string{"out 2"}}}, got)
}
