// Package bench holds dokukit's benchmarks, each beside a naive baseline so
// the ratio shows in one run (make bench). It is its own module so that
// baseline-only peers such as goccy/go-json never enter the library's go.mod.
package bench
