# shellcheck shell=bash
# Finding the NICs: which netns a netdev is in, the virtio devices behind them, bind/unbind,
# counters. Process creation is slow under TCG (~0.1-0.2 s an exec): lookups use bash builtins
# where they can, and the counter readers take the netns instead of looking it up.
vn_in() { # NS CMD...: run CMD in netns NS ("" = the root netns)
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}
_vn_ip() { # NS ARGS...: ip in netns NS ("" = root), one exec
	local ns=$1
	shift
	ip ${ns:+-n "$ns"} "$@"
}
_vn_list_here() { # NSNAME: lines "NSNAME MAC DEV" for the virtio_net netdevs of this netns
	local d mac
	for d in /sys/class/net/*; do
		[ "$d/device/driver" -ef /sys/bus/virtio/drivers/virtio_net ] || continue
		read -r mac < "$d/address"
		echo "$1 $mac ${d##*/}"
	done
}
_vn_list() { # _vn_list_here for the root netns ("-"), vnA and vnB
	local ns
	_vn_list_here -
	for ns in "${VN_NS[@]}"; do
		[ ! -e "/run/netns/$ns" ] || ip netns exec "$ns" bash -c "$(declare -f _vn_list_here); _vn_list_here $ns"
	done
}
vn_nics() { # the two NICs, A first (by MAC)
	local ns mac dev
	_vn_list | sort -k2 | while read -r ns mac dev; do echo "$dev"; done
}
vn_ns() { # DEV: print the netns DEV is in (empty for the root netns); fails if not found
	local ns mac dev
	while read -r ns mac dev; do
		[ "$dev" != "$1" ] || { echo "${ns#-}"; return 0; }
	done < <(_vn_list)
	return 1
}
_vn_two_nics() { [ "$(vn_nics | wc -l)" = 2 ]; }

# --- the virtio devices ------------------------------------------------------------------------
# Unbinding and binding a virtio device creates a new netdev (in the root netns); the virtio
# device and netdev of each MAC are looked up here.
_vn_virtio_devs() { # the virtio devices of type net (bound to a driver or not)
	local d
	for d in /sys/bus/virtio/devices/virtio*; do
		[ "$(cat "$d/device")" = 0x0001 ] && echo "${d##*/}"
	done
	true
}
vn_virtio_map() { # sets VN_VIRTIO=(virtioA virtioB) from the MACs (both must be bound and
	# their netdevs in the root netns)
	local v d mac i
	VN_VIRTIO=()
	for v in $(_vn_virtio_devs); do
		for d in "/sys/bus/virtio/devices/$v/net/"*; do
			[ -e "$d/address" ] || continue
			read -r mac < "$d/address"
			for i in 0 1; do [ "$mac" != "${VN_MAC[i]}" ] || VN_VIRTIO[i]=$v; done
		done
	done
	[ -n "${VN_VIRTIO[0]}" ] && [ -n "${VN_VIRTIO[1]}" ] ||
		{ vn_log "NICs not found by MAC (bound, in the root netns?)"; return 1; }
}
vn_netdev_root() { # VIRTIODEV: the netdev name of that device if it is in the root netns
	local d
	for d in "/sys/bus/virtio/devices/$1/net/"*; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}
vn_unbind() { echo "$1" > /sys/bus/virtio/drivers/virtio_net/unbind; }
vn_bind() { # VIRTIODEV: bind and wait (10 s) for its netdev in the root netns
	echo "$1" > /sys/bus/virtio/drivers/virtio_net/bind || return 1
	vn_wait 10 vn_netdev_root "$1" > /dev/null || { vn_log "$1: no netdev after bind"; return 1; }
}

# --- counters ----------------------------------------------------------------------------------
vn_stat() { # NS DEV COUNTER...: the netdev's statistics counters (rx_bytes, rx_packets, ...),
	# one a line, one exec ("" = the root netns: none)
	local ns=$1 dev=$2 c v
	shift 2
	if [ -z "$ns" ]; then
		for c; do read -r v < "/sys/class/net/$dev/statistics/$c" && echo "$v"; done
		return
	fi
	ip netns exec "$ns" bash -c 'cd "/sys/class/net/$0/statistics" && for c; do read -r v < "$c" && echo "$v"; done' "$dev" "$@"
}
vn_ethtool_value() { # DEV OPTION FIELD [cur]: FIELD of `ethtool -g|-l DEV` (in DEV's netns):
	# the maximum (its first "FIELD:" line), or with cur the current setting (its last); empty
	# if absent
	vn_in "$(vn_ns "$1")" ethtool "$2" "$1" | awk -v f="$3:" -v cur="${4:+1}" '
		$1 == f { v = $2; if (!cur) exit }
		END { print v }'
}
vn_ethtool_stats() { # NS DEV NAME...: the values of `ethtool -S DEV` counters NAME (device
	# totals, e.g. rx_xdp_drops), one a line, 0 if absent
	local ns=$1 dev=$2
	shift 2
	vn_in "$ns" ethtool -S "$dev" | awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		{ sub(":", "", $1); v[$1] = $2 }
		END { for (i = 1; i <= n; i++) print (w[i] in v) ? v[w[i]] : 0 }'
}
# What tells a receive ring the device has no buffers for from a send queue that never
# completes: one "DEV: name=value ..." line per NIC, A first. The netdev's packet and drop
# counters, the ethtool -S totals of VN_PAIR_ETHTOOL that the driver has (kicks; 7.3 has no
# stop or wake there, only in netlink's qstats), the bytes queued to the device and not yet
# completed (BQL's inflight, summed over the send queues; "none": a kernel without BQL, as the
# lean configs are), the interrupts of its receive and send queues (/proc/interrupts, summed
# over the CPUs), and what its root qdisc passed to the driver, dropped and holds: qdisc_sent
# above tx_packets is packets on the send ring that the device has not completed.
VN_PAIR_STATS=(rx_packets tx_packets rx_dropped tx_dropped)
VN_PAIR_ETHTOOL=" rx_kicks rx_drops rx_xdp_tx tx_kicks tx_tx_timeouts tx_xdp_tx "
_vn_vq_irqs() { # VIRTIODEV: "rx_irqs=N tx_irqs=N" of that virtio device's queues
	awk -v dev="$1" '$NF ~ "^" dev "-(input|output)[.]" {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n[$NF ~ /-input/] += $i
	} END { printf "rx_irqs=%d tx_irqs=%d", n[1], n[0] }' /proc/interrupts
}
vn_pair_counters() {
	local dev ns
	for dev in $(vn_nics); do
		ns=$(vn_ns "$dev")
		echo "$dev:" \
			"$(vn_stat "$ns" "$dev" "${VN_PAIR_STATS[@]}" | paste -d= <(printf '%s\n' "${VN_PAIR_STATS[@]}") - | xargs)" \
			"$(vn_in "$ns" ethtool -S "$dev" | awk -v want="$VN_PAIR_ETHTOOL" \
				'{ sub(":", "", $1) } index(want, " " $1 " ") { printf "%s%s=%s", sep, $1, $2; sep = " " }')" \
			"bql_inflight=$(vn_in "$ns" find "/sys/class/net/$dev/queues/" -path '*/byte_queue_limits/inflight' \
				-exec cat {} + | awk '{ n += $1 } END { print NR ? n : "none" }')" \
			"$(_vn_vq_irqs "$(basename "$(vn_in "$ns" readlink "/sys/class/net/$dev/device")")")" \
			"$(vn_in "$ns" tc -s qdisc show dev "$dev" root | awk '/Sent/ { sub(",", "", $7)
				printf "qdisc_sent=%s qdisc_dropped=%s", $4, $7 } /backlog/ { printf " qdisc_backlog=%s", $3 }')"
	done
}
vn_pair_diag() { # WHAT: vn_pair_counters as KTAP diagnostics, "WHAT: DEV: ..."
	local l
	while read -r l; do ktap_diag "$1: $l"; done <<< "$(vn_pair_counters)"
}
