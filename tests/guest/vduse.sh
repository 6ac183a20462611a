#!/bin/bash
# VDUSE: the NICs are two VDUSE virtio-net devices of one userspace daemon (build/vduse/vduse_net,
# tests/vduse/vduse_net.c) wired to each other; virtio_vdpa binds them, virtio_net drives them.
# Boot profile vduse (scripts/vm.sh): guest/init.sh has started the daemon and added the vdpa
# devices. Per variant (base, pp) and RX mode (mergeable; small and big by feature filtering;
# big: MRG_RXBUF filtered, the daemon restarted with MTU 9000, as it offers no guest GSO, so each
# RX buffer is a chain of the header, the rest of the first page and three more pages):
#  - a well-behaved wire: load, wire (ping), EDGE_VDUSE_MIB MiB A->B over TCP, sha256 checked;
#  - each hostile case of the daemon (on B's RX side, every EDGE_VDUSE_EVERY-th packet,
#    EDGE_VDUSE_COUNT times) while such a stream flows. PASS when the daemon did it, the driver
#    dropped and counted the bad completions (B's rx_length_errors/rx_dropped/rx_errors/
#    rx_frame_errors) or broke the queue with a message in dmesg, the stream arrived intact
#    (after a driver reload where the queue broke) and dmesg shows no WARNING/BUG/Oops;
#    "rewrite": the daemon offers EVENT_IDX and rewrites the upper buffer only once the
#    driver's used_event shows it took it (else, after 2 s, it completes the lower buffer as a
#    runt and counts the case as skipped); a driver that syncs the device's length instead of
#    the posted one then copies the rewritten bytes over a packet it already delivered;
#  - "corrupt" (the daemon flips a payload byte of a good packet): the stream check must fail,
#    i.e. the check can catch a corrupted delivery.
# Per variant, from its first load and stream: the VDUSE DMA facts (diag): the map_page calls
# RX makes through VDUSE's dma_map_ops (kprobe on vduse_dev_map_page, DMA_FROM_DEVICE only),
# their sizes, how much of the device's bounce_size RX holds.
# Knobs (vn_knob: CI default, EDGE_FULL=1 default): EDGE_VDUSE_MIB (2, 16),
# EDGE_VDUSE_MODES ("mergeable small"; big too), EDGE_VDUSE_CASES (all the daemon's cases; the
# nbuf ones are skipped without MRG_RXBUF, rewrite in big mode),
# EDGE_VDUSE_EVERY (5), EDGE_VDUSE_COUNT (10, 50); VDUSE_VARIANTS (EDGE_VARIANTS, or comma
# separated): a variant broken on purpose (neither base nor the patched one) runs the
# well-behaved streams only, and must fail the one of each mode its bug is listed for
# (tests/known-bugs.txt, key vduse-stream-MODE: big-sync-frags in big packets mode).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"

mib=$(vn_knob EDGE_VDUSE_MIB 2 16)
every=$(vn_knob EDGE_VDUSE_EVERY 5 5)
count=$(vn_knob EDGE_VDUSE_COUNT 10 50)
# lists: spaces or commas (a boots.txt knob cannot hold spaces)
modes=${EDGE_VDUSE_MODES:-mergeable small}
read -ra modes <<< "${modes//,/ }"
cases=${EDGE_VDUSE_CASES:-len+8 len+4096 len-max len0 len-short nbuf-over nbuf-ring nbuf0 nbuf-tail+8 rewrite id-bogus id-twice}
read -ra cases <<< "${cases//,/ }"
src=$VN_DIR/random
declare -A res
mapfile -t variants < <(vn_variants "${VDUSE_VARIANTS:-${VN_VARIANTS[*]}}")

ktap_plan
vn_vduse_start && _vn_vduse_nets
ktap_result $? "the daemon runs, both VDUSE devices are virtio devices"
ktap_diag "daemon: $(grep '^ready' "$VN_VDUSE_LOG" | tail -1); bounce_size A/B: $(cat /sys/class/vduse/vduseA/bounce_size /sys/class/vduse/vduseB/bounce_size | xargs) bytes"
ktap_diag "$mib MiB per stream, modes: ${modes[*]}, hostile cases: ${cases[*]} (every $every packets, $count times)"
head -c $((mib << 20)) /dev/urandom > "$src" && sum=$(sha256sum < "$src" | cut -d' ' -f1)
[ ${#sum} = 64 ]
ktap_result $? "$mib MiB of random data and its sha256"

# --- pieces ---------------------------------------------------------------------------------------
stream() { # A->B over TCP, B hashing what it got: status 0 if the digest matches; STREAM=summary.
	# Ends early (STREAM_BROKE=1) when the kernel reports a broken RX queue (BREAK_RE in dmesg).
	local t0=$EPOCHREALTIME got bytes rc=0 d0 spid
	d0=$(dmesg_lines) STREAM_BROKE=
	rm -f "$VN_DIR/sum.AB" "$VN_DIR/sum.AB.bytes"
	vn_bg_start rcv ip netns exec "${VN_NS[1]}" timeout 70 bash -c \
		'socat -u TCP-LISTEN:7001,reuseaddr STDOUT | tee >(wc -c > $0.bytes) | sha256sum > $0' \
		"$VN_DIR/sum.AB"
	vn_bg_start snd ip netns exec "${VN_NS[0]}" timeout 60 socat -u "FILE:$src" \
		"TCP:${VN_IP4[1]}:7001,retry=50,interval=0.2"
	spid=${VN_BG[snd]}
	while kill -0 "$spid" 2>/dev/null; do
		if dmesg_since "$d0" | grep -Eq "$BREAK_RE"; then STREAM_BROKE=1; break; fi
		vn_sleep 3  # each look costs three execs (slow under TCG)
	done
	if [ -n "$STREAM_BROKE" ]; then
		# neither end can finish its close over a broken queue: abort them
		vn_bg_stop snd rcv
		vn_tcp_abort "${VN_NS[0]}" 7001
		vn_tcp_abort "${VN_NS[1]}" 7001
		rc=1
	else
		wait "$spid" || rc=1
		unset "VN_BG[snd]"
		wait "${VN_BG[rcv]}" || rc=1
		unset "VN_BG[rcv]"
	fi
	vn_sleep 0.2
	got=$(cut -d' ' -f1 "$VN_DIR/sum.AB" 2>/dev/null)
	bytes=$(cat "$VN_DIR/sum.AB.bytes" 2>/dev/null)
	[ "$got" = "$sum" ] || rc=1
	STREAM="${bytes:-0} bytes in $(vn_secs "$t0")s, sha256 $([ "$got" = "$sum" ] && echo match || echo "MISMATCH ${got:0:12}")${STREAM_BROKE:+ (ended: queue broken)}"
	return $rc
}
b_errors() { # the sum of B's RX error counters
	local n=0 v
	for v in $(vn_stat "${VN_NS[1]}" "$1" rx_length_errors rx_dropped rx_errors rx_frame_errors); do
		n=$((n + v))
	done
	echo $n
}
dmesg_since() { dmesg | tail -n +$(($1 + 1)); } # LINES: what the kernel logged since
dmesg_lines() { dmesg | wc -l; }
# Messages of a driver that refused a completion (virtio_net) or broke the vq (virtio_ring)
DRV_RE='rx error|exceeds|too short|out of range|is not a head|buffers out of|num_buf|Bad|bad|malformed|invalid'
TROUBLE_RE='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN'
BREAK_RE='out of range|is not a head|unexpected|broken' # virtio_ring's BAD_RING messages
# virtio_net reads the device's MTU at probe: another MTU is a daemon restart (vn_vduse_start:
# virtio_net unloaded, the vdpa devices added again), its other features kept.
daemon_mtu() { # MODE: the devices offer MTU 9000 for big mode, 1500 for the others
	local mtu=1500 ready f args=()
	[ "$1" != big ] || mtu=9000
	ready=$(grep '^ready' "$VN_VDUSE_LOG" | tail -1)
	[[ $ready != *" mtu $mtu "* ]] || return 0
	read -r _ _ f _ <<< "$ready" # ready features 0x... mtu N ...
	((f >> 15 & 1)) || args+=(--no-mrg)       # VIRTIO_NET_F_MRG_RXBUF
	((f & 1)) || args+=(--no-csum)            # VIRTIO_NET_F_CSUM
	((f >> 29 & 1)) || args+=(--no-event-idx) # VIRTIO_RING_F_EVENT_IDX
	vn_vduse_start "${args[@]}" --mtu $mtu
}
load_mode() { # VARIANT MODE: the daemon's MTU for MODE, load, switch mode, wire (mergeable:
	# no feature filter left from a mode before it)
	daemon_mtu "$2" || return 1
	[ "$2" != mergeable ] || vn_filters_clear
	vn_load "$1" || return 1
	if [ "$2" != mergeable ]; then vn_set_rx_mode "$2" || return 1; fi
	vn_wire
}

# DMA facts: RX maps through VDUSE's dma_map_ops while VARIANT loads and one stream runs
# (x86_64 kprobe arguments: map_page(dev, page, offset, size, dir), unmap_page(dev, addr, size, dir))
_TR=/sys/kernel/tracing
dma_trace_on() {
	echo 'p:vnvduse/map vduse_dev_map_page size=%cx:u64 dir=%r8:s32' >> $_TR/kprobe_events &&
		echo 'p:vnvduse/unmap vduse_dev_unmap_page size=%dx:u64 dir=%cx:s32' >> $_TR/kprobe_events &&
		echo 'dir == 2' > $_TR/events/vnvduse/map/filter &&
		echo 'dir == 2' > $_TR/events/vnvduse/unmap/filter &&
		echo 4096 > $_TR/buffer_size_kb && echo > $_TR/trace &&
		echo 1 > $_TR/events/vnvduse/enable
}
dma_trace_off() {
	echo 0 > $_TR/events/vnvduse/enable 2>/dev/null
	echo '-:vnvduse/map' >> $_TR/kprobe_events 2>/dev/null
	echo '-:vnvduse/unmap' >> $_TR/kprobe_events 2>/dev/null
	true
}
dma_trace_summary() { # "maps=N (sizes: S xN ...) unmaps=N held=K KiB"
	awk '/ map: /   { for (i = 1; i <= NF; i++) if ($i ~ /^size=/) { s = substr($i, 6); m++; ms += s; sz[s]++ } }
	     / unmap: / { for (i = 1; i <= NF; i++) if ($i ~ /^size=/) { u++; us += substr($i, 6) } }
	     END { for (s in sz) l = l " " s "x" sz[s]
	           printf "rx_maps=%d (bytes x count:%s) rx_unmaps=%d held_kib=%d\n", m, l, u, (ms - us) / 1024 }' $_TR/trace
}

facts() { # VARIANT: after the first load and stream with the trace on: the figures as diag lines
	local v=$1 s
	s=$(dma_trace_summary)
	dma_trace_off
	ktap_diag "$v: RX DMA through vduse_dev_dma_ops (load + wire + one $mib MiB stream, both devices): $s"
	! vn_pools_here "$v" || ktap_diag "$v: pools: $(vn_pp summary) (inflight pages are mapped for the pool's life: held_kib above is the bounce space RX keeps)"
	[[ $s == rx_maps=[1-9]* ]]
}

# One hostile case: set it, stream, set it back; PASS as described at the top.
hostile() { # VARIANT MODE CASE
	local v=$1 m=$2 c=$3 b e0 e1 d0 log acts skipped broken='' rc=0 why=() stats
	HOSTILE_SKIP=
	b=$(vn_nics | tail -1)
	e0=$(b_errors "$b") d0=$(dmesg_lines)
	vn_vduse_ctl hostile "$c" "$every" "$count"
	stream
	local srv=$? first=$STREAM
	vn_vduse_ctl hostile none
	stats=$(vn_vduse_stats)
	acts=$(tr ' ' '\n' <<< "$stats" | awk -F= -v c="$c" '$1 == c { print $2 }')
	log=$(dmesg_since "$d0")
	e1=$(b_errors "$b" 2>/dev/null || echo "$e0")
	if [ -n "$STREAM_BROKE" ] || { grep -Eq "$BREAK_RE" <<< "$log" && ! vn_ping "${VN_IP4[1]}"; }; then
		broken=1
	fi
	ktap_diag "$v: $m: $c: daemon acted ${acts:-0}x; B rx errors +$((e1 - e0)); stream: $first${broken:+; the queue of B broke}"
	grep -E "$DRV_RE|$TROUBLE_RE" <<< "$log" | head -4 | sed 's/^/    dmesg: /' | while read -r l; do ktap_diag "$l"; done
	skipped=$(tr ' ' '\n' <<< "$stats" | awk -F= '$1 == "hostile_skipped" { print $2 }')
	if [ "${acts:-0}" = 0 ] && [ "${skipped:-0}" -gt 0 ]; then
		res[$c,$m,$v]="not applicable"
		HOSTILE_SKIP="the daemon found no occasion ($skipped skipped): no two posted buffers on one page (each buffer mapped on its own)"
		[ "$c" != rewrite ] || HOSTILE_SKIP+=", or the driver did not take the upper one within 2 s"
		return 0
	fi
	[ "${acts:-0}" -gt 0 ] || { rc=1; why+=("the daemon did not act"); }
	if [ -n "$broken" ]; then
		res[$c,$m,$v]="broke the queue"
		# the good stream after a reset of the device (driver reload)
		if load_mode "$v" "$m" && stream; then
			ktap_diag "$v: $m: $c: after a reload: $STREAM"
		else
			rc=1; why+=("no intact stream after a reload: $STREAM")
		fi
	else
		[ $((e1 - e0)) -gt 0 ] && res[$c,$m,$v]="dropped+counted" || res[$c,$m,$v]="took it silently"
		[ $srv = 0 ] || { rc=1; why+=("stream not intact"); }
		[ $((e1 - e0)) -gt 0 ] || { rc=1; why+=("no drop counted, queue not broken"); }
	fi
	if grep -Eq "$TROUBLE_RE" <<< "$log"; then
		rc=1; why+=("kernel trouble in dmesg"); res[$c,$m,$v]+=", kernel WARNING/BUG"
	fi
	[ $srv = 0 ] || res[$c,$m,$v]+=", stream damaged"
	[ ${#why[@]} = 0 ] || ktap_diag "$v: $m: $c: ${why[*]}"
	return $rc
}

# --- per variant ----------------------------------------------------------------------------------
for v in "${variants[@]}"; do
	vn_begin "$v"
	broken=1
	[ "$v" != base ] && [ "$v" != "$PATCHED" ] || broken=
	for m in "${modes[@]}"; do
		first=
		[ "$m" != "${modes[0]}" ] || first=1
		# the DMA facts come from the first load and stream
		[ -n "$broken" ] || [ -z "$first" ] || dma_trace_on ||
			ktap_diag "$v: kprobes on vduse_dev_map_page/unmap_page failed"
		if ! load_mode "$v" "$m"; then
			[ -n "$broken" ] || [ -z "$first" ] ||
				{ dma_trace_off; ktap_fail "$v: RX buffers are DMA-mapped through VDUSE's dma_map_ops"; }
			ktap_fail "$v: $m: load and wire"
			ktap_skip "$v: $m: well-behaved wire: $mib MiB A->B intact" "no wire"
			[ -n "$broken" ] && continue
			for c in "${cases[@]}"; do
				ktap_skip "$v: $m: hostile $c: dropped or queue broken, stream intact, no kernel trouble" "no wire"
			done
			continue
		fi
		b=$(vn_nics | tail -1)
		ktap_ok "$v: $m: load and wire ($(vn_rx_mode "$b") mode, MTU $(vn_in "$(vn_ns "$b")" cat "/sys/class/net/$b/mtu"))"
		stream
		rc=$?
		ktap_diag "$v: $m: well-behaved wire: $STREAM"
		ktap_known $rc "$v: $m: well-behaved wire: $mib MiB A->B intact" "vduse-stream-$m" "$v"
		[ -z "$broken" ] || continue
		if [ -n "$first" ]; then
			facts "$v"
			ktap_result $? "$v: RX buffers are DMA-mapped through VDUSE's dma_map_ops"
		fi
		for c in "${cases[@]}"; do
			skip=
			if [ "$m" != mergeable ] && [[ $c == nbuf* ]]; then
				skip="num_buffers means nothing without MRG_RXBUF"
			elif [ "$m" = big ] && [ "$c" = rewrite ]; then
				skip="it needs two buffers on one page; a big packets buffer is a chain with its pages to itself"
			fi
			if [ -n "$skip" ]; then
				ktap_skip "$v: $m: hostile $c: dropped or queue broken, stream intact, no kernel trouble" "$skip"
				continue
			fi
			# the device lies on purpose: virtio's BAD_RING() reports are expected, nothing else
			vn_expect_begin '(input|output)\.[0-9]+:id [0-9]+ (out of range|is not a head!)'
			hostile "$v" "$m" "$c"
			rc=$?
			vn_expect_end
			if [ -n "$HOSTILE_SKIP" ]; then
				ktap_skip "$v: $m: hostile $c: dropped or queue broken, stream intact, no kernel trouble" "$HOSTILE_SKIP"
			else
				ktap_result $rc "$v: $m: hostile $c: dropped or queue broken, stream intact, no kernel trouble"
			fi
		done
	done
	[ -z "$broken" ] || { vn_end "$v"; continue; }
	# the check can fail: a device flipping a payload byte of good packets must be caught
	{ vn_ping "${VN_IP4[1]}" || load_mode "$v" mergeable; } && vn_vduse_ctl hostile corrupt 3 5 && ! stream
	rc=$?
	vn_vduse_ctl hostile none
	ktap_diag "$v: corrupt: $STREAM; $(vn_vduse_stats | grep -o 'corrupt=[0-9]*')"
	ktap_result $rc "$v: a device corrupting good packets fails the stream check"
	vn_end "$v"
done

# Where base and pp differ, say which is right: dropping and counting, breaking the queue, or
# offering the device no occasion is right; taking it silently, a damaged stream or a kernel
# warning is not.
good() { [[ $1 == dropped+counted || $1 == "broke the queue" || $1 == "not applicable" ]]; }
for m in "${modes[@]}"; do
	for c in "${cases[@]}"; do
		rb=${res[$c,$m,base]} rp=${res[$c,$m,$PATCHED]}
		[ -n "$rb" ] && [ -n "$rp" ] && [ "$rb" != "$rp" ] || continue
		if good "$rb" && good "$rp"; then right="both acceptable"
		elif good "$rb"; then right=base
		elif good "$rp"; then right=$PATCHED
		else right=neither; fi
		ktap_diag "differ: $m $c: base $rb, $PATCHED $rp: right: $right"
	done
done
# the next scenario gets the daemon as it was (MTU 1500)
daemon_mtu mergeable || vn_log "the daemon did not restart with MTU 1500"
ktap_exit
