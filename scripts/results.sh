#!/bin/bash
# Turn the run directories of scripts/check.sh boots into result lines, one per test:
#   PASS|FAIL|SKIP|XFAIL <boot>: <scenario>: <desc>[ — reason]
# XFAIL: a test that failed as it must on a driver with a known bug (KTAP "not ok ... # TODO").
# A FAIL from a KTAP file is followed by the diagnostic lines ("# ...") the scenario printed
# since its previous result, indented by four spaces (at most the last 12), so that a log's
# tail says why.
# from each scenario's KTAP (ktap/<name>.tap, .rc), plus per boot "guest ran to completion",
# "console clean" and "QEMU quiet" (nothing on QEMU's stderr, qemu.log: a device model that
# complains, "virtio: ..." errors, a signal). A run dir holds boot.name and scenarios (names,
# one a line).
# Usage: scripts/results.sh RUNDIR...
#        scripts/results.sh --ktap PREFIX NAME TAPFILE RC   (one KTAP file, e.g. a host check)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

ktap() { # BOOT NAME TAPFILE RC: the scenario's results, plus a FAIL if it broke off or failed silently
	awk -v pre="$1: $2: " -v name="$2" -v rc="$4" '
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
	/^#/ { diag[nd++ % 12] = $0; next }
	/^(not )?ok [0-9]+( |$)/ {
		st = ($1 == "not") ? "FAIL" : "PASS"
		sub(/^(not )?ok [0-9]+ ?/, "")
		reason = ""
		if (match($0, / *# *SKIP( |$)/)) {
			reason = substr($0, RSTART + RLENGTH)
			$0 = substr($0, 1, RSTART - 1)
			if (st == "PASS") st = "SKIP"
			reason = " — " (reason == "" ? "(no reason given)" : reason)
		} else if (match($0, / *# *TODO( |$)/)) {
			# a known bug (tests/known-bugs.txt): failing is expected; passing is not
			reason = substr($0, RSTART + RLENGTH)
			$0 = substr($0, 1, RSTART - 1)
			reason = " — " (st == "FAIL" ? "" : "passed, expected to fail: ") reason
			st = (st == "FAIL") ? "XFAIL" : "FAIL"
		}
		print st " " pre $0 reason
		n++; if (st == "FAIL") fails++
		if (st == "FAIL")
			for (i = (nd > 12 ? nd - 12 : 0); i < nd; i++) print "    " diag[i % 12]
		nd = 0
	}
	END {
		if (plan == "" || n != plan)
			print "FAIL " pre "ran " n + 0 " of " (plan == "" ? "?" : plan) " planned tests (exit status " rc ")"
		else if (rc != 0 && !fails)
			print "FAIL " pre "exit status " rc " with no failed test"
	}' "$3"
}

if [ "${1:-}" = --ktap ]; then
	ktap "$2" "$3" "$4" "$5"
	exit
fi

for dir in "$@"; do
	boot=$(cat "$dir/boot.name" 2>/dev/null || basename "$dir")
	rc=$([ ! -f "$dir/rc" ] || tr -dc 0-9 < "$dir/rc")
	if [ -n "$rc" ]; then
		echo "PASS $boot: guest ran to completion"
	else
		echo "FAIL $boot: guest ran to completion — no rc: timeout or crash (see $dir/console.log)"
	fi
	lines=$(while read -r name; do
		if [ -f "$dir/ktap/$name.tap" ]; then
			ktap "$boot" "$name" "$dir/ktap/$name.tap" "$(cat "$dir/ktap/$name.rc" 2>/dev/null || echo '?')"
		else
			echo "FAIL $boot: $name: did not run"
		fi
	done < "$dir/scenarios")
	[ -z "$lines" ] || echo "$lines"
	# guest/run.sh's own failures between scenarios (virtio_net that would not unload) show
	# only in its exit status and its progress lines
	if [ -n "$rc" ] && [ "$rc" != 0 ] && ! grep -q '^FAIL ' <<< "$lines"; then
		echo "FAIL $boot: guest exit status $rc with no failed test — $(grep -m1 'could not be unloaded' "$dir/progress" 2>/dev/null || echo "see $dir/progress")"
	fi
	if scan=$("$TOP/scripts/console-scan.sh" "$dir/console.log" 2>&1); then
		echo "PASS $boot: console clean"
	else
		echo "FAIL $boot: console clean — $(echo "$scan" | head -1) ($(echo "$scan" | wc -l) lines)"
	fi
	if [ ! -f "$dir/qemu.log" ]; then
		echo "FAIL $boot: QEMU quiet — no $dir/qemu.log"
	elif [ -s "$dir/qemu.log" ]; then
		echo "FAIL $boot: QEMU quiet — $(head -1 "$dir/qemu.log") ($(wc -l < "$dir/qemu.log") lines: $dir/qemu.log)"
	else
		echo "PASS $boot: QEMU quiet"
	fi
done
