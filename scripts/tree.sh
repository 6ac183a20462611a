#!/bin/bash
# Prepare the kernel tree of the base (scripts/lib.sh: VNPP_BASE): Debian's linux-source-6.12
# (Debian 12) or linux-source-7.3 (trixie-backports, through scripts/apt-newer.sh) as the base
# commit, the base's series folders applied on top (6.12: series/ in build/linux; 7.3:
# series-net/, series-vdpa/, then series-net-next/, in build/linux-7.3).
# Idempotent: an existing tree is left alone unless its series changed (then it is reset to the
# base commit and the series applied again).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=linux-source-$VNPP_BASE
mkdir -p "$CACHE" "$BUILD"

# The newest cached package, or nothing (a glob that matched nothing is dropped: nullglob).
newest_deb() {
	local debs
	debs=$(shopt -s nullglob; printf '%s\n' "$CACHE/${pkg}"_*.deb)
	[ -z "$debs" ] || sort -V <<< "$debs" | tail -1
}
if [ "$VNPP_BASE" != 6.12 ]; then # not in Debian 12: the private apt configuration's suites
	deb=$(bash "$TOP/scripts/apt-newer.sh" "$pkg/trixie-backports")
else
	deb=$(newest_deb)
fi
if [ -z "$deb" ]; then
	step "downloading $pkg (apt-get download) into $CACHE"
	download() { (cd "$CACHE" && apt-get -o APT::Sandbox::User=root download "$pkg"); }
	# the machine's package lists may predate the newest upload: update them once and retry
	download || { step "apt-get download failed: updating the package lists"; apt-get update -qq && download; } ||
		die "apt-get download $pkg failed"
	deb=$(newest_deb)
	[ -n "$deb" ] || die "apt-get download $pkg gave no package in $CACHE"
fi
pkgver=$(dpkg-deb -f "$deb" Version)
tarball=$CACHE/${pkg}_$pkgver.tar.xz
if [ ! -f "$tarball" ]; then
	step "unpacking $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" > "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
fi

patches=$(series_patches)
id=$(series_id "$pkgver")
if [ -d "$TREE/.git" ] && [ "$(cat "$TREE/.git/vnpp-series-id" 2>/dev/null)" = "$id" ]; then
	step "tree up to date: $TREE (Debian $pkg $pkgver + $(echo "$patches" | grep -c .) patches)"
	exit 0
fi
if [ -d "$TREE/.git" ] && [ -n "$(git -C "$TREE" status --porcelain)" ]; then
	die "$SERIES_DIRS changed but $TREE has local changes: commit them and run 'make series', or remove $TREE"
fi

base=$BUILD/base-$pkgver
if [ ! -d "$base/.git" ]; then
	step "extracting $tarball (about a minute)"
	rm -rf "$base.tmp" && mkdir -p "$base.tmp"
	tar -xJf "$tarball" -C "$base.tmp" --strip-components=1
	git -C "$base.tmp" init -q -b base
	# No automatic gc: after the commit below it would repack the whole kernel's loose
	# objects in the background (minutes of CPU taken from the kernel build that follows).
	git -C "$base.tmp" config gc.auto 0
	# Debian's tarball ships a .gitignore ending in '/*': add everything with force.
	git -C "$base.tmp" add -f -A .
	git -C "$base.tmp" -c user.name=vnpp -c user.email=vnpp@localhost \
		commit -q -m "Linux $VNPP_BASE from Debian $pkg $pkgver"
	mv "$base.tmp" "$base"
fi

if [ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify base > /dev/null; then
	# Reset in place: only the files the series touches get new times, so the kernel build
	# that follows recompiles those, not the whole tree.
	step "resetting $TREE to base $pkgver and applying $SERIES_DIRS"
	git -C "$TREE" checkout -q -f -B vnpp base
else
	step "creating $TREE from base $pkgver and applying $SERIES_DIRS"
	rm -rf "$TREE"
	git clone -q --shared -c gc.auto=0 -b base "$base" "$TREE"
	git -C "$TREE" checkout -q -b vnpp
fi
set_ident "$TREE"
n=0
for p in $patches; do
	git -C "$TREE" am -q --keep-cr "$p" || die "git am failed on $p"
	n=$((n + 1))
done
# 7.3: the tags scripts/series.sh splits the series at, on the last commit of series-net/ and of
# series-vdpa/ (a folder without patches ends where the one before it did)
if [ "$VNPP_BASE" != 6.12 ]; then
	end=base
	for d in net vdpa; do
		k=0
		[ ! -d "$TOP/series-$d" ] || k=$(find "$TOP/series-$d" -name '0[0-9]*.patch' ! -name '0000-*' | wc -l)
		[ "$k" = 0 ] || end=$(git -C "$TREE" rev-list --reverse "$end..HEAD" | sed -n "${k}p")
		git -C "$TREE" tag -f "vnpp-$d" "$end" > /dev/null
	done
fi
echo "$id" > "$TREE/.git/vnpp-series-id"
step "base: Debian $pkg $pkgver ($(make -s -C "$TREE" kernelversion)), $n patches applied"
