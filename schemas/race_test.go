//go:build race

package schemas

// raceEnabled is true when the tests run with -race. The race detector makes
// sync.Pool drop items at random, so allocation counts are meaningless there;
// `make test` runs the alloc tests again without -race.
const raceEnabled = true
