#!/bin/bash
# AF_XDP on NIC B, for base and pp: an XSK socket bound to queue 0 of B (in netns vnB) receives
# ping -s 1000 -p PATTERN and iperf3 -u --repeating-payload traffic sent from vnA, in copy mode
# (XDP_COPY) and in zero-copy mode (XDP_ZEROCOPY); every frame's checksums, payload pattern and
# sequence are checked (tests/afxdp/xsk_rx.c, built on the host by scripts/bpf.sh with Debian's
# libxdp/libbpf, and its XDP program tests/afxdp/xsk_kern.c, which redirects only that traffic:
# ARP, TCP and small pings still reach B's stack). Then, with the sockets closed: no XDP program
# is left on B, iperf3 A->B works, and for pp the page pools of B are the same live pools as
# before, still allocating (base: B has none, before or after).
#
# Zero-copy: what is expected follows from what B advertises (netdev netlink xdp-features):
#   - no xsk-zerocopy (virtio_net in 6.12 never sets NETDEV_XDP_ACT_XSK_ZEROCOPY, base and pp
#     alike): the bind must fail cleanly with EOPNOTSUPP (xp_assign_dev refuses it before the
#     driver is asked); the zero-copy RX test is skipped with that reason.
#   - xsk-zerocopy without the DMA API (profile nodma): the bind must fail with EINVAL
#     (virtnet_xsk_pool_enable needs a DMA device).
#   - xsk-zerocopy with the DMA API: the bind must give a zero-copy socket and RX must pass. For
#     base this case is skipped unless AFXDP_BASE_ZC=1, because it oopses the guest (a 6.12
#     bug, seen with AFXDP_FORCE_ZC=1): the unpatched driver never puts the rx vq in premapped
#     mode, yet virtnet_add_recvbuf_xsk hands it sg entries that carry only a dma_address, so
#     xsk_bind -> virtnet_rq_bind_xsk_pool -> virtnet_rx_resume -> try_fill_recv ->
#     virtqueue_add_inbuf -> vring_map_one_sg calls dma_map_page_attrs with a NULL page.
# AFXDP_FORCE_ZC=1 (experiment, not for CI) makes B advertise xsk-zerocopy through a helper
# module (tests/afxdp/zc_force.c, built here against build/kbuild: minutes under TCG, or give a
# prebuilt one in AFXDP_ZC_FORCE_KO) to exercise the drivers' xsk RX code that 6.12 otherwise
# never reaches. AFXDP_VARIANTS="pp base" changes the order (base may oops the guest).
# Other knobs: AFXDP_PINGS (50), AFXDP_UDP_SECS (1), AFXDP_UDP_RATE (20M).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
D=/tmp/afxdp                          # tmpfs in the guest
O=$BUILD/bpf/afxdp                    # xsk_rx, xsk_kern.o (scripts/bpf.sh)
PAT=deadbeef                          # ping -p pattern
PINGS=${AFXDP_PINGS:-50}              # echo requests per receive run (ping -s 1000, 10 ms apart)
UDP_SECS=${AFXDP_UDP_SECS:-1}         # iperf3 -u seconds per receive run
UDP_RATE=${AFXDP_UDP_RATE:-20M}       # and its rate
read -ra variants <<< "${AFXDP_VARIANTS:-base $PATCHED}"

mkdir -p "$D"

afx_xdp_features() { # DEV (in vnB): its xdp-features, comma separated (netdev netlink)
	local ifindex
	ifindex=$(vn_in vnB cat "/sys/class/net/$1/ifindex") || return 1
	vn_pp xdp-features vnB "$ifindex"
}
afx_dma() { # DEV (in vnB): does the device use the DMA API (VIRTIO_F_ACCESS_PLATFORM, bit 33)?
	local f
	f=$(vn_in vnB cat "/sys/class/net/$1/device/features") || return 1
	[ "${f:33:1}" = 1 ]
}
afx_xdp_attached() { vn_in vnB ip -d link show dev "$1" | grep -q 'prog/xdp'; }

# AFXDP_FORCE_ZC=1: a helper module that sets NETDEV_XDP_ACT_XSK_ZEROCOPY on DEV (root netns).
afx_force_zc() { # DEV
	local m=$D/zc_force ko=${AFXDP_ZC_FORCE_KO:-$D/zc_force/zc_force.ko}
	if [ ! -f "$ko" ]; then
		mkdir -p "$m" && cp "$TOP/tests/afxdp/zc_force.c" "$m/" && echo 'obj-m := zc_force.o' > "$m/Kbuild" &&
			make -s -C "$KBUILD" M="$m" modules > "$m/build.log" 2>&1 ||
			{ vn_log "building zc_force.ko failed: $(tail -5 "$m/build.log")"; return 1; }
	fi
	insmod "$ko" ifname="$1" && rmmod zc_force
}

_afx_ready() { [ -e "$D/ready" ] || ! kill -0 "$1" 2> /dev/null; }
# DEV MODE: xsk_rx on queue 0 of DEV in MODE (zc|copy) while vnA sends PINGS echo requests and
# UDP_SECS of iperf3 -u to B. Sets AFX_RC (xsk_rx's status), AFX_BIND (its bind line), AFX_SUM
# (its summary line), AFX_BAD (its bad-frame lines), AFX_PINGS (requests sent), AFX_UDP
# (vn_iperf's line).
afx_rx() {
	local dev=$1 mode=$2 pid out tx0 rx0 tx1 rx1
	rm -f "$D/ready"
	AFX_PINGS=0 AFX_UDP='' AFX_WIRE=''
	vn_kmsg "afxdp: $(vn_variant): $mode: binding"
	tx0=$(vn_stat vnA "$AFX_A" tx_packets)
	mapfile -t rx0 < <(vn_stat vnB "$dev" rx_packets rx_dropped)
	ip netns exec vnB "$O/xsk_rx" -i "$dev" -o "$O/xsk_kern.o" -q 0 -m "$mode" -n 1000000 -t 60 \
		-P "$PAT" -r "$D/ready" > "$D/rx.out" 2>&1 &
	pid=$!
	vn_wait 30 _afx_ready "$pid"
	if [ -e "$D/ready" ]; then
		out=$(ip netns exec vnA ping -q -c "$PINGS" -i 0.01 -W 1 -s 1000 -p "$PAT" "${VN_IP4[1]}" 2>&1)
		AFX_PINGS=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<< "$out")
		AFX_UDP=$(VN_IPERF_SLACK=30 vn_iperf "$UDP_SECS" -u -b "$UDP_RATE" -l 1000 --repeating-payload 2>&1)
		sleep 0.5
		kill -INT "$pid" 2> /dev/null
	fi
	wait "$pid"
	AFX_RC=$?
	vn_kmsg "afxdp: $(vn_variant): $mode: xsk_rx exit status $AFX_RC"
	tx1=$(vn_stat vnA "$AFX_A" tx_packets)
	mapfile -t rx1 < <(vn_stat vnB "$dev" rx_packets rx_dropped)
	AFX_WIRE="A tx_packets +$((tx1 - tx0)), B rx_packets +$((rx1[0] - rx0[0])) rx_dropped +$((rx1[1] - rx0[1]))"
	AFX_BIND='' AFX_SUM='' AFX_BAD=''
	while read -r l; do
		case $l in
		"bind "*) AFX_BIND=$l ;;
		rx=*) AFX_SUM=$l ;;
		*) AFX_BAD+=${AFX_BAD:+$'\n'}$l ;;
		esac
	done < "$D/rx.out"
}
_afx_field() { [[ " $AFX_SUM " =~ \ $1=([0-9]+)\  ]] && echo "${BASH_REMATCH[1]}"; }
afx_rx_ok() { # after afx_rx: did the socket get the traffic, every frame intact? (why on stderr)
	local icmp udp bad
	icmp=$(_afx_field icmp_ok) udp=$(_afx_field udp_ok) bad=$(_afx_field bad)
	[ -n "$AFX_SUM" ] || { vn_log "no summary (xsk_rx status $AFX_RC)"; return 1; }
	[ "$bad" = 0 ] || { vn_log "$bad bad frames"; return 1; }
	[ "$AFX_RC" = 0 ] || { vn_log "xsk_rx status $AFX_RC"; return 1; }
	[ "${AFX_PINGS:-0}" -gt 0 ] && [ "$((icmp * 10))" -ge "$((AFX_PINGS * 9))" ] ||
		{ vn_log "$icmp of ${AFX_PINGS:-0} echo requests received"; return 1; }
	[ "$udp" -gt 0 ] || { vn_log "no iperf3 datagram received"; return 1; }
}
afx_diag_run() { # LABEL
	ktap_diag "$1: $AFX_BIND"
	[ -z "$AFX_SUM" ] || ktap_diag "$1: $AFX_SUM pings_sent=$AFX_PINGS"
	[ -z "$AFX_UDP" ] || ktap_diag "$1: iperf3 -u (as B's stack saw it): $AFX_UDP"
	[ -z "$AFX_SUM" ] || ktap_diag "$1: netdev counters: $AFX_WIRE"
	[ -z "$AFX_BAD" ] || while read -r l; do ktap_diag "$1: $l"; done <<< "$AFX_BAD"
}
# On vn_pp_stats lines: the pool ids; the sum of alloc-fast and alloc-slow.
afx_pool_ids() { sed -n 's/.* id=\([0-9]*\).*/\1/p' <<< "$1" | sort -n | xargs; }
afx_pool_allocs() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^alloc-(fast|slow)=/) { split($i, kv, "="); s += kv[2] } }
		END { print s + 0 }' <<< "$1"
}

T_LOAD="load and wire" T_COPY="copy mode (XDP_COPY) RX" T_ZCBIND="zero-copy bind as advertised"
T_ZCRX="zero-copy (XDP_ZEROCOPY) RX" T_AFTER="iperf3 A->B after AF_XDP"
T_POOLS="B's page pools unchanged and in use after AF_XDP" T_NOPOOLS="B has no page pool, before or after AF_XDP"
afx_tests() { # VARIANT: its tests' names, one a line
	printf '%s\n' "$T_LOAD" "$T_COPY" "$T_ZCBIND" "$T_ZCRX" "$T_AFTER"
	if vn_pools_here "$1" mergeable; then echo "$T_POOLS"; else echo "$T_NOPOOLS"; fi
}
afx_skip() { # VARIANT FIRST REASON: skip the variant's tests from number FIRST (1-based) on
	local t
	while read -r t; do ktap_skip "$1: $t" "$3"; done < <(afx_tests "$1" | tail -n +"$2")
}

ktap_plan
if err=$(vn_bpf_fresh afxdp afxdp 2>&1); then
	ktap_ok "the AF_XDP receiver and its XDP program (scripts/bpf.sh)"
	built=1
else
	ktap_diag "$err"
	ktap_fail "the AF_XDP receiver and its XDP program (scripts/bpf.sh)"
	built=0
fi
for v in "${variants[@]}"; do
	if [ $built = 0 ]; then
		afx_skip "$v" 1 "no AF_XDP receiver (scripts/bpf.sh)"
		continue
	fi
	t0=$SECONDS
	if ! { vn_load "$v" && vn_wire; }; then
		ktap_fail "$v: $T_LOAD"
		afx_skip "$v" 2 "no connectivity"
		continue
	fi
	ktap_ok "$v: $T_LOAD"
	mapfile -t nics < <(vn_nics)
	AFX_A=${nics[0]} b=${nics[1]}
	if [ "${AFXDP_FORCE_ZC:-0}" = 1 ]; then # B must be in the root netns for the module
		vn_unwire
		afx_force_zc "$b" || ktap_diag "$v: AFXDP_FORCE_ZC: could not set xsk-zerocopy on $b"
		vn_wire || ktap_diag "$v: re-wiring after AFXDP_FORCE_ZC failed"
	fi
	feats=$(afx_xdp_features "$b" 2>&1) || feats="? ($feats)"
	if afx_dma "$b"; then dma=1; else dma=0; fi
	ktap_diag "$v: B=$b rx mode $(vn_rx_mode "$b"), DMA API $([ $dma = 1 ] && echo on || echo off), xdp-features: $feats"
	pp0=$(vn_pp_stats "$b")

	# Copy mode: every variant, every profile.
	afx_rx "$b" copy
	afx_diag_run "$v: copy"
	[[ $AFX_BIND == *" ok zerocopy=0 "* ]] && afx_rx_ok
	ktap_result $? "$v: $T_COPY"

	# Zero-copy.
	if [[ ,$feats, != *,xsk-zerocopy,* ]]; then
		afx_rx "$b" zc
		afx_diag_run "$v: zero-copy"
		[[ $AFX_BIND == *" failed err=-95 "* ]] && [ "$AFX_RC" = 2 ]
		ktap_result $? "$v: $T_ZCBIND"
		ktap_skip "$v: $T_ZCRX" \
			"B does not advertise xsk-zerocopy (6.12 virtio_net never sets NETDEV_XDP_ACT_XSK_ZEROCOPY): the bind fails with EOPNOTSUPP before the driver's xsk code"
	elif [ $dma = 0 ]; then
		afx_rx "$b" zc
		afx_diag_run "$v: zero-copy"
		[[ $AFX_BIND == *" failed err=-22 "* ]] && [ "$AFX_RC" = 2 ]
		ktap_result $? "$v: $T_ZCBIND"
		ktap_skip "$v: $T_ZCRX" "no DMA API (nodma): virtnet_xsk_pool_enable needs a DMA device, EINVAL"
	elif [ "$v" = base ] && [ "${AFXDP_BASE_ZC:-0}" != 1 ]; then
		r="base 6.12 oopses: the rx vq is never premapped, so virtnet_add_recvbuf_xsk's dma-address-only sg entries reach dma_map_page_attrs with a NULL page (set AFXDP_BASE_ZC=1 to run it)"
		ktap_skip "$v: $T_ZCBIND" "$r"
		ktap_skip "$v: $T_ZCRX" "$r"
	else
		vn_kmsg "afxdp: $v: zero-copy RX"
		afx_rx "$b" zc
		afx_diag_run "$v: zero-copy"
		[[ $AFX_BIND == *" ok zerocopy=1 "* ]]
		ktap_result $? "$v: $T_ZCBIND"
		[[ $AFX_BIND == *" ok zerocopy=1 "* ]] && afx_rx_ok
		ktap_result $? "$v: $T_ZCRX"
	fi

	# Afterwards: no program left, the stack gets traffic again, the pools are the same.
	rc=0
	! afx_xdp_attached "$b" || { ktap_diag "$v: an XDP program is still attached to B"; rc=1; }
	r=$(vn_iperf 2) || rc=1
	ktap_diag "$v: iperf3 2s A->B after the sockets closed: $r"
	bps=$(sed -n 's/.*bps=\([0-9]*\).*/\1/p' <<< "$r")
	[ "${bps:-0}" -gt 0 ] || rc=1
	ktap_result $rc "$v: $T_AFTER"
	if vn_pools_here "$v" mergeable; then
		pp1=$(vn_pp_stats "$b")
		while read -r l; do ktap_diag "$v: pool: $l"; done <<< "$pp1"
		pools0=$(afx_pool_ids "$pp0") pools1=$(afx_pool_ids "$pp1")
		allocs0=$(afx_pool_allocs "$pp0") allocs1=$(afx_pool_allocs "$pp1")
		ktap_diag "$v: B's pools before: [$pools0] after: [$pools1]; allocations before $allocs0, after $allocs1"
		rc=0
		[ -n "$pools1" ] && [ "$pools0" = "$pools1" ] || rc=1
		! grep -q detach-time <<< "$pp1" || rc=1
		[ "$allocs1" -gt "$allocs0" ] || rc=1
		ktap_result $rc "$v: $T_POOLS"
	else
		pp1=$(vn_pp_stats "$b")
		ktap_diag "$v: B's pools before: [${pp0//$'\n'/; }] after: [${pp1//$'\n'/; }]"
		[ -z "$pp0$pp1" ]
		ktap_result $? "$v: $T_NOPOOLS"
	fi
	ktap_diag "$v: $((SECONDS - t0))s"
done
vn_unload
ktap_result $? "unload after AF_XDP"
ktap_exit
