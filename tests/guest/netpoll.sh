#!/bin/bash
# Budget 0: netpoll (netconsole) calls a driver's NAPI poll with a budget of 0 and interrupts
# off, and a driver must then not touch its page pool (Documentation/networking/napi.rst): no
# receive, no refill. tests/modules/vnpp_netpoll.ko drives that path on NIC B COUNT times while
# A floods B with UDP; kprobes on virtnet_poll (entry, with its budget, and return) and on
# virtqueue_add_inbuf_ctx and virtqueue_add_inbuf_premapped (the refill posting a buffer; the
# latter where the pool maps, 7.3) show whether a budget-0 poll refilled.
# A variant with page pools in this RX mode (vn_has_pools: pp; 7.3's base in mergeable and
# small mode) must not: its refill takes pages from the pool. 6.12's base refills from the page
# allocator, which is allowed, so its count is a diag line, not a result. On the debug kernel
# lockdep and DEBUG_ATOMIC_SLEEP watch the same calls (any report fails the boot).
# Then the transmit half: with an XDP_TX program on B, B's transmit ring holds XDP frames from
# its page pools while netpoll polls, and a budget-0 poll must leave them to NAPI: vnpp_netpoll
# counts page pool releases (page_pool_put_unrefed_*) made inside its polls. A driver that
# releases there (tests/known-bugs.txt budget0-xdp-tx) can hang the guest: the pool's
# spin_unlock_bh() with interrupts off runs softirqs inside netpoll's virtnet_poll_tx(), whose
# XDP_TX spins on the transmit queue's lock that poll holds (an RCU stall on 7.3's base, seen in
# 1 of 3 runs). So this half runs only on variants without that bug, unless NETPOLL_XDP=all; on
# 6.12's base, which has no pools, it must pass. Last, per variant: the final unload leaves no
# page pool and MemAvailable comes back (vn_end): pages netpoll's polls kept are not lost.
# Knobs: NETPOLL_COUNT (2000) budget-0 polls per variant; NETPOLL_XDP (1: the transmit half
# where it cannot hang, all: everywhere, 0: nowhere); NETPOLL_VARIANTS ("pp base"; on 7.3 "next
# base").
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
count=${NETPOLL_COUNT:-2000}
mapfile -t variants < <(vn_variants "${NETPOLL_VARIANTS:-$PATCHED base}")  # any build/mods/<name>
ko=$VNPP_MODS/vnpp_netpoll/vnpp_netpoll.ko
tr=/sys/kernel/tracing

probes_on() {
	{
		echo 'p:vnpp/poll virtio_net:virtnet_poll budget=%si:s32'
		echo 'r:vnpp/pollret virtio_net:virtnet_poll'
		echo 'p:vnpp/add virtqueue_add_inbuf_ctx'
		! grep -qw virtqueue_add_inbuf_premapped /proc/kallsyms ||
			echo 'p:vnpp/addpm virtqueue_add_inbuf_premapped'
	} >> $tr/kprobe_events && echo > $tr/trace && echo 1 > $tr/events/vnpp/enable
}
probes_off() {
	echo 0 > $tr/events/vnpp/enable 2>/dev/null
	local e
	for e in poll pollret add addpm; do echo "-:vnpp/$e" >> $tr/kprobe_events; done 2>/dev/null
	true
}
fail_variant() { # VARIANT REASON: the variant's tests all fail
	local t
	for t in "budget-0 polls reached" "no refill at budget 0" "traffic after"; do ktap_fail "$1: $t"; done
	ktap_diag "$1: $2"
}
# "polls=N adds=N": budget-0 polls in the trace, and buffers posted inside one (per CPU, an add
# between a poll with budget 0 and the next return of virtnet_poll)
budget0_adds() {
	awk '{
		for (i = 1; i <= NF; i++) if ($i ~ /^\[[0-9]+\]$/) cpu = $i
		for (i = 1; i <= NF; i++) if ($i ~ /^(poll|pollret|add|addpm):$/) ev = $i
		if (ev == "poll:") { in0[cpu] = / budget=0$/; polls += in0[cpu] }
		else if (ev == "pollret:") in0[cpu] = 0
		else if (ev ~ /^add/ && in0[cpu]) adds++
	} END { printf "polls=%d adds=%d\n", polls, adds }' $tr/trace
}

ktap_plan
if ! insmod "$ko"; then
	for v in "${variants[@]}"; do fail_variant "$v" "insmod $ko failed"; done
	ktap_exit
fi

# COUNT budget-0 polls of NIC B under a UDP flood from A to PORT; prints "rc=N polls=N adds=N alloc=N
# put=N": the write's status, the polls and refill posts seen by the kprobes, and the page pool
# allocations and releases made inside the polls (vnpp_netpoll's own count)
polls_under_flood() { # B PORT
	local b=$1 flood rc r
	ip netns exec "${VN_NS[0]}" timeout 120 socat -u -b 1400 OPEN:/dev/zero "UDP-SENDTO:${VN_IP4[1]}:$2" 2> /dev/null &
	flood=$!
	sleep 1
	probes_on || ktap_diag "kprobes could not be set"
	nsenter --net="/run/netns/${VN_NS[1]}" sh -c "echo '$b $count' > /sys/kernel/debug/vnpp_netpoll/poll"
	rc=$?
	echo 0 > $tr/events/vnpp/enable
	r=$(budget0_adds)
	probes_off
	kill "$flood" 2> /dev/null
	wait "$flood" 2> /dev/null
	echo "rc=$rc $r $(cat /sys/kernel/debug/vnpp_netpoll/pp_calls)"
}
field() { vn_pp_field "$1" "$2"; }  # "K=V ..." K

for v in "${variants[@]}"; do
	vn_begin "$v"
	if ! vn_load "$v" || ! vn_wire; then
		fail_variant "$v" "driver did not load or no connectivity"
		continue
	fi
	b=$(vn_nics | tail -1)
	r=$(polls_under_flood "$b" 9)
	ktap_diag "$v: $count netpoll polls of $b under a UDP flood: $r"
	vn_pair_diag "$v: since load"
	polls=$(field "$r" polls) adds=$(field "$r" adds)
	ktap_result "$([ "$(field "$r" rc)" = 0 ] && [ "$polls" -gt 0 ]; echo $?)" "$v: budget-0 polls reached"
	if vn_has_pools "$v" "$(vn_rx_mode "$b")"; then
		ktap_known "$([ "$polls" -gt 0 ] && [ "$adds" = 0 ]; echo $?)" "$v: no refill at budget 0" \
			budget0-refill "$v"
	else
		ktap_diag "$v: $adds buffers posted at budget 0 (no page pool in this mode: the page allocator may)"
	fi
	# XDP_TX on B bounces the flood back to A: B's transmit ring holds XDP frames from its
	# page pools (in this shared-queue set-up, on the stack's queue) while netpoll polls
	xdp=${NETPOLL_XDP:-1} why="NETPOLL_XDP=0"
	if [ "$xdp" = 1 ] && [ -n "$(vn_known_bug "$v" budget0-xdp-tx)" ]; then
		xdp=0 why="NETPOLL_XDP=1: not run where it can deadlock the guest (known bug budget0-xdp-tx; NETPOLL_XDP=all runs it)"
	fi
	if [ "$xdp" = 0 ]; then
		ktap_skip "$v: no page pool release at budget 0, XDP_TX frames in flight" "$why"
	elif ! vn_xdp_hold || ! err=$(vn_xdp_attach "${VN_NS[1]}" "$b" tx 2>&1); then
		ktap_fail "$v: no page pool release at budget 0, XDP_TX frames in flight"
		ktap_diag "$v: XDP_TX program not attached: ${err//$'\n'/ }"
	else
		r=$(polls_under_flood "$b" "$VN_XDP_PORT")
		vn_xdp_detach "${VN_NS[1]}" "$b"
		ktap_diag "$v: the same with XDP_TX on $b: $r"
		ktap_known "$([ "$(field "$r" polls)" -gt 0 ] && [ "$(field "$r" put)" = 0 ]; echo $?)" \
			"$v: no page pool release at budget 0, XDP_TX frames in flight" budget0-xdp-tx "$v"
	fi
	vn_pair_diag "$v: since load, before iperf3"  # a failed iperf3 adds them after (vn_stall_diag)
	r=$(vn_iperf 2)
	rc=$?
	ktap_diag "$v: iperf3 2s A->B after the polls: $r"
	ktap_result $rc "$v: traffic after"
	vn_end "$v"  # the pools drained and the module unloaded after the polls
done
rmmod vnpp_netpoll
ktap_exit
