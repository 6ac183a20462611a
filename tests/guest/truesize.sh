#!/bin/bash
# Socket memory accounting must see what a receive buffer really pins: the pool may hand out
# more than a buffer asked for, and the skb's truesize must say what it took, or a slow reader
# pins more than its socket is charged for. A UDP socket on B that never reads; A floods it
# until its receive buffer (64 MiB: large beside what the pool keeps for reuse) holds 4 MiB or
# the flood ends; then the pages the pools hold beyond the ring (in flight now, less in flight
# before the flood) are compared with the socket's charge: for a variant with pools it must be
# at least 95% of them. Two buffer layouts, each where the pool hands out more than asked:
#  - small mode with XDP_PASS attached, 1400-byte datagrams: a buffer (XDP headroom, 1518
#    bytes, skb_shared_info) is larger than half a page, so the pool hands out a whole page
#    (v1 of the series charged the half asked for: 59%; v3 106%);
#  - mergeable mode, 200-byte datagrams: buffers of 1536 bytes, two to a page, the second
#    taking the page's tail too (2560 bytes): each skb is built on its buffer, and charging
#    what was asked is 87.5% of the page, what was taken 112.5%
#    (tests/broken/mrg-truesize-asked must fail it: known bug truesize-mergeable).
# A variant without pools in a mode (6.12's base: page_frag, where the size asked is the size
# taken) only shows its charge (diag).
# Knobs: TRUESIZE_VARIANTS (EDGE_VARIANTS, or comma separated).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
page=$(getconf PAGESIZE)
mapfile -t variants < <(vn_variants "${TRUESIZE_VARIANTS:-${VN_VARIANTS[*]}}")

charged() { # VARIANT MODE SIZE: fill the sink with SIZE-byte datagrams; compare (above)
	local v=$1 m=$2 before q q0 end held
	vn_udp_sink_start sink "${VN_NS[1]}" "$VN_SINKPORT" $((64 << 20))
	before=$(vn_pp_field "$(vn_pp summary)" inflight)
	vn_fill_sink "$3" > /dev/null
	# datagrams still queued in QEMU's tap and the guest's backlog arrive after the flood
	# stops: both figures are read once the socket's queue stands still
	q=$(vn_udp_queued "${VN_NS[1]}" "$VN_SINKPORT") q0=-1 end=$((SECONDS + 30))
	while [ "$q" != "$q0" ] && [ $SECONDS -lt $end ]; do
		vn_sleep 1
		q0=$q q=$(vn_udp_queued "${VN_NS[1]}" "$VN_SINKPORT")
	done
	held=$(( $(vn_pp_field "$(vn_pp summary)" inflight) - before ))
	vn_pp list | sed 's/^/# after: /'
	ktap_diag "$v: $m, $3-byte datagrams: the socket is charged $q bytes; the pools hold $held pages more than before the flood ($((held * page)) bytes: charged $((held > 0 ? q * 100 / (held * page) : 0))%)"
	if ! vn_pools_here "$v"; then
		ktap_result "$([ "$q" -gt 0 ]; echo $?)" "$v: $m: the socket holds datagrams (no pools: charged per page_frag fragment)"
	else
		ktap_known "$([ "$held" -gt 0 ] && [ $((q * 100)) -ge $((held * page * 95)) ]; echo $?)" \
			"$v: $m: the socket is charged at least 95% of the pages it pins" "truesize-${m%% *}" "$v"
	fi
	vn_bg_stop sink
}

ktap_plan
vn_xdp_hold || { ktap_fail "XDP programs loaded"; ktap_exit; }
for v in "${variants[@]}"; do
	vn_load_wired "$v" || continue
	vn_set_rx_mode small
	rc=$?
	ktap_result $rc "$v: small mode"
	if [ $rc = 0 ]; then
		b=$(vn_nics | tail -1)
		vn_xdp_attach "${VN_NS[1]}" "$b" pass
		ktap_result $? "$v: XDP_PASS attached to B"
		charged "$v" "small with XDP_PASS" 1400
		vn_xdp_detach "${VN_NS[1]}" "$b"
	fi
	vn_set_rx_mode mergeable
	rc=$?
	ktap_result $rc "$v: mergeable mode"
	[ $rc != 0 ] || charged "$v" mergeable 200
	vn_end "$v"
done
ktap_exit
