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
listing="$(go test -tags ci -list '^Fuzz' ./...)"
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
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "--- fuzz $pkg $name"
	go test -tags ci -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done
