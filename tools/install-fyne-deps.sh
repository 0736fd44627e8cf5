#!/usr/bin/env bash
# install-fyne-deps.sh: make sure the C toolchain and system libraries that
# Fyne's desktop driver (GLFW over OpenGL, X11 and Wayland) needs through cgo
# are present. Does nothing when they are. As root on Debian/Ubuntu it
# installs them with apt-get; otherwise it prints the command to run.
set -euo pipefail

packages=(gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev libxkbcommon-dev libwayland-dev)
# The pkg-config modules those -dev packages provide, in the same order.
modules=(gl x11 xcursor xrandr xinerama xi xxf86vm xkbcommon wayland-client)

missing() {
	command -v gcc >/dev/null 2>&1 || return 0
	command -v pkg-config >/dev/null 2>&1 || return 0
	local m
	for m in "${modules[@]}"; do
		pkg-config --exists "$m" || return 0
	done
	return 1
}

if ! missing; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-fyne-deps: Fyne needs a C compiler, pkg-config and the development files of" >&2
	echo "  OpenGL, X11 (Xcursor, Xrandr, Xinerama, Xi, Xxf86vm), xkbcommon and Wayland;" >&2
	echo "  this is not a Debian-based system: install them with its package manager." >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-fyne-deps: Fyne's system libraries are missing. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
	exit 1
fi

echo "install-fyne-deps: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
if missing; then
	echo "install-fyne-deps: installed, but pkg-config still does not find every module: ${modules[*]}" >&2
	exit 1
fi
