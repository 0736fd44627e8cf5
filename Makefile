# Citizen data wallet: build, test and check.
#
#   make run          build and start the app (installs Fyne's system libraries if missing)
#   make run-shared   the wallet against make warehouse; make counter: the one-stop counter
#   make warehouse    start the reference warehouse with a demo province on loopback
#   make package-linux, package-windows  packages built here (fyne package) into bin/dist/;
#                     package-android, -ios, -darwin, -linux-arm64: docs/packaging.md
#   make screenshots  render every main screen at phone and desktop size into docs/screens/
#   make test         the test suite: -tags ci, race detector on every package without cgo
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

.PHONY: run run-shared counter package-linux package-windows package-linux-arm64 package-android package-darwin package-ios check-cross warehouse screenshots test lint fuzz bench build tools

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
	$(GO) run ./cmd/citizenwallet -counter $(COUNTER_AGENCY) $(SHARED_WAREHOUSE)

# The reference warehouse with WAREHOUSE_CITIZENS demo citizens, data in
# bin/warehouse (kept between runs; delete it for a fresh province).
WAREHOUSE_CITIZENS ?= 1000
warehouse:
	$(GO) run ./cmd/warehouse serve -data bin/warehouse -citizens $(WAREHOUSE_CITIZENS)

# Headless renders (Fyne's test driver, bundled fonts) against a demo
# warehouse on loopback; no display needed.
screenshots:
	CW_SCREENSHOTS=$(CURDIR)/docs/screens $(GO) test -tags ci -count=1 -run '^TestScreenshots$$' ./app

# Every package is tested once: with the race detector unless it needs cgo
# under -tags ci (none does today: the list is computed on each run).
test:
	@race="$$(bash tools/packages.sh -tags ci -test nocgo)"; \
	plain="$$(bash tools/packages.sh -tags ci -test cgo)"; \
	if [ -n "$$race" ]; then echo "go test -tags ci -race <$$(wc -w <<<"$$race") packages>"; $(GO) test -tags ci -race $$race; fi; \
	if [ -n "$$plain" ]; then echo "go test -tags ci <$$(wc -w <<<"$$plain") packages with cgo>"; $(GO) test -tags ci $$plain; fi

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

# Packages go to bin/dist/. The fyne CLI rewrites FyneApp.toml (it bumps
# Build); FYNE_PACKAGE puts the committed file back afterwards. Each needs
# cgo and the system libraries (installed as for make run). docs/packaging.md
# says how every platform is built and what it needs.
APP_DIR := cmd/citizenwallet
define FYNE_PACKAGE
	cp $(APP_DIR)/FyneApp.toml bin/dist/.FyneApp.toml.keep
	cd $(APP_DIR) && $(1) ../../$(FYNE) package $(2); status=$$?; \
	cp ../../bin/dist/.FyneApp.toml.keep FyneApp.toml; rm -f fyne_metadata_init.go; exit $$status
endef

# Linux amd64: a tar.xz with the binary, the .desktop entry and the icon
# (install with its own Makefile: make user-install).
package-linux: $(FYNE)
	bash tools/install-fyne-deps.sh
	@mkdir -p bin/dist
	$(call FYNE_PACKAGE,,-os linux -release)
	mv "$(APP_DIR)/Ví dữ liệu công dân.tar.xz" bin/dist/citizenwallet-linux-amd64.tar.xz
	tar tJf bin/dist/citizenwallet-linux-amd64.tar.xz | grep -q 'usr/local/bin/citizenwallet$$'
	@echo "bin/dist/citizenwallet-linux-amd64.tar.xz"

# Windows amd64, cross-compiled with mingw-w64 (installed with apt-get as
# root when missing): an .exe with the icon and manifest embedded.
package-windows: $(FYNE)
	bash tools/install-fyne-deps.sh
	@command -v x86_64-w64-mingw32-gcc >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 >/dev/null; } || \
		{ echo "make package-windows needs mingw-w64: sudo apt-get install gcc-mingw-w64-x86-64" >&2; exit 1; }
	@mkdir -p bin/dist
	$(call FYNE_PACKAGE,CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64,-os windows -release)
	mv "$(APP_DIR)/Ví dữ liệu công dân.exe" bin/dist/citizenwallet-windows-amd64.exe
	[ "$$(head -c 2 bin/dist/citizenwallet-windows-amd64.exe)" = MZ ]
	@echo "bin/dist/citizenwallet-windows-amd64.exe"

# With Docker (or Podman) and fyne-cross (go install
# github.com/fyne-io/fyne-cross@v1.6.1): Linux arm64, Android arm64, macOS.
# iOS needs a Mac with Xcode. None of them can run on the CI machine.
FYNE_CROSS ?= fyne-cross
APP_ID := vn.gov.citizenwallet
APP_VERSION = $(shell sed -n 's/^ *Version = "\(.*\)"/\1/p' $(APP_DIR)/FyneApp.toml)
CROSS_FLAGS = -app-id $(APP_ID) -app-version $(APP_VERSION) -icon assets/icons/app-512.png -name citizenwallet
check-cross:
	@command -v $(FYNE_CROSS) >/dev/null || { echo "needs fyne-cross (go install github.com/fyne-io/fyne-cross@v1.6.1) and Docker; see docs/packaging.md" >&2; exit 1; }
	@command -v docker >/dev/null || command -v podman >/dev/null || { echo "fyne-cross needs Docker or Podman; see docs/packaging.md" >&2; exit 1; }
package-linux-arm64: check-cross
	$(FYNE_CROSS) linux -arch=arm64 -release $(CROSS_FLAGS) ./$(APP_DIR)
	@mkdir -p bin/dist && cp fyne-cross/dist/linux-arm64/citizenwallet.tar.xz bin/dist/citizenwallet-linux-arm64.tar.xz
package-android: check-cross
	$(FYNE_CROSS) android -arch=arm64 -release $(CROSS_FLAGS) ./$(APP_DIR)
	@mkdir -p bin/dist && cp fyne-cross/dist/android-arm64/citizenwallet.apk bin/dist/citizenwallet-android-arm64.apk
package-darwin: check-cross
	$(FYNE_CROSS) darwin -arch=amd64,arm64 -macosx-sdk-path "$(MACOSX_SDK_PATH)" $(CROSS_FLAGS) ./$(APP_DIR)
	@mkdir -p bin/dist && cp -R fyne-cross/dist/darwin-* bin/dist/
package-ios: $(FYNE)
	@[ "$$(uname)" = Darwin ] || { echo "iOS packages are built on a Mac with Xcode; see docs/packaging.md" >&2; exit 1; }
	@mkdir -p bin/dist
	$(call FYNE_PACKAGE,,-os ios -release)
	mv "$(APP_DIR)/Ví dữ liệu công dân.ipa" bin/dist/citizenwallet.ipa

tools: $(STATICCHECK)

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
