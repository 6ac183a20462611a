# shellcheck shell=bash
# The driver variant (build/mods/<variant>/virtio_net.ko), RX modes by VIRTIO_DEBUG feature
# filtering, the device's feature bits.
vn_variant() { cat /run/vnpp-variant 2>/dev/null; }  # base|pp, empty if none loaded
vn_known_bug() { # VARIANT KEY: print why, if VARIANT on this base has the bug KEY (tests/known-bugs.txt)
	awk -v v="$1" -v b="$VNPP_BASE" -v k="$2" '
		$1 == v && $2 == b && $3 == k { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' \
		"$TOP/tests/known-bugs.txt"
}
# What 7.3's next has beyond the net fixes (big packets mode on the pool, its XDP, rx-alloc-fail,
# the page_pool.sh selftest) comes with the patches of series-net-next/; until it has some, next
# is base with the net fixes.
vn_has_refill_work() { # the loaded virtio_net defers a failed refill to refill_work (6.12; 7.3
	# has none: its NAPI poll returns the whole budget and retries)
	grep -qE ' refill_work[[:space:]]+\[virtio_net\]' /proc/kallsyms
}
vn_net_next() { compgen -G "$TOP/series-net-next/0*.patch" > /dev/null; }
vn_counts_alloc_fail() { # VARIANT: does it count rx-alloc-fail (ethtool -S rxN_alloc_fail)?
	# 6.12's pp (and a variant broken on purpose), 7.3's next with series-net-next; no base
	case $1:$VNPP_BASE in
	base:*) return 1 ;;
	next:7.3) vn_net_next ;;
	*) return 0 ;;
	esac
}
vn_unload() {
	[ -d /sys/module/virtio_net ] || return 0
	vn_unwire
	rmmod virtio_net || { vn_log "rmmod virtio_net failed"; return 1; }
	rm -f /run/vnpp-variant
}
vn_load() { # base|pp: (re)load that virtio_net.ko and wait for both NICs
	local ko=$VNPP_MODS/$1/virtio_net.ko
	[ -f "$ko" ] || { vn_log "no $ko"; return 1; }
	vn_unload || return 1
	insmod "$ko" || { vn_log "insmod $ko failed"; return 1; }
	echo "$1" > /run/vnpp-variant
	vn_kmsg "virtio_net $1 loaded"
	vn_wait 10 _vn_two_nics || { vn_log "NICs did not appear: $(vn_nics | xargs)"; return 1; }
}

# Feature bits (include/uapi/linux/virtio_net.h): the bits each RX mode needs, and the ones
# filtering them away switches it off.
VN_F_MRG_RXBUF=15
VN_F_BIG="7 8 9 10 54 55"  # GUEST_TSO4, _TSO6, _ECN, _UFO, _USO4, _USO6: big packets
# shellcheck disable=SC2034  # (used by tests/guest/rxhash.sh)
VN_F_HASH_REPORT=57   # a hash per packet in a 20-byte header (vm.sh profile hash)
vn_set_rx_mode() { # mergeable|small|big: filter features on both devices, rebind, check
	local mode=$1 feats v dbg dev wired=
	case $mode in
	mergeable) feats= ;;
	big) feats=$VN_F_MRG_RXBUF ;;
	small) feats="$VN_F_MRG_RXBUF $VN_F_BIG" ;;
	*) vn_log "unknown mode '$mode'"; return 1 ;;
	esac
	[ -d /sys/bus/virtio/drivers/virtio_net ] || { vn_log "virtio_net is not loaded"; return 1; }
	! vn_wired || wired=1
	vn_unwire
	for v in $(_vn_virtio_devs); do
		dbg=/sys/kernel/debug/virtio/$v
		[ -e "$dbg/filter_feature_add" ] || { vn_log "no $dbg (CONFIG_VIRTIO_DEBUG?)"; return 1; }
		echo 1 > "$dbg/filter_features_clear"
		for f in $feats; do echo "$f" > "$dbg/filter_feature_add"; done
		[ ! -e "/sys/bus/virtio/drivers/virtio_net/$v" ] || echo "$v" > /sys/bus/virtio/drivers/virtio_net/unbind
		echo "$v" > /sys/bus/virtio/drivers/virtio_net/bind || return 1
	done
	vn_wait 10 _vn_two_nics || { vn_log "NICs did not come back"; return 1; }
	for dev in $(vn_nics); do
		[ "$(vn_rx_mode "$dev")" = "$mode" ] ||
			{ vn_log "$dev runs $(vn_rx_mode "$dev"), not $mode (does the device offer it?)"; return 1; }
	done
	[ -z "$wired" ] || vn_wire
}
vn_filters_clear() { # drop all feature filters (the next bind negotiates everything again)
	local v
	for v in $(_vn_virtio_devs); do
		echo 1 > "/sys/kernel/debug/virtio/$v/filter_features_clear" 2>/dev/null
	done
	true
}
vn_rx_mode() { # DEV: mergeable|small|big as negotiated (features: bit i is character i). Big
	# packets (virtnet_set_big_packets()): no MRG_RXBUF, and any of GUEST_TSO4/TSO6/ECN/UFO or
	# a device MTU (VIRTIO_NET_F_MTU, bit 3: the netdev's max MTU then) above 1500
	local f ns
	ns=$(vn_ns "$1")
	f=$(vn_in "$ns" cat "/sys/class/net/$1/device/features") || return 1
	if [ "${f:15:1}" = 1 ]; then
		echo mergeable
	elif [[ ${f:7:4} == *1* ]] || { [ "${f:3:1}" = 1 ] && [ "$(_vn_max_mtu "$ns" "$1")" -gt 1500 ]; }; then
		echo big
	else
		echo small
	fi
}
_vn_max_mtu() { # NS DEV: DEV's max MTU (0 if unknown)
	local m
	m=$(_vn_ip "$1" -d link show dev "$2" | sed -n 's/.* maxmtu \([0-9]*\).*/\1/p')
	echo "${m:-0}"
}
vn_rx_buf_pages() { # DEV: the pages one RX buffer of DEV holds: 1 (or part of one), or in big
	# packets mode 1 + MAX_SKB_FRAGS with guest GSO, else 1 + DIV_ROUND_UP(MTU, PAGE_SIZE)
	# (virtnet_set_big_packets(); net.core.max_skb_frags is MAX_SKB_FRAGS unless lowered)
	local mode ns f
	mode=$(vn_rx_mode "$1") || return 1
	if [ "$mode" != big ]; then
		echo 1
		return 0
	fi
	ns=$(vn_ns "$1")
	f=$(vn_in "$ns" cat "/sys/class/net/$1/device/features") || return 1
	if [[ ${f:7:4} == *1* ]]; then
		echo $(($(cat /proc/sys/net/core/max_skb_frags) + 1))
	else
		echo $((($(_vn_max_mtu "$ns" "$1") + 4095) / 4096 + 1))
	fi
}
vn_device_features() { # VIRTIODEV: the feature bits the device offers, as a string whose
	# character i is bit i (like its sysfs "features", which shows the negotiated ones, after
	# the driver's choice and the feature filters): debugfs device_features lists the bits
	local b f
	f=$(printf '0%.0s' {1..64})
	while read -r b; do
		f=${f:0:b}1${f:b+1}
	done < "/sys/kernel/debug/virtio/$1/device_features" || return 1
	echo "$f"
}
vn_mode_offered() { # MODE: do both devices offer what MODE needs (mergeable: MRG_RXBUF; big: one
	# of VN_F_BIG; small: nothing)? Whatever the filters and the loaded driver.
	local mode=$1 v f b
	for v in $(_vn_virtio_devs); do
		f=$(vn_device_features "$v") || return 1
		case $mode in
		mergeable) [ "${f:VN_F_MRG_RXBUF:1}" = 1 ] || return 1 ;;
		big) for b in $VN_F_BIG; do [ "${f:b:1}" = 1 ] && continue 2; done; return 1 ;;
		esac
	done
}
vn_device_has() { # VIRTIODEV BIT: does the device offer feature BIT?
	local f
	f=$(vn_device_features "$1") || return 1
	[ "${f:$2:1}" = 1 ]
}
