//go:build race

package notify

// raceEnabled is true when the tests run with -race, where allocation
// counts are meaningless; `make test` runs the alloc tests again without it.
const raceEnabled = true
