#!/usr/bin/env bash
# fuzz.sh: run every fuzz target of the module for a short time each.
#
#   tools/fuzz.sh [FUZZTIME]     (default 10s; any go test -fuzztime value)
#
# Targets are found anew each run with go test -list, so new ones are
# covered. A failure stops the run; go test writes the failing input under
# the package's testdata/fuzz/, where it belongs in the next commit.
set -euo pipefail
fuzztime="${1:-10s}"
cd "$(dirname "$0")/.."

# go test -list prints a package's matching names, then its "ok" line.
# Only the packages whose tests declare a fuzz target are listed (listing
# ./... would build every test binary, the app's included, on a cold
# cache for nothing).
mapfile -t pkgs < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Z0-9_]' . | grep -v '^./bin/' | xargs -r -n1 dirname | sort -u)
if [ ${#pkgs[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi
listing="$(go test -tags ci -list '^Fuzz' "${pkgs[@]}")"
targets=()
names=()
while read -r first second _; do
	case "$first" in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do
			targets+=("$second $n")
		done
		names=()
		;;
	esac
done <<<"$listing"

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi
echo "fuzz: ${#targets[@]} targets, $fuzztime each"

# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" at the end of -fuzztime without any failing input
# (golang/go#75804, fixed in Go 1.27). Such a run is retried once; a run
# that writes a failing input under testdata/fuzz/ fails at once.
inputs() { { find "$1/testdata/fuzz/$2" -type f 2>/dev/null || true; } | wc -l; }
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	dir="$(go list -f '{{.Dir}}' "$pkg")"
	for attempt in 1 2; do
		echo "--- fuzz $pkg $name"
		before="$(inputs "$dir" "$name")"
		if go test -tags ci -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
			break
		fi
		if [ "$(inputs "$dir" "$name")" != "$before" ] || [ "$attempt" = 2 ]; then
			echo "fuzz: $name failed; its input is under $dir/testdata/fuzz/$name" >&2
			exit 1
		fi
		echo "fuzz: $name failed without a failing input (golang/go#75804); once more"
	done
done
