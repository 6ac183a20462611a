# shellcheck shell=bash
# The wire: NIC A in netns vnA (192.0.2.1, 2001:db8:1::1), NIC B in vnB (.2, ::2); and B alone,
# for cycles that unbind it (a fresh netdev in the root netns each time).
_vn_lower_up() { ip -n "$1" -o link show dev "$2" | grep -q LOWER_UP; }
vn_wire() {
	local nics i dev ns
	read -ra nics <<< "$(vn_nics | xargs)"
	[ ${#nics[@]} = 2 ] || { vn_log "expected 2 NICs, found: ${nics[*]}"; return 1; }
	for i in 0 1; do
		dev=${nics[i]} ns=${VN_NS[i]}
		[ -e "/run/netns/$ns" ] || ip netns add "$ns" || return 1
		[ "$(vn_ns "$dev")" = "$ns" ] || ip link set dev "$dev" netns "$ns" || return 1
		ip -n "$ns" -batch - <<-EOF || return 1
			link set lo up
			addr flush dev $dev
			addr add ${VN_IP4[i]}/24 dev $dev
			addr add ${VN_IP6[i]}/64 dev $dev nodad
			link set $dev up
		EOF
	done
	for i in 0 1; do
		vn_wait 10 _vn_lower_up "${VN_NS[i]}" "${nics[i]}" || { vn_log "no carrier on ${nics[i]}"; return 1; }
	done
	vn_wait 20 vn_ping "${VN_IP4[1]}" || { vn_log "no IPv4 ping A->B"; return 1; }
	vn_wait 20 vn_ping "${VN_IP6[1]}" || { vn_log "no IPv6 ping A->B"; return 1; }
}
vn_unwire() { # move the NICs back to the root netns. vnA and vnB stay for the whole boot: the
	# page pools of a device that leaves a netns are listed under that netns's loopback device,
	# and deleting the netns drops them from netlink (page_pool_unreg_netdev_wipe()), leaked
	# pages and all, out of sight of vn_pp and so of vn_end's final check.
	local ns dev
	for ns in "${VN_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		for dev in $(_vn_list | awk -v ns="$ns" '$1 == ns { print $3 }'); do
			ip -n "$ns" link set dev "$dev" netns 1
		done
	done
}
vn_wired() { [ "$(vn_ns "$(vn_nics | head -1)")" = "${VN_NS[0]}" ]; } # A is in vnA
vn_ping() { # DST: one ICMP echo from vnA to DST (an address of B); ping(8) if installed, else
	# a raw-socket stand-in
	if command -v ping > /dev/null; then
		ip netns exec "${VN_NS[0]}" ping -q -c 1 -W 2 "$1" > /dev/null
	else
		ip netns exec "${VN_NS[0]}" "$VN_PY" "$TOP/guest/py/ping.py" "$1"
	fi
}

# A static neighbour entry on A (DEV) for B's address, so that A keeps sending to B's MAC while B
# is unbound or down (no ARP needed).
vn_neigh_B() { ip -n "${VN_NS[0]}" neigh replace "${VN_IP4[1]}" lladdr "${VN_MAC[1]}" dev "$1" nud permanent; }
vn_B_root_up() { # DEV: B's address on DEV in the root netns, up (one exec)
	ip -batch - <<-EOF
		addr add ${VN_IP4[1]}/24 dev $1
		link set dev $1 up
	EOF
}
vn_B_to_vnB() { # VIRTIODEV: B's fresh netdev (root netns, after a bind) into vnB, addresses,
	# up (two execs instead of vn_wire's dozen; A stays in vnA); its name in VN_BDEV
	local dev
	dev=$(vn_netdev_root "$1") || { vn_log "$1: no netdev in the root netns"; return 1; }
	# renamed: its kernel name may be A's (A is in vnA), and vn_unwire brings both back
	ip link set dev "$dev" netns "${VN_NS[1]}" name vnb || return 1
	dev=vnb
	ip -n "${VN_NS[1]}" -batch - <<-EOF || return 1
		addr add ${VN_IP4[1]}/24 dev $dev
		addr add ${VN_IP6[1]}/64 dev $dev nodad
		link set dev $dev up
	EOF
	vn_wait 10 _vn_lower_up "${VN_NS[1]}" "$dev" || { vn_log "no carrier on $dev"; return 1; }
	# shellcheck disable=SC2034  # (for the caller)
	VN_BDEV=$dev
}
vn_wait_rx() { # DEV MIN SECS: wait (root netns) until DEV received MIN packets; prints the count
	local n end=$((SECONDS + $3))
	while :; do
		read -r n < "/sys/class/net/$1/statistics/rx_packets" || return 1
		[ "$n" -lt "$2" ] || { echo "$n"; return 0; }
		[ $SECONDS -lt $end ] || { echo "$n"; return 1; }
		vn_sleep 0.1
	done
}
