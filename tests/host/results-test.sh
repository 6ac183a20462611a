#!/bin/bash
# Unit test of scripts/results.sh, on the host: run directories made up here, each with what a
# boot leaves (boot.name, scenarios, rc, progress, ktap/, console.log, qemu.log), and the result lines
# they must and must not give. Output: KTAP. Exit status 1 if any test failed.
# Usage: tests/host/results-test.sh
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

boot() { # NAME RC TAP [PROGRESS [QEMU]]: a run directory with one scenario "s" (RC "" = no rc
	# file), QEMU's stderr
	local d=$tmp/$1
	mkdir -p "$d/ktap"
	echo "$1" > "$d/boot.name"
	echo s > "$d/scenarios"
	printf '%b' "$3" > "$d/ktap/s.tap"
	echo 0 > "$d/ktap/s.rc"
	[ -z "$2" ] || echo "$2" > "$d/rc"
	printf '%s\n' "${4:-}" > "$d/progress"
	: > "$d/console.log"
	printf '%s' "${5:-}" > "$d/qemu.log"
	echo "$d"
}
check() { # DESC RUNDIR has|lacks ERE
	local out ok=1
	out=$(bash "$TOP/scripts/results.sh" "$2")
	if [ "$3" = has ]; then grep -qE "$4" <<< "$out" || ok=0; else ! grep -qE "$4" <<< "$out" || ok=0; fi
	n=$((n + 1))
	if [ $ok = 1 ]; then echo "ok $n $1"; else failed=1; printf '# %s\n' "$out"; echo "not ok $n $1"; fi
}

echo "KTAP version 1"
good='KTAP version 1\n1..1\nok 1 fine\n'
check "a clean boot passes" "$(boot clean 0 "$good")" lacks '^FAIL '
check "no rc: the guest crashed or timed out" "$(boot crash '' "$good")" has '^FAIL crash: guest ran to completion'
check "exit status 1 with every test ok: virtio_net would not unload" \
	"$(boot unload 1 "$good" 's: virtio_net could not be unloaded after it')" \
	has '^FAIL unload: guest exit status 1 with no failed test — s: virtio_net could not be unloaded'
check "a failed test is not counted twice" "$(boot failed 1 'KTAP version 1\n1..1\nnot ok 1 broken\n')" \
	lacks 'with no failed test'
check "fewer results than planned" "$(boot short 0 'KTAP version 1\n1..2\nok 1 fine\n')" \
	has '^FAIL short: s: ran 1 of 2 planned tests'
check "a known bug's test that fails is an expected failure" \
	"$(boot xfail 0 'KTAP version 1\n1..1\nnot ok 1 no refill # TODO known: refills at budget 0\n')" \
	has '^XFAIL xfail: s: no refill — known: refills at budget 0$'
check "a known bug's test that passes fails: it did not reach the bug" \
	"$(boot xpass 0 'KTAP version 1\n1..1\nok 1 no refill # TODO known: refills\n')" \
	has '^FAIL xpass: s: no refill — passed, expected to fail: known: refills$'
check "QEMU's complaint fails the boot" \
	"$(boot qemu 0 "$good" '' $'qemu-system-x86_64: virtio: zero sized buffers are not allowed\n')" \
	has '^FAIL qemu: QEMU quiet — qemu-system-x86_64: virtio: zero sized buffers are not allowed'
check "a quiet QEMU passes" "$(boot quiet 0 "$good")" has '^PASS quiet: QEMU quiet$'
echo "1..$n"
exit $failed
