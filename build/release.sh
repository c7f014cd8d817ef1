#!/bin/sh
# release.sh — build lagp's release binaries with the version stamped in.
#
# Usage: build/release.sh [version] [target...]
#   version  defaults to `git describe --tags --always --dirty` (a leading "v" is dropped)
#   target   any of linux/amd64 linux/arm64 windows/amd64 darwin/arm64 darwin/amd64;
#            default: the Linux and Windows targets, plus the macOS ones on a Mac
#
# Output: build/dist/lagp-<version>-<os>-<arch>[.exe] and SHA256SUMS; on a Mac also
# lagp-<version>-darwin-<arch>.app.zip.
#
# Linux and Windows build anywhere with CGO_ENABLED=0 (pure Go; static, no libc needed).
# Windows links with -H windowsgui so no console window opens next to the tray.
# macOS needs cgo for the tray (Cocoa), hence clang and the macOS SDK: build those targets on
# a Mac. A macOS build made elsewhere with CGO_ENABLED=0 would run, but headless only (the tray
# says so at start), so this script refuses to make one.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
dist="$repo/build/dist"

version=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$version" ]; then
	version=$(git -C "$repo" describe --tags --always --dirty 2>/dev/null || echo dev)
fi
version=${version#v}

if [ $# -eq 0 ]; then
	set -- linux/amd64 linux/arm64 windows/amd64
	if [ "$(uname -s)" = Darwin ]; then
		set -- "$@" darwin/arm64 darwin/amd64
	fi
fi

ldflags="-s -w -X main.version=$version"
mkdir -p "$dist"

build_one() {
	os=${1%/*} arch=${1#*/}
	name="lagp-$version-$os-$arch"
	flags=$ldflags
	cgo=0
	case $os in
	windows)
		name="$name.exe"
		flags="$flags -H windowsgui"
		;;
	darwin)
		[ "$(uname -s)" = Darwin ] || {
			echo "release: $1 needs a Mac (the tray uses cgo and Cocoa); skipped" >&2
			return 0
		}
		cgo=1
		;;
	esac
	echo "release: $name" >&2
	(cd "$repo" && CGO_ENABLED=$cgo GOOS=$os GOARCH=$arch \
		go build -trimpath -ldflags "$flags" -o "$dist/$name" .)
	if [ "$os" = darwin ]; then
		app_bundle "$dist/$name" "$dist/lagp-$version-$os-$arch.app"
	fi
}

# app_bundle wraps a macOS binary in lagp.app so it runs as a menu-bar app (no Dock icon).
app_bundle() {
	bin=$1 app=$2
	rm -rf "$app"
	mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
	cp "$bin" "$app/Contents/MacOS/lagp"
	sed "s/@VERSION@/$version/g" "$repo/build/darwin/Info.plist" >"$app/Contents/Info.plist"
	(cd "$(dirname "$app")" && zip -qr "$(basename "$app").zip" "$(basename "$app")")
	rm -rf "$app"
}

for target in "$@"; do
	build_one "$target"
done

(cd "$dist" && rm -f SHA256SUMS && for f in lagp-"$version"-*; do
	[ -f "$f" ] || continue
	if command -v sha256sum >/dev/null 2>&1; then sha256sum "$f"; else shasum -a 256 "$f"; fi
done >SHA256SUMS)
echo "release: binaries and SHA256SUMS in $dist" >&2
