#!/bin/bash
# A ring resize on a device that is down, with the refill failing: refill_work must not be
# scheduled. It would wait forever in napi_disable() on the NAPI that virtnet_close() disabled,
# and nothing cancels it before remove frees the device. B in mergeable mode: its ring cut to 64
# entries, then 2000 datagrams of 1400 bytes to a socket on B that never reads (it keeps their
# pages, so that the pool, with pp, has fewer pages left than the full ring needs), B down,
# `ethtool -G B rx MAX` in a task whose every page allocation made from virtio_net's code fails
# (fail_page_alloc, task-filter, require-start/end), except the new vring's (reject-start/end:
# virtqueue_resize()), so that the grown ring has to be refilled; then the faults stop and B goes
# up (which also lets a waiting refill_work go: virtnet_open() enables the NAPI it waits for).
# Allocations must have failed, and refill_work (kprobe) must not have run while B was down;
# then B must carry traffic.
# Unpatched 6.12 (base) schedules it (tests/known-bugs.txt: refill-down).
# Knobs: REFILLDOWN_VARIANTS ("$PATCHED base", or comma separated).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
mapfile -t variants < <(vn_variants "${REFILLDOWN_VARIANTS:-$PATCHED base}")
nsA=${VN_NS[0]} nsB=${VN_NS[1]}
sinkport=9998

ktap_plan
for v in "${variants[@]}"; do
	what="$v: ring resize while B is down, its refill failing: no refill_work"
	vn_load_wired "$v" || continue
	b=$(vn_nics | tail -1)
	max=$(vn_ethtool_value "$b" -g RX)
	if [ "$(vn_rx_mode "$b")" != mergeable ]; then
		ktap_skip "$what" "B is not in mergeable mode (big buffers keep their pages across a resize: nothing to fail)"
	elif ! vn_has_refill_work; then
		ktap_skip "$what" "this driver has no refill_work (7.3: the NAPI poll retries a failed refill)"
	elif ! vn_kprobe_add refill virtio_net:refill_work; then
		ktap_diag "$v: no kprobe on refill_work"
		ktap_fail "$what"
	else
		vn_in "$nsB" ethtool -G "$b" rx 64
		vn_udp_sink_start sink "$nsB" $sinkport $((64 << 20))
		sent=$(vn_dgram_send "$nsA" "${VN_IP4[1]}" $sinkport 2000 1400)
		vn_sleep 1
		ip -n "$nsB" link set dev "$b" down
		vn_kprobe_hits refill; h0=$VN_HITS
		vn_fault_set "$VN_FPA" 100 N Y
		vn_fault_within "$VN_FPA" virtio_net virtqueue_resize || ktap_diag "$v: no stack filter: every allocation of ethtool fails"
		vn_failing vn_in "$nsB" ethtool -G "$b" rx "$max"
		rs=$?
		vn_sleep 2
		vn_kprobe_hits refill; h1=$VN_HITS
		n=$(vn_fault_off "$VN_FPA")
		ip -n "$nsB" link set dev "$b" up
		vn_sleep 1
		vn_bg_stop sink
		ktap_diag "$v: $sent datagrams held by B's socket; ethtool -G $b rx $max while down: status $rs, $n allocations failed, refill_work ran $((h1 - h0)) times"
		ktap_known "$([ "$n" -gt 0 ] && [ $((h1 - h0)) = 0 ]; echo $?)" "$what" refill-down "$v"
		vn_kprobe_del refill
	fi
	rc=1
	if vn_in "$nsB" ethtool -G "$b" rx "$max" && r=$(vn_iperf 4M); then
		ktap_diag "$v: ring at $max: $r"
		rc=0
	fi
	ktap_result $rc "$v: B carries traffic after the resize"
	vn_end "$v"
done
ktap_exit
