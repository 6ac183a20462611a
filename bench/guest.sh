#!/bin/bash
# In-guest benchmark: iperf3 A->B for each cell, base and pp alternating (ABBA...) in this
# one boot, the module reloaded for every run. One JSON object per run, appended to
# $VNPP_OUT/bench.jsonl, with throughput, retransmits, RX-side page allocations, page_pool
# recycling, guest CPU time and pool memory (all pools, and the busiest one). First a plan
# record ({"plan": true, ...: the cells, rounds and variants this boot is to run}); a run
# that fails leaves {"failed": true, ...} instead of its record: bench/report.py tells
# missing and failed runs from a complete set by them (its targets are INCOMPLETE then).
# Usage: bench/guest.sh ROUNDS SECONDS CELL...   CELL: MODE:QUEUES, e.g. mergeable:1 small:2
# Env: BENCH_VARIANTS (default "base pp"): build/mods/<name>/virtio_net.ko to compare.
. "$(dirname "$0")/../guest/lib.sh"
rounds=$1 secs=$2
shift 2
cells=("$@")
out=$VNPP_OUT/bench.jsonl
tr=/sys/kernel/tracing
profile=$(cat "$VNPP_OUT/profile" 2>/dev/null)

# RX-side page allocations: pages the page allocator hands out in atomic context (the NAPI
# refill and the XDP/skb paths; process-context TX allocations don't carry __GFP_HIGH),
# weighted by order, plus the pages page_pool takes in bulk, which bypass mm_page_alloc.
alloc_trig='hist:keys=order:vals=hitcount if gfp_flags & 0x20'
hold_trig='hist:keys=common_type:vals=hitcount'
trace_start() {
	echo "$alloc_trig" > $tr/events/kmem/mm_page_alloc/trigger &&
	echo "$hold_trig" > $tr/events/page_pool/page_pool_state_hold/trigger
}
trace_stop() { # prints "alloc_pages=N pp_new_pages=N"
	local a h
	a=$(sed -n 's/^{ order: *\([0-9]*\) } hitcount: *\([0-9]*\)$/\1 \2/p' $tr/events/kmem/mm_page_alloc/hist |
		awk '{ sum += $2 * 2 ^ $1 } END { printf "%.0f", sum }')
	h=$(sed -n 's/^    Hits: *//p' $tr/events/page_pool/page_pool_state_hold/hist)
	echo "!$alloc_trig" > $tr/events/kmem/mm_page_alloc/trigger
	echo "!$hold_trig" > $tr/events/page_pool/page_pool_state_hold/trigger
	echo "alloc_pages=$a pp_new_pages=$h"
}
cpu_ticks() { awk '/^cpu / { print $4 + $7 + $8 }' /proc/stat; }  # system + irq + softirq
# The pools of both NICs (A receives the ACKs). Moving a NIC to a netns leaves its pools
# listed under the root netns' loopback, so they are looked up everywhere, not by ifindex.
pp_sum() { # the live pools' counters summed, as key=value, their number as pools=N and the
	# memory and pages held by the busiest pool as inflight-mem-max=N inflight-max=N
	vn_pp_stats | grep -v detach-time | tr ' ' '\n' | awk -F= '$1 == "id" { n++ }
		$2 ~ /^[0-9]+$/ && $1 !~ /^(id|ifindex|napi-id)$/ { s[$1] += $2 }
		$1 ~ /^inflight(-mem)?$/ && (!($1 in m) || $2 + 0 > m[$1]) { m[$1] = $2 + 0 }
		END { for (k in s) printf "%s=%.0f ", k, s[k]; for (k in m) printf "%s-max=%.0f ", k, m[k]
			printf "pools=%d", n }'
}
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<< "$2" | head -1; }

setup() { # VARIANT MODE QUEUES
	local dev
	vn_load "$1" || return 1
	# feature filters outlive the module: only rebind when the mode differs
	[ "$(vn_rx_mode "$(vn_nics | head -1)")" = "$2" ] || vn_set_rx_mode "$2" || return 1
	for dev in $(vn_nics); do ethtool -L "$dev" combined "$3" > /dev/null 2>&1 || [ "$3" = 1 ] || return 1; done
	vn_wire
}

run_one() { # VARIANT MODE QUEUES ROUND
	local v=$1 mode=$2 q=$3 r=$4 pp0 pp1 t0 t1 res tr_res ring bufp
	setup "$v" "$mode" "$q" || { vn_log "setup $v $mode/$q failed"; return 1; }
	vn_iperf 2 -P "$q" > /dev/null  # warm up: rings full, pools primed
	pp0=
	[ "$v" = base ] || pp0=$(pp_sum)  # base has no pools: spare the netlink dump
	t0=$(cpu_ticks)
	trace_start || return 1
	res=$(vn_iperf "$secs" -P "$q")
	tr_res=$(trace_stop)
	t1=$(cpu_ticks)
	pp1=
	if [ "$v" != base ]; then
		sleep 1  # in-flight pages come back
		pp1=$(pp_sum)
	fi
	devB=$(vn_nics | tail -1)
	ring=$(vn_ethtool_value "$devB" -g RX cur)
	bufp=$(vn_rx_buf_pages "$devB")
	# the record is printed whole or not at all (a run whose iperf3 printed nothing fails here)
	"$VN_PY" "$TOP/bench/record.py" run "$v" "$mode" "$q" "$r" "$profile" "$res" "$tr_res" "$((t1 - t0))" \
		"$pp0" "$pp1" "${ring:-0}" "${bufp:-1}" >> "$out" || return 1
	vn_progress "bench: $profile $mode/$q round $r $v: $(kv bps "$res" | awk '{printf "%.2f", $1/1e9}') Gbit/s"
	return 0
}

failed() { # VARIANT MODE QUEUES ROUND: the record of a run that failed
	"$VN_PY" "$TOP/bench/record.py" failed "$1" "$2" "$3" "$4" "$profile" >> "$out"
}

read -ra variants <<< "${BENCH_VARIANTS:-base pp}"
"$VN_PY" "$TOP/bench/record.py" plan "$profile" "$rounds" "${cells[*]}" "${variants[*]}" >> "$out"
n=0 total=$((rounds * ${#cells[@]} * ${#variants[@]})) t_start=$SECONDS
for cell in "${cells[@]}"; do
	mode=${cell%:*} q=${cell#*:}
	for r in $(seq 1 "$rounds"); do
		order=("${variants[@]}")  # reversed every other round: ABBA...
		[ $((r % 2)) = 1 ] || mapfile -t order < <(printf '%s\n' "${variants[@]}" | tac)
		for v in "${order[@]}"; do
			n=$((n + 1))
			el=$((SECONDS - t_start))
			echo "[bench] $profile $mode q=$q round $r/$rounds $v ($n/$total, ${el}s elapsed, ETA $(( n > 1 ? el * (total - n + 1) / (n - 1) : 0 ))s)"
			# a run that fails is tried once more (iperf3 once found its server's port
			# refused, build/bench/20261204-045701/nodma): only a second failure is recorded
			run_one "$v" "$mode" "$q" "$r" && continue
			echo "[bench] run failed, once more: $v $mode/$q round $r"
			run_one "$v" "$mode" "$q" "$r" || { echo "[bench] run failed: $v $mode/$q round $r"; failed "$v" "$mode" "$q" "$r"; }
		done
	done
done
vn_unload
