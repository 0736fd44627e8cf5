# Citizen data wallet: build, test and check.
#
#   make run          build and start the app (installs Fyne's system libraries if missing)
#   make run-shared   the wallet against make warehouse; make counter: the one-stop counter
#   make warehouse    start the reference warehouse with a demo province on loopback
#   make warehouse-postgres  the same on a local PostgreSQL cluster
#   make package-linux, package-windows  packages built here (fyne package) into bin/dist/;
#                     package-android, -ios, -darwin, -linux-arm64: docs/packaging.md
#   make build-mobile the app with -tags mobile (build, vet) and the packaging settings checked
#   make screenshots  render every main screen at phone and desktop size into docs/screens/
#   make test         the test suite: -tags ci, race detector on every package without cgo,
#                     a throw-away PostgreSQL cluster for the warehouse's PostgreSQL store
#   make lint         no large files in git, gofmt, go vet, staticcheck
#   make fuzz         every fuzz target for FUZZTIME (default 10s) each
#   make bench        every benchmark, BENCHCOUNT runs each, into BENCHOUT for benchstat
#   make build        what builds without cgo, and the walletctl and warehouse binaries in bin/
#   make tools        install the pinned staticcheck into bin/tools/
#
# The "ci" build tag selects Fyne's software driver, which needs no cgo, no
# OpenGL and no display; tests always use it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

GO ?= go
FUZZTIME ?= 10s
BENCHCOUNT ?= 6
BENCHTIME ?= 1s
BENCHOUT ?= bin/bench.txt

# staticcheck 2026.2.2, the first release line built for Go 1.26.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck
# The fyne CLI that packages the app (fyne.io/tools, pinned).
FYNE_VERSION := v1.7.4
FYNE := bin/tools/fyne-$(FYNE_VERSION)/fyne

.PHONY: test-postgres postgres-stop warehouse-postgres run run-shared counter package-linux package-windows package-linux-arm64 package-android package-darwin package-ios check-cross build-mobile warehouse screenshots test lint fuzz bench build tools

run:
	bash tools/install-fyne-deps.sh
	$(GO) run ./cmd/citizenwallet

# The wallet and the counter against the warehouse of `make warehouse`
# (run that first, in another terminal), so a token shared in the one is
# verified in the other.
SHARED_WAREHOUSE = -warehouse http://127.0.0.1:8640 -root-key bin/warehouse/root-key.jwk
COUNTER_AGENCY ?= vn.dongnai.bvdk-dongnai
run-shared:
	bash tools/install-fyne-deps.sh
	$(GO) run ./cmd/citizenwallet $(SHARED_WAREHOUSE)
counter:
	bash tools/install-fyne-deps.sh
	$(GO) run ./cmd/citizenwallet -counter $(COUNTER_AGENCY) $(SHARED_WAREHOUSE) -status-ca bin/warehouse/tls/cert.pem

# The reference warehouse with WAREHOUSE_CITIZENS demo citizens, data in
# bin/warehouse (kept between runs; delete it for a fresh province). It
# also serves https on 127.0.0.1:8643 with a self-signed certificate
# (bin/warehouse/tls, which make counter trusts), so its credentials name
# status lists and counters check withdrawals.
WAREHOUSE_CITIZENS ?= 1000
warehouse:
	$(GO) run ./cmd/warehouse serve -data bin/warehouse -citizens $(WAREHOUSE_CITIZENS) -https-addr 127.0.0.1:8643

# The same on PostgreSQL: a local cluster in bin/pgdev (tools/postgres.sh;
# WAREHOUSE_DB names another database instead), keys in bin/warehouse-pg.
PGDEV_DIR ?= bin/pgdev
warehouse-postgres:
	@bash tools/install-test-deps.sh
	$(GO) run ./cmd/warehouse serve -data bin/warehouse-pg -citizens $(WAREHOUSE_CITIZENS) \
		-db "$${WAREHOUSE_DB:-$$(bash tools/postgres.sh start $(PGDEV_DIR))}"

# Headless renders (Fyne's test driver, bundled fonts) against a demo
# warehouse on loopback; no display needed.
screenshots:
	CW_SCREENSHOTS=$(CURDIR)/docs/screens $(GO) test -tags ci -count=1 -run '^(TestScreenshots|TestLargeTextFits)$$' ./app

# Every package is tested once: with the race detector unless it needs cgo
# under -tags ci (the list is computed on each run). The PostgreSQL store's
# tests run against a real server: a throw-away cluster in bin/pgtest
# (tools/postgres.sh), or the one WAREHOUSE_TEST_POSTGRES names.
PGTEST_DIR ?= bin/pgtest
# Per test binary: the slowest (the app's headless UI tests) take about 3
# minutes under the race detector on a 2-core machine (December 2026);
# 20 leaves room for a busy machine, and a hang still ends well inside
# CI's 90 minutes.
TEST_TIMEOUT ?= 20m
test:
	@bash tools/install-test-deps.sh
	@export WAREHOUSE_TEST_POSTGRES="$${WAREHOUSE_TEST_POSTGRES:-$$(bash tools/postgres.sh start $(PGTEST_DIR))}"; \
	race="$$(bash tools/packages.sh -tags ci -test nocgo)"; \
	plain="$$(bash tools/packages.sh -tags ci -test cgo)"; \
	if [ -n "$$race" ]; then echo "go test -tags ci -race <$$(wc -w <<<"$$race") packages>"; $(GO) test -tags ci -race -timeout $(TEST_TIMEOUT) $$race; fi; \
	if [ -n "$$plain" ]; then echo "go test -tags ci <$$(wc -w <<<"$$plain") packages with cgo>"; $(GO) test -tags ci -timeout $(TEST_TIMEOUT) $$plain; fi

# The warehouse's PostgreSQL store and the service end to end on it, alone.
test-postgres:
	@bash tools/install-test-deps.sh
	WAREHOUSE_TEST_POSTGRES="$${WAREHOUSE_TEST_POSTGRES:-$$(bash tools/postgres.sh start $(PGTEST_DIR))}" \
		$(GO) test -tags ci -race -count=1 ./sync/warehouse/postgres/ ./cmd/warehouse/

# Stop the test cluster of make test (its data stays in bin/pgtest).
postgres-stop:
	bash tools/postgres.sh stop $(PGTEST_DIR)

lint: $(STATICCHECK)
	@bash tools/check-large-files.sh
	@unformatted="$$(find . -name '*.go' -not -path './.git/*' -not -path './bin/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt: these files are not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi; \
	echo "gofmt: ok"
	$(GO) vet -tags ci ./...
	$(STATICCHECK) -tags ci ./...

fuzz:
	bash tools/fuzz.sh $(FUZZTIME)

bench:
	@mkdir -p $(dir $(BENCHOUT))
	$(GO) test -tags ci -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) ./... | tee $(BENCHOUT)
	@echo "benchmarks written to $(BENCHOUT); compare two runs with: benchstat old.txt $(BENCHOUT)"

build:
	@pkgs="$$(bash tools/packages.sh nocgo)"; \
	echo "CGO_ENABLED=0 go build <$$(wc -w <<<"$$pkgs") packages>"; \
	CGO_ENABLED=0 $(GO) build $$pkgs
	@mkdir -p bin
	@for c in walletctl warehouse; do \
		if compgen -G "cmd/$$c/*.go" >/dev/null; then echo "go build -o bin/$$c ./cmd/$$c"; CGO_ENABLED=0 $(GO) build -o bin/$$c ./cmd/$$c; \
		else echo "build: cmd/$$c does not exist yet"; fi; \
	done

$(FYNE):
	GOBIN=$(CURDIR)/$(dir $(FYNE)) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_VERSION)

# Packages go to bin/dist/, built by fyne-cross/package.sh with the settings
# in fyne-cross/targets/ (one file per target: the tool, its flags, the file
# it writes and how it is checked). The script puts back FyneApp.toml, which
# the fyne CLI rewrites (it bumps Build), and checks each package. Linux and
# Windows build here (cgo; system libraries from apt, as root); the others
# need Docker, the Android NDK or a Mac: fyne-cross/README.md and
# docs/packaging.md.
PACKAGE = FYNE=$(FYNE) bash fyne-cross/package.sh
package-linux: $(FYNE)
	$(PACKAGE) linux
package-windows: $(FYNE)
	$(PACKAGE) windows
# fyne-cross v1.6.1 with Docker or Podman (darwin: MACOSX_SDK_PATH=…); for
# Android, ANDROID_TOOL=fyne uses the pinned CLI and the NDK instead.
package-linux-arm64:
	$(PACKAGE) linux-arm64
package-darwin:
	$(PACKAGE) darwin
package-android: $(FYNE)
	$(PACKAGE) android
# On a Mac with Xcode: make package-ios IOS_CERTIFICATE=… IOS_PROFILE=…
package-ios: $(FYNE)
	$(PACKAGE) ios
# Whether fyne-cross and a container engine are here.
check-cross:
	$(PACKAGE) linux-arm64 --requirements

# The app with Fyne's mobile driver on this machine (-tags mobile), go vet
# on the same, and every target's packaging settings with the Android
# manifest: what breaks only on phones breaks here first.
build-mobile:
	bash tools/install-fyne-deps.sh
	@mkdir -p bin
	$(GO) build -tags mobile -o bin/citizenwallet-mobile ./cmd/citizenwallet
	$(GO) vet -tags mobile ./app/... ./cmd/citizenwallet/
	bash fyne-cross/package.sh all --check

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
