# dokukit — every target works on a fresh machine with Go (and, for the
# Redis-backed tests, redis-server, which .ci/run installs).
GO        ?= go
BENCHTIME ?= 200ms
FUZZTIME  ?= 30s
COUNT     ?= 1

.PHONY: test bench fuzz lint demo vet build

## test: vet, then every test with the race detector (what CI runs)
test: vet
	$(GO) test -race -count=$(COUNT) ./...
	@# allocation tests are skipped under -race (sync.Pool drops items there): run them plainly
	$(GO) test -count=$(COUNT) -run 'Alloc' ./...
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -run . ./...
	cd examples/frameworks && $(GO) vet ./... && $(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

## build: the doku-verify binary, stamped with the VCS revision it was built
## from (doku-verify version prints it; -buildvcs=true overrides a go env
## that turned stamping off)
build:
	$(GO) build -buildvcs=true -o doku-verify ./cmd/doku-verify

## bench: short benchmarks side by side with their baselines
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) ./...

## fuzz: every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## lint: formatting and vet
lint:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd bench && $(GO) vet ./...
	cd examples/frameworks && $(GO) vet ./...

## demo: sign and verify a sample SNAP request step by step, then start the
## example merchant server on loopback and let a DOKU simulator run the
## conformance suite against every notification channel
demo:
	$(GO) run ./cmd/doku-verify demo
	@echo
	$(GO) run ./examples/merchant -selftest
