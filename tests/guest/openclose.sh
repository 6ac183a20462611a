#!/bin/bash
# Open/close: EDGE_OPENCLOSE_CYCLES rapid `ip link set down` / `up` of the receiving NIC (B)
# while an iperf3 TCP stream A->B keeps (re)connecting and A floods B with UDP through a static
# neighbour entry, so that frames keep arriving while B is closed (the ring keeps its buffers
# across close: the device fills them and NAPI picks them up at the next open). Per variant
# (base, pp): every down/up succeeds, B has carrier and a transfer works afterwards, the page
# pools are the same ones before and after (pp: created at probe, kept across close; base: none),
# no pool after the final unload, MemAvailable drift (guest/lib/accounting.sh).
# Figures (diag): cycles, seconds, packets B received during the cycles, throughput after.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

cycles=$(vn_knob EDGE_OPENCLOSE_CYCLES 50 100)
ktap_plan
ktap_diag "$cycles down/up cycles (EDGE_OPENCLOSE_CYCLES; EDGE_FULL=1: 100)"

for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	read -r a b <<< "$(vn_nics | xargs)"
	ktap_diag "$v: A=$a B=$b, rx mode $(vn_rx_mode "$b")"
	ids0=$(vn_pp_ids)

	# down/up of B through one `ip -batch` fed line by line (no exec per command)
	vn_neigh_B "$a"
	vn_udp_start flood "${VN_NS[0]}" "${VN_IP4[1]}" 9 $((cycles * 2 + 60)) 1400
	vn_tcp_start tcp "${VN_NS[0]}" "${VN_NS[1]}" "${VN_IP4[1]}" 5302 $((cycles * 2 + 60))
	vn_sleep 2
	rx0=$(vn_stat "${VN_NS[1]}" "$b" rx_packets)
	t0=$EPOCHREALTIME
	trap '' PIPE  # a write to the coprocess once ip stopped (on an error) must fail, not kill us
	coproc IPB { ip -n "${VN_NS[1]}" -batch - > "$VN_DIR/ipbatch.log" 2>&1; }
	for ((i = 0; i < cycles; i++)); do
		echo "link set dev $b down" >&"${IPB[1]}" || break
		vn_sleep 0.1
		echo "link set dev $b up" >&"${IPB[1]}" || break
		vn_sleep 0.1
	done
	ipb=$IPB_PID fd=${IPB[1]}
	exec {fd}>&-
	wait "$ipb"
	rc=$?
	trap - PIPE
	secs=$(vn_secs "$t0")
	vn_wait 10 _vn_lower_up "${VN_NS[1]}" "$b" || { rc=1; echo "no carrier on $b after the cycles"; }
	rx1=$(vn_stat "${VN_NS[1]}" "$b" rx_packets)
	vn_bg_stop flood tcp tcp-srv
	[ ! -s "$VN_DIR/ipbatch.log" ] || sed 's/^/ip -batch: /' "$VN_DIR/ipbatch.log"
	ktap_diag "$v: $i of $cycles down/up cycles of B in ${secs}s; B received $((rx1 - rx0)) packets meanwhile"
	[ "$i" = "$cycles" ] || rc=1
	ktap_result $rc "$v: $cycles down/up cycles of B under traffic"

	r=$(vn_iperf 16M)
	rc=$?
	ktap_diag "$v: after the cycles A->B: $r"
	ktap_result $rc "$v: transfer A->B after the cycles"

	ids1=$(vn_pp_ids)
	ktap_diag "$v: live pool ids before the cycles: [${ids0}], after: [${ids1}]"
	rc=0
	if vn_pools_here "$v"; then
		[ -n "$ids0" ] && [ "$ids0" = "$ids1" ] || rc=1
	else
		[ -z "$ids0$ids1" ] || rc=1
	fi
	s=$(vn_pp wait-attached 5) || rc=1
	ktap_diag "$v: pools after the cycles: ${s//$'\n'/; }"
	ktap_result $rc "$v: the same pools before and after the cycles, none destroyed left"

	vn_end "$v"
done
ktap_exit
