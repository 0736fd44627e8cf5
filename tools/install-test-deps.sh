#!/usr/bin/env bash
# install-test-deps.sh: make sure the system programs the tests run for
# real are present: PostgreSQL's server binaries (the warehouse's
# PostgreSQL store is tested against a real server, started by
# tools/postgres.sh), SoftHSM2 (the warehouse's keys in a PKCS#11 token,
# initialised by tools/softhsm.sh), gcc (the race detector and cgo) and
# Node.js with npm (an independent SD-JWT verifier, tools/interop/sdjwt,
# checks the wallet's presentations; its libraries are installed from the
# lock file into tools/interop/sdjwt/node_modules). Does nothing when they
# are. As root on Debian/Ubuntu it installs them with apt-get; otherwise
# it prints the command to run.
set -euo pipefail

packages=(postgresql softhsm2 gcc libc6-dev nodejs npm)
interop=tools/interop/sdjwt

missing() {
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || return 0
	command -v softhsm2-util >/dev/null 2>&1 || return 0
	command -v gcc >/dev/null 2>&1 || return 0
	command -v npm >/dev/null 2>&1 || return 0
	return 1
}

# The interop verifier's libraries, exactly as locked (npm ci), when
# missing or older than the lock file.
interop_libs() {
	local dir
	dir="$(dirname "$0")/../$interop"
	if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		echo "install-test-deps: npm ci in $interop"
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
	fi
}

if ! missing; then
	interop_libs
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-test-deps: the tests need PostgreSQL's server (initdb, pg_ctl), SoftHSM2, gcc and Node.js with npm;" >&2
	echo "  this is not a Debian-based system: install them with its package manager." >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-test-deps: the tests need system packages. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
	exit 1
fi

echo "install-test-deps: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's own cluster (15/main) is not used: tools/postgres.sh makes
# a throw-away one for the tests.
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
if missing; then
	echo "install-test-deps: installed, but initdb, softhsm2-util, gcc or npm is still missing" >&2
	exit 1
fi
interop_libs
