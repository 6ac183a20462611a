#!/bin/bash
# Unit test of scripts/console-scan.sh, on the host: every report line below must be caught,
# every clean line must pass, every pattern of the scanner must catch at least one report
# line here (a pattern added without a sample fails this test), every ignore entry must
# exempt at least one clean line, and a missing log is an error (2), not a clean one.
# Output: KTAP. Exit status 1 if any test failed.
# Usage: tests/host/console-scan-test.sh
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
scan=$TOP/scripts/console-scan.sh

# Report lines as the detectors print them (the console's time stamp in front, as here),
# one for each pattern at least.
reports=(
	'[   12.345678] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP KASAN NOPTI'
	'[   12.345678] BUG: KASAN: slab-use-after-free in page_pool_put_unrefed_netmem+0x1a/0x2b0'
	'[   12.345678] kernel BUG at drivers/virtio/virtio_ring.c:859!'
	'[   12.345678] WARNING: CPU: 1 PID: 42 at net/core/page_pool.c:717 page_pool_inflight+0x5f/0x70'
	'[   12.345678] general protection fault, probably for non-canonical address 0xdffffc0000000000'
	'[   12.345678] Call Trace:'
	'[   12.345678] Kernel panic - not syncing: Fatal exception in interrupt'
	'[   12.345678] UBSAN: array-index-out-of-bounds in drivers/net/virtio_net.c:2451:9'
	'[   12.345678] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'unreferenced object 0xffff888104a3c000 (size 4096):'
	'[   12.345678] BUG: Bad page state in process ksoftirqd/0  pfn:10a3c'
	'[   12.345678] Bad page map in process iperf3  pte:8000000104a3c067 pmd:10a3d067'
	'[   12.345678] page dumped because: nonzero _refcount'
	'[   12.345678] ODEBUG: free active (active state 0) object: ffff888104a3c100 object type: timer_list hint: virtnet_rx_dim_work+0x0/0x90'
	'[   12.345678] refcount_t: underflow; use-after-free.'
	'[   12.345678] list_add corruption. prev->next should be next (ffff888104a3c000), but was 0000000000000000. (prev=ffff888104a3c008).'
	'[   12.345678] list_del corruption, ffff888104a3c000->next is LIST_POISON1 (dead000000000100)'
	'[   12.345678] WARNING: possible circular locking dependency detected'
	'[   12.345678] WARNING: inconsistent lock state'
	'[   12.345678] WARNING: possible recursive locking detected'
	'[   12.345678] WARNING: suspicious RCU usage'
	'[  245.123456] INFO: task kworker/0:2:57 blocked for more than 122 seconds.'
	'[  245.123456] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.'
	'[  245.123456] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [iperf3:412]'
	'[  245.123456] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1'
	'[  245.123456] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:'
	'[  245.123456] rcu: INFO: rcu_preempt self-detected stall on CPU'
	'[  245.123456] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!'
	'[  245.123456] unregister_netdevice: waiting for eth1 to become free. Usage count = 2'
	'[  245.123456] ref_tracker: netdev@ffff888104a3c5f8 has 1/1 users at'
	'[  245.123456] ref_tracker: net notrefcnt@ffff888100e6a0c0 has 2/3 users at'
	'[  245.123456] ref_tracker: reference already released.'
	'[  245.123456] ref_tracker: netdev@ffff888104a3c5f8 skipped reports about 3/5 users.'
	'[   12.345678] DMA-API: virtio-pci 0000:00:02.0: device driver frees DMA memory with wrong function [device address=0x0000000104a3c000] [size=4096 bytes] [mapped as page] [unmapped as single]'
	'[   12.345678] DMA-API: virtio-pci 0000:00:02.0: device driver has pending DMA allocations while released from device [count=64]'
	'[   12.345678] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x104a3c000 [fault reason 0x06] PTE Read access is not set'
	'[   12.345678] DMAR: DRHD: handling fault status reg 2'
	'[   12.345678] virtio_net virtio1: input.0:id 17 is not a head!'
	'[   12.345678] virtio_net virtio1: output.0:id 300 out of range'
	'[   12.345678] NETDEV WATCHDOG: eth0 (virtio_net): transmit queue 0 timed out 5120 ms'
	'[   73.123456] page_pool_release_retry() stalled pool shutdown: id 7, 12 inflight 60 sec'
	'[   73.123456] page_pool_empty_ring() page_pool refcnt -1 violation'
	'[   81.123456] virtio-pci 0000:00:03.0: swiotlb buffer is full (sz: 4096 bytes), total 32768 (slots), used 32704 (slots)'
	# the scanner matches inside any text, so a mention on the console is reported too
	'vnpp-init: rebind: dmesg shows a Call Trace after unbind'
)

# Lines of a clean boot and of a clean run, some close to a pattern.
clean=(
	'[    0.000000] Linux version 6.12.118 (root@host) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC'
	'[    0.000000] Kernel command line: root=/dev/root rootfstype=9p ro console=ttyS0 panic=-1 hung_task_timeout_secs=600 init=/work/guest/init.sh'
	'[    0.512345] DMA-API: preallocated 65536 debug entries'
	'[    0.512345] DMA-API: debugging enabled by kernel config'
	'[    9.876543] DMA-API: dma_debug_entry pool grown to 131072 (200%)'
	'[    0.612345] rcu: Hierarchical RCU implementation.'
	'[    0.612345] rcu: 	RCU event tracing is enabled.'
	'[    0.712345] ACPI: IRQ 9 out of range for the PIC'
	'[    0.812345] kmemleak: Kernel memory leak detector initialized (mem pool available: 15869)'
	'[    0.912345] DMAR: Host address width 39'
	'[    0.912345] DMAR: IOMMU enabled'
	'[    1.012345] DMAR: Intel(R) Virtualization Technology for Directed I/O'
	'[    1.112345] watchdog: Delayed init of the lockup detector failed: -19'
	'[    1.212345] virtio_net virtio1 eth0: renamed from eth1'
	'[    2.312345] NET: Registered PF_INET6 protocol family'
	'[    3.412345] page_pool: created pool 7 for eth0'
	'[    4.512345] ref_tracker: enabled'
	'vnpp-init: up (6.52s kernel uptime), running the command'
	'vnpp-init: command exited 0'
	'[   10.000000] vnpp: rebind: cycle 3 of 50'
)

n=0 fails=0
line() { local l="$*"; echo "${l//#/-}"; }  # '#' would start a KTAP directive
result() { # RC DESC
	local rc=$1; shift
	n=$((n + 1))
	if [ "$rc" = 0 ]; then line "ok $n $*"; else line "not ok $n $*"; fails=$((fails + 1)); fi
}

mapfile -t patterns < <("$scan" --patterns)
mapfile -t ignore < <("$scan" --ignore)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sample=("${reports[@]}")

echo "KTAP version 1"
echo "1..$(( ${#sample[@]} + ${#clean[@]} + ${#patterns[@]} + ${#ignore[@]} + 5 ))"
if [ ${#patterns[@]} -eq 0 ]; then
	echo "# console-scan.sh --patterns printed nothing"
fi

# each report alone in a clean log: caught, and printed with its line number
for l in "${sample[@]}"; do
	{ printf '%s\n' "${clean[@]:0:3}"; printf '%s\n' "$l"; } > "$tmp/log"
	out=$("$scan" "$tmp/log"); rc=$?
	[ "$rc" = 1 ] && [ "$out" = "4:$l" ]
	result $? "caught: ${l:0:100}"
	[ "$rc" = 1 ] || echo "# exit status $rc, printed: $out"
done
# each clean line alone: passes
for l in "${clean[@]}"; do
	printf '%s\n' "$l" > "$tmp/log"
	out=$("$scan" "$tmp/log"); rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ]
	result $? "clean: ${l:0:100}"
	[ "$rc" = 0 ] || echo "# exit status $rc, printed: $out"
done
# every pattern catches a report line (so that the list above covers the scanner's)
for p in "${patterns[@]}"; do
	printf '%s\n' "${sample[@]}" | grep -qE -- "$p"
	result $? "a report line for pattern: $p"
done
# every ignore entry exempts a clean line that a pattern matches
re=$(IFS='|'; echo "${patterns[*]}")
for p in "${ignore[@]}"; do
	printf '%s\n' "${clean[@]}" | grep -E -- "$re" | grep -qE -- "$p"
	result $? "a clean line a pattern matches, exempt by: $p"
done
# a whole clean log passes; the same with two reports inside gives exactly those two
printf '%s\n' "${clean[@]}" > "$tmp/log"
"$scan" "$tmp/log" > "$tmp/out"
result $? "a whole clean log is clean"
{ printf '%s\n' "${clean[@]}"; echo "${sample[3]}"; printf '%s\n' "${clean[@]}"; echo "${sample[9]}"; } > "$tmp/log"
"$scan" "$tmp/log" > "$tmp/out"; rc=$?
c=${#clean[@]}
printf '%s\n' "$((c + 1)):${sample[3]}" "$((2 * c + 2)):${sample[9]}" | cmp -s - "$tmp/out" && [ "$rc" = 1 ]
result $? "two reports among clean lines: exactly those two, with their line numbers (exit status $rc)"
# a scenario's announced reports: exempt between "vnpp: expect ERE" and "vnpp: expect end" if
# they match ERE; another report inside the block, or the same one after it, is still caught
bad_ring='[   12.345678] virtio_net virtio1: input.0:id 263 out of range'
{
	echo '[   11.000000] vnpp: expect input\.0:id [0-9]+ (out of range|is not a head!)'
	echo "$bad_ring"
	echo "${sample[3]}"
	echo '[   13.000000] vnpp: expect end'
	echo "$bad_ring"
} > "$tmp/log"
"$scan" "$tmp/log" > "$tmp/out"; rc=$?
printf '%s\n' "3:${sample[3]}" "5:$bad_ring" | cmp -s - "$tmp/out" && [ "$rc" = 1 ]
result $? "an expect block exempts only its own reports, and only inside it (exit status $rc)"
sed -i '3d;5d' "$tmp/log"
"$scan" "$tmp/log" > "$tmp/out"
result $? "a log whose only report is announced is clean"
"$scan" "$tmp/missing" 2> /dev/null; rc=$?
[ "$rc" = 2 ]
result $? "a missing log is an error: exit status 2 (got $rc)"
echo "# $((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
