package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/dokukit/dokukit/sign"
)

var sizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

// BenchmarkMinify puts our validating compactor beside encoding/json.Compact,
// goccy/go-json.Compact (the fastest peer) and the Unmarshal+Marshal
// re-serialization DOKU's SDKs do (which is also wrong: it reorders keys).
func BenchmarkMinify(b *testing.B) {
	for _, sz := range sizes {
		body := PrettyBody(sz.n)
		b.Run("dokukit/"+sz.name, func(b *testing.B) {
			dst := make([]byte, 0, len(body))
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var err error
				if dst, err = sign.AppendMinified(dst[:0], body); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, peer := range []struct {
			name    string
			compact func(dst *bytes.Buffer, src []byte) error
		}{{"encoding-json-Compact", json.Compact}, {"goccy-Compact", gojson.Compact}} {
			b.Run(peer.name+"/"+sz.name, func(b *testing.B) {
				var buf bytes.Buffer
				buf.Grow(len(body))
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					buf.Reset()
					if err := peer.compact(&buf, body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run("reserialize/"+sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := reserialize(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func reserialize(body []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

const (
	benchMethod = "POST"
	benchPath   = "/v1.0/debit/notify"
	benchToken  = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJkb2t1a2l0In0.c2lnbmF0dXJl"
	benchTS     = "2024-01-01T12:00:00+07:00"
)

// snapNaive is the SNAP signature built on a given compactor with fresh
// hashes per call: the way a straightforward implementation does it.
func snapNaive(secret, body []byte, compact func([]byte) ([]byte, error)) (string, error) {
	min, err := compact(body)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(min)
	sts := fmt.Sprintf("%s:%s:%s:%s:%s", benchMethod, benchPath, benchToken, hex.EncodeToString(sum[:]), benchTS)
	m := hmac.New(sha512.New, secret)
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// compactWith turns a buffer compactor (json.Compact, gojson.Compact) into
// one returning the compacted bytes in a fresh buffer, as a naive signer
// would call it.
func compactWith(compact func(dst *bytes.Buffer, src []byte) error) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		var buf bytes.Buffer
		err := compact(&buf, b)
		return buf.Bytes(), err
	}
}

// BenchmarkSNAPSign compares our pooled, zero-allocation signer with the
// same signature built on json.Compact, on goccy, and on re-serializing, and
// with the floor: SHA-256 of the body plus one HMAC-SHA512.
func BenchmarkSNAPSign(b *testing.B) {
	secret := []byte("SK-snap-secret-123")
	s, err := sign.NewSNAPSymmetric(secret)
	if err != nil {
		b.Fatal(err)
	}
	for _, sz := range sizes {
		body := PrettyBody(sz.n)
		want, err := s.Sign(benchMethod, benchPath, benchToken, body, benchTS)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("dokukit/"+sz.name, func(b *testing.B) {
			dst := make([]byte, 0, 88)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if dst, err = s.AppendSignature(dst[:0], benchMethod, benchPath, benchToken, body, benchTS); err != nil {
					b.Fatal(err)
				}
			}
			if string(dst) != want {
				b.Fatal("signature changed")
			}
		})
		for _, base := range []struct {
			name string
			fn   func([]byte) ([]byte, error)
		}{{"on-json-Compact", compactWith(json.Compact)}, {"on-goccy-Compact", compactWith(gojson.Compact)}, {"on-reserialize", reserialize}} {
			b.Run(base.name+"/"+sz.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := snapNaive(secret, body, base.fn); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run("floor-sha256+hmac512/"+sz.name, func(b *testing.B) {
			m := hmac.New(sha512.New, secret)
			var sum [64]byte
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				h := sha256.Sum256(body)
				m.Reset()
				m.Write(h[:])
				m.Sum(sum[:0])
			}
		})
	}
}

// BenchmarkNonSNAPSign signs the docs/protocol.md §2 request.
func BenchmarkNonSNAPSign(b *testing.B) {
	s, _ := sign.NewNonSNAP([]byte("SK-hCJ42G28TA0MKG9LE2E"))
	body := []byte(`{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"payment":{"payment_due_date":60}}`)
	c := sign.Components{ClientID: "MCH-0001-10791114622547", RequestID: "cc682442-6c22-493e-8121-b9ef6b3fa728",
		Timestamp: "2020-10-21T03:38:28Z", Target: "/credit-card/v1/payment-page", Body: body}
	b.Run("dokukit", func(b *testing.B) {
		dst := make([]byte, 0, 64)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst = s.AppendSignature(dst[:0], c)
		}
	})
	b.Run("naive-sprintf", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			d := sha256.Sum256(body)
			comp := fmt.Sprintf("Client-Id:%s\nRequest-Id:%s\nRequest-Timestamp:%s\nRequest-Target:%s\nDigest:%s",
				c.ClientID, c.RequestID, c.Timestamp, c.Target, base64.StdEncoding.EncodeToString(d[:]))
			m := hmac.New(sha256.New, []byte("SK-hCJ42G28TA0MKG9LE2E"))
			m.Write([]byte(comp))
			_ = "HMACSHA256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
		}
	})
}

// BenchmarkRSATokenVerify verifies the docs/protocol.md §4 token vector.
func BenchmarkRSATokenVerify(b *testing.B) {
	pub, err := sign.ParsePublicKey(readVector(b, "test_rsa_public_spki.pem"))
	if err != nil {
		b.Fatal(err)
	}
	const sig = "Sfsdh0Q01QM5J0j/Z2iUXJAOlh+vWVOjM+J5XRPYoLljPjZARoDUceNCfmVIOOvSbLi0nXmhTtnjx+s6zaTVu6yy8ZhM3MsHxXbp/g3jdvPP0Q6HjeO1shLrnfK7Cljsfhksylg9P/IvWHJZT/VMMiQggyxv16Rn3eEESzVwnM8IoTnEJO0S3oQtMZDrgF0dWJ1r55ptfRpRdOXnRv9VxDkDrMZTGmmSz44Fy5nkzZG+QT8AjIYLQULjhlfbY5yF4pSXkkGK5+tISvHmZTQo2tKtg7fy61NhShhaa1xy4iCFBFL25o/P4sar6vDkjRjZytSRMmMXpT0tK1nWTRMpPQ=="
	b.Run("dokukit", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := sign.VerifyToken(pub, "BRN-0001-1700000000000", "2024-01-01T12:00:00+07:00", sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// largeBodySize is the body of issue 16 target 5: a 64 MiB pretty-printed
// JSON body signed by doku-verify sign snap --body FILE.
const largeBodySize = 64 << 20

var (
	largeOnce sync.Once
	largePath string
	largeErr  error
)

// largeBodyFile writes PrettyBody(64 MiB) to a temporary file once per
// test binary; TestMain removes it.
func largeBodyFile(b *testing.B) string {
	largeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dokukit-bench-")
		if err != nil {
			largeErr = err
			return
		}
		largePath = filepath.Join(dir, "body.json")
		largeErr = os.WriteFile(largePath, PrettyBody(largeBodySize), 0o600)
		tempDirs = append(tempDirs, dir)
	})
	if largeErr != nil {
		b.Fatal(largeErr)
	}
	return largePath
}

// signStringTail finishes a SNAP signature from the body hash, as every
// signer below does.
func signFromHash(mac func([]byte) []byte, hexHash []byte) string {
	sts := sign.AppendSNAPStringToSign(nil, "POST", "/v1.0/debit/notify", mwToken, hexHash, mwTS)
	return base64.StdEncoding.EncodeToString(mac(sts))
}

func hmac512(msg []byte) []byte {
	m := hmac.New(sha512.New, []byte(mwSecret))
	m.Write(msg)
	return m.Sum(nil)
}

// heapPeak samples the live heap every 200 µs while f runs and returns the
// highest value above the level before it (after a GC): what f holds at
// once, as opposed to B/op, which counts everything it ever allocated.
func heapPeak(f func()) uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	peak := base
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		ss := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				metrics.Read(ss)
				if v := ss[0].Value.Uint64(); v > peak {
					peak = v
				}
			}
		}
	}()
	f()
	close(stop)
	<-done
	metrics.Read(s)
	if v := s[0].Value.Uint64(); v > peak {
		peak = v
	}
	return peak - base
}

// BenchmarkSignLargeBody signs a 64 MiB pretty-printed body read from a
// file, end to end as doku-verify sign snap --body does: dokukit's
// streaming BodyHasher (what the CLI uses now), dokukit's one-shot
// Sign over the whole file (what it did), and signers built on
// encoding/json.Compact and goccy/go-json.Compact. Target: streaming ≥ 3×
// the json.Compact signer, with a peak heap independent of the body
// (peak-heap-MB: the most held at once; B/op counts all allocated).
func BenchmarkSignLargeBody(b *testing.B) {
	path := largeBodyFile(b)
	want := ""
	// onCompact is the signer a straightforward implementation builds on
	// compact: read the whole file, compact it, hash, HMAC.
	onCompact := func(compact func(dst *bytes.Buffer, src []byte) error) func() (string, error) {
		return func() (string, error) {
			body, err := os.ReadFile(path)
			if err != nil {
				return "", err
			}
			min, err := compactWith(compact)(body)
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256(min)
			return signFromHash(hmac512, hex.AppendEncode(nil, sum[:])), nil
		}
	}
	signers := []struct {
		name string
		sign func() (string, error)
	}{
		{"dokukit-stream", func() (string, error) {
			f, err := os.Open(path)
			if err != nil {
				return "", err
			}
			defer f.Close()
			h := sign.NewBodyHasher()
			if _, err := h.ReadFrom(f); err != nil {
				return "", err
			}
			hx, err := h.AppendHex(nil)
			if err != nil {
				return "", err
			}
			return signFromHash(hmac512, hx), nil
		}},
		{"dokukit-oneshot", func() (string, error) {
			body, err := os.ReadFile(path)
			if err != nil {
				return "", err
			}
			s, _ := sign.NewSNAPSymmetric([]byte(mwSecret))
			return s.Sign("POST", "/v1.0/debit/notify", mwToken, body, mwTS)
		}},
		{"on-json-Compact", onCompact(json.Compact)},
		{"on-goccy-Compact", onCompact(gojson.Compact)},
	}
	for _, s := range signers {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(largeBodySize)
			b.ReportAllocs()
			var peak uint64
			for i := 0; i < b.N; i++ {
				var sig string
				var err error
				p := heapPeak(func() { sig, err = s.sign() })
				if err != nil {
					b.Fatal(err)
				}
				if want == "" {
					want = sig
				} else if sig != want {
					b.Fatalf("%s signed %s, the others %s", s.name, sig, want)
				}
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// BenchmarkBodyHasher is the streaming hash alone on in-memory pieces of
// 64 KiB (a request body read from the network), beside the one-shot
// BodyHash of the whole buffer.
func BenchmarkBodyHasher(b *testing.B) {
	for _, sz := range []struct {
		name string
		n    int
	}{{"64KiB", 64 << 10}, {"4MiB", 4 << 20}} {
		body := PrettyBody(sz.n)
		b.Run("stream/"+sz.name, func(b *testing.B) {
			h := sign.NewBodyHasher()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				h.Reset()
				if _, err := io.Copy(h, bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
				if _, err := h.Sum(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("oneshot/"+sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := sign.BodyHash(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
