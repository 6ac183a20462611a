#!/bin/bash
# Rebind: driver probe/remove over and over, with and without traffic, and with RX pages still
# held by a socket when the driver goes away; for each variant (base, pp):
#  - EDGE_REBIND_CYCLES unbind/bind cycles of both NICs through the virtio bus sysfs, no traffic;
#  - EDGE_REBIND_TRAFFIC_CYCLES unbind/bind cycles of B while A floods it (UDP, static
#    neighbour) and an iperf3 TCP stream A->B keeps (re)connecting: B is configured in the root
#    netns after every bind and unbound once it has received packets; the pools of the
#    unbound Bs must all be gone within 10 s of the traffic stopping;
#  - unbind of B, then rmmod, while a UDP socket that never reads holds RX pages: with pp the
#    destroyed pool must stay listed (detach-time, pages in flight), then go within 10 s of the
#    socket closing (page_pool retries the release every second); base must show no pool;
#  - EDGE_RMMOD_CYCLES rmmod/insmod cycles;
#  - afterwards: iperf3 both ways, pools (pp: one per RX queue of each NIC, none destroyed
#    left; base: none), no pool after the final unload, MemAvailable drift (guest/lib/accounting.sh).
# Figures (diag): cycles, seconds, packets received, bytes held, pools and pages in flight.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

quiet=$(vn_knob EDGE_REBIND_CYCLES 50 50)
busy=$(vn_knob EDGE_REBIND_TRAFFIC_CYCLES 50 50)
mods=$(vn_knob EDGE_RMMOD_CYCLES 50 50)
tcpport=5301

ktap_plan
ktap_diag "cycles: $quiet quiet unbind/bind, $busy unbind/bind of B under traffic, $mods rmmod/insmod (EDGE_FULL=$EDGE_FULL)"

for v in "${VN_VARIANTS[@]}"; do
	vn_begin "$v"
	if ! vn_load "$v" || ! vn_virtio_map; then
		vn_give_up "$v" "load" "driver did not load"
		continue
	fi
	ktap_ok "$v: load"
	vA=${VN_VIRTIO[0]} vB=${VN_VIRTIO[1]}
	expect=$(vn_pools_expected "$v")
	ktap_diag "$v: NICs on $vA (A) and $vB (B), rx mode $(vn_rx_mode "$(vn_netdev_root "$vA")"), $expect pools expected"

	# 1. quiet unbind/bind cycles of both NICs
	t0=$EPOCHREALTIME rc=0
	for ((i = 0; i < quiet; i++)); do
		vn_unbind "$vA" && vn_unbind "$vB" && vn_bind "$vA" && vn_bind "$vB" || { rc=1; break; }
	done
	ktap_diag "$v: $i of $quiet unbind/bind cycles of both NICs in $(vn_secs "$t0")s"
	ktap_result $rc "$v: $quiet unbind/bind cycles of both NICs"

	s=$(vn_pp wait-attached 5)
	rc=$?
	live=$(vn_pp_field "$s" live)
	ktap_diag "$v: after the quiet cycles: ${s//$'\n'/; }"
	[ "$live" = "$expect" ] || rc=1
	ktap_result $rc "$v: pools after the quiet cycles: $expect live, no destroyed one left"

	# 2. unbind/bind cycles of B under traffic from A (A in vnA, B in the root netns)
	rc=0 got=0 pkts=0 t0=$EPOCHREALTIME
	if vn_wire; then
		devA=$(vn_nics | head -1)
		vn_neigh_B "$devA"
		vn_unbind "$vB" && vn_bind "$vB" && vn_B_root_up "$(vn_netdev_root "$vB")" || rc=1
		vn_udp_start flood "${VN_NS[0]}" "${VN_IP4[1]}" 9 $((busy * 15 + 60)) 1400
		vn_tcp_start tcp "${VN_NS[0]}" "" "${VN_IP4[1]}" $tcpport $((busy * 15 + 60))
		t1=$EPOCHREALTIME
		for ((i = 0; i < busy && rc == 0; i++)); do
			dev=$(vn_netdev_root "$vB") || { rc=1; break; }
			[ $i = 0 ] || vn_B_root_up "$dev" || { rc=1; break; }
			if n=$(vn_wait_rx "$dev" 20 20); then got=$((got + 1)); fi
			pkts=$((pkts + n))
			vn_unbind "$vB" && vn_bind "$vB" || rc=1
		done
		ktap_diag "$v: $i of $busy unbind/bind cycles of B under traffic in $(vn_secs "$t1")s: $got cycles received >= 20 packets, $pkts packets in all"
		vn_bg_stop flood tcp tcp-srv
		[ "$got" = "$busy" ] || rc=1
		# B leaves the root netns next. Its TCP sockets, orphaned by the kill in FIN_WAIT1
		# with an RTO backed off by the cycles, would keep what their out-of-order queue
		# holds (pool pages) for minutes: end them, then check none is left.
		left=$(vn_tcp_end "" $tcpport 10) || ktap_diag "$v: TCP sockets still open on B: ${left//$'\n'/; }"
		vn_B_to_vnB "$vB" || rc=1
		# pages still in flight from the cycles show here (the pools of the unbound Bs)
		s=$(vn_pp wait-attached 10) || rc=1
		ktap_diag "$v: after the cycles under traffic: ${s//$'\n'/; }"
	else
		rc=1
	fi
	ktap_diag "$v: unbind/bind under traffic, with the wiring: $(vn_secs "$t0")s"
	ktap_result $rc "$v: $busy unbind/bind cycles of B with traffic arriving"

	# 3. unbind B while a socket holds its RX pages
	t0=$EPOCHREALTIME
	vn_with_pages_held "$v" "B unbound" vn_unbind "$vB"
	rc=$?
	if [ ! -e "/sys/bus/virtio/drivers/virtio_net/$vB" ]; then
		vn_bind "$vB" && vn_B_to_vnB "$vB" || { ktap_diag "$v: B not back in ${VN_NS[1]}"; rc=1; }
	fi
	ktap_diag "$v: unbind with pages held: $(vn_secs "$t0")s"
	ktap_result $rc "$v: unbind with RX pages held by a socket, pool released when it closes"

	# 4. rmmod while a socket holds RX pages
	t0=$EPOCHREALTIME
	vn_with_pages_held "$v" "module removed" rmmod virtio_net
	rc=$?
	ktap_diag "$v: rmmod with pages held: $(vn_secs "$t0")s"
	ktap_result $rc "$v: rmmod with RX pages held by a socket, pool released when it closes"

	# 5. rmmod/insmod cycles (the NICs come back in the root netns; vnA and vnB are empty)
	ko=$VNPP_MODS/$v/virtio_net.ko rc=0 t0=$EPOCHREALTIME
	[ ! -d /sys/module/virtio_net ] || rmmod virtio_net || rc=1
	for ((i = 0; i < mods && rc == 0; i++)); do
		insmod "$ko" && vn_wait 10 vn_netdev_root "$vA" > /dev/null &&
			vn_wait 10 vn_netdev_root "$vB" > /dev/null && rmmod virtio_net || rc=1
	done
	ktap_diag "$v: $i of $mods rmmod/insmod cycles in $(vn_secs "$t0")s"
	vn_load "$v" || rc=1
	ktap_result $rc "$v: $mods rmmod/insmod cycles"

	# 6. traffic afterwards, both ways
	rc=1 t0=$EPOCHREALTIME
	if vn_wire; then
		r1=$(vn_iperf 16M) && r2=$(vn_iperf 16M -R) && rc=0
		ktap_diag "$v: after the cycles: A->B $r1; B->A $r2 ($(vn_secs "$t0")s with the wiring)"
	fi
	ktap_result $rc "$v: traffic both ways after the cycles"

	s=$(vn_pp wait-attached 5)
	rc=$?
	ktap_diag "$v: pools at the end: ${s//$'\n'/; }"
	[ "$(vn_pp_field "$s" live)" = "$expect" ] || rc=1
	ktap_result $rc "$v: pools at the end: $expect live, no destroyed one left"

	vn_end "$v"
done
ktap_exit
