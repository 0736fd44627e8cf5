#!/usr/bin/env bash
# softhsm.sh: a throw-away SoftHSM2 token for tests and development.
#
#   tools/softhsm.sh init DIR LABEL PIN   make (if needed) a token called
#                                         LABEL with user PIN PIN in DIR
#
# It writes DIR/softhsm2.conf (tokens in DIR/tokens, file object store,
# log level ERROR), initialises the token in the first free slot and
# prints two lines on stdout, nothing else:
#
#   SOFTHSM2_CONF=DIR/softhsm2.conf
#   PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
#
# Export the first before a process loads the module (SoftHSM reads it at
# C_Initialize); the second is the path to give to PKCS#11 (the
# pkcs11keys.Config Module). If DIR already holds a token called LABEL,
# init only prints. Concurrent calls on one DIR are serialised with flock.
# The security officer's PIN is random and kept in DIR/so-pin (mode 0600).
#
# THE TOKEN IS FOR TESTS ONLY: SoftHSM keeps its objects in files under
# DIR/tokens, encrypted under the user PIN given on the command line.
# A province's keys belong in a real HSM (see sync/warehouse/pkcs11keys).
#
# SOFTHSM2_MODULE overrides the module path.
set -euo pipefail

die() {
	echo "softhsm.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 init DIR LABEL PIN" >&2
	exit 2
}

if [ $# -ne 4 ] || [ "$1" != init ]; then usage; fi
dir="$2"
label="$3"
pin="$4"

# PKCS#11 pads token labels to 32 bytes; SoftHSM wants a PIN of 4 to 255.
if [ -z "$label" ] || [ ${#label} -gt 32 ]; then die "LABEL must be 1 to 32 characters"; fi
case "$label" in *$'\n'* | ' '* | *' ') die "LABEL must not start or end with a space or hold a newline" ;; esac
if [ ${#pin} -lt 4 ] || [ ${#pin} -gt 255 ]; then die "PIN must be 4 to 255 characters"; fi

util="$(command -v softhsm2-util || true)"
[ -n "$util" ] || die "softhsm2-util not found; install SoftHSM2 with: apt-get install softhsm2"

module="${SOFTHSM2_MODULE:-}"
if [ -z "$module" ]; then
	for m in /usr/lib/softhsm/libsofthsm2.so \
		/usr/lib/"$(uname -m)"-linux-gnu/softhsm/libsofthsm2.so \
		/usr/lib64/softhsm/libsofthsm2.so \
		/usr/local/lib/softhsm/libsofthsm2.so \
		/usr/lib64/pkcs11/libsofthsm2.so; do
		if [ -f "$m" ]; then
			module="$m"
			break
		fi
	done
fi
if [ -z "$module" ] || [ ! -f "$module" ]; then die "the SoftHSM2 PKCS#11 module (libsofthsm2.so) was not found${module:+ at $module}; install it with: apt-get install softhsm2 (or set SOFTHSM2_MODULE)"; fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/softhsm2.conf"
export SOFTHSM2_CONF="$conf"

exec 9>"$dir/.softhsm.lock"
flock 9

mkdir -p "$dir/tokens"
chmod 0700 "$dir/tokens"
# Always rewritten (the same bytes for the same DIR), so a DIR that was
# moved gets a configuration that points at its own tokens.
cat >"$conf.new" <<EOF
# Written by tools/softhsm.sh: a throw-away token for tests.
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
mv "$conf.new" "$conf"

# has_token: a token labelled LABEL is in DIR. softhsm2-util prints
# "    Label:            LABEL" for every initialised token.
has_token() {
	"$util" --show-slots 2>/dev/null | sed -n 's/^[[:space:]]*Label:[[:space:]]*//p' |
		sed 's/[[:space:]]*$//' | grep -qxF -- "$label"
}

if ! has_token; then
	if [ ! -s "$dir/so-pin" ]; then
		(umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/so-pin")
	fi
	"$util" --init-token --free --label "$label" --pin "$pin" --so-pin "$(cat "$dir/so-pin")" >&2 9>&- ||
		die "softhsm2-util --init-token failed for token \"$label\" in $dir/tokens"
	has_token || die "token \"$label\" was initialised but softhsm2-util --show-slots does not list it"
fi

echo "SOFTHSM2_CONF=$conf"
echo "PKCS11_MODULE=$module"
