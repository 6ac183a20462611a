# shellcheck shell=bash
# Page pools, through guest/py/pp.py (the netdev netlink family over a raw socket; see there
# why pools are looked up in every netns and matched by NAPI id).
vn_pp() { # list | summary | wait-gone SECS | wait-attached SECS (guest/py/pp.py)
	# list: one line per pool, "ns=NS id=N [ifindex=N] napi-id=N inflight=N inflight-mem=N
	# [detach-time=T] alloc-fast=N ... recycle-released-refcnt=N", ns "-" being the root netns;
	# summary: "pools=N live=N detached=N inflight=N detached_inflight=N";
	# wait-gone: until no pool is left (status 1 and the leftovers if some stay SECS);
	# wait-attached: until no destroyed (detached) pool is left. Both flush the per-CPU skb
	# defer lists once after 2 s (flushed=1 in the output: pages were only waiting there).
	vn_py pp "$@"
}
vn_pp_stats() { # [DEV]: vn_pp list, only DEV's pools with DEV. No pools (base): no output, status 0.
	local ns
	[ -n "$1" ] || { vn_pp list; return; }
	ns=$(vn_ns "$1") || { vn_log "no NIC $1"; return 1; }
	vn_pp list "${ns:--}" "$(vn_in "$ns" cat "/sys/class/net/$1/ifindex")"
}
vn_pp_field() { # "LINE" FIELD: the value of FIELD=N in a vn_pp line, or any "K=V ..." line (0 if absent)
	local kv
	for kv in $1; do [ "${kv%%=*}" != "$2" ] || { echo "${kv#*=}"; return 0; }; done
	echo 0
}
vn_pp_ids() { # [LINES]: the ids of the live pools (of LINES from vn_pp list, else all), sorted
	local l
	if [ $# = 0 ]; then l=$(vn_pp list); else l=$1; fi
	awk '!/detach-time=/ { for (i = 1; i <= NF; i++) if ($i ~ /^id=/) print substr($i, 4) }' <<< "$l" | sort -n | xargs
}
vn_has_pools() { # VARIANT MODE: does that variant take MODE's RX buffers from page pools?
	# 6.12: pp in every mode, base never; 7.3: base (upstream's page_pool, 24fbd3967f3f) in
	# mergeable and small mode, not in big packets mode; next too, and in big packets mode once
	# series-net-next/ (big packets mode on the pool) exists. A variant broken on purpose
	# (tests/broken*/NAME.sed) is the patched driver with one bug.
	case $1:$VNPP_BASE in
	pp:*) return 0 ;;
	next:7.3) [ "$2" != big ] || vn_net_next ;;
	base:7.3) [ "$2" != big ] ;;
	base:*) return 1 ;;
	*:6.12) [ -e "$TOP/tests/broken/$1.sed" ] ;;
	*) [ -e "$TOP/tests/broken-$VNPP_BASE/$1.sed" ] ;;
	esac
}
vn_pools_here() { # VARIANT [MODE]: vn_has_pools in MODE, by default the RX mode B runs now
	vn_has_pools "$1" "${2:-$(vn_rx_mode "$(vn_nics | tail -1)")}"
}
vn_pools_expected() { # VARIANT: the number of live pools the loaded driver should have with
	# both NICs bound: one per RX queue of each NIC where it has pools (vn_has_pools), else none
	local v=$1 n=0 dev q
	vn_pools_here "$v" || { echo 0; return; }
	for dev in $(vn_nics); do
		# max_queue_pairs pools exist, whatever the current channel count: the device's max
		q=$(vn_ethtool_value "$dev" -l Combined)
		n=$((n + ${q:-1}))
	done
	echo "$n"
}

# --- RX pages held by a socket while the driver or B goes away ---------------------------------
VN_SINKPORT=9998  # the never-reading UDP socket on B (in vnB)
vn_fill_sink() { # [SIZE]: flood B with SIZE-byte (1400) datagrams until the never-reading
	# socket holds some RX pages; prints the bytes queued
	local q=0 end=$((SECONDS + 30))
	vn_udp_start flood "${VN_NS[0]}" "${VN_IP4[1]}" $VN_SINKPORT 60 "${1:-1400}"
	while [ $SECONDS -lt $end ]; do
		q=$(vn_udp_queued "${VN_NS[1]}" $VN_SINKPORT)
		[ "$q" -lt $((4 << 20)) ] || break
		vn_sleep 0.5
	done
	vn_bg_stop flood
	vn_udp_queued "${VN_NS[1]}" $VN_SINKPORT
}
# The pools once the driver (or B) is gone with the socket holding pages: a variant with pools
# in MODE (B's, taken while it was there) must list a destroyed pool with pages in flight, one
# without no pool at all. Then close the socket: every destroyed pool must go. Status 0 if all
# is as expected.
vn_check_held_pool() { # VARIANT WHAT MODE
	local v=$1 what=$2 s out rc=0
	s=$(vn_pp summary)
	ktap_diag "$v: $what with the socket holding pages: $s"
	if vn_pools_here "$v" "$3"; then
		[ "$(vn_pp_field "$s" detached)" -ge 1 ] && [ "$(vn_pp_field "$s" detached_inflight)" -ge 1 ] ||
			{ echo "expected a destroyed pool with pages in flight" >&2; rc=1; }
	else
		[ "$(vn_pp_field "$s" pools)" = 0 ] || { echo "$v: unexpected page pools" >&2; rc=1; }
	fi
	vn_bg_stop sink
	out=$(vn_pp wait-attached 10) || rc=1
	ktap_diag "$v: socket closed: ${out//$'\n'/; }"
	return $rc
}
# A socket on B fills with RX pages, then CMD takes B or the driver away (WHAT says which):
# vn_check_held_pool. Status 0 if all is as expected.
vn_with_pages_held() { # VARIANT WHAT CMD...
	local v=$1 what=$2 q rc=1 mode
	shift 2
	mode=$(vn_rx_mode "$(vn_nics | tail -1)")
	vn_udp_sink_start sink "${VN_NS[1]}" $VN_SINKPORT $((64 << 20)) ||
		{ ktap_diag "$v: the UDP sink did not start"; vn_bg_stop sink; return 1; }
	q=$(vn_fill_sink 1400)
	ktap_diag "$v: the socket holds $q bytes (truesize) before: $what"
	if "$@"; then
		[ "$q" -gt 0 ] && vn_check_held_pool "$v" "$what" "$mode" && rc=0
	else
		ktap_diag "$v: $* failed"
	fi
	vn_bg_stop sink
	return $rc
}
