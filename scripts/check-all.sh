#!/bin/bash
# `make check`: scripts/check.sh for each base in turn (VNPP_BASES, default "6.12 7.3"), the
# host checks that do not depend on the base once (with the first), then every base's result
# lines and one closing "N passed, N failed, N skipped" over all of them.
# Logs: build/check-6.12/, build/check-7.3/; all result lines in build/check-all.txt.
# Exit status 1 on any failure in any base.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

all=$BUILD/check-all.txt
: > "$all"
host=1 rc=0
for base in ${VNPP_BASES:-6.12 7.3}; do
	step "make check on Linux $base (log: $BUILD/check-$base/)"
	VNPP_BASE=$base VNPP_HOST_CHECKS=$host VNPP_CHECK_DIR=$BUILD/check-$base bash "$TOP/scripts/check.sh" || rc=1
	host=0
	sed "s/^\([A-Z]*\) /\1 [$base] /" "$BUILD/check-$base/results.txt" >> "$all"
done

echo
echo "All bases (${VNPP_BASES:-6.12 7.3}):"
grep '^FAIL ' "$all" || true
results_summary "$all" && [ "$rc" = 0 ]
