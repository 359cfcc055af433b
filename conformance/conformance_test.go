package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dokukit/dokukit/schemas"
)

func failed(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if !r.Pass {
			out = append(out, r.Case)
		}
	}
	sort.Strings(out)
	return out
}

func messages(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		if !r.Pass {
			b.WriteString(r.Case + ": " + r.Message + "\n")
		}
	}
	return b.String()
}

// The suite must pass a correct handler for every channel, in process.
func TestReferenceHandlerPasses(t *testing.T) {
	for _, ch := range Channels() {
		t.Run(string(ch), func(t *testing.T) {
			h, cfg := fixture(t, ch)
			rs, err := RunHandler(context.Background(), h, cfg)
			require.NoError(t, err)
			require.NotEmpty(t, rs)
			assert.Empty(t, failed(rs), messages(rs))
		})
	}
}

// Run (the *testing.T form) drives the same table as subtests.
func TestRunAgainstReference(t *testing.T) {
	h, cfg := fixture(t, SNAPDebit)
	Run(t, h, cfg)
}

// Each way of breaking a handler fails exactly the cases that catch it.
func TestBrokenHandlersFailTheRightCases(t *testing.T) {
	type brk func(h *refHandler)
	cases := []struct {
		ch   Channel
		name string
		brk  brk
		want []string
		msg  string // a phrase every failure message must contain
	}{
		{SNAPDebit, "accepts any signature", func(h *refHandler) { h.brokenAnySignature = true },
			[]string{"bearer/in-string-to-sign", "tamper/body-byte", "tamper/path", "tamper/query", "tamper/timestamp", "token/not-issued", "wrong-secret"}, "forged"},
		{SNAPDebit, "answers 500 to rejections", func(h *refHandler) { h.broken500 = true },
			nil, "DOKU retries"},
		{SNAPDebit, "no dedup", func(h *refHandler) { h.brokenNoDedup = true }, []string{"duplicate"}, "side effect ran 2 time(s)"},
		{SNAPDebit, "wrong ack code", func(h *refHandler) { h.brokenAck = true }, nil, "retries"},
		{SNAPDebit, "no skew check", func(h *refHandler) { h.brokenNoSkew = true }, []string{"timestamp/future", "timestamp/past"}, "forged"},
		{SNAPDebit, "no body limit", func(h *refHandler) { h.brokenNoLimit = true }, []string{"oversized-body"}, "forged"},
		{SNAPDebit, "wrong SNAP case codes", func(h *refHandler) { h.brokenCodes = true }, []string{"bearer/in-string-to-sign",
			"schema/bad-latestTransactionStatus", "schema/missing-originalPartnerReferenceNo", "tamper/body-byte", "tamper/path", "tamper/query",
			"tamper/timestamp", "token/not-issued", "wrong-secret"}, "want responseCode"},
		{SNAPToken, "accepts any signature", func(h *refHandler) { h.brokenAnySignature = true },
			[]string{"tamper/client-key", "tamper/signature", "tamper/timestamp"}, "forged"},
		{NonSNAP, "accepts any signature", func(h *refHandler) { h.brokenAnySignature = true },
			[]string{"signature/without-prefix", "tamper/body-byte", "tamper/body-whitespace", "tamper/path", "tamper/request-id", "tamper/timestamp", "unknown-client", "wrong-secret"}, "forged"},
		{NonSNAP, "no dedup", func(h *refHandler) { h.brokenNoDedup = true }, []string{"duplicate"}, "side effect"},
		{KirimUnpaid, "accepts any signature", func(h *refHandler) { h.brokenAnySignature = true },
			[]string{"tamper/request-id", "unknown-agent-key", "wrong-secret"}, "forged"},
		{KirimRefund, "wrong ack", func(h *refHandler) { h.brokenAck = true }, []string{"duplicate", "valid"}, "Kirim DOKU counts this as a failed callback"},
		{KirimRefund, "acts on any transfer", func(h *refHandler) { h.brokenAnyTransfer = true }, []string{"unknown-transfer"}, "splice their blocks"},
		{KirimUnpaid, "acts on any transfer", func(h *refHandler) { h.brokenAnyTransfer = true }, []string{"unknown-transfer"}, "splice their blocks"},
	}
	for _, c := range cases {
		t.Run(string(c.ch)+"/"+c.name, func(t *testing.T) {
			h, cfg := fixture(t, c.ch)
			c.brk(h)
			rs, err := RunHandler(context.Background(), h, cfg)
			require.NoError(t, err)
			got := failed(rs)
			want := c.want
			if want == nil {
				// every rejection case, or every acceptance case, fails
				want = allMatching(rs, c.name)
			}
			sort.Strings(want)
			assert.Equal(t, want, got, messages(rs))
			for _, r := range rs {
				if !r.Pass {
					assert.Contains(t, r.Message, c.msg, r.Case)
				}
			}
		})
	}
}

// allMatching: for the "every rejection" breaks, the expected failures are
// every case that expects a rejection (or, for a wrong ack, an ack).
func allMatching(rs []Result, name string) []string {
	var out []string
	for _, r := range rs {
		isAccept := r.Case == "valid" || strings.HasPrefix(r.Case, "valid/") || r.Case == "duplicate" || r.Case == "bearer/lowercase-scheme"
		switch name {
		case "wrong ack code":
			if isAccept {
				out = append(out, r.Case)
			}
		default:
			if !isAccept {
				out = append(out, r.Case)
			}
		}
	}
	return out
}

// fakeT records what Run reports without failing the real test.
type fakeT struct {
	ctx    context.Context
	name   string
	errors map[string][]string
}

func (f *fakeT) Helper()                  {}
func (f *fakeT) Context() context.Context { return f.ctx }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors[f.name] = append(f.errors[f.name], format)
}
func (f *fakeT) Run(name string, fn func(*fakeT)) bool {
	sub := &fakeT{ctx: f.ctx, name: name, errors: f.errors}
	fn(sub)
	return len(f.errors[name]) == 0
}

func TestRunReportsFailingSubtests(t *testing.T) {
	h, cfg := fixture(t, NonSNAP)
	h.brokenNoDedup = true
	ft := &fakeT{ctx: context.Background(), errors: map[string][]string{}}
	Run(ft, h, cfg)
	assert.Equal(t, []string{"duplicate"}, keys(ft.errors))

	ft = &fakeT{ctx: context.Background(), errors: map[string][]string{}}
	Run(ft, h, Config{Channel: "sms"})
	assert.Len(t, ft.errors[""], 1, "a bad config fails the parent test")
}

func keys(m map[string][]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// The black-box runner over a real loopback server gives the same verdicts;
// the side-effect probe is in-process only but the answers must still match.
func TestRunURLOverLoopback(t *testing.T) {
	h, cfg := fixture(t, SNAPVA)
	srv := httptest.NewServer(h)
	defer srv.Close()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	cfg.Probe = nil
	rs, err := RunURL(context.Background(), nil, srv.URL, cfg)
	require.NoError(t, err)
	assert.Empty(t, failed(rs), messages(rs))

	_, err = RunURL(context.Background(), nil, "ftp://x", cfg)
	assert.ErrorIs(t, err, ErrConfig)
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{Channel: "sms"},
		{Channel: SNAPToken},
		{Channel: SNAPDebit, Secret: []byte("s")},
		{Channel: NonSNAP},
		{Channel: KirimUnpaid, Secret: []byte("short")},
		{Channel: NonSNAP, Secret: []byte("s"), Path: "relative"},
	} {
		_, err := Cases(c)
		assert.ErrorIs(t, err, ErrConfig, "%+v", c)
	}
}

func TestCaseNamesUniqueAndDocumented(t *testing.T) {
	for _, ch := range Channels() {
		_, cfg := fixture(t, ch)
		cs, err := Cases(cfg)
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, c := range cs {
			assert.False(t, seen[c.Name], "duplicate case %s in %s", c.Name, ch)
			seen[c.Name] = true
			assert.NotEmpty(t, c.Doc, c.Name)
		}
		assert.True(t, seen["valid"], "%s has a valid case", ch)
		// Token requests are not notifications: DOKU does not retry them as duplicates.
		assert.Equal(t, ch != SNAPToken, seen["duplicate"], "%s duplicate case", ch)
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteJUnit(&b, "snap-debit", []Result{
		{Case: "valid", Doc: "d", Pass: true},
		{Case: "tamper/body-byte", Pass: false, Message: `got HTTP 200 <&> "x"`},
	}))
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc), b.String())
	require.Len(t, doc.Suites, 1)
	s := doc.Suites[0]
	assert.Equal(t, "snap-debit", s.Name)
	assert.Equal(t, 2, s.Tests)
	assert.Equal(t, 1, s.Failures)
	assert.Nil(t, s.Cases[0].Failure)
	require.NotNil(t, s.Cases[1].Failure)
	assert.Equal(t, `got HTTP 200 <&> "x"`, s.Cases[1].Failure.Message)
}

// A panicking handler is a failed delivery, not a crashed suite.
func TestPanickingHandler(t *testing.T) {
	_, cfg := fixture(t, NonSNAP)
	rs, err := RunHandler(context.Background(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), cfg)
	require.NoError(t, err)
	for _, r := range rs {
		assert.False(t, r.Pass, r.Case)
		assert.Contains(t, r.Message, "panicked", r.Case)
	}
}

// SNAP notifications signed with DOKU's RSA key: the table swaps the
// secret-based cases for a wrong-key case and still passes a correct handler.
func TestRSASignedSNAPNotifications(t *testing.T) {
	h, cfg := fixture(t, SNAPDebit)
	h.rsaNotify = true
	cfg.RSASignature = true
	cfg.Secret = nil
	rs, err := RunHandler(context.Background(), h, cfg)
	require.NoError(t, err)
	assert.Empty(t, failed(rs), messages(rs))
	names := map[string]bool{}
	for _, r := range rs {
		names[r.Case] = true
	}
	assert.True(t, names["wrong-key"])
	assert.False(t, names["wrong-secret"])

	h.brokenAnySignature = true
	rs, err = RunHandler(context.Background(), h, cfg)
	require.NoError(t, err)
	assert.Contains(t, failed(rs), "wrong-key")
}

// A caller-supplied body is what the valid case sends.
func TestConfigBodyIsSent(t *testing.T) {
	var got []byte
	h, cfg := fixture(t, NonSNAP)
	cfg.Body = []byte(`{"order":{"invoice_number":"MINE-1","amount":1},"transaction":{"status":"SUCCESS"}}`)
	spy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = b
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	})
	cs, err := Cases(cfg)
	require.NoError(t, err)
	res := cs[0].Run(context.Background(), HandlerDoer(spy))
	assert.True(t, res.Pass, res.Message)
	assert.Equal(t, string(cfg.Body), string(got))
}

// The token channel tests the endpoint at Path, wherever it is mounted.
func TestTokenChannelUsesPath(t *testing.T) {
	h, cfg := fixture(t, SNAPToken)
	mux := http.NewServeMux()
	mux.Handle("/merchant/token", http.StripPrefix("/merchant", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = DefaultTokenPath
		h.ServeHTTP(w, r)
	})))
	cfg.Path = "/merchant/token"
	rs, err := RunHandler(context.Background(), mux, cfg)
	require.NoError(t, err)
	assert.Empty(t, failed(rs), messages(rs))
}

type nilDoer struct{}

func (nilDoer) Do(*http.Request) (*http.Response, error) { return nil, nil }

func TestDoerWithoutResponse(t *testing.T) {
	_, cfg := fixture(t, KirimRefund)
	cs, err := Cases(cfg)
	require.NoError(t, err)
	r := cs[0].Run(context.Background(), nilDoer{})
	assert.False(t, r.Pass)
	assert.Contains(t, r.Message, "no response")
}

// Run keeps the shape it had before it became generic: callers pass a
// *testing.T, and a variable of the old function type still takes it.
var _ func(*testing.T, http.Handler, Config) = Run

// The paths the suite defaults to are the route table's, or, where the
// merchant chooses the path, the documented examples.
func TestDefaultPathsFromTheRouteTable(t *testing.T) {
	want := map[Channel]string{
		SNAPToken:   "/authorization/v1/access-token/b2b",
		SNAPDebit:   "/v1.0/debit/notify",
		SNAPVA:      "/v1.0/transfer-va/payment",
		NonSNAP:     "/payments/notifications",
		KirimUnpaid: "/kirim/unpaid",
		KirimRefund: "/kirim/refund",
	}
	for _, c := range Channels() {
		assert.Equal(t, want[c], DefaultPath(c), "%s", c)
		r := channelRoute(c)
		require.NotEmpty(t, r.Name, "%s has a route", c)
		assert.Equal(t, schemas.DOKUToMerchant, r.Direction, "%s", c)
		if !r.Templated() {
			assert.Equal(t, r.Path, DefaultPath(c), "%s", c)
		}
	}
	assert.Equal(t, DefaultPath(SNAPToken), DefaultTokenPath)
	assert.Empty(t, DefaultPath("sms"))
}
