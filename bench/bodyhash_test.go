package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
