#!/usr/bin/env bash
# packages.sh: list the module's packages that need cgo, or those that do not.
#
#   tools/packages.sh [-tags TAGS] [-test] cgo|nocgo
#
# A package needs cgo when it, or a non-standard package it depends on, has
# cgo files under the given build tags. With -test its test dependencies
# count too. Standard-library packages with cgo files (net, os/user) are not
# counted: they fall back to pure Go when cgo is off.
set -euo pipefail

tags=""
withtests=""
while [ $# -gt 1 ]; do
	case "$1" in
	-tags) tags="$2"; shift 2 ;;
	-test) withtests="-test"; shift ;;
	*) break ;;
	esac
done
if [ $# -ne 1 ] || { [ "$1" != cgo ] && [ "$1" != nocgo ]; }; then
	echo "usage: $0 [-tags TAGS] [-test] cgo|nocgo" >&2
	exit 2
fi
want="$1"

cd "$(dirname "$0")/.."
export CGO_ENABLED=1
flags=(-tags "$tags")
if [ -n "$withtests" ]; then
	flags+=(-test)
fi

cgofile=$(mktemp)
trap 'rm -f "$cgofile"' EXIT
go list "${flags[@]}" -deps -f '{{if and .CgoFiles (not .Standard)}}{{.ImportPath}}{{end}}' ./... |
	sed 's/ \[.*//' | sort -u >"$cgofile"

# One line per listed package: its path, '|', its dependencies joined by ','.
# With -test, "P.test" (the test binary) holds P's test dependencies and the
# "P [P.test]" variants are skipped.
go list "${flags[@]}" -f '{{.ImportPath}}|{{join .Deps ","}}' ./... |
	awk -v want="$want" -v cgofile="$cgofile" '
	FILENAME == cgofile { if ($0 != "") cgo[$0] = 1; next }
	{
		bar = index($0, "|")
		path = substr($0, 1, bar - 1)
		if (path ~ / \[/) next
		pkg = path
		if (pkg ~ /\.test$/) pkg = substr(pkg, 1, length(pkg) - 5)
		if (!(pkg in seen)) { seen[pkg] = 1; order[++n] = pkg }
		if (pkg in cgo) needs[pkg] = 1
		m = split(substr($0, bar + 1), deps, ",")
		for (i = 1; i <= m; i++) {
			d = deps[i]; sub(/ \[.*/, "", d)
			if (d in cgo) needs[pkg] = 1
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			p = order[i]
			if ((want == "cgo") == (p in needs)) print p
		}
	}' "$cgofile" -
