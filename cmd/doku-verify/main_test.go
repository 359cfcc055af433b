package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dokukit/dokukit/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binPath is the doku-verify binary built once for the whole test run: the
// CLI contract is about the real executable (exit codes, stdout vs stderr),
// so tests run it rather than call run() in-process.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doku-verify-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binPath = filepath.Join(dir, "doku-verify")
	if runtime.GOOS == "windows" {
		binPath += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building doku-verify: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs the binary with a clean environment plus env, and stdin.
func cli(t *testing.T, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return cliResult{o.String(), e.String(), code}
}

// usageCase is a command line that must end in exit 2 (a usage, I/O or
// network error) with want on stderr.
type usageCase struct {
	name string // the subtest's; the command line when empty
	env  []string
	args []string
	want string
}

// usageErrors runs each case as a subtest: exit 2, want on stderr, nothing
// on stdout, and none of secrets anywhere in the output.
func usageErrors(t *testing.T, cases []usageCase, secrets ...string) {
	t.Helper()
	for _, c := range cases {
		name := c.name
		if name == "" {
			name = strings.Join(c.args, " ")
		}
		t.Run(name, func(t *testing.T) {
			r := cli(t, c.env, "", c.args...)
			assert.Equal(t, 2, r.code, r.stdout)
			assert.Contains(t, r.stderr, c.want)
			assert.Empty(t, r.stdout, "nothing on stdout on exit 2")
			for _, s := range secrets {
				assert.NotContains(t, r.stderr, s, "a secret must never be printed")
			}
		})
	}
}

// shared is the on-disk path of a known-answer file in internal/testvectors,
// for flags that take a file name.
func shared(name string) string {
	p, err := testvectors.Path(name)
	if err != nil {
		panic(err)
	}
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// protocolBody is docs/protocol.md §3's sample body, the one demo signs;
// the signatures below pin it.
const protocolBody = demoBody

func TestSignVectors(t *testing.T) {
	body := writeFile(t, "body.json", protocolBody)
	nsBody := writeFile(t, "ns.json", `{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`)
	snapSecret := []string{"DOKU_SECRET=SK-snap-secret-123"}
	secretFile := writeFile(t, "secret", "SK-hCJ42G28TA0MKG9LE2E\r\n")
	tokenFile := writeFile(t, "token", "eyJhbGciOiJSUzI1NiJ9.test.token\n")

	cases := []struct {
		name  string
		env   []string
		stdin string
		args  []string
		want  string
	}{
		{"snap POST pretty body", snapSecret, "", []string{"sign", "snap", "--method", "POST", "--path", "/direct-debit/core/v1/debit/payment-host-to-host", "--token", "eyJhbGciOiJSUzI1NiJ9.test.token", "--timestamp", "2024-01-01T12:00:00+07:00", "--body", body},
			"zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ=="},
		{"snap body from stdin, Bearer token", snapSecret, protocolBody, []string{"sign", "snap", "--method", "POST", "--path", "/direct-debit/core/v1/debit/payment-host-to-host", "--token", "Bearer eyJhbGciOiJSUzI1NiJ9.test.token", "--timestamp", "2024-01-01T12:00:00+07:00", "--body", "-"},
			"zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ=="},
		{"snap GET with query, token file", snapSecret, "", []string{"sign", "snap", "--method", "GET", "--path", "/v1.0/example/status?referenceNo=INV-1", "--token-file", tokenFile, "--timestamp", "2024-01-01T12:00:00+07:00"},
			"6iEhoTPvaJQRnU/+HlOG+Dpesa6XvIGGjMbgunMeTUPEd7CmLyIIrHRheyu+2VHjwJseUjWr7hqGhAMpRyP9sQ=="},
		{"snap notify vector", snapSecret, "", []string{"sign", "snap", "--method", "POST", "--path", "/v1.0/debit/notify", "--token", "eyJhbGciOiJSUzI1NiJ9.test.token", "--timestamp", "2024-01-01T12:00:00+07:00", "--body", shared("debit_notify_body.json")},
			"CtmbtoLOg00Gks/4O1t9hE563tTVWl8udVZOW1edErL6l5TYU3QfieMyQ3DYLu03fZ3sdfrbi5lfPfuLnkm3Nw=="},
		{"nonsnap with body, secret file with CRLF", nil, "", []string{"sign", "nonsnap", "--secret-file", secretFile, "--client-id", "MCH-0001-10791114622547", "--request-id", "cc682442-6c22-493e-8121-b9ef6b3fa728", "--timestamp", "2020-10-21T03:38:28Z", "--target", "/credit-card/v1/payment-page", "--body", nsBody},
			"HMACSHA256=BXsNbR2h6qsRDOlBVWfkaMxctbm+JUN3hL7igISBnCM="},
		{"nonsnap without body", []string{"DOKU_SECRET=SK-hCJ42G28TA0MKG9LE2E"}, "", []string{"sign", "nonsnap", "--client-id", "MCH-0001-10791114622547", "--request-id", "cc682442-6c22-493e-8121-b9ef6b3fa728", "--timestamp", "2020-10-21T03:38:28Z", "--target", "/orders/v1/status/INV-20210124-0001"},
			"HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg="},
		// "token" is the older spelling of snap-token, still accepted.
		{"token", nil, "", []string{"sign", "token", "--client-id", "BRN-0001-1700000000000", "--timestamp", "2024-01-01T12:00:00+07:00", "--private-key", shared("test_rsa_private_pkcs1.pem")},
			"Sfsdh0Q01QM5J0j/Z2iUXJAOlh+vWVOjM+J5XRPYoLljPjZARoDUceNCfmVIOOvSbLi0nXmhTtnjx+s6zaTVu6yy8ZhM3MsHxXbp/g3jdvPP0Q6HjeO1shLrnfK7Cljsfhksylg9P/IvWHJZT/VMMiQggyxv16Rn3eEESzVwnM8IoTnEJO0S3oQtMZDrgF0dWJ1r55ptfRpRdOXnRv9VxDkDrMZTGmmSz44Fy5nkzZG+QT8AjIYLQULjhlfbY5yF4pSXkkGK5+tISvHmZTQo2tKtg7fy61NhShhaa1xy4iCFBFL25o/P4sar6vDkjRjZytSRMmMXpT0tK1nWTRMpPQ=="},
		{"snap-token", nil, "", []string{"sign", "snap-token", "--client-id", "BRN-0001-1700000000000", "--timestamp", "2024-01-01T12:00:00+07:00", "--private-key", shared("test_rsa_private_pkcs1.pem")},
			"Sfsdh0Q01QM5J0j/Z2iUXJAOlh+vWVOjM+J5XRPYoLljPjZARoDUceNCfmVIOOvSbLi0nXmhTtnjx+s6zaTVu6yy8ZhM3MsHxXbp/g3jdvPP0Q6HjeO1shLrnfK7Cljsfhksylg9P/IvWHJZT/VMMiQggyxv16Rn3eEESzVwnM8IoTnEJO0S3oQtMZDrgF0dWJ1r55ptfRpRdOXnRv9VxDkDrMZTGmmSz44Fy5nkzZG+QT8AjIYLQULjhlfbY5yF4pSXkkGK5+tISvHmZTQo2tKtg7fy61NhShhaa1xy4iCFBFL25o/P4sar6vDkjRjZytSRMmMXpT0tK1nWTRMpPQ=="},
		{"snap-rsa notify", nil, "", []string{"sign", "snap-rsa", "--method", "POST", "--path", "/v1.0/debit/notify", "--timestamp", "2024-01-01T12:00:00+07:00", "--private-key", shared("test_rsa_private_pkcs8.pem"), "--body", shared("debit_notify_body.json")},
			"DGqFOuq649WgD1b6rG5ZEF1Y2mQt47hAGIevTW6Irf3uvhe1qKc5cadFmo1PGUc4AaaTlhr+A3bx14me9RIrOOr9gBOwHphIbKpTjKA+DWSUkUucqlc+ANMk/1afuc0WERb7ISp7BuGd6Eey57k5ImI7TRjMdyO5yHAzuz6uKG1M0gcOcg7R314d6/EG3G4jvS5CEZBADynWyry3Ybq2cOIQq2/y0wY/LRbNgwqY+p4nKmtamao608B/SnzmV62/dcD8oaKxpQdifGYeoX8hQGO2OuCSp7Orj3oHuERikJyEPnrg70ZBl3YK8XfgbS7q/40limAAQdpkoiS7hrq/7g=="},
		{"kirim", []string{"DOKU_SECRET=0123456789abcdef"}, "", []string{"sign", "kirim", "--agent-key", "A41418", "--request-id", "fd53b1e3-9c35-4dfa-a95ca8dbc5695485"},
			"y455yxXA+JSOkaOU/95jlXX5G2bDd9O2KXEWmeZInqSORauRcc8VU5vEU9kwaoO6"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, c.env, c.stdin, c.args...)
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			assert.Equal(t, c.want+"\n", r.stdout, "the signature alone plus a newline")
			assert.Empty(t, r.stderr)
		})
	}
}

// An empty --body file still gets a Digest line; no --body gets none.
func TestSignNonSNAPEmptyBodyHasDigest(t *testing.T) {
	env := []string{"DOKU_SECRET=SK-hCJ42G28TA0MKG9LE2E"}
	args := []string{"sign", "nonsnap", "--client-id", "C", "--request-id", "R", "--timestamp", "2020-10-21T03:38:28Z", "--target", "/x"}
	none := cli(t, env, "", args...)
	empty := cli(t, env, "", append(args, "--body", writeFile(t, "empty", ""))...)
	require.Equal(t, 0, none.code)
	require.Equal(t, 0, empty.code)
	assert.NotEqual(t, none.stdout, empty.stdout)
}

func TestSignErrors(t *testing.T) {
	const secret = "SK-very-secret-value-42"
	env := []string{"DOKU_SECRET=" + secret}
	badJSON := writeFile(t, "bad.json", `{"a":`)
	ecKey := writeFile(t, "ec.pem", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\nAwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kRHYRBxt3ipJ8LodEhLYp3yZXXpe\n2A8VVgbVx1JQnPqf8/Cqw1s/4vCgVHpW0A==\n-----END EC PRIVATE KEY-----\n")
	cases := []usageCase{
		{"no scheme", env, []string{"sign"}, "usage"},
		{"unknown scheme", env, []string{"sign", "hmac"}, `unknown scheme "hmac"`},
		{"missing flag", env, []string{"sign", "snap", "--method", "POST", "--token", "t", "--timestamp", "ts"}, "missing required flag --path"},
		{"missing token", env, []string{"sign", "snap", "--method", "POST", "--path", "/p", "--timestamp", "ts"}, "missing required flag --token"},
		{"missing secret", nil, []string{"sign", "snap", "--method", "POST", "--path", "/p", "--token", "t", "--timestamp", "ts"}, "missing secret"},
		{"unreadable body", env, []string{"sign", "snap", "--method", "POST", "--path", "/p", "--token", "t", "--timestamp", "ts", "--body", "/nonexistent/body.json"}, "cannot read --body: /nonexistent/body.json: no such file"},
		{"unreadable secret file", nil, []string{"sign", "kirim", "--secret-file", "/nonexistent/s", "--agent-key", "a", "--request-id", "r"}, "cannot read --secret-file"},
		{"body not JSON", env, []string{"sign", "snap", "--method", "POST", "--path", "/p", "--token", "t", "--timestamp", "2024-01-01T12:00:00+07:00", "--body", badJSON}, "not valid JSON"},
		{"EC key", nil, []string{"sign", "token", "--client-id", "c", "--timestamp", "2024-01-01T12:00:00+07:00", "--private-key", ecKey}, "not an RSA key"},
		{"garbage key", nil, []string{"sign", "token", "--client-id", "c", "--timestamp", "2024-01-01T12:00:00+07:00", "--private-key", badJSON}, "unsupported key format"},
		{"kirim short key", []string{"DOKU_SECRET=short"}, []string{"sign", "kirim", "--agent-key", "a", "--request-id", "r"}, "AES key must be 16, 24 or 32 bytes"},
		{"unknown flag", env, []string{"sign", "snap", "--secret", "x"}, "flag provided but not defined: -secret"},
		{"unknown command", env, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"malformed timestamp", env, []string{"sign", "snap", "--method", "POST", "--path", "/p", "--token", "t", "--timestamp", "2024-01-01T1:00:00+07:00"}, "not a timestamp the verifier accepts"},
		{"zoneless timestamp", nil, []string{"sign", "token", "--client-id", "c", "--timestamp", "2024-01-01T12:00:00", "--private-key", shared(testvectors.PrivatePKCS8)}, "not a timestamp the verifier accepts"},
	}
	usageErrors(t, cases, secret)
}

func TestSignHelpShowsExample(t *testing.T) {
	r := cli(t, nil, "", "sign", "nonsnap", "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "example")
	assert.Contains(t, r.stdout, "HMACSHA256=f+crWjcZyu/J7O3alkiMmYbNZZIcWo+nJfbiYDNszlg=")
}

func TestDemo(t *testing.T) {
	r := cli(t, nil, "", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "X-SIGNATURE   zHUgw2Goxi3eB6T1MVNmHCNtDM3PeQRymtW/RhbojEQm4rwPGHsdcJzW2kMyktLydGsW9lI7x5CHB75NElGyCQ==")
	assert.Contains(t, r.stdout, "one body byte changed: invalid: sign: signature mismatch")
}
