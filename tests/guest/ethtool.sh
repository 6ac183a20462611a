#!/bin/bash
# ethtool: configuration changes of the receiving NIC (B) while an iperf3 TCP stream A->B keeps
# (re)connecting in the background; after each change a transfer A->B (EDGE_ETHTOOL_XFER,
# iperf3 -n) must complete. Per variant (base, pp):
#  - feature toggles with ethtool -K: gro off/on, rx-gro-hw off/on (the guest offloads, through
#    the control queue; skipped where the device does not offer them: small mode);
#  - RX ring resize with ethtool -G: down to 64, to 128, back to the maximum (skipped if the
#    device cannot reset a queue);
#  - channel count with ethtool -L combined 1, then back to the maximum (mq=N profiles; skipped
#    with one queue pair);
#  - MTU of both NICs 1500 -> 9000 -> 1500 -> 576 -> 1500 (in small mode a 9000-byte frame
#    does not fit a receive buffer: at 9000 only a 1000-byte ping is checked there);
#  - then: the pools (pp: the same ones as before the changes, one per RX queue of each NIC, none
#    destroyed left; base: none), no pool after the final unload, MemAvailable drift.
# Figures (diag): what was changed, transfer throughput after each change, pool ids.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
. "$TOP/guest/edge.sh"

xfer=$(edge_knob EDGE_ETHTOOL_XFER 8M 64M)
export VN_IPERF_TIMEOUT=60
per=$((6 + EDGE_END_TESTS))

ktap_plan $((per * ${#EDGE_VARIANTS[@]}))
ktap_diag "a transfer of $xfer A->B after each change (EDGE_ETHTOOL_XFER; EDGE_FULL=1: 64M)"

pool_ids() { edge_pp list | awk '!/detached=/ { for (i = 1; i <= NF; i++) if ($i ~ /^id=/) print substr($i, 4) }' | sort -n | xargs; }
etB() { vn_in "${VN_NS[1]}" ethtool "$@"; }
feature() { # DEV FEATURE: on|off, with " [fixed]" if it cannot be changed (B's netns)
	etB -k "$1" | sed -n "s/^$2: //p"
}
xfer_ok() { # WHAT: a transfer A->B after a change; diag and status
	local r rc
	r=$(vn_iperf "$xfer")
	rc=$?
	ktap_diag "$v: after $1: ${r:-transfer failed}"
	return $rc
}

for v in "${EDGE_VARIANTS[@]}"; do
	edge_load_wired "$v" "$per" || continue
	read -r a b <<< "$(vn_nics | xargs)"
	mode=$(vn_rx_mode "$b")
	ktap_diag "$v: A=$a B=$b, rx mode $mode"
	ids0=$(pool_ids)
	edge_tcp_start tcp "${VN_NS[0]}" "${VN_NS[1]}" "${VN_IP4[1]}" 5303 900

	# features
	rc=0 done_=()
	for f in generic-receive-offload rx-gro-hw; do
		cur=$(feature "$b" $f)
		case $cur in
		*fixed*|"") ktap_diag "$v: $f is '${cur:-absent}' on B: not toggled"; continue ;;
		esac
		for st in off on; do
			short=$f
			[ $f != generic-receive-offload ] || short=gro
			etB -K "$b" $short $st || { rc=1; ktap_diag "$v: ethtool -K $b $short $st failed"; }
			now=$(feature "$b" $f)
			[ "${now%% *}" = $st ] || { rc=1; ktap_diag "$v: $f reads '$now' after setting $st"; }
			xfer_ok "$short $st" || rc=1
			done_+=("$short $st")
		done
	done
	if [ ${#done_[@]} = 0 ]; then
		ktap_skip "$v: feature toggles under traffic" "no toggleable RX feature on B"
	else
		ktap_result $rc "$v: feature toggles under traffic (${done_[*]})"
	fi

	# RX ring size
	max=$(etB -g "$b" | awk '/^RX:/ { print $2; exit }')
	if ! etB -G "$b" rx 64 2> "$EDGE_DIR/ring.err"; then
		if grep -qi "not supported" "$EDGE_DIR/ring.err"; then
			ktap_skip "$v: RX ring resize under traffic" "ethtool -G: $(head -1 "$EDGE_DIR/ring.err") (no VIRTIO_F_RING_RESET)"
		else
			ktap_diag "$v: ethtool -G $b rx 64: $(head -1 "$EDGE_DIR/ring.err")"
			ktap_fail "$v: RX ring resize under traffic"
		fi
	else
		rc=0 sizes=()
		for n in 64 128 "$max"; do
			[ "$n" = 64 ] || etB -G "$b" rx "$n" || { rc=1; ktap_diag "$v: ethtool -G $b rx $n failed"; }
			cur=$(etB -g "$b" | awk '/^RX:/ { n++; if (n == 2) print $2 }')
			[ "$cur" = "$n" ] || { rc=1; ktap_diag "$v: RX ring is $cur after setting $n"; }
			xfer_ok "rx ring $n" || rc=1
			sizes+=("$n")
		done
		ktap_result $rc "$v: RX ring resize under traffic (${sizes[*]}, max $max)"
	fi

	# channels
	maxq=$(etB -l "$b" | awk '/^Combined:/ { print $2; exit }')
	if [ "${maxq:-1}" -lt 2 ]; then
		ktap_skip "$v: channel count under traffic" "B has $maxq queue pair (profile mq=N)"
	else
		rc=0
		for n in 1 "$maxq"; do
			etB -L "$b" combined "$n" || { rc=1; ktap_diag "$v: ethtool -L $b combined $n failed"; }
			cur=$(etB -l "$b" | awk '/^Combined:/ { n++; if (n == 2) print $2 }')
			[ "$cur" = "$n" ] || { rc=1; ktap_diag "$v: $cur channels after setting $n"; }
			xfer_ok "combined $n" || rc=1
		done
		ktap_result $rc "$v: channel count under traffic (combined 1, $maxq)"
	fi

	# MTU of both NICs
	rc=0
	for m in 9000 1500 576 1500; do
		ip -n "${VN_NS[0]}" link set dev "$a" mtu $m && ip -n "${VN_NS[1]}" link set dev "$b" mtu $m ||
			{ rc=1; ktap_diag "$v: setting MTU $m failed"; continue; }
		if [ $m -gt 1500 ] && [ "$mode" = small ]; then
			ip netns exec "${VN_NS[0]}" ping -q -c 3 -i 0.2 -W 2 -s 1000 "${VN_IP4[1]}" > /dev/null ||
				{ rc=1; ktap_diag "$v: no 1000-byte ping at MTU $m"; }
			ktap_diag "$v: MTU $m in small mode: 1000-byte ping only (a 9000-byte frame does not fit a small buffer)"
		else
			xfer_ok "MTU $m" || rc=1
		fi
	done
	ktap_result $rc "$v: MTU 9000, 1500, 576, 1500 on both NICs"
	edge_bg_stop tcp tcp-srv

	ids1=$(pool_ids)
	s=$(edge_pp wait-attached 5)
	rc=$?
	ktap_diag "$v: live pool ids before the changes: [${ids0}], after: [${ids1}]; ${s//$'\n'/; }"
	if [ "$v" = pp ]; then
		[ -n "$ids0" ] && [ "$ids0" = "$ids1" ] || rc=1
		[ "$(edge_pp_field "$s" live)" = "$(edge_pools_expected "$v")" ] || rc=1
	else
		[ -z "$ids0$ids1" ] || rc=1
	fi
	ktap_result $rc "$v: the same pools before and after the changes, none destroyed left"

	edge_end "$v"
done
ktap_exit
