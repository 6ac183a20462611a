#!/bin/bash
# Smoke: each virtio_net variant loads, wires up (ping A->B over v4 and v6) and moves
# iperf3 traffic A->B for SMOKE_SECS (2) seconds; the throughput is a diag line, and neither NIC
# may count a receive error or drop over it. Then the
# page pools: one per RX queue of each NIC where the variant has them (vn_has_pools: 6.12's pp
# in every RX mode, its base none; 7.3's base in mergeable and small mode), and none is destroyed.
# Knobs: SMOKE_SECS, SMOKE_VARIANTS ("base $PATCHED": pp on 6.12, next on 7.3; comma separated).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
secs=${SMOKE_SECS:-2}
mapfile -t variants < <(vn_variants "${SMOKE_VARIANTS:-base $PATCHED}")

# A: B: the receive errors and drops of both NICs (length, CRC, frame and FIFO errors are
# counted in rx_errors too; virtio_net counts a buffer it could not use in rx_dropped), one line.
# QEMU's device reports none on a wire of its own, so any rise is the driver's; TCP would
# retransmit over a dropped packet and iperf3 still pass.
wire_errors() {
	echo "A: $(vn_stat "${VN_NS[0]}" "$1" rx_errors rx_length_errors rx_dropped | xargs)" \
		"B: $(vn_stat "${VN_NS[1]}" "$2" rx_errors rx_length_errors rx_dropped | xargs)"
}

ktap_plan
for v in "${variants[@]}"; do
	if ! vn_load "$v"; then
		ktap_fail "$v: load"
		ktap_skip "$v: wire and ping" "driver did not load"
		ktap_skip "$v: iperf3 A->B" "driver did not load"
		ktap_skip "$v: a well-behaved wire: no receive error or drop on A or B" "driver did not load"
		ktap_skip "$v: page pools" "driver did not load"
		continue
	fi
	ktap_ok "$v: load"
	nics=$(vn_nics | xargs)
	ktap_diag "$v: NICs $nics, rx mode $(vn_rx_mode "${nics%% *}")"
	if ! vn_wire; then
		ktap_fail "$v: wire and ping"
		ktap_skip "$v: iperf3 A->B" "no connectivity"
		ktap_skip "$v: a well-behaved wire: no receive error or drop on A or B" "no connectivity"
		ktap_skip "$v: page pools" "no connectivity"
		continue
	fi
	ktap_ok "$v: wire and ping"
	a=${nics%% *} b=${nics##* }
	mapfile -t rx0 < <(vn_stat "${VN_NS[1]}" "$b" rx_bytes rx_packets)
	bad0=$(wire_errors "$a" "$b")
	r=$(vn_iperf "$secs")
	rc=$?
	mapfile -t rx1 < <(vn_stat "${VN_NS[1]}" "$b" rx_bytes rx_packets)
	bad1=$(wire_errors "$a" "$b")
	ktap_diag "$v: iperf3 ${secs}s A->B: $r"
	ktap_diag "$v: B received $(( (rx1[0] - rx0[0]) / (rx1[1] - rx0[1] + 1) )) bytes per packet (GSO)"
	bps=$(sed -n 's/.*bps=\([0-9]*\).*/\1/p' <<< "$r")
	[ "${bps:-0}" -gt 0 ] || rc=1
	ktap_result $rc "$v: iperf3 A->B"
	ktap_diag "$v: errors and drops before: $bad0; after: $bad1"
	[ "$bad0" = "$bad1" ]
	ktap_result $? "$v: a well-behaved wire: no receive error or drop on A or B"
	s=$(vn_pp summary)
	want=$(vn_pools_expected "$v")
	ktap_diag "$v: page pools: $s ($want live expected)"
	[ "$(vn_pp_field "$s" live)" = "$want" ] && [ "$(vn_pp_field "$s" detached)" = 0 ]
	ktap_result $? "$v: page pools: one per RX queue where the variant has them"
done
vn_unload
ktap_result $? "unload"
ktap_exit
