#!/usr/bin/env bash
# fyne-cross/package.sh: package the app (cmd/citizenwallet) for one target
# into bin/dist/, with the settings in fyne-cross/targets/TARGET.conf.
#
#   package.sh TARGET                 build, check and move the package to bin/dist/
#   package.sh TARGET --check         check the target's settings (for android: generate
#                                     and check the manifest); builds nothing, needs no tools
#   package.sh TARGET --requirements  check (or, as root, install) what TARGET needs
#
# TARGET is linux, windows, linux-arm64, darwin, android or ios; --check also
# takes "all". The make package-* targets call it with FYNE set to the pinned
# fyne CLI; fyne-cross/README.md says what each target needs.
#
# The fyne CLI rewrites cmd/citizenwallet/FyneApp.toml when it packages (it
# bumps Build) and writes fyne_metadata_init.go beside it; the script puts
# the committed FyneApp.toml back and removes what the CLI or the script put
# in cmd/citizenwallet, also when the build fails or is interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BASH_VERSINFO[0]}" -lt 4 ] || { [ "${BASH_VERSINFO[0]}" = 4 ] && [ "${BASH_VERSINFO[1]}" -lt 4 ]; }; then
	echo "package.sh: needs bash 4.4 or later, this is $BASH_VERSION (on a Mac: brew install bash)" >&2
	exit 1
fi

HERE="fyne-cross"
APP_DIR=cmd/citizenwallet
TOML=$APP_DIR/FyneApp.toml
DIST_DIR=bin/dist
MANIFEST_IN=$HERE/android/AndroidManifest.xml.in
ANDROID_NS=http://schemas.android.com/apk/res/android
FYNE_CROSS=${FYNE_CROSS:-fyne-cross}
FYNE_CROSS_VERSION=v1.6.1

say() { printf 'package.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

targets() {
	local f
	for f in "$HERE"/targets/*.conf; do
		f=${f##*/}
		printf '%s ' "${f%.conf}"
	done
}

usage() {
	say "usage: fyne-cross/package.sh TARGET [--check|--requirements]; TARGET: $(targets)(--check: or all)"
	exit 2
}

# toml KEY: the first value of KEY in FyneApp.toml ([Details] comes first).
toml() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" "$TOML" | head -n 1
}

read_app() {
	APP_NAME=$(toml Name)
	APP_ID=$(toml ID)
	APP_VERSION=$(toml Version)
	APP_BUILD=$(toml Build)
	APP_ICON=$APP_DIR/$(toml Icon)
	# cmd/citizenwallet/../../assets/… → assets/… (GNU realpath; unchanged without it)
	APP_ICON=$(realpath -m --relative-to=. "$APP_ICON" 2>/dev/null || printf '%s' "$APP_ICON")
	if [ -z "$APP_NAME" ] || [ -z "$APP_ID" ] || [ -z "$APP_VERSION" ] || [ -z "$APP_BUILD" ]; then
		die "$TOML: needs Name, ID, Version and Build under [Details]"
	fi
	[[ $APP_BUILD =~ ^[1-9][0-9]*$ ]] || die "$TOML: Build is not a positive number: $APP_BUILD"
	[ -f "$APP_ICON" ] || die "$TOML: Icon $APP_ICON does not exist"
}

# load TARGET: source its settings (they may use APP_DIR and APP_NAME).
load() {
	local conf=$HERE/targets/$1.conf
	[ -f "$conf" ] || usage
	DESCRIPTION="" TOOL="" CHECK="" MANIFEST_STYLE=""
	REQUIRES=() TOOL_ENV=() TOOL_ARGS=() BUILT=() DIST=() ANDROID_PERMISSIONS=()
	# shellcheck source=/dev/null
	. "$conf"
	[ -n "$DESCRIPTION" ] || die "$conf: DESCRIPTION is empty"
	case "$TOOL" in fyne | fyne-cross) ;; *) die "$conf: TOOL is '$TOOL', not fyne or fyne-cross" ;; esac
	case "$CHECK" in tar | exe | zip | app) ;; *) die "$conf: CHECK is '$CHECK', not tar, exe, zip or app" ;; esac
	[ "${#TOOL_ARGS[@]}" -gt 0 ] || die "$conf: TOOL_ARGS is empty"
	if [ "${#BUILT[@]}" = 0 ] || [ "${#BUILT[@]}" != "${#DIST[@]}" ]; then
		die "$conf: BUILT and DIST must name the same number of files (at least one)"
	fi
	local d
	for d in "${DIST[@]}"; do
		[[ $d =~ ^citizenwallet-[a-z0-9-]+\.(tar\.xz|exe|apk|aab|app|ipa)$ ]] || die "$conf: unexpected DIST name $d"
	done
	if [ "$1" = android ]; then
		case "$MANIFEST_STYLE" in resources | legacy) ;; *) die "$conf: MANIFEST_STYLE is '$MANIFEST_STYLE', not resources or legacy" ;; esac
		[ "${#ANDROID_PERMISSIONS[@]}" -gt 0 ] || die "$conf: ANDROID_PERMISSIONS is empty"
	fi
}

# --- what a target needs ----------------------------------------------------

need_apt() { # need_apt COMMAND PACKAGE WHY
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing $2 ($3)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
		command -v "$1" >/dev/null 2>&1 && return 0
	fi
	die "$3 needs $1: sudo apt-get install $2"
}

require() {
	local r
	if [ "$TOOL" = fyne ]; then
		[ -n "${FYNE:-}" ] || die "FYNE is not set: run make package-$target (it installs the pinned fyne CLI), or set FYNE=bin/tools/fyne-VERSION/fyne"
		[ -x "$FYNE" ] || die "FYNE=$FYNE is not an executable: run make package-$target"
	fi
	for r in "${REQUIRES[@]}"; do
		case "$r" in
		fyne-deps) bash tools/install-fyne-deps.sh ;;
		mingw)
			need_apt x86_64-w64-mingw32-gcc-posix gcc-mingw-w64-x86-64-posix "the Windows build"
			need_apt x86_64-w64-mingw32-g++-posix g++-mingw-w64-x86-64-posix "the Windows build's camera driver (C++)"
			;;
		fyne-cross)
			command -v "$FYNE_CROSS" >/dev/null 2>&1 ||
				die "needs fyne-cross (go install github.com/fyne-io/fyne-cross@$FYNE_CROSS_VERSION) and Docker or Podman; see fyne-cross/README.md"
			command -v docker >/dev/null 2>&1 || command -v podman >/dev/null 2>&1 ||
				die "fyne-cross needs Docker or Podman; see fyne-cross/README.md"
			"$FYNE_CROSS" version 2>/dev/null | grep -q -F "$FYNE_CROSS_VERSION" ||
				say "warning: $FYNE_CROSS is not $FYNE_CROSS_VERSION ($("$FYNE_CROSS" version 2>&1 | head -n 1)); the settings are for $FYNE_CROSS_VERSION"
			;;
		macosx-sdk)
			[ -d "${MACOSX_SDK_PATH:-/nonexistent}" ] ||
				die "needs MACOSX_SDK_PATH, a macOS SDK extracted with fyne-cross darwin-sdk-extractor; see docs/packaging.md"
			;;
		macos) [ "$(uname)" = Darwin ] || die "iOS packages are built on a Mac with Xcode; see docs/packaging.md" ;;
		ios-signing)
			if [ -z "${IOS_CERTIFICATE:-}" ] || [ -z "${IOS_PROFILE:-}" ]; then
				die "needs IOS_CERTIFICATE and IOS_PROFILE (the signing certificate and provisioning profile); see docs/packaging.md"
			fi
			;;
		android-ndk)
			[ -d "${ANDROID_NDK_HOME:-/nonexistent}" ] ||
				die "ANDROID_TOOL=fyne needs the Android NDK (ANDROID_NDK_HOME) and SDK (ANDROID_HOME); see docs/packaging.md"
			;;
		*) die "unknown requirement '$r' in $HERE/targets/$target.conf" ;;
		esac
	done
	if [ "$CHECK" = tar ]; then need_apt xz xz-utils "checking the tar.xz"; fi
}

# --- the Android manifest -----------------------------------------------------

xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

# sed_value VALUE: VALUE escaped for the replacement side of s|…|…|.
sed_value() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# manifest STYLE OUT: fill in the manifest for a fyne CLI of STYLE.
#   resources: fyne.io/tools v1.7.4 with a launch screen; aapt2 compiles the
#              launcher icon and SplashTheme, which the manifest must name.
#   legacy:    older CLIs (fyne-cross's images): the CLI adds android:icon
#              itself and refuses a manifest that declares one.
manifest() {
	local icon theme
	case "$1" in
	resources)
		grep -q '^\[Splash\]' "$TOML" ||
			die "$TOML has no [Splash]: fyne.io/tools v1.7.4 then takes the legacy path; set MANIFEST_STYLE=legacy"
		icon=' android:icon="@mipmap/ic_launcher" android:roundIcon="@mipmap/ic_launcher_round"'
		theme='@style/SplashTheme'
		;;
	legacy)
		icon=''
		theme='@android:style/Theme'
		;;
	*) die "manifest style '$1'" ;;
	esac
	sed -e "s|@APP_ID@|$(sed_value "$(xml_escape "$APP_ID")")|g" \
		-e "s|@BUILD@|$(sed_value "$APP_BUILD")|g" \
		-e "s|@VERSION@|$(sed_value "$(xml_escape "$APP_VERSION")")|g" \
		-e "s|@LABEL@|$(sed_value "$(xml_escape "$APP_NAME")")|g" \
		-e "s|@APPLICATION_ICON@|$(sed_value "$icon")|g" \
		-e "s|@ACTIVITY_THEME@|$(sed_value "$theme")|g" \
		"$MANIFEST_IN" >"$2"
	check_manifest "$1" "$2"
}

# xpath FILE EXPR: the string value of EXPR in FILE ("" when nothing matches).
xpath() { xmllint --xpath "string($2)" "$1" 2>/dev/null || true; }
# attr NAME: an attribute in the android namespace, for xpath.
attr() { printf "@*[local-name()='%s' and namespace-uri()='%s']" "$1" "$ANDROID_NS"; }

# fail MESSAGE: a failed manifest check (check_manifest's bad and f).
fail() {
	say "$f: $*"
	bad=1
}

# check_manifest STYLE FILE: what the fyne CLI and Android need, and only the
# permissions android.conf allows.
check_manifest() {
	local style=$1 f=$2 bad=0 got n i p
	need_apt xmllint libxml2-utils "checking the Android manifest"
	xmllint --noout "$f" || die "$f: not well-formed XML"
	if grep -n '@[A-Z_]\+@' "$f" >&2; then fail "fields left unfilled (above)"; fi
	[ "$(xpath "$f" 'name(/*)')" = manifest ] || fail "the root element is not <manifest>"
	got=$(xpath "$f" /manifest/@package)
	[ "$got" = "$APP_ID" ] || fail "package is '$got', not the app id $APP_ID"
	got=$(xpath "$f" "/manifest/$(attr versionCode)")
	[ "$got" = "$APP_BUILD" ] || fail "versionCode is '$got', not Build $APP_BUILD"
	got=$(xpath "$f" "/manifest/$(attr versionName)")
	[ "$got" = "$APP_VERSION" ] || fail "versionName is '$got', not Version $APP_VERSION"
	[ "$(xpath "$f" "/manifest/application/$(attr label)")" = "$APP_NAME" ] || fail "the application label is not '$APP_NAME'"
	[ "$(xpath "$f" "/manifest/application/$(attr debuggable)")" = false ] || fail "the application is debuggable"
	# What the fyne CLI itself checks (manifestLibName in its mobile/manifest.go):
	# one activity, org.golang.app.GoNativeActivity, with meta-data android.app.lib_name.
	n=$(xpath "$f" 'count(/manifest/application/activity)')
	[ "$n" = 1 ] || fail "$n activities, not one"
	[ "$(xpath "$f" "/manifest/application/activity/$(attr name)")" = org.golang.app.GoNativeActivity ] ||
		fail "the activity is not org.golang.app.GoNativeActivity"
	got=$(xpath "$f" "/manifest/application/activity/meta-data[$(attr name)='android.app.lib_name']/$(attr value)")
	[ -n "$got" ] || fail "the activity has no meta-data android.app.lib_name"
	[ "$(xpath "$f" "count(/manifest/application/activity/intent-filter/action[$(attr name)='android.intent.action.MAIN'])")" = 1 ] ||
		fail "the activity is not the MAIN one"
	[ "$(xpath "$f" 'count(//uses-sdk)')" = 0 ] || fail "declares uses-sdk (the fyne CLI adds it and refuses a manifest with one)"
	got=$(xpath "$f" "/manifest/application/$(attr icon)")
	case "$style" in
	resources)
		[ "$got" = '@mipmap/ic_launcher' ] || fail "application icon is '$got', not @mipmap/ic_launcher"
		[ "$(xpath "$f" "/manifest/application/activity/$(attr theme)")" = '@style/SplashTheme' ] || fail "the activity theme is not @style/SplashTheme"
		;;
	legacy) [ -z "$got" ] || fail "declares android:icon (the CLI adds it and refuses a manifest with one)" ;;
	esac
	n=$(xpath "$f" 'count(//uses-permission)')
	[ "$n" = "$(xpath "$f" 'count(/manifest/uses-permission)')" ] || fail "a uses-permission outside <manifest>"
	for ((i = 1; i <= n; i++)); do
		p=$(xpath "$f" "/manifest/uses-permission[$i]/$(attr name)")
		[[ " ${ANDROID_PERMISSIONS[*]} " == *" $p "* ]] ||
			fail "asks for $p, which ANDROID_PERMISSIONS in $HERE/targets/android.conf does not allow"
	done
	for p in "${ANDROID_PERMISSIONS[@]}"; do
		[ "$(xpath "$f" "count(/manifest/uses-permission[$(attr name)='$p'])")" = 1 ] || fail "does not ask for $p (once)"
	done
	[ "$bad" = 0 ] || die "$f: the Android manifest is wrong (source: $MANIFEST_IN)"
}

# --- checking the result ----------------------------------------------------

check_result() { # check_result FILE
	local f=$1 listing
	case "$CHECK" in
	tar)
		listing=$(tar tJf "$f") || die "$f: not a tar.xz"
		grep -q 'usr/local/bin/citizenwallet$' <<<"$listing" || die "$f: no usr/local/bin/citizenwallet in it"
		;;
	exe) [ "$(head -c 2 "$f")" = MZ ] || die "$f: not a Windows executable (no MZ header)" ;;
	zip)
		[ "$(head -c 2 "$f")" = PK ] || die "$f: not a zip archive (APK, AAB or IPA)"
		# An APK loads lib<android.app.lib_name>.so, the name in the manifest.
		if [[ $f == *.apk ]] && command -v unzip >/dev/null 2>&1; then
			listing=$(unzip -l "$f") || die "$f: unzip cannot list it"
			grep -q 'lib/arm64-v8a/libcitizenwallet\.so$' <<<"$listing" || die "$f: no lib/arm64-v8a/libcitizenwallet.so in it"
		fi
		;;
	app)
		if [ ! -f "$f/Contents/Info.plist" ] || ! compgen -G "$f/Contents/MacOS/*" >/dev/null; then
			die "$f: not a macOS .app bundle"
		fi
		;;
	esac
}

# --- packaging ----------------------------------------------------------------

KEEP=$DIST_DIR/.FyneApp.toml.keep
placed_manifest=""

cleanup() {
	local status=$?
	if [ -f "$KEEP" ]; then
		cmp -s "$KEEP" "$TOML" || cp "$KEEP" "$TOML"
		rm -f "$KEEP"
	fi
	# What the fyne CLI writes beside the sources and removes itself, unless
	# it was interrupted.
	rm -f "$APP_DIR/fyne_metadata_init.go" "$APP_DIR/fyne.syso"
	if [ -n "$placed_manifest" ]; then rm -f "$placed_manifest"; fi
	exit "$status"
}

package() {
	local i f src dst m fyne
	require
	mkdir -p "$DIST_DIR"
	# A result an earlier run left behind would be taken for this run's.
	for i in "${!BUILT[@]}"; do
		mapfile -t m < <(compgen -G "${BUILT[$i]}" || true)
		for f in "${m[@]}"; do
			say "removing $f, left by an earlier run"
			rm -rf "$f"
		done
	done
	[ ! -e "$APP_DIR/AndroidManifest.xml" ] ||
		die "$APP_DIR/AndroidManifest.xml exists: the manifest's source is $MANIFEST_IN (remove the copy)"

	cp "$TOML" "$KEEP"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if [ "$target" = android ]; then
		placed_manifest=$APP_DIR/AndroidManifest.xml
		manifest "$MANIFEST_STYLE" "$placed_manifest"
	fi

	if [ "$TOOL" = fyne ]; then
		case "$FYNE" in /*) fyne=$FYNE ;; *) fyne=$PWD/$FYNE ;; esac
		say "$DESCRIPTION: (cd $APP_DIR && ${TOOL_ENV[*]} $fyne ${TOOL_ARGS[*]})"
		(cd "$APP_DIR" && env "${TOOL_ENV[@]}" "$fyne" "${TOOL_ARGS[@]}")
	else
		# fyne-cross reads FyneApp.toml only at the root: pass what it needs.
		local cross=("${TOOL_ARGS[@]}" -app-id "$APP_ID" -app-version "$APP_VERSION" -app-build "$APP_BUILD"
			-icon "$APP_ICON" -name citizenwallet "./$APP_DIR")
		say "$DESCRIPTION: ${TOOL_ENV[*]} $FYNE_CROSS ${cross[*]}"
		env "${TOOL_ENV[@]}" "$FYNE_CROSS" "${cross[@]}"
	fi

	for i in "${!BUILT[@]}"; do
		mapfile -t m < <(compgen -G "${BUILT[$i]}" || true)
		[ "${#m[@]}" = 1 ] || die "expected one ${BUILT[$i]} after the build, found ${#m[@]}"
		src=${m[0]}
		dst=$DIST_DIR/${DIST[$i]}
		rm -rf "$dst"
		mv "$src" "$dst"
		if ! (check_result "$dst"); then
			rm -rf "$dst"
			die "removed $dst: it failed the check"
		fi
		echo "$dst"
	done
}

# check_target: the --check of one target (run in a subshell).
check_target() {
	local style
	load "$target"
	if [ "$target" = android ]; then
		out=$(mktemp -d)
		trap 'rm -rf "$out"' EXIT
		# Both shapes: the one for the pinned CLI and the one for fyne-cross.
		for style in resources legacy; do
			manifest "$style" "$out/AndroidManifest-$style.xml"
		done
		say "android: settings ok; the manifest for $APP_ID $APP_VERSION (build $APP_BUILD) is well-formed XML, has GoNativeActivity with android.app.lib_name, asks for ${ANDROID_PERMISSIONS[*]} only (for fyne and for fyne-cross)"
	else
		say "$target: settings ok ($DESCRIPTION, $TOOL, ${DIST[*]})"
	fi
}

# --- main -----------------------------------------------------------------------

target=${1:-}
mode=${2:-package}
if [ -z "$target" ] || [ $# -gt 2 ]; then usage; fi
read_app

case "$mode" in
package)
	load "$target"
	package
	;;
--requirements)
	load "$target"
	require
	say "$target: what $DESCRIPTION needs is here"
	;;
--check)
	if [ "$target" = all ]; then
		for target in $(targets); do (check_target); done
	else
		(check_target)
	fi
	;;
*) usage ;;
esac
