#!/bin/bash
# `make repeat LINE=N TIMES=20`: line N of the base's boots file (tests/boots.txt: comments and
# blank lines not counted) booted TIMES times through scripts/check.sh, two at a time as in
# `make check`, then the tally: how many of those boots passed every test. A check that fails
# one boot in twenty is a broken check; this is how one finds out (the lines that arm kprobes or
# fail_function under TCG, above all).
# Logs: build/repeat[-BASE]-N/ (check.sh's layout, one boot directory per repetition).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

line=${LINE:?LINE=N: which line of the boots file}
times=${TIMES:-20}
src=${VNPP_BOOTS:-$TOP/tests/boots$BSFX.txt}
boot=$(content_lines "$src" | sed -n "${line}p")
[ -n "$boot" ] || die "$src has no boot line $line"
dir=$BUILD/repeat$BSFX-$line
boots=$BUILD/repeat$BSFX-$line.boots
for _ in $(seq "$times"); do echo "$boot"; done > "$boots"
step "boot line $line of $src, $times times: $boot"
VNPP_BOOTS=$boots VNPP_CHECK_DIR=$dir VNPP_HOST_CHECKS=0 VNPP_SERIES_CHECK=0 \
	bash "$TOP/scripts/check.sh" > "$dir.log" 2>&1
step "check.sh done (log: $dir.log)"

# result lines are "STATUS BOOT: ...", BOOT the profile (and " [flavour]"), " #i" from the second
fails=$(grep '^FAIL ' "$dir/results.txt" || true)
[ -z "$fails" ] || echo "$fails"
failed=$(cut -d: -f1 <<< "$fails" | cut -d' ' -f2- | sort -u)
n_failed=$(grep -c . <<< "$failed" || true)
echo "line $line ($boot): $times boots, $((times - n_failed)) passed every test, $n_failed failed"
[ "$n_failed" = 0 ]
