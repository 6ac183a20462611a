#!/bin/bash
# Freeze/restore: virtio's system sleep callbacks on the NICs, as on suspend/resume. virtnet_freeze
# closes the NIC and deletes its virtqueues (with pp: destroys its page pools), virtnet_restore
# re-creates them (with pp: new pools, the vq premapped again with the DMA API) and reopens it.
# The workbench's test module tests/modules/vnpp_pm.c runs the two on one virtio device (a real
# suspend would also freeze the guest's 9p root, whose transport has no restore). Per variant
# (base, pp):
#  - EDGE_FREEZE_CYCLES freeze/restore cycles of both NICs, up and wired, no traffic;
#  - EDGE_FREEZE_TRAFFIC_CYCLES cycles of B while A floods it with UDP, each once B has
#    received packets since the last one; then traffic both ways. Only receive traffic: with a
#    TCP stream (B transmitting ACKs) across the cycles, the unpatched driver hit
#    BUG_ON(!(desc_extra[head].flags & VRING_DESC_F_INDIRECT)) in detach_buf_split() on B's TX
#    vq after a restore (free_old_xmit from start_xmit), once here; the TX path is not
#    changed by the series. EDGE_FREEZE_TCP=1 adds that TCP stream A->B, to reproduce it;
#  - a cycle of B while a never-reading UDP socket holds its RX pages: pp's old pool must stay
#    listed as destroyed with pages in flight, then go once the socket closes;
#  - pools (pp: one live per RX queue, none destroyed left; base: none), no pool after the
#    final unload, MemAvailable drift (guest/lib/accounting.sh). The pools restore creates are
#    the device's while it is in vnA or vnB, and go to that netns's loopback device when
#    vn_unwire moves it out: tests/broken/remove-pool-leak (no pool destroyed on remove) shows
#    that the final check still sees them (it did not while vn_unwire deleted the namespaces).
# FREEZE_VARIANTS: the variants (default EDGE_VARIANTS').
# Figures (diag): cycles, seconds, packets received, bytes held, pools and pages in flight.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

quiet=$(vn_knob EDGE_FREEZE_CYCLES 20 50)
busy=$(vn_knob EDGE_FREEZE_TRAFFIC_CYCLES 20 50)
tcp=${EDGE_FREEZE_TCP:-0}
ctl=/sys/kernel/debug/vnpp_pm/cycle
mapfile -t variants < <(vn_variants "${FREEZE_VARIANTS:-${VN_VARIANTS[*]}}")

ktap_plan
ktap_diag "cycles: $quiet freeze/restore of both NICs, $busy of B under traffic (EDGE_FULL=1: 50 each)$([ "$tcp" = 0 ] || echo ", with a TCP stream A->B (EDGE_FREEZE_TCP=1)")"
if [ ! -e $ctl ]; then
	ko=$VNPP_MODS/vnpp_pm/vnpp_pm.ko
	if ! grep -qw CONFIG_PM_SLEEP=y "$KBUILD/.config"; then
		why="the kernel has no CONFIG_PM_SLEEP (config/vnpp.config)"
	elif ! insmod "$ko"; then
		why="insmod $ko failed (scripts/modules.sh builds it)"
	fi
	if [ -n "$why" ]; then
		for v in "${variants[@]}"; do vn_give_up "$v" "freeze/restore trigger" "$why"; done
		ktap_exit
	fi
fi

cycle() { echo "$1" > $ctl; } # VIRTIODEV: freeze, then restore it

for v in "${variants[@]}"; do
	vn_load_wired "$v" || continue
	vA=${VN_VIRTIO[0]} vB=${VN_VIRTIO[1]}
	read -r a b <<< "$(vn_nics | xargs)"
	expect=$(vn_pools_expected "$v")
	ktap_diag "$v: A=$a on $vA, B=$b on $vB, rx mode $(vn_rx_mode "$b"), $expect pools expected"

	# 1. quiet cycles of both NICs
	t0=$EPOCHREALTIME rc=0
	for ((i = 0; i < quiet; i++)); do
		cycle "$vA" && cycle "$vB" || { rc=1; break; }
	done
	ktap_diag "$v: $i of $quiet freeze/restore cycles of both NICs in $(vn_secs "$t0")s"
	s=$(vn_pp wait-attached 10) || rc=1
	ktap_diag "$v: pools after the quiet cycles: ${s//$'\n'/; }"
	[ "$(vn_pp_field "$s" live)" = "$expect" ] || rc=1
	ktap_result $rc "$v: $quiet freeze/restore cycles of both NICs: $expect live pools, no destroyed one left"

	# 2. cycles of B under traffic
	rc=0 got=0 t0=$EPOCHREALTIME
	vn_neigh_B "$a"
	secs=$((busy * 15 + 60))
	vn_udp_start flood "${VN_NS[0]}" "${VN_IP4[1]}" 9 $secs 1400
	[ "$tcp" = 0 ] || vn_tcp_start tcp "${VN_NS[0]}" "${VN_NS[1]}" "${VN_IP4[1]}" 5306 $secs
	# (restore starts the counters of the new queues from 0: summed per cycle)
	pkts=0
	for ((i = 0; i < busy && rc == 0; i++)); do
		n0=$(vn_stat "${VN_NS[1]}" "$b" rx_packets) end=$((SECONDS + 20))
		while n=$(vn_stat "${VN_NS[1]}" "$b" rx_packets) && [ $((n - n0)) -lt 20 ] && [ $SECONDS -lt $end ]; do
			vn_sleep 0.2
		done
		[ $((n - n0)) -lt 20 ] || got=$((got + 1))
		pkts=$((pkts + n - n0))
		cycle "$vB" || rc=1
	done
	ktap_diag "$v: $i of $busy freeze/restore cycles of B under traffic in $(vn_secs "$t0")s: $got cycles received >= 20 packets, $pkts packets in all"
	vn_bg_stop flood tcp tcp-srv
	[ "$got" = "$busy" ] || rc=1
	ktap_result $rc "$v: $busy freeze/restore cycles of B with traffic arriving"

	r1=$(vn_iperf 16M) && r2=$(vn_iperf 16M -R)
	rc=$?
	ktap_diag "$v: after the cycles: A->B $r1; B->A $r2"
	ktap_result $rc "$v: traffic both ways after the cycles"

	# 3. a cycle of B while a socket holds its RX pages
	t0=$EPOCHREALTIME
	vn_with_pages_held "$v" "B frozen and restored" cycle "$vB"
	rc=$?
	ktap_diag "$v: freeze/restore with pages held: $(vn_secs "$t0")s"
	ktap_result $rc "$v: freeze/restore with RX pages held by a socket, old pool released when it closes"

	r1=$(vn_iperf 16M)
	rc=$?
	ktap_diag "$v: after it: A->B $r1"
	s=$(vn_pp wait-attached 5) || rc=1
	ktap_diag "$v: pools at the end: ${s//$'\n'/; }"
	[ "$(vn_pp_field "$s" live)" = "$expect" ] || rc=1
	ktap_result $rc "$v: traffic and pools at the end: $expect live, no destroyed one left"

	vn_end "$v" remove-pool-leak
done
ktap_exit
