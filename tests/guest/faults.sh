#!/bin/bash
# Faults: RX buffer refill failures while traffic flows, and what the driver does with them.
# A UDP socket on B that never reads (SO_RCVBUFFORCE 64 MiB) keeps the RX pages it is given,
# so that the refill has to go to the page allocator (with pp: the pool's cache and ring run
# dry) while A floods it (and, where said, an iperf3 TCP stream A->B runs). Once the faults
# stop, a transfer A->B must work on the same B (RX recovered on the netdev that saw them; not
# in phase 4, whose unbind comes while they last). Each phase ends with B unbound: the pool it
# had must be gone within 10 s of the socket closing (pp; nothing leaked on the error paths),
# then B is bound again and a transfer A->B must work. Per variant (base, pp):
#  - fail_page_alloc (Documentation/fault-injection/fault-injection.rst) on atomic allocations
#    only (ignore-gfp-wait=Y: the NAPI refill uses GFP_ATOMIC, the delayed refill_work
#    GFP_KERNEL), min-order=0 (the default, 1, never fails a single page), probability
#    EDGE_FAULT_PCT %, for EDGE_FAULT_SECS s, verbose=0 (a fault report has a stack trace,
#    which the console scan would flag), flood and TCP stream. The faults injected are counted
#    from `times` (it counts down with every failure) and the failed RX refills with a probe
#    (refill_probe below: refill_work's runs, or on 7.3 try_fill_recv() returning false): both
#    must be > 0, so the faults did reach the RX refill (with pp a bulk refill of the pool is one
#    page allocator call: alloc_pages_bulk fails as a whole);
#  - failslab the same way (skb heads: napi_build_skb's bulk allocation fails, the driver's error
#    paths give the page back): faults > 0, rx_drops moves;
#  - in both, rx_alloc_fail (ethtool -S: rx-alloc-fail) moves where the variant counts it
#    (vn_counts_alloc_fail: no unpatched driver does)
#    (tests/broken/skb-alloc-fail-uncounted, skb failures not counted, must fail the second);
#  - memory pressure: a process holds all but EDGE_FAULT_MARGIN_MB of MemAvailable while a
#    transfer A->B runs: it must complete;
#  - close, open and unbind with the refill work pending: B's NAPI made threaded (it then
#    allocates in task context) and every allocation of its NAPI thread and of the kworkers
#    failing (task-filter=Y, /proc/PID/make-it-fail, ignore-gfp-wait=N), under the flood alone
#    (no TCP stream: its pages would go back to the pool and keep it fed): refill_work keeps
#    failing and re-arming itself (7.3: the NAPI poll keeps retrying); B goes down and up, then
#    is unbound, and the faults stop. The probe must have counted at least two failed refills
#    before the close and two after it (each within 20 s), and the down/up must succeed;
#  - then: no pool after the final unload, MemAvailable drift; the console must stay clean
#    (scripts/console-scan.sh).
# Figures (diag): faults injected, failed refills, rx drops, bytes held, MemAvailable.
# Knobs: FAULTS_VARIANTS (EDGE_VARIANTS, or comma separated), EDGE_FAULT_* below.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

secs=$(vn_knob EDGE_FAULT_SECS 6 30)
pct=$(vn_knob EDGE_FAULT_PCT 10 10)
margin=$(vn_knob EDGE_FAULT_MARGIN_MB 128 96)
xfer=$(vn_knob EDGE_FAULT_XFER 8M 64M)
export VN_IPERF_TIMEOUT=60
sinkport=9998
nsA=${VN_NS[0]} nsB=${VN_NS[1]}

ktap_plan
ktap_diag "faults: $pct% for ${secs}s, memory pressure leaving ${margin} MiB, transfers of $xfer (EDGE_FAULT_SECS, EDGE_FAULT_PCT, EDGE_FAULT_MARGIN_MB, EDGE_FAULT_XFER; EDGE_FULL=1: 30 s, 64M)"

traffic_start() { # SECS [tcp]: the sink, the flood (and a TCP stream)
	vn_udp_sink_start sink "$nsB" $sinkport $((64 << 20)) &&
		vn_udp_start flood "$nsA" "${VN_IP4[1]}" $sinkport "$1" 1400 || return 1
	[ "$2" != tcp ] || vn_tcp_start tcp "$nsA" "$nsB" "${VN_IP4[1]}" 5305 "$1"
}
traffic_stop() { vn_bg_stop flood tcp tcp-srv sink; }
xfer_ok() { # WHAT
	local r rc
	r=$(vn_iperf "$xfer")
	rc=$?
	ktap_diag "$v: transfer A->B $1: ${r:-failed}"
	return $rc
}
# The probe "refill" on failed RX refills: where the driver has refill_work (6.12), its runs (a
# refill that failed in NAPI schedules it, and it re-arms itself while its own refill fails);
# 7.3 has none (a failed refill makes the NAPI poll return its whole budget, to be polled again):
# try_fill_recv() returning false. Sets REFILL (what it counts).
refill_probe() {
	if vn_has_refill_work; then
		REFILL="refill_work ran"
		vn_kprobe_add refill virtio_net:refill_work
	else
		REFILL="try_fill_recv failed"
		vn_retprobe_add refill virtio_net:try_fill_recv 'ret == 0'
	fi
}
# Until the probe has counted N more than VN_HITS says, at most SECS s; sets VN_HITS, status 0
# if it did
wait_refill() { # N SECS
	local want=$((VN_HITS + $1)) end=$((SECONDS + $2))
	while vn_kprobe_hits refill && [ "$VN_HITS" -lt $want ] && [ $SECONDS -lt $end ]; do vn_sleep 0.25; done
	[ "$VN_HITS" -ge $want ]
}
# End of a phase: B unbound (if it is not yet), the socket closed, every destroyed pool gone
# within 10 s, B bound again and in vnB, a transfer A->B. Status 0 if all of that holds.
phase_end() { # PHASE
	local s rc=0 out
	[ ! -e "/sys/bus/virtio/drivers/virtio_net/$vB" ] || vn_unbind "$vB" || rc=1
	out=$(vn_pp list | xargs)
	traffic_stop
	s=$(vn_pp wait-attached 10) || rc=1
	ktap_diag "$v: $1: B unbound with the socket holding pages: ${out:-no pool}; socket closed: ${s//$'\n'/; }"
	[ $rc = 0 ] || vn_socket_diag "$v: $1"
	vn_bind "$vB" && vn_B_to_vnB "$vB" || { ktap_diag "$v: $1: B did not come back"; return 1; }
	b=$VN_BDEV
	xfer_ok "after $1 (B rebound)" || rc=1
	return $rc
}
# Faults of DIR at pct% on atomic allocations for secs under the flood and a TCP stream.
inject_phase() { # DIR NAME
	local dir=$1 name=$2 h0 h1 d0 d1 f0 f1 n q rc=0
	traffic_start $((secs + 30)) tcp || return 1
	vn_sleep 2
	vn_kprobe_hits refill; h0=$VN_HITS
	read -r d0 f0 <<< "$(vn_ethtool_stats "$nsB" "$b" rx_drops rx_alloc_fail | xargs)"
	vn_fault_set "$dir" "$pct" Y
	vn_sleep "$secs"
	n=$(vn_fault_off "$dir")
	vn_kprobe_hits refill; h1=$VN_HITS
	read -r d1 f1 <<< "$(vn_ethtool_stats "$nsB" "$b" rx_drops rx_alloc_fail | xargs)"
	q=$(vn_udp_queued "$nsB" $sinkport)
	ktap_diag "$v: $name at $pct% for ${secs}s: $n faults injected, $REFILL $((h1 - h0)) times, B rx_drops +$((d1 - d0)), rx_alloc_fail +$((f1 - f0)), the socket held $q bytes"
	[ "$n" -gt 0 ] || { ktap_diag "$v: $name: no fault was injected"; rc=1; }
	[ "$dir" != "$VN_FPA" ] || [ $((h1 - h0)) -gt 0 ] || { ktap_diag "$v: $name: the RX refill never failed ($REFILL 0 times)"; rc=1; }
	[ "$dir" != "$VN_FSL" ] || [ $((d1 - d0)) -gt 0 ] || { ktap_diag "$v: $name: no RX drop"; rc=1; }
	# buffers (fail_page_alloc) and skbs (failslab) that could not be allocated: rx-alloc-fail
	# (the unpatched driver has no such counter)
	! vn_counts_alloc_fail "$v" || [ $((f1 - f0)) -gt 0 ] || { ktap_diag "$v: $name: rx_alloc_fail did not move"; rc=1; }
	# RX must work again on this very netdev (its rings refilled), before any unbind: the
	# flood and the stream stop, the socket keeps its pages
	vn_bg_stop flood tcp tcp-srv
	xfer_ok "after $name stopped, B not rebound ($b)" || rc=1
	phase_end "$name" || rc=1
	return $rc
}

mapfile -t variants < <(vn_variants "${FAULTS_VARIANTS:-${VN_VARIANTS[*]}}")
for v in "${variants[@]}"; do
	vn_begin "$v"
	if ! vn_load "$v" || ! vn_virtio_map || ! vn_wire || ! refill_probe; then
		vn_give_up "$v" "load, wire, probe on failed refills" "driver did not load, no connectivity or no probe"
		continue
	fi
	ktap_ok "$v: load, wire, probe on failed refills ($REFILL)"
	read -r a b <<< "$(vn_nics | xargs)"
	vB=${VN_VIRTIO[1]}
	ktap_diag "$v: A=$a B=$b ($vB), rx mode $(vn_rx_mode "$b")"
	vn_neigh_B "$a"

	# 1., 2. page and slab allocation failures
	inject_phase "$VN_FPA" fail_page_alloc
	ktap_result $? "$v: fail_page_alloc (atomic, $pct%) under traffic: refill failed, nothing leaked, RX recovered"
	inject_phase "$VN_FSL" failslab
	ktap_known $? "$v: failslab (atomic, $pct%) under traffic: drops, nothing leaked, RX recovered" \
		skb-alloc-fail "$v"

	# 3. memory pressure
	rc=1
	m0=$(vn_memavail_kb)
	hog=$((m0 / 1024 - margin))
	vn_bg_start hog "$VN_PY" "$TOP/guest/py/hog.py" "$hog"
	if vn_wait 120 grep -q ready "$VN_DIR/hog.log"; then
		m1=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
		xfer_ok "with ${hog} MiB held by a process (MemAvailable now ${m1} MiB)" && rc=0
	else
		ktap_diag "$v: the memory hog did not get its ${hog} MiB: $(tail -1 "$VN_DIR/hog.log")"
	fi
	vn_bg_stop hog
	ktap_result $rc "$v: memory pressure (all but $margin MiB held): a transfer completes"

	# 4. close, open and unbind with the refill work pending
	rc=1
	if traffic_start 60 && ip netns exec "$nsB" bash -c "echo 1 > /sys/class/net/$b/threaded"; then
		vn_sleep 2
		napis=$(grep -l "^napi/$b-" /proc/[0-9]*/comm | cut -d/ -f3 | xargs)
		kworkers=$(grep -l '^kworker/' /proc/[0-9]*/comm | cut -d/ -f3 | xargs)
		for p in $napis $kworkers; do echo 1 > "/proc/$p/make-it-fail"; done 2> /dev/null
		vn_kprobe_hits refill; h0=$VN_HITS
		vn_fault_set "$VN_FPA" 100 N Y  # all allocations of those threads only
		# with pp the pool first serves what it holds, and the pages of dropped
		# packets come back to it: the refill may take a while to fail
		t1=$SECONDS
		wait_refill 2 20
		h1=$VN_HITS t1=$((SECONDS - t1))
		du=0
		ip -n "$nsB" link set dev "$b" down && vn_sleep 0.5 && ip -n "$nsB" link set dev "$b" up ||
			{ du=1; ktap_diag "$v: down/up of B failed"; }
		t2=$SECONDS
		wait_refill 2 20
		h2=$VN_HITS t2=$((SECONDS - t2))
		vn_unbind "$vB"
		ub=$?
		n=$(vn_fault_off "$VN_FPA")
		for p in $napis $kworkers; do echo 0 > "/proc/$p/make-it-fail"; done 2> /dev/null
		vn_kprobe_hits refill; h3=$VN_HITS
		ktap_diag "$v: allocations failing in B's NAPI thread ($napis) and the $(wc -w <<< "$kworkers") kworkers: $REFILL $((h1 - h0)) times in ${t1} s, $((h2 - h1)) in ${t2} s after down/up, $((h3 - h2)) more by the unbind (status $ub); $n faults injected"
		[ $ub = 0 ] && [ $du = 0 ] && [ $((h1 - h0)) -ge 2 ] && [ $((h2 - h1)) -ge 2 ] && rc=0
		phase_end "the unbind with the refill failing" || rc=1
	fi
	vn_fault_off "$VN_FPA" > /dev/null
	traffic_stop
	ktap_result $rc "$v: close, open and unbind with the refill failing and retried: nothing leaked, RX recovered"

	s=$(vn_pp wait-attached 10)
	rc=$?
	ktap_diag "$v: pools at the end: ${s//$'\n'/; }"
	[ "$(vn_pp_field "$s" live)" = "$(vn_pools_expected "$v")" ] || rc=1
	ktap_result $rc "$v: pools at the end: one per RX queue (pp) or none (base), none destroyed left"

	vn_kprobe_del refill
	vn_end "$v"
done
ktap_exit
