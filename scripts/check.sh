#!/bin/bash
# `make check`: the packages, the host checks (lint, unit tests, a fresh clone's set-up from an
# empty cache), the build stages (tools, tree, kernel, modules, progs, bpf, kselftest), then one
# boot per line of tests/boots.txt running its scenarios (guest/run.sh), series-check beside
# them, then one result line per test and the closing "N passed, N failed, N skipped".
# Logs: build/check/. Exit status 1 on any failure, or on a skip tests/skips.txt does not list.
# A boots line is "PROFILE [NAME=VALUE...] SCENARIO...": the assignments are that boot's
# environment, in the guest too (VNPP_FLAVOUR=debug boots the debug kernel, whose kernel and
# modules stages then run too).
# Env: VNPP_BASE (6.12; 7.3: the upstream track, tests/boots-7.3.txt, logs in build/check-7.3/),
#      VNPP_BOOT_TIMEOUT (1800 s per boot), VNPP_BOOTS (tests/boots.txt), VNPP_BOOT_JOBS (boots
#      at a time: the host's cores),
#      VNPP_FLAVOUR (debug: the debug kernel for every boot, logs in build/check-debug/, no
#      series-check), VNPP_CHECK_DIR (the logs' directory instead),
#      VNPP_SERIES_CHECK=0 (no series-check: scripts/repeat.sh),
#      VNPP_SETUP_ONLY=1 (stop after the packages, the tools and the tree: scripts/fresh-clone.sh),
#      VNPP_HOST_CHECKS=0 (not the base-independent host checks: lint, tests/host, the fresh
#      clone's set-up; check-all.sh), VNPP_COLD=1 (no fresh clone: check-all.sh's cold run),
#      VNPP_CHECK_PHASE (all; build: the packages, the host checks and the build stages, then
#      stop; boots: the boots and the summary of a build phase run before, so that check-all.sh
#      can build one base while another's boots run).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

guest_visible "$TOP"  # before the build: the boots need the checkout in the guest
logs=${VNPP_CHECK_DIR:-$BUILD/check$BSFX${VNPP_FLAVOUR:+-$VNPP_FLAVOUR}}
results=$logs/results.txt
phase=${VNPP_CHECK_PHASE:-all}
case $phase in
all | build)
	rm -rf "$logs"
	mkdir -p "$logs"
	: > "$results" ;;
boots)
	[ -z "${VNPP_SETUP_ONLY:-}" ] || exit 0
	[ -s "$results" ] || die "VNPP_CHECK_PHASE=boots: no build phase results in $logs" ;;
*) die "VNPP_CHECK_PHASE=$phase: all, build or boots" ;;
esac

# A skip is a pass only where tests/skips.txt expects it (an extended regex per line, matched
# against the whole "SKIP ..." result line); any other skip fails the run.
unexpected_skips() {
	local expected=$TOP/tests/skips.txt
	grep '^SKIP ' "$results" | grep -vEf <(content_lines "$expected") |
		sed 's/^SKIP /FAIL unexpected skip: /'
}

summary() {
	wait  # a host check running beside the build stages
	echo
	unexpected_skips >> "$results"
	cat "$results"
	grep -q '^FAIL ' "$results" && { echo; echo "Failures, with what the scenario printed before each:"; }
	awk '/^FAIL / { p = 1; print; next } /^    / { if (p) print; next } { p = 0 }' "$results"
	results_summary "$results"
	exit
}

stage() { # NAME [FLAVOUR]: scripts/NAME.sh for that kernel flavour; a failure ends the run
	local name=$1${2:+-$2}
	step "stage $name (log: $logs/stage-$name.log)"
	if VNPP_FLAVOUR=${2:-${VNPP_FLAVOUR:-}} bash "$TOP/scripts/$1.sh" < /dev/null 2>&1 |
		tee "$logs/stage-$name.log"; then
		echo "PASS stage: $name" >> "$results"
	else
		echo "FAIL stage: $name — see $logs/stage-$name.log" >> "$results"
		summary
	fi
}

# The boots file is read whole before anything else: an edit during a run (hours on the debug
# kernel) must not shift what the loop reads next, and its flavours need their builds.
boots=$(content_lines "${VNPP_BOOTS:-$TOP/tests/boots$BSFX.txt}") || die "no boots in the boots file"
flavours=$(grep -o 'VNPP_FLAVOUR=[a-z]*' <<< "$boots" | cut -d= -f2 | sort -u | grep -vxF "${VNPP_FLAVOUR:-}" || true)

host_check() { # NAME SCRIPT: a host check printing KTAP; log $logs/NAME.tap, results "host: NAME: ..."
	step "$1 (log: $logs/$1.tap)"
	bash "$2" > "$logs/$1.tap" 2>&1 < /dev/null
	bash "$TOP/scripts/results.sh" --ktap host "$1" "$logs/$1.tap" $? >> "$results"
	step "$1 done"
}

# The packages first (the host checks need shellcheck and pyflakes), then the host checks
# (seconds), then the rest of the set-up, which a fresh clone must manage on its own.
build_phase() {
	stage deps
	# the base-independent host checks: once per make check (check-all.sh), never in a
	# debug-only or set-up-only run
	local host_checks s f fresh=
	host_checks=$([ -z "${VNPP_FLAVOUR:-}" ] && [ -z "${VNPP_SETUP_ONLY:-}" ] && [ "${VNPP_HOST_CHECKS:-1}" = 1 ] && echo 1)
	if [ -n "$host_checks" ]; then
		host_check lint "$TOP/scripts/lint.sh"
		for t in "$TOP"/tests/host/*-test.sh; do # unit tests of the workbench's own tools
			host_check "$(basename "$t" -test.sh)" "$t"
		done
		step "host tests: $(grep -c '^PASS host' "$results") passed, $(grep -c '^FAIL host' "$results") failed"
	fi

	stage tools
	stage tree
	[ -z "${VNPP_SETUP_ONLY:-}" ] || { step "set-up done (VNPP_SETUP_ONLY)"; exit 0; }
	# a fresh clone's set-up of every base (its make check runs them all): minutes of downloads,
	# xz and git am, mostly one core, so beside the kernel builds (summary() waits for it); not
	# in a run that is one already (VNPP_COLD: check-all.sh checks that run's checkout instead)
	if [ -n "$host_checks" ] && [ -n "${VNPP_COLD:-}" ]; then
		step "fresh-clone: not cloned again: this run set up a clean checkout from an empty cache"
	elif [ -n "$host_checks" ]; then
		host_check fresh-clone "$TOP/scripts/fresh-clone.sh" &
		fresh=$!
	fi
	for s in kernel modules progs bpf kselftest; do stage $s; done
	# what the kselftest stage installed, and the base tree's install beside it (seconds)
	host_check kselftest-files "$TOP/scripts/kselftest-files.sh"
	# the helpers of the kernel's drivers/net tests, for the boots that run them
	! grep -qw netdrv <<< "$boots" || stage netlib
	for f in $flavours; do stage kernel "$f"; stage modules "$f"; done
	[ -z "$fresh" ] || wait "$fresh"
}
if [ "$phase" != boots ]; then
	build_phase
	# a failed stage has ended the run already (summary), with a failing status
	[ "$phase" = all ] || exit 0
fi

# Each boot's vCPUs share one host thread (scripts/vm.sh: VNPP_TCG=single), so two boots run at
# a time (VNPP_BOOT_JOBS), one a host core.
boot_jobs=${VNPP_BOOT_JOBS:-$(nproc)}

# The series as a maintainer's tools see it (host only): KTAP from scripts/series-check.sh, in
# one of the boots' slots (a job like them): its git am, checkpatch and kernel-doc take one core,
# a boot the other, where after the build it ran alone with one core idle. Not again for
# another kernel flavour: it checks the patches, not the kernel, nor where the caller says so
# (VNPP_SERIES_CHECK=0: scripts/repeat.sh). summary() waits for it.
[ -n "${VNPP_FLAVOUR:-}" ] || [ "${VNPP_SERIES_CHECK:-1}" = 0 ] ||
	host_check series-check "$TOP/scripts/series-check.sh" &
dirs=() i=0
while read -r profile words; do
	i=$((i + 1))
	envs=() files=() flavour=${VNPP_FLAVOUR:-}
	for w in $words; do
		case $w in
		VNPP_FLAVOUR=*) flavour=${w#*=}; envs+=("$w") ;;
		[A-Za-z_]*=*) envs+=("$w") ;;
		all) files+=(tests/guest/*.sh) ;;
		*) files+=("tests/guest/$w.sh") ;;
		esac
	done
	boot=$profile${flavour:+ [$flavour]}
	dir=$logs/boot$i-${profile//[,=]/-}${flavour:+-$flavour}
	mkdir -p "$dir"
	dirs+=("$dir")
	grep -qxF "$boot" "$logs"/boot*/boot.name 2>/dev/null && boot+=" #$i"
	echo "$boot" > "$dir/boot.name"
	for f in "${files[@]}"; do basename "$f" .sh; done > "$dir/scenarios"
	while [ "$(jobs -pr | wc -l)" -ge "$boot_jobs" ]; do wait -n; done
	step "boot $i: $boot: $(xargs < "$dir/scenarios")${envs[*]:+ (${envs[*]})}"
	(
		for e in "${envs[@]}"; do export "${e?}"; done
		bash "$TOP/scripts/vm.sh" -p "$profile" "${envs[@]/#/-e}" -t "${VNPP_BOOT_TIMEOUT:-1800}" \
			-o "$dir" -- guest/run.sh "${files[@]}" 2>&1 | sed -u "s/^/boot $i: /"
		{ grep -h '^# ' "$dir"/ktap/*.tap 2>/dev/null || true; } | sed "s/^/    boot $i: /"
	) < /dev/null &
done <<< "$boots"
wait

# The collector's own failure fails the run: without it the stage lines alone would pass.
if ! out=$(bash "$TOP/scripts/results.sh" "${dirs[@]}") || [ -z "$out" ]; then
	echo "FAIL results: scripts/results.sh failed or printed nothing" >> "$results"
fi
[ -z "$out" ] || echo "$out" >> "$results"
summary
