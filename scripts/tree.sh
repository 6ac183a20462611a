#!/bin/bash
# Prepare build/linux: Debian's linux-source-6.12 as the base commit, series/ applied on top.
# Idempotent: an existing tree is left alone unless series/ changed (then it is reset to the
# base commit and the series applied again).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$BUILD/linux
mkdir -p "$CACHE" "$BUILD"

# The newest cached package, or nothing (a glob that matched nothing is dropped: nullglob).
newest_deb() {
	local debs
	debs=$(shopt -s nullglob; printf '%s\n' "$CACHE"/linux-source-6.12_*.deb)
	[ -z "$debs" ] || sort -V <<< "$debs" | tail -1
}
deb=$(newest_deb)
if [ -z "$deb" ]; then
	step "downloading linux-source-6.12 (apt-get download) into $CACHE"
	download() { (cd "$CACHE" && apt-get -o APT::Sandbox::User=root download linux-source-6.12); }
	# the machine's package lists may predate the newest upload: update them once and retry
	download || { step "apt-get download failed: updating the package lists"; apt-get update -qq && download; } ||
		die "apt-get download linux-source-6.12 failed"
	deb=$(newest_deb)
	[ -n "$deb" ] || die "apt-get download linux-source-6.12 gave no package in $CACHE"
fi
pkgver=$(dpkg-deb -f "$deb" Version)
tarball=$CACHE/linux-source-6.12_$pkgver.tar.xz
if [ ! -f "$tarball" ]; then
	step "unpacking $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz > "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
fi

patches=$(series_patches)
id=$(series_id "$pkgver")
if [ -d "$tree/.git" ] && [ "$(cat "$tree/.git/vnpp-series-id" 2>/dev/null)" = "$id" ]; then
	step "tree up to date: $tree (Debian linux-source-6.12 $pkgver + $(echo "$patches" | grep -c .) patches)"
	exit 0
fi
if [ -d "$tree/.git" ] && [ -n "$(git -C "$tree" status --porcelain)" ]; then
	die "series/ changed but $tree has local changes: commit them and run 'make series', or remove $tree"
fi

base=$BUILD/base-$pkgver
if [ ! -d "$base/.git" ]; then
	step "extracting $tarball (about a minute)"
	rm -rf "$base.tmp" && mkdir -p "$base.tmp"
	tar -xJf "$tarball" -C "$base.tmp" --strip-components=1
	git -C "$base.tmp" init -q -b base
	# Debian's tarball ships a .gitignore ending in '/*': add everything with force.
	git -C "$base.tmp" add -f -A .
	git -C "$base.tmp" -c user.name=vnpp -c user.email=vnpp@localhost \
		commit -q -m "Linux 6.12 from Debian linux-source-6.12 $pkgver"
	mv "$base.tmp" "$base"
fi

if [ -d "$tree/.git" ] && git -C "$tree" rev-parse -q --verify base > /dev/null; then
	# Reset in place: only the files the series touches get new times, so the kernel build
	# that follows recompiles those, not the whole tree.
	step "resetting $tree to base $pkgver and applying series/"
	git -C "$tree" checkout -q -f -B vnpp base
else
	step "creating $tree from base $pkgver and applying series/"
	rm -rf "$tree"
	git clone -q --shared -b base "$base" "$tree"
	git -C "$tree" checkout -q -b vnpp
fi
set_ident "$tree"
n=0
for p in $patches; do
	git -C "$tree" am -q --keep-cr "$p" || die "git am failed on $p"
	n=$((n + 1))
done
echo "$id" > "$tree/.git/vnpp-series-id"
step "base: Debian linux-source-6.12 $pkgver ($(make -s -C "$tree" kernelversion)), $n patches applied"
