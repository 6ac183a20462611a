#!/bin/bash
# `make check`: the build stages (deps, tree, kernel, modules, kselftest), then one boot per line of
# tests/boots.txt running its scenarios (guest/run.sh), then one result line per test and the
# closing "N passed, N failed, N skipped". Logs: build/check/. Exit status 1 on any failure.
# Env: VNPP_BOOT_TIMEOUT (1800 s per boot), VNPP_BOOTS (tests/boots.txt),
#      VNPP_FLAVOUR (debug: the debug kernel, logs in build/check-debug/, no series-check),
#      VNPP_CHECK_DIR (the logs' directory instead).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

guest_visible "$TOP"  # before the build: the boots need the checkout in the guest
logs=${VNPP_CHECK_DIR:-$BUILD/check${VNPP_FLAVOUR:+-$VNPP_FLAVOUR}}
rm -rf "$logs"
mkdir -p "$logs"
results=$logs/results.txt
: > "$results"

summary() {
	echo
	cat "$results"
	local p f s
	grep -q '^FAIL ' "$results" && { echo; echo "Failures, with what the scenario printed before each:"; }
	awk '/^FAIL / { p = 1; print; next } /^    / { if (p) print; next } { p = 0 }' "$results"
	p=$(grep -c '^PASS ' "$results") f=$(grep -c '^FAIL ' "$results") s=$(grep -c '^SKIP ' "$results")
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ] && [ "$p" -gt 0 ]
	exit
}

for s in deps tree kernel modules kselftest; do
	step "stage $s (log: $logs/stage-$s.log)"
	if bash "$TOP/scripts/$s.sh" < /dev/null 2>&1 | tee "$logs/stage-$s.log"; then
		echo "PASS stage: $s" >> "$results"
	else
		echo "FAIL stage: $s — see $logs/stage-$s.log" >> "$results"
		summary
	fi
done

# The series as a maintainer's tools see it (host only): KTAP from scripts/series-check.sh.
# Not again for another kernel flavour: it checks the patches, not the kernel.
if [ -z "${VNPP_FLAVOUR:-}" ]; then
	step "series-check (log: $logs/series-check.tap)"
	bash "$TOP/scripts/series-check.sh" > "$logs/series-check.tap" 2>&1
	bash "$TOP/scripts/results.sh" --ktap host series-check "$logs/series-check.tap" $? >> "$results"
fi

# The boots file is read whole before the first boot: an edit during a run (hours on the debug
# kernel) must not shift what the loop reads next.
boots=$(cat "${VNPP_BOOTS:-$TOP/tests/boots.txt}") || die "no boots file"
dirs=() i=0
while read -r profile scenarios; do
	[[ -n $profile && $profile != \#* ]] || continue
	i=$((i + 1))
	dir=$logs/boot$i-${profile//[,=]/-}
	mkdir -p "$dir"
	dirs+=("$dir")
	boot=$profile
	grep -qxF "$boot" "$logs"/boot*/boot.name 2>/dev/null && boot+=" #$i"
	echo "$boot" > "$dir/boot.name"
	files=()
	for s in $scenarios; do
		if [ "$s" = all ]; then files+=(tests/guest/*.sh); else files+=("tests/guest/$s.sh"); fi
	done
	for f in "${files[@]}"; do basename "$f" .sh; done > "$dir/scenarios"
	step "boot $i: $boot: $(xargs < "$dir/scenarios")"
	bash "$TOP/scripts/vm.sh" -p "$profile" -t "${VNPP_BOOT_TIMEOUT:-1800}" -o "$dir" \
		-- guest/run.sh "${files[@]}" < /dev/null
	grep -h '^# ' "$dir"/ktap/*.tap 2>/dev/null | sed 's/^/    /'
done <<< "$boots"

bash "$TOP/scripts/results.sh" "${dirs[@]}" >> "$results"
summary
