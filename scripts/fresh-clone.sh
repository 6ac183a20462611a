#!/bin/bash
# The README's two commands on a fresh clone, as far as their set-up goes (packages, the newer
# tools, the base tree with the series applied; no kernel build): clones the committed HEAD into
# build/fresh-clone, runs `make bench` and `make check` there with VNPP_SETUP_ONLY=1 and an empty
# cache directory (VNPP_CACHE: the source package is downloaded and extracted, the private apt
# configuration set up anew, nothing lent by this checkout), and checks that the clone's
# checkout is still clean afterwards (everything written under its build/). KTAP output.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
clone=$BUILD/fresh-clone

echo "KTAP version 1"
rm -rf "$clone"
git clone -q "$TOP" "$clone" > "$BUILD/fresh-clone.log" 2>&1
ktap_result $? "git clone of $(git -C "$TOP" rev-parse --short HEAD)" "$(tail -15 "$BUILD/fresh-clone.log")"
# A new user's shell has none of the caller's knobs (VNPP_BOOTS, VNPP_CHECK_DIR, EDGE_*...), nor
# what this checkout's scripts export (lib.sh: TOP, BUILD, CACHE, CCACHE_DIR...); its cache is empty.
clean=()
for v in $(compgen -e); do
	case $v in VNPP_* | EDGE_* | CCACHE_* | TOP | BUILD | KBUILD | CACHE | QEMU_DIR | T0) clean+=(-u "$v") ;; esac
done
cache=$clone/build/empty-cache
for target in bench check; do
	log=$BUILD/fresh-clone-$target.log
	(cd "$clone" && env "${clean[@]}" VNPP_CACHE="$cache" VNPP_SETUP_ONLY=1 make "$target" < /dev/null > "$log" 2>&1)
	ktap_result $? "make $target in the clone: packages, tools and tree set up from an empty cache" "$(tail -15 "$log")"
done
dirty=$(git -C "$clone" status --porcelain)
ktap_result "$([ -z "$dirty" ]; echo $?)" "the clone's checkout is unchanged (all output under build/)" "$dirty"
[ "$KTAP_FAILED" = 1 ] || rm -rf "$clone"
echo "1..$KTAP_N"
exit "$KTAP_FAILED"
