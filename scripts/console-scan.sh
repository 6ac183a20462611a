#!/bin/bash
# Scan a guest console log for kernel trouble. Prints the offending lines (with line numbers)
# and exits 1 if any is found, 0 if the log is clean, 2 if the log is missing.
# Usage: scripts/console-scan.sh LOG
#        scripts/console-scan.sh --patterns | --ignore   (print the lists below, one a line:
#                                                        tests/host/console-scan-test.sh)
# Patterns match anywhere in a line, whatever prefix the console gives kernel messages (time
# stamp, caller id, level): a line that merely mentions one (e.g. "Call Trace" in a
# scenario's message on the console) is reported too; a false alarm is read in the log, a
# missed report is not. Only the lines of the ignore list below are exempt, and the lines a
# scenario announced: between the kernel log lines "vnpp: expect ERE" and "vnpp: expect end"
# (guest/lib: vn_expect_begin/vn_expect_end), reports matching ERE are what the scenario
# provokes on purpose (a device that lies makes virtio's BAD_RING() speak) and are exempt.
set -euo pipefail

# One extended regex per line. Keep this list the only place these patterns live; every one
# has a sample line in tests/host/console-scan-test.sh.
patterns=(
	# oopses, BUG()s, WARN()s and their back traces
	'Oops'
	'BUG:'
	'kernel BUG'
	'WARNING:'
	'general protection fault'
	'Call Trace'
	'Kernel panic'
	# memory checkers: KASAN, UBSAN, kmemleak (tests/guest/kmemleak.sh triggers the scan),
	# DEBUG_VM's bad page reports, debugobjects, refcount_t saturation
	'KASAN'
	'UBSAN'
	'unreferenced object'
	'new suspected memory leaks'
	'Bad page (state|map)'
	'page dumped because'
	'ODEBUG:'
	'refcount_t: '
	# DEBUG_LIST
	'list_add corruption'
	'list_del corruption'
	# lockdep
	'possible circular locking'
	'inconsistent lock state'
	'possible recursive locking'
	'suspicious RCU usage'
	# hung tasks, lockups, RCU stalls (DETECT_HUNG_TASK, SOFTLOCKUP_DETECTOR, HARDLOCKUP_DETECTOR,
	# WQ_WATCHDOG: config/vnpp-debug.config)
	'INFO: task .* blocked'
	'blocked for more than [0-9]+ seconds'
	'hung_task_timeout_secs'
	'soft lockup'
	'hard LOCKUP'
	'rcu_sched detected stalls'
	'rcu: INFO'
	'detected stall'
	'workqueue lockup'
	# a netdev whose references are never dropped, and who holds them (NET_DEV_REFCNT_TRACKER,
	# NET_NS_REFCNT_TRACKER: "ref_tracker: netdev@... has 1/1 users at" + the stack)
	'unregister_netdevice: waiting for'
	'has [0-9]+/[0-9]+ users at'
	'ref_tracker: .*(reference already released|skipped reports about)'
	# DMA_API_DEBUG's reports (its informational lines are in the ignore list)
	'DMA-API:'
	# vIOMMU (intel-iommu) faults: a device DMA to an address the driver did not map
	'DMAR: .*[Ff]ault'
	'DRHD: handling fault'
	# the virtio ring's BAD_RING() (drivers/virtio/virtio_ring.c: "%s:id %u out of range",
	# "%s:id %u is not a head!", after the queue name): a used id the driver never posted
	'id [0-9]+ is not a head!'
	'id [0-9]+ out of range'
	# a device stuck transmitting
	'NETDEV WATCHDOG'
	# page_pool: pages still in flight when a pool is destroyed. net/core/page_pool.c prints
	# "stalled pool shutdown" only for a pool without a netdev (or whose netns is gone:
	# NET_PTR_POISON); a pool bound to a netdev that is unregistered moves to the loopback
	# device and waits silently. virtio_net's pools are bound to their netdev, so a stuck
	# pool never prints this: the scenarios catch it through page-pool-get (pools left after
	# unbind or rmmod, their inflight count). Kept for pools without a netdev.
	'stalled pool shutdown'
	'page_pool_release_retry'
	# page_pool_empty_ring(): "%s() page_pool refcnt %d violation" (net/core/page_pool.c):
	# a page in the pool's ring that someone else still holds
	'page_pool refcnt -?[0-9]+ violation'
	# swiotlb_tbl_map_single(): "swiotlb buffer is full (sz: %zd bytes), total %lu (slots), used
	# %lu (slots)" (kernel/dma/swiotlb.c): a mapping failed for want of bounce space (the
	# receive stall of pools that pin it; a scenario that provokes it announces it)
	'swiotlb buffer is full'
)

# Lines a pattern above matches that are not trouble, one extended regex each.
ignore=(
	# DMA_API_DEBUG's informational messages (kernel/dma/debug.c)
	'DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config|dma_debug_entry pool grown to)'
	# the kernel's echo of its command line: options (hung_task_timeout_secs=...) are not reports
	'Kernel command line: '
)

case ${1:-} in
--patterns) printf '%s\n' "${patterns[@]}"; exit 0 ;;
--ignore) printf '%s\n' "${ignore[@]}"; exit 0 ;;
esac

log=${1:?usage: $0 LOG}
[ -f "$log" ] || { echo "console-scan: no such log: $log" >&2; exit 2; }
[ -r "$log" ] || exit 2  # an unreadable log is not a clean one
re=$(IFS='|'; echo "${patterns[*]}")
skip=$(IFS='|'; echo "${ignore[*]}")
# shellcheck disable=SC2016  # awk's own $0
found=$(LC_ALL=C awk -v re="$re" -v skip="$skip" '
	/vnpp: expect end/ { expect = ""; next }
	match($0, /vnpp: expect /) { expect = substr($0, RSTART + RLENGTH); sub(/\r$/, "", expect); next }
	$0 ~ re && $0 !~ skip && (expect == "" || $0 !~ expect) { print NR ":" $0 }' "$log") || exit 2
[ -n "$found" ] || exit 0
echo "$found"
exit 1
