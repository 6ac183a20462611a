#!/bin/bash
# Scan a guest console log for kernel trouble. Prints the offending lines (with line numbers)
# and exits 1 if any is found, 0 if the log is clean, 2 if the log is missing.
# Usage: scripts/console-scan.sh LOG
set -euo pipefail

# One extended regex per line. Keep this list the only place these patterns live.
patterns=(
	'Oops'
	'BUG:'
	'kernel BUG'
	'WARNING:'
	'general protection fault'
	'Call Trace'
	'KASAN'
	'UBSAN'
	'possible circular locking'
	'inconsistent lock state'
	'possible recursive locking'
	'suspicious RCU usage'
	'INFO: task .* blocked'
	'unreferenced object'
	'new suspected memory leaks'
	'stalled pool shutdown'
	'page_pool_release_retry'
	'Kernel panic'
	'soft lockup'
	'hard LOCKUP'
	'rcu_sched detected stalls'
	'rcu: INFO'
	'detected stall'
)

log=${1:?usage: $0 LOG}
[ -f "$log" ] || { echo "console-scan: no such log: $log" >&2; exit 2; }
re=$(IFS='|'; echo "${patterns[*]}")
if grep -anE "$re" "$log"; then
	exit 1
fi
exit 0
