#!/bin/bash
# ethtool: configuration changes of the receiving NIC (B) while an iperf3 TCP stream A->B keeps
# (re)connecting in the background; after each change a transfer A->B (EDGE_ETHTOOL_XFER,
# iperf3 -n) must complete. Per variant (base, pp):
#  - feature toggles with ethtool -K: gro off/on, rx-gro-hw off/on (the guest offloads, through
#    the control queue; skipped where the device does not offer them: small mode);
#  - RX ring resize with ethtool -G: down to 64, to 128, back to the maximum (skipped if the
#    device does not offer VIRTIO_F_RING_RESET; a failure where it does fails);
#  - channel count with ethtool -L combined 1, then back to the maximum (mq=N profiles; skipped
#    where the device does not offer VIRTIO_NET_F_MQ);
#  - MTU of both NICs 1500 -> 9000 -> 1500 -> 576 -> 1500 (in small mode a 9000-byte frame
#    does not fit a receive buffer: at 9000 only a 1000-byte ping is checked there);
#  - then: the pools (pp: the same ones as before the changes, one per RX queue of each NIC, none
#    destroyed left; base: none), no pool after the final unload, MemAvailable drift.
# Figures (diag): what was changed, transfer throughput after each change, pool ids.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

xfer=$(vn_knob EDGE_ETHTOOL_XFER 8M 64M)
export VN_IPERF_TIMEOUT=60
F_CTRL_GUEST_OFFLOADS=2 F_MQ=22 F_RING_RESET=40  # feature bits a change needs
ktap_plan
ktap_diag "a transfer of $xfer A->B after each change (EDGE_ETHTOOL_XFER; EDGE_FULL=1: 64M)"

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

for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	read -r a b <<< "$(vn_nics | xargs)"
	vB=${VN_VIRTIO[1]}
	mode=$(vn_rx_mode "$b")
	ktap_diag "$v: A=$a B=$b, rx mode $mode"
	ids0=$(vn_pp_ids)
	vn_tcp_start tcp "${VN_NS[0]}" "${VN_NS[1]}" "${VN_IP4[1]}" 5303 900

	# features
	rc=0 done_=()
	for f in generic-receive-offload rx-gro-hw; do
		cur=$(feature "$b" $f)
		case $cur in
		*fixed*|"")
			ktap_diag "$v: $f is '${cur:-absent}' on B: not toggled"
			# rx-gro-hw can be toggled wherever the device offers CTRL_GUEST_OFFLOADS
			if [ $f = rx-gro-hw ] && vn_device_has "$vB" $F_CTRL_GUEST_OFFLOADS; then
				rc=1
				ktap_diag "$v: ... although the device offers VIRTIO_NET_F_CTRL_GUEST_OFFLOADS"
			fi
			continue ;;
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
	if [ ${#done_[@]} = 0 ] && [ $rc = 0 ]; then
		ktap_skip "$v: feature toggles under traffic" "no toggleable RX feature on B"
	else
		ktap_result $rc "$v: feature toggles under traffic (${done_[*]})"
	fi

	# RX ring size
	max=$(etB -g "$b" | awk '/^RX:/ { print $2; exit }')
	if ! etB -G "$b" rx 64 2> "$VN_DIR/ring.err"; then
		if ! vn_device_has "$vB" $F_RING_RESET; then
			ktap_skip "$v: RX ring resize under traffic" "ethtool -G: $(head -1 "$VN_DIR/ring.err") (the device does not offer VIRTIO_F_RING_RESET)"
		else
			ktap_diag "$v: ethtool -G $b rx 64: $(head -1 "$VN_DIR/ring.err") (the device offers VIRTIO_F_RING_RESET)"
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
	if [ "${maxq:-1}" -lt 2 ] && vn_device_has "$vB" $F_MQ; then
		ktap_diag "$v: B has $maxq queue pair, although the device offers VIRTIO_NET_F_MQ"
		ktap_fail "$v: channel count under traffic"
	elif [ "${maxq:-1}" -lt 2 ]; then
		ktap_skip "$v: channel count under traffic" "B has $maxq queue pair, the device does not offer VIRTIO_NET_F_MQ (profile mq=N)"
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
	vn_bg_stop tcp tcp-srv

	ids1=$(vn_pp_ids)
	s=$(vn_pp wait-attached 5)
	rc=$?
	ktap_diag "$v: live pool ids before the changes: [${ids0}], after: [${ids1}]; ${s//$'\n'/; }"
	if vn_pools_here "$v"; then
		[ -n "$ids0" ] && [ "$ids0" = "$ids1" ] || rc=1
		[ "$(vn_pp_field "$s" live)" = "$(vn_pools_expected "$v")" ] || rc=1
	else
		[ -z "$ids0$ids1" ] || rc=1
	fi
	ktap_result $rc "$v: the same pools before and after the changes, none destroyed left"

	vn_end "$v"
done
ktap_exit
