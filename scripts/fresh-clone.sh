#!/bin/bash
# The README's two commands on a fresh clone, as far as their set-up goes (packages, the base
# tree with the series applied; no kernel build): clones the committed HEAD into
# build/fresh-clone, runs `make bench` and `make check` there with VNPP_SETUP_ONLY=1, and checks
# that the clone's checkout is still clean afterwards (everything written under its build/).
# The base tree already extracted here is lent to the clone to save a minute. KTAP output.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
clone=$BUILD/fresh-clone

echo "KTAP version 1"
rm -rf "$clone"
git clone -q "$TOP" "$clone" > "$BUILD/fresh-clone.log" 2>&1
ktap_result $? "git clone of $(git -C "$TOP" rev-parse --short HEAD)" "$(tail -15 "$BUILD/fresh-clone.log")"
for base in "$BUILD"/base-*; do
	[ ! -d "$base/.git" ] || { mkdir -p "$clone/build" && ln -s "$base" "$clone/build/${base##*/}"; }
done
# A new user's shell has none of the caller's knobs (VNPP_BOOTS, VNPP_CHECK_DIR, EDGE_*...)
clean=()
for v in $(compgen -e); do
	case $v in VNPP_* | EDGE_*) clean+=(-u "$v") ;; esac
done
for target in bench check; do
	log=$BUILD/fresh-clone-$target.log
	(cd "$clone" && env "${clean[@]}" VNPP_SETUP_ONLY=1 make "$target" < /dev/null > "$log" 2>&1)
	ktap_result $? "make $target in the clone: packages and tree set up" "$(tail -15 "$log")"
done
dirty=$(git -C "$clone" status --porcelain)
ktap_result "$([ -z "$dirty" ]; echo $?)" "the clone's checkout is unchanged (all output under build/)" "$dirty"
[ "$KTAP_FAILED" = 1 ] || rm -rf "$clone"
echo "1..$KTAP_N"
exit "$KTAP_FAILED"
