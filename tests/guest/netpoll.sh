#!/bin/bash
# Budget 0: netpoll (netconsole) calls a driver's NAPI poll with a budget of 0 and interrupts
# off, and a driver must then not touch its page pool (Documentation/networking/napi.rst): no
# receive, no refill. tests/modules/vnpp_netpoll.ko drives that path on NIC B COUNT times while
# A floods B with UDP; kprobes on virtnet_poll (entry, with its budget, and return) and on
# virtqueue_add_inbuf_ctx (the refill posting a buffer) show whether a budget-0 poll refilled.
# A variant with page pools in this RX mode (vn_has_pools: pp; 7.3's base in mergeable and
# small mode) must not: its refill takes pages from the pool. 6.12's base refills from the page
# allocator, which is allowed, so its count is a diag line, not a result. On the debug kernel
# lockdep and DEBUG_ATOMIC_SLEEP watch the same calls (any report fails the boot).
# Knobs: NETPOLL_COUNT (2000) budget-0 polls per variant; NETPOLL_VARIANTS ("pp base"; on 7.3
# "next base").
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
count=${NETPOLL_COUNT:-2000}
read -ra variants <<< "${NETPOLL_VARIANTS:-$PATCHED base}"  # any build/mods/<name>
ko=$VNPP_MODS/vnpp_netpoll/vnpp_netpoll.ko
tr=/sys/kernel/tracing

probes_on() {
	{
		echo 'p:vnpp/poll virtio_net:virtnet_poll budget=%si:s32'
		echo 'r:vnpp/pollret virtio_net:virtnet_poll'
		echo 'p:vnpp/add virtqueue_add_inbuf_ctx'
	} >> $tr/kprobe_events && echo > $tr/trace && echo 1 > $tr/events/vnpp/enable
}
probes_off() {
	echo 0 > $tr/events/vnpp/enable 2>/dev/null
	local e
	for e in poll pollret add; do echo "-:vnpp/$e" >> $tr/kprobe_events; done 2>/dev/null
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
		for (i = 1; i <= NF; i++) if ($i ~ /^(poll|pollret|add):$/) ev = $i
		if (ev == "poll:") { in0[cpu] = / budget=0$/; polls += in0[cpu] }
		else if (ev == "pollret:") in0[cpu] = 0
		else if (ev == "add:" && in0[cpu]) adds++
	} END { printf "polls=%d adds=%d\n", polls, adds }' $tr/trace
}

ktap_plan
if ! insmod "$ko"; then
	for v in "${variants[@]}"; do fail_variant "$v" "insmod $ko failed"; done
	ktap_exit
fi

for v in "${variants[@]}"; do
	if ! vn_load "$v" || ! vn_wire; then
		fail_variant "$v" "driver did not load or no connectivity"
		continue
	fi
	b=$(vn_nics | tail -1)
	ip netns exec "${VN_NS[0]}" timeout 120 socat -u -b 1400 OPEN:/dev/zero "UDP-SENDTO:${VN_IP4[1]}:9" 2> /dev/null &
	flood=$!
	sleep 1
	probes_on || ktap_diag "$v: kprobes could not be set"
	nsenter --net="/run/netns/${VN_NS[1]}" sh -c "echo '$b $count' > /sys/kernel/debug/vnpp_netpoll/poll"
	rc=$?
	echo 0 > $tr/events/vnpp/enable
	r=$(budget0_adds)
	probes_off
	kill "$flood" 2> /dev/null
	wait "$flood" 2> /dev/null
	ktap_diag "$v: $count netpoll polls of $b under a UDP flood (write status $rc): $r"
	polls=${r#polls=} polls=${polls%% *} adds=${r##*adds=}
	ktap_result "$([ "$rc" = 0 ] && [ "$polls" -gt 0 ]; echo $?)" "$v: budget-0 polls reached"
	if vn_has_pools "$v" "$(vn_rx_mode "$b")"; then
		ktap_result "$([ "$polls" -gt 0 ] && [ "$adds" = 0 ]; echo $?)" "$v: no refill at budget 0"
	else
		ktap_diag "$v: $adds buffers posted at budget 0 (no page pool in this mode: the page allocator may)"
	fi
	r=$(vn_iperf 2)
	rc=$?
	ktap_diag "$v: iperf3 2s A->B after the polls: $r"
	ktap_result $rc "$v: traffic after"
done
vn_unload
rmmod vnpp_netpoll
ktap_exit
