# shellcheck shell=bash
# The per-variant bracket of the edge-case scenarios: MemAvailable with no virtio_net loaded,
# then after the final unload no page pool left and MemAvailable back; giving a variant up;
# kprobe and return probe hit counters.
VN_LEAK_KB=$((32 * 1024))  # MemAvailable drift that counts as a leak

vn_memavail_kb() { # MemAvailable (kB) after dropping clean caches, so that the 9p page
	# cache and dentries of whatever ran in between do not count
	local k v _
	sync
	echo 3 > /proc/sys/vm/drop_caches
	while read -r k v _; do
		[ "$k" != MemAvailable: ] || { echo "$v"; return 0; }
	done < /proc/meminfo
	return 1
}
vn_begin() { # VARIANT: record MemAvailable with no virtio_net loaded; sets VN_MEM0
	vn_unload > /dev/null 2>&1
	vn_filters_clear
	VN_MEM0=$(vn_memavail_kb)
	vn_kmsg "edge: $1 begin (MemAvailable ${VN_MEM0} kB)"
}
vn_end() { # VARIANT [KEY]: 2 tests: the final unload leaves no page pool (10 s), a test of the
	# known bug KEY where given (ktap_known: a variant that leaks pool pages); MemAvailable drift
	local v=$1 out rc mem1 drift
	vn_unload || ktap_diag "$v: the final unload failed"
	out=$(vn_pp wait-gone 10)
	rc=$?
	[ ! -d /sys/module/virtio_net ] || rc=1
	ktap_diag "$v: after the final unload: ${out//$'\n'/; }"
	[ $rc = 0 ] || vn_socket_diag "$v: pages left in flight"
	ktap_known $rc "$v: no page_pool left after the final unload" "${2:-}" "$v"
	# memory freed late (the sockets of killed processes, deferred frees) comes back within
	# seconds, a leak never: up to 20 s for it (refilldown's socket of 2000 datagrams was
	# 32-38 MiB short right after the unload in 3 boots of 16, back by the next variant)
	local t0=$SECONDS
	mem1=$(vn_memavail_kb)
	while [ $((VN_MEM0 - mem1)) -gt "$VN_LEAK_KB" ] && [ $((SECONDS - t0)) -lt 20 ]; do
		vn_sleep 1
		mem1=$(vn_memavail_kb)
	done
	drift=$(( (VN_MEM0 - mem1) / 1024 ))
	ktap_diag "$v: MemAvailable before load $((VN_MEM0 / 1024)) MiB, after unload $((mem1 / 1024)) MiB ($((SECONDS - t0)) s after): drift ${drift} MiB (leak threshold $((VN_LEAK_KB / 1024)) MiB)"
	[ $((VN_MEM0 - mem1)) -le "$VN_LEAK_KB" ]
	ktap_result $? "$v: MemAvailable back within $((VN_LEAK_KB / 1024)) MiB after the scenario"
}
vn_socket_diag() { # WHAT: what may hold pool pages: in each test namespace still there, the
	# sockets whose receive memory is not zero (skmem r: queued and out-of-order data; ss -m prints
	# it on a line of its own, joined here); then TCP's totals, whose orphans are counted across
	# namespaces (an orphan outlives its deleted namespace: vn_tcp_abort)
	local ns
	for ns in "${VN_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		ktap_diag "$1: $ns: sockets holding received data: $(vn_in "$ns" ss -Htuanpm | paste - - |
			awk 'match($0, /skmem:\(r[0-9]+/) && substr($0, RSTART + 8, RLENGTH - 8) + 0 > 0' | xargs)"
	done
	ktap_diag "$1: $(grep '^TCP:' /proc/net/sockstat)"
}
vn_give_up() { # VARIANT WHAT REASON: "not ok VARIANT: WHAT"; the caller then moves on to the
	# next variant, whose other tests are not run (the plan comes at the end: ktap_plan)
	ktap_diag "$1: $3: the variant's other tests did not run"
	ktap_fail "$1: $2"
}
vn_load_wired() { # VARIANT: vn_begin, load VARIANT, map the NICs' virtio devices (VN_VIRTIO)
	# and wire them: "ok VARIANT: load and wire"; else the variant given up and status 1
	vn_begin "$1"
	if vn_load "$1" && vn_virtio_map && vn_wire; then
		ktap_ok "$1: load and wire"
		return 0
	fi
	vn_give_up "$1" "load and wire" "driver did not load or no connectivity"
	return 1
}

# --- kprobe hit counters -----------------------------------------------------------------------
# Counts calls of a module function (e.g. virtio_net:refill_work) through a kprobe event: its
# hit count is the second field of its line in kprobe_profile. Create after the module is
# loaded, remove before unload.
_VN_TR=/sys/kernel/tracing
vn_kprobe_add() { # NAME MOD:FUNC
	echo "p:vnpp/$1 $2" >> $_VN_TR/kprobe_events || return 1
	echo 1 > "$_VN_TR/events/vnpp/$1/enable"
}
# shellcheck disable=SC2034  # VN_HITS is read by the callers
# A return probe counts only the returns its FILTER keeps (ret: the return value, e.g. "ret == 0"):
# its events go to a trace instance of their own, whose buffers count them (entries + overrun).
vn_retprobe_add() { # NAME MOD:FUNC FILTER
	local ev=$_VN_TR/instances/vnpp-$1/events/vnpp/$1
	echo "r:vnpp/$1 $2 ret=\$retval" >> $_VN_TR/kprobe_events || return 1
	mkdir "$_VN_TR/instances/vnpp-$1" && echo "$3" > "$ev/filter" && echo 1 > "$ev/enable"
}
vn_kprobe_hits() { # NAME: its hit count so far into VN_HITS (bash builtins only: no fork, for
	# loops while fault injection fails allocations)
	local n h _ f
	VN_HITS=0
	if [ -d "$_VN_TR/instances/vnpp-$1" ]; then
		for f in "$_VN_TR/instances/vnpp-$1"/per_cpu/cpu*/stats; do
			while read -r n h _; do
				case $n in entries: | overrun:) VN_HITS=$((VN_HITS + h)) ;; esac
			done < "$f"
		done
		return 0
	fi
	while read -r n h _; do [ "$n" != "$1" ] || VN_HITS=$h; done < $_VN_TR/kprobe_profile
}
vn_kprobe_del() { # NAME (either kind)
	[ -e "$_VN_TR/events/vnpp/$1" ] || return 0
	if [ -d "$_VN_TR/instances/vnpp-$1" ]; then
		echo 0 > "$_VN_TR/instances/vnpp-$1/events/vnpp/$1/enable"
		rmdir "$_VN_TR/instances/vnpp-$1"
	fi
	echo 0 > "$_VN_TR/events/vnpp/$1/enable"
	echo "-:vnpp/$1" >> $_VN_TR/kprobe_events
}
