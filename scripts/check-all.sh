#!/bin/bash
# `make check`: scripts/check.sh for each base (VNPP_BASES, default "6.12 7.3"), the host checks
# that do not depend on the base once (with the first), then every base's result lines and one
# closing "N passed, N failed, N skipped" over all of them.
# Each base runs in two phases (check.sh's VNPP_CHECK_PHASE): its build, then its boots. A base's
# boots run while the next base builds, that build at a lower priority (nice 10): the boots keep
# both cores and their pace, and the build takes what they leave idle (start-up, the guests'
# waits, a last boot running alone). Output lines carry their base: "[7.3] ...".
# Logs: build/check-6.12/, build/check-7.3/; all result lines in build/check-all.txt.
# Exit status 1 on any failure in any base.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

bases=${VNPP_BASES:-6.12 7.3}
# A cold run (nothing in the cache, no base tree, a clean checkout) is what scripts/fresh-clone.sh
# makes of a clone: its own stages set the bases up from nothing, so it does not set up a clone
# beside its build as well (minutes of CPU); it checks at the end that its checkout is still
# clean, as fresh-clone.sh does the clone's.
if [ -z "$(find "$CACHE" -mindepth 1 -print -quit 2> /dev/null)" ] && ! compgen -G "$BUILD/base-*" > /dev/null &&
	[ -z "$(git -C "$TOP" status --porcelain)" ]; then
	export VNPP_COLD=1
	step "a cold run: empty cache $CACHE, no base tree, a clean checkout of $(git -C "$TOP" rev-parse --short HEAD)"
fi
all=$BUILD/check-all.txt
: > "$all"
host=1 rc=0

phase() { # BASE PHASE [NICENESS]: one phase of check.sh on that base, its output tagged
	VNPP_BASE=$1 VNPP_CHECK_PHASE=$2 VNPP_HOST_CHECKS=$host VNPP_CHECK_DIR=$BUILD/check-$1 \
		nice -n "${3:-0}" bash "$TOP/scripts/check.sh" 2>&1 | sed -u "s/^/[$1] /"
}

built=  # the base whose build passed and whose boots have not run yet
for base in $bases; do
	step "make check on Linux $base (log: $BUILD/check-$base/)"
	boots=
	if [ -n "$built" ]; then
		phase "$built" boots & boots=$!
	fi
	if phase "$base" build ${built:+10}; then next=$base; else next='' rc=1; fi
	host=0
	[ -z "$boots" ] || wait "$boots" || rc=1
	built=$next
done
[ -z "$built" ] || phase "$built" boots || rc=1

for base in $bases; do
	sed "s/^\([A-Z]*\) /\1 [$base] /" "$BUILD/check-$base/results.txt" >> "$all"
done
if [ -n "${VNPP_COLD:-}" ]; then
	dirty=$(git -C "$TOP" status --porcelain)
	if [ -z "$dirty" ]; then
		echo "PASS host: fresh-clone: this cold run set up every base from an empty cache, its checkout unchanged"
	else
		echo "FAIL host: fresh-clone: this cold run changed its checkout (all output belongs under build/): $(xargs <<< "$dirty")"
	fi >> "$all"
fi
echo
echo "All bases ($bases):"
grep '^FAIL ' "$all" || true
results_summary "$all" && [ "$rc" = 0 ]
