#!/usr/bin/env bash
# check-large-files.sh: fails on any file git tracks (or is about to:
# staged) that is over 1 MiB, unless tools/large-files.txt lists it as a
# deliberate asset. Build outputs (a `go build` at the root writes the
# program there) must never reach git: .gitignore names them.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((1024 * 1024))
allowed=tools/large-files.txt
status=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	size=$(stat -c %s "$f")
	if [ "$size" -gt "$limit" ] && ! grep -qxF -- "$f" "$allowed" 2>/dev/null; then
		echo "large file in git: $f ($size bytes, over 1 MiB): a build output? (list deliberate assets in $allowed)" >&2
		status=1
	fi
done < <(git ls-files -z --cached)
[ "$status" -eq 0 ] && echo "large files: ok"
exit "$status"
