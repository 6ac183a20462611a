#!/bin/bash
# Does the emulator lose virtio notifications? UDP floods A->B of FLOODPING_SECS (3) seconds,
# one ping A->B after each, FLOODPING_COUNT (100) times; the first flood after which two pings
# go unanswered fails the test, with the pair's counters and neighbour tables (vn_stall_diag).
# QEMU 7.2 in one host thread drops the guest's memory barriers and stalls A's send queue this
# way within 1-62 floods (README: "QEMU 10, not Debian 12's 7.2"):
#   VNPP_QEMU=system-single scripts/vm.sh -- guest/run.sh tests/guest/floodping.sh
# Not in make check's boots: a check of the emulator, not of the driver.
# Knobs: FLOODPING_VARIANT ($PATCHED), FLOODPING_COUNT, FLOODPING_SECS.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
v=${FLOODPING_VARIANT:-$PATCHED} n=${FLOODPING_COUNT:-100} secs=${FLOODPING_SECS:-3}
t="$v: $n UDP floods A->B, a ping answered after each"

ktap_plan
if ! vn_load "$v" || ! vn_wire; then
	ktap_fail "$t"
	ktap_diag "$v: driver did not load or no connectivity"
	ktap_exit
fi
for i in $(seq "$n"); do
	ip netns exec "${VN_NS[0]}" timeout "$secs" socat -u -b 1400 OPEN:/dev/zero "UDP-SENDTO:${VN_IP4[1]}:9" 2> /dev/null
	if ! vn_ping "${VN_IP4[1]}" && ! vn_ping "${VN_IP4[1]}"; then
		ktap_diag "$v: no answer after flood $i"
		vn_stall_diag 2>&1
		ktap_fail "$t"
		ktap_exit
	fi
	[ $((i % 10)) != 0 ] || vn_progress "floodping: $i floods"
done
ktap_result 0 "$t"
vn_unload
ktap_exit
