# Helpers for the edge-case scenarios (tests/guest/{rebind,openclose,ethtool,xdp,faults,
# integrity}.sh). Sourced after guest/lib.sh; like lib.sh, functions return non-zero on failure
# and say why on stderr.
#
# Cycle counts and sizes: every knob is an environment variable with a CI default (what
# `make check` runs under TCG) and the issue's full value, taken when EDGE_FULL=1
# (e.g. `scripts/vm.sh -- env EDGE_FULL=1 guest/run.sh tests/guest/rebind.sh`). A knob set
# explicitly wins over both. Scenarios print the values they used as diag lines.
: "${EDGE_FULL:=0}"
EDGE_DIR=/tmp/edge                      # scratch (tmpfs in the guest)
EDGE_LEAK_KB=$((32 * 1024))             # MemAvailable drift that counts as a leak
read -ra EDGE_VARIANTS <<< "${EDGE_VARIANTS:-base pp}"
mkdir -p "$EDGE_DIR"

edge_knob() { # NAME CI_DEFAULT FULL_DEFAULT: the knob's value
	local v=${!1}
	if [ -z "$v" ]; then
		if [ "$EDGE_FULL" = 1 ]; then v=$3; else v=$2; fi
	fi
	echo "$v"
}

# A sleep without fork/exec (process creation costs 0.1-0.2 s under TCG, and fails under
# injected page allocation failures): read -t on a fifo nobody writes to.
mkfifo "$EDGE_DIR/sleep.fifo" 2>/dev/null
exec {_edge_sleep_fd}<>"$EDGE_DIR/sleep.fifo"
edge_sleep() { read -r -t "$1" -u "$_edge_sleep_fd"; true; }

edge_memavail_kb() { # MemAvailable (kB) after dropping clean caches, so that the 9p page
	# cache and dentries of whatever ran in between do not count
	local k v _
	sync
	echo 3 > /proc/sys/vm/drop_caches
	while read -r k v _; do
		[ "$k" != MemAvailable: ] || { echo "$v"; return 0; }
	done < /proc/meminfo
	return 1
}

edge_secs() { # START (from $EPOCHREALTIME): seconds since, with one decimal
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

# --- the two NICs by virtio device -------------------------------------------------------------
# Unbinding and binding the virtio device creates a new netdev (in the root netns); the MAC, the
# virtio device and ifindex of the live one are looked up here.
EDGE_MAC=(52:54:00:00:00:0a 52:54:00:00:00:0b)
edge_virtio_map() { # sets EDGE_VIRTIO=(virtioA virtioB) from the MACs (both must be bound
	# and their netdevs in the root netns)
	local v d mac i
	EDGE_VIRTIO=()
	for v in $(_vn_virtio_devs); do
		for d in /sys/bus/virtio/devices/$v/net/*; do
			[ -e "$d/address" ] || continue
			read -r mac < "$d/address"
			for i in 0 1; do [ "$mac" != "${EDGE_MAC[i]}" ] || EDGE_VIRTIO[i]=$v; done
		done
	done
	[ -n "${EDGE_VIRTIO[0]}" ] && [ -n "${EDGE_VIRTIO[1]}" ] ||
		{ vn_log "NICs not found by MAC (bound, in the root netns?)"; return 1; }
}
edge_netdev_root() { # VIRTIODEV: the netdev name of that device if it is in the root netns
	local d
	for d in /sys/bus/virtio/devices/$1/net/*; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}
edge_unbind() { echo "$1" > /sys/bus/virtio/drivers/virtio_net/unbind; }
edge_bind() { # VIRTIODEV: bind and wait (10 s) for its netdev in the root netns
	echo "$1" > /sys/bus/virtio/drivers/virtio_net/bind || return 1
	vn_wait 10 edge_netdev_root "$1" > /dev/null || { vn_log "$1: no netdev after bind"; return 1; }
}
edge_rx_packets() { # NS DEV: rx_packets (builtin read for the root netns)
	local v
	if [ -z "$1" ]; then
		read -r v < "/sys/class/net/$2/statistics/rx_packets" || return 1
		echo "$v"
	else
		vn_stat "$2" rx_packets
	fi
}

# --- driver statistics ---------------------------------------------------------------------------
# These take the netns (vnA/vnB, "" = root) instead of looking it up: vn_ns costs several execs.
edge_ethtool_stats() { # NS DEV NAME...: the values of `ethtool -S DEV` counters NAME (device
	# totals, e.g. rx_xdp_drops), one a line, 0 if absent
	local ns=$1 dev=$2
	shift 2
	vn_in "$ns" ethtool -S "$dev" | awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		{ sub(":", "", $1); v[$1] = $2 }
		END { for (i = 1; i <= n; i++) print (w[i] in v) ? v[w[i]] : 0 }'
}
edge_stat() { # NS DEV COUNTER...: netdev statistics counters (rx_packets, ...), one exec
	local ns=$1 dev=$2
	shift 2
	vn_in "$ns" bash -c 'cd "/sys/class/net/$0/statistics" && for c; do read -r v < "$c" && echo "$v"; done' "$dev" "$@"
}

# --- page pools --------------------------------------------------------------------------------------
# The netdev netlink family through a raw generic netlink socket: lib.sh's vn_pp_stats goes
# through YNL and its YAML spec, which takes 6-8 s an invocation under TCG. Pools are looked up
# in the root netns and every named netns (destroyed NICs' pools are re-parented to a loopback,
# without ifindex).
_edge_pp_py='
import ctypes, os, socket, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)

def attrs(b):
    off = 0
    while off + 4 <= len(b):
        l, t = struct.unpack_from("HH", b, off)
        if l < 4:
            break
        yield t & 0x3FFF, b[off + 4:off + l]
        off += (l + 3) & ~3

def uint(b):
    return struct.unpack("Q", b[:8])[0] if len(b) >= 8 else struct.unpack("I", b[:4])[0]

def request(s, typ, flags, cmd, payload=b""):
    msg = struct.pack("BBH", cmd, 1, 0) + payload
    s.send(struct.pack("IHHII", 16 + len(msg), typ, flags, 1, 0) + msg)
    out = []
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off < len(data):
            l, t, f, seq, pid = struct.unpack_from("IHHII", data, off)
            body = data[off + 16:off + l]
            off += (l + 3) & ~3
            if t == 3:  # NLMSG_DONE
                return out
            if t == 2:  # NLMSG_ERROR
                err = struct.unpack_from("i", body)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return out
            out.append(dict(attrs(body[4:])))
            if not flags & 0x300:
                return out

def pools(ns):
    fd = home if ns == "-" else os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000):
        raise OSError(ctypes.get_errno(), "setns " + ns)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    name = b"netdev\0"
    a = struct.pack("HH", 4 + len(name), 2) + name
    a += b"\0" * (-len(a) % 4)
    fam = struct.unpack("H", request(s, 0x10, 1, 3, a)[0][1][:2])[0]
    res = {}
    for m in request(s, fam, 0x301, 5):  # page-pool-get, dump
        p = {"ns": ns, "id": uint(m[1])}
        for k, n in ((2, "ifindex"), (3, "napi"), (4, "inflight"), (5, "mem"), (6, "detached")):
            if k in m:
                p[n] = uint(m[k])
        res[p["id"]] = p
    try:
        for m in request(s, fam, 0x301, 9):  # page-pool-stats-get
            pid = uint(dict(attrs(m[1]))[1])
            if pid in res:
                res[pid]["slow"] = uint(m.get(9, b"\0" * 8))
                res[pid]["fast"] = uint(m.get(8, b"\0" * 8))
    except OSError:
        pass
    s.close()
    return res

def snapshot():
    nss = ["-"] + sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else ["-"]
    out = {}
    for ns in nss:
        out.update(pools(ns))
    return [out[k] for k in sorted(out)]

def line(p):
    return " ".join("%s=%s" % (k, p[k]) for k in ("ns", "id", "ifindex", "napi", "inflight", "mem", "detached", "fast", "slow") if k in p)

def summary(ps):
    return "pools=%d live=%d detached=%d inflight=%d" % (len(ps), sum("detached" not in p for p in ps),
        sum("detached" in p for p in ps), sum(p.get("inflight", 0) for p in ps))

def flush_defer():
    # skbs freed on another CPU than the one that allocated them may wait on the defer
    # list (skb_attempt_defer_free) until it next runs net_rx_action(), holding their pages
    # (and a destroyed pool) meanwhile: a loopback datagram sent from each CPU raises NET_RX
    # there and frees them
    libc.setns(home, 0x40000000)
    cpus = os.sched_getaffinity(0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for cpu in sorted(cpus):
        os.sched_setaffinity(0, {cpu})
        s.sendto(b"x", ("127.0.0.1", 9))
    os.sched_setaffinity(0, cpus)
    s.close()

mode = sys.argv[1]
if mode == "list":
    for p in snapshot():
        print(line(p))
elif mode == "summary":
    print(summary(snapshot()))
elif mode in ("wait-gone", "wait-attached"):
    # wait-gone: until no pool is left at all; wait-attached: until no destroyed pool is left
    # (after 2 s, the defer lists are flushed once: flushed=1 in the output)
    t0, limit, flushed = time.time(), float(sys.argv[2]), 0
    while True:
        ps = snapshot()
        left = ps if mode == "wait-gone" else [p for p in ps if "detached" in p]
        if not left or time.time() - t0 >= limit:
            break
        if not flushed and time.time() - t0 >= 2:
            flush_defer()
            flushed = 1
        time.sleep(0.5)
    print("%s after=%.1fs flushed=%d" % (summary(ps), time.time() - t0, flushed))
    for p in left:
        print("  left: " + line(p))
    sys.exit(1 if left else 0)
'
edge_pp() { # list | summary | wait-gone SECS | wait-attached SECS
	# list: one line per pool (ns id [ifindex] napi inflight mem [detached] fast slow);
	# summary: "pools=N live=N detached=N inflight=N";
	# wait-gone: until no pool is left (status 1 and the leftovers if some stay SECS);
	# wait-attached: until no destroyed (detached) pool is left. Both flush the per-CPU skb
	# defer lists once after 2 s (flushed=1 in the output: pages were only waiting there).
	$VN_PY -c "$_edge_pp_py" "$@"
}
edge_pp_field() { # "SUMMARY LINE" FIELD: the value of FIELD=N in an edge_pp summary line
	local kv
	for kv in $1; do [ "${kv%%=*}" != "$2" ] || { echo "${kv#*=}"; return 0; }; done
	echo 0
}

# --- RX pages held by a socket while the driver or B goes away ------------------------------------
# (uses edge_udp_* below; B in vnB). Port of the never-reading UDP socket on B:
EDGE_SINKPORT=9998
# Flood B until the never-reading socket holds some RX pages; prints the bytes queued.
edge_fill_sink() {
	local q=0 end=$((SECONDS + 30))
	edge_udp_start flood "${VN_NS[0]}" "${VN_IP4[1]}" $EDGE_SINKPORT 60 1400
	while [ $SECONDS -lt $end ]; do
		q=$(edge_udp_queued "${VN_NS[1]}" $EDGE_SINKPORT)
		[ "$q" -lt $((4 << 20)) ] || break
		edge_sleep 0.5
	done
	edge_bg_stop flood
	edge_udp_queued "${VN_NS[1]}" $EDGE_SINKPORT
}

# The pools once the driver (or B) is gone with the socket holding pages: pp must list a
# destroyed pool with pages in flight, base no pool at all. Then close the socket: every
# destroyed pool must go. Status 0 if all is as expected.
edge_check_held_pool() { # VARIANT WHAT
	local v=$1 what=$2 s det infl out rc=0
	s=$(edge_pp summary)
	det=$(edge_pp_field "$s" detached) infl=$(edge_pp_field "$s" inflight)
	ktap_diag "$v: $what with the socket holding pages: $s"
	if [ "$v" = pp ]; then
		[ "$det" -ge 1 ] && [ "$infl" -ge 1 ] || { echo "expected a destroyed pool with pages in flight" >&2; rc=1; }
	else
		[ "$(edge_pp_field "$s" pools)" = 0 ] || { echo "base: unexpected page pools" >&2; rc=1; }
	fi
	edge_bg_stop sink
	out=$(edge_pp wait-attached 10) || rc=1
	ktap_diag "$v: socket closed: ${out//$'\n'/; }"
	return $rc
}

# A socket on B fills with RX pages, then CMD takes B or the driver away (WHAT says which):
# edge_check_held_pool. Status 0 if all is as expected.
edge_with_pages_held() { # VARIANT WHAT CMD...
	local v=$1 what=$2 q rc=1
	shift 2
	edge_udp_sink_start sink "${VN_NS[1]}" $EDGE_SINKPORT $((64 << 20)) ||
		{ ktap_diag "$v: the UDP sink did not start"; edge_bg_stop sink; return 1; }
	q=$(edge_fill_sink)
	ktap_diag "$v: the socket holds $q bytes (truesize) before: $what"
	if "$@"; then
		[ "$q" -gt 0 ] && edge_check_held_pool "$v" "$what" && rc=0
	else
		ktap_diag "$v: $* failed"
	fi
	edge_bg_stop sink
	return $rc
}

# --- per-variant bracket: memory before load, final unload, pools gone, drift -----------------------
edge_give_up() { # VARIANT PER WHAT REASON: "not ok VARIANT: WHAT", then the variant's other
	# PER-1 tests skipped with REASON (the caller then moves on to the next variant)
	local i
	ktap_fail "$1: $3"
	for ((i = 1; i < $2; i++)); do ktap_skip "$1: test $((i + 1))" "$4"; done
}
edge_load_wired() { # VARIANT PER: edge_begin, load VARIANT, map the NICs' virtio devices
	# (EDGE_VIRTIO) and wire them: "ok VARIANT: load and wire"; else the variant given up
	# (edge_give_up) and status 1
	edge_begin "$1"
	if vn_load "$1" && edge_virtio_map && vn_wire; then
		ktap_ok "$1: load and wire"
		return 0
	fi
	edge_give_up "$1" "$2" "load and wire" "driver did not load or no connectivity"
	return 1
}
edge_begin() { # VARIANT: record MemAvailable with no virtio_net loaded; sets EDGE_MEM0
	vn_unload > /dev/null 2>&1
	vn_filters_clear
	EDGE_MEM0=$(edge_memavail_kb)
	vn_kmsg "edge: $1 begin (MemAvailable ${EDGE_MEM0} kB)"
}
EDGE_END_TESTS=2
edge_end() { # VARIANT: 2 tests: unload, no page pool left (10 s), MemAvailable drift
	local v=$1 out rc mem1 drift
	vn_unload
	out=$(edge_pp wait-gone 10)
	rc=$?
	ktap_diag "$v: after the final unload: ${out//$'\n'/; }"
	ktap_result $rc "$v: no page_pool left after the final unload"
	mem1=$(edge_memavail_kb)
	drift=$(( (EDGE_MEM0 - mem1) / 1024 ))
	ktap_diag "$v: MemAvailable before load $((EDGE_MEM0 / 1024)) MiB, after unload $((mem1 / 1024)) MiB: drift ${drift} MiB (leak threshold $((EDGE_LEAK_KB / 1024)) MiB)"
	[ $((EDGE_MEM0 - mem1)) -le "$EDGE_LEAK_KB" ]
	ktap_result $? "$v: MemAvailable back within $((EDGE_LEAK_KB / 1024)) MiB after the scenario"
}
edge_pools_expected() { # VARIANT: the number of live pools the loaded driver should have with
	# both NICs bound: pp = one per RX queue of each NIC (none in big packets mode), base none
	local v=$1 n=0 dev q
	[ "$v" = pp ] || { echo 0; return; }
	for dev in $(vn_nics); do
		[ "$(vn_rx_mode "$dev")" != big ] || continue
		# max_queue_pairs pools exist, whatever the current channel count: the device's max
		q=$(vn_in "$(vn_ns "$dev")" ethtool -l "$dev" | awk '/Combined:/ { print $2; exit }')
		n=$((n + ${q:-1}))
	done
	echo "$n"
}

# --- background traffic ------------------------------------------------------------------------------
# Each runs in its own session (setsid) so that edge_bg_stop can end it and its children by its
# process group id; all are bounded by a deadline of their own as well.
declare -A EDGE_BG
edge_bg_start() { # NAME CMD...: run CMD in the background in a new session
	local name=$1
	shift
	setsid "$@" > "$EDGE_DIR/$name.log" 2>&1 < /dev/null &
	EDGE_BG[$name]=$!
}
edge_bg_stop() { # NAME...: end those background jobs (process group), wait for them
	local name pid
	for name; do
		pid=${EDGE_BG[$name]}
		[ -n "$pid" ] || continue
		kill -TERM -- "-$pid" "$pid" 2>/dev/null
		kill -CONT -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "EDGE_BG[$name]"
	done
	true
}
edge_bg_stop_all() { edge_bg_stop "${!EDGE_BG[@]}"; }
trap 'edge_bg_stop_all' EXIT

# A TCP stream SRC_NS -> DST (iperf3), restarted whenever it breaks (the NIC under test goes away
# or down), until SECS pass. The server runs in DST_NS ("" = root) on PORT.
edge_tcp_start() { # NAME SRC_NS DST_NS DST_IP PORT SECS [iperf3 client args]
	local name=$1 src=$2 dst=$3 ip=$4 port=$5 secs=$6
	shift 6
	local netns=()
	[ -z "$dst" ] || netns=(ip netns exec "$dst")
	edge_bg_start "$name-srv" timeout $((secs + 30)) "${netns[@]}" iperf3 -s -p "$port"
	vn_wait 60 _edge_listening "$dst" "$port" || { vn_log "iperf3 server did not start"; return 1; }
	edge_bg_start "$name" ip netns exec "$src" bash -c '
		end=$((SECONDS + $3)); ip=$1 port=$2; shift 3
		while [ $SECONDS -lt $end ]; do
			timeout $((end - SECONDS + 10)) iperf3 -c "$ip" -p "$port" -t $((end - SECONDS)) --connect-timeout 1000 "$@" > /dev/null 2>&1
			sleep 0.3
		done' _ "$ip" "$port" "$secs" "$@"
}
_edge_listening() { vn_in "$1" ss -Hltn "sport = :$2" | grep -q .; }
# End the TCP sockets of port PORT in NS (ss -K), then wait until none holds data any more, at
# most SECS s: a socket closed with segments still in its out-of-order queue keeps them (and
# their RX pages) until it dies, which, orphaned in FIN_WAIT1 without a route, takes minutes.
# TIME_WAIT and LISTEN hold none. Prints what is left; status 0 if none.
edge_tcp_end() { # NS PORT SECS
	local left end=$((SECONDS + $3)) sel="( sport = :$2 or dport = :$2 )"
	vn_in "$1" ss -K -tan "$sel" > /dev/null 2>&1
	while left=$(vn_in "$1" ss -Htan "$sel" | grep -vE '^(TIME-WAIT|LISTEN)'); [ -n "$left" ]; do
		[ $SECONDS -lt $end ] || { echo "$left"; return 1; }
		edge_sleep 0.2
	done
}

# A UDP flood SRC_NS -> IP:PORT (socat, SIZE-byte datagrams), restarted if it stops, for SECS.
edge_udp_start() { # NAME SRC_NS DST_IP PORT SECS [SIZE]
	edge_bg_start "$1" ip netns exec "$2" bash -c '
		end=$((SECONDS + $3))
		while [ $SECONDS -lt $end ]; do
			timeout $((end - SECONDS + 1)) socat -u -b "$4" OPEN:/dev/zero "UDP-SENDTO:$1:$2" > /dev/null 2>&1
			sleep 0.2
		done' _ "$3" "$4" "$5" "${6:-1400}"
}

# A UDP socket that never reads, with a receive buffer of BYTES (SO_RCVBUFFORCE): the skbs it
# queues keep their RX pages (page pool pages with pp) in flight until it is stopped.
edge_udp_sink_start() { # NAME NS PORT BYTES
	local netns=()
	[ -z "$2" ] || netns=(ip netns exec "$2")
	edge_bg_start "$1" "${netns[@]}" $VN_PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, int(sys.argv[2]))  # SO_RCVBUFFORCE
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(3600)' "$3" "$4"
	vn_wait 60 grep -q ready "$EDGE_DIR/$1.log"  # a bound: python starts slowly on a debug kernel
}
edge_udp_queued() { # NS PORT: bytes queued on the UDP socket bound to PORT (rx_queue)
	local p sl loc rem st q rest sum=0
	p=$(printf '%04X' "$2")
	while read -r sl loc rem st q rest; do
		[ "${loc#*:}" != "$p" ] || sum=$((sum + 16#${q#*:}))
	done < <(vn_in "$1" cat /proc/net/udp)
	echo "$sum"
}

# A static neighbour entry on A for B's address, so that A keeps sending to B's MAC while B is
# unbound or down (no ARP needed).
edge_neigh_B() { ip -n "${VN_NS[0]}" neigh replace "${VN_IP4[1]}" lladdr "${EDGE_MAC[1]}" dev "$1" nud permanent; }

# --- kprobe hit counters ---------------------------------------------------------------------------
# Counts calls of a module function (e.g. virtio_net:refill_work) through a kprobe event: its
# hit count is in kprobe_profile. Create after the module is loaded, remove before unload.
_EDGE_TR=/sys/kernel/tracing
edge_kprobe_add() { # NAME MOD:FUNC
	echo "p:edge/$1 $2" >> $_EDGE_TR/kprobe_events || return 1
	echo 1 > "$_EDGE_TR/events/edge/$1/enable"
}
edge_kprobe_hits() { # NAME
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' $_EDGE_TR/kprobe_profile
}
edge_kprobe_del() { # NAME
	[ -e "$_EDGE_TR/events/edge/$1" ] || return 0
	echo 0 > "$_EDGE_TR/events/edge/$1/enable"
	echo "-:edge/$1" >> $_EDGE_TR/kprobe_events
}

# --- XDP programs: tests/xdp/*.c, built in the guest with clang into EDGE_DIR ------------------------
edge_xdp_build() { # [CFLAGS...]: build every tests/xdp/*.c into $EDGE_DIR/xdp/<name>.o (one clang;
	# nothing if all objects are newer than the sources: a boot builds them once, /tmp stays)
	local out=$EDGE_DIR/xdp f fresh=1
	mkdir -p "$out"
	for f in "$TOP"/tests/xdp/*.[ch]; do
		[[ $f == *.h ]] && continue
		f=${f##*/}
		for h in "$TOP"/tests/xdp/*.h "$TOP/tests/xdp/$f"; do
			[ "$out/${f%.c}.o" -nt "$h" ] || fresh=0
		done
	done
	[ $fresh = 0 ] || return 0
	(cd "$out" && clang -O2 -target bpf -Wall -Werror -I/usr/include/x86_64-linux-gnu "$@" \
		-c "$TOP"/tests/xdp/*.c) || { vn_log "clang failed"; return 1; }
}
_edge_ip() { # NS ARGS...: ip in netns NS ("" = root)
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip -n "$ns" "$@"; else ip "$@"; fi
}
# Every program is loaded once per boot (bpftool), pinned in EDGE_BPF and kept attached to a
# holder veth (root netns, generic XDP, down): the kernel's XDP dispatcher (a static_call
# trampoline shared by all XDP users) then knows every program before any test traffic, and
# attaching or detaching one on a NIC under traffic only moves a refcount. Without that, each
# attach re-patches the trampoline with int3-based text_poke_bp while NAPI runs through it on
# the other vCPU: under QEMU TCG that was seen to end in "Oops: int3" at
# bpf_dispatcher_xdp_func+0x1 (the base driver, small mode, attach/detach under traffic) - an
# emulation hazard, not a driver bug, that would take a whole `make check` boot down.
EDGE_BPF=/run/edge-bpf
edge_xdp_hold() { # load, pin and hold every $EDGE_DIR/xdp/*.o (once per boot)
	local o n i=0 h
	mountpoint -q $EDGE_BPF || { mkdir -p $EDGE_BPF && mount -t bpf bpf $EDGE_BPF; } || return 1
	for o in "$EDGE_DIR"/xdp/*.o; do
		n=${o##*/} n=${n%.o} h=edgeh$i i=$((i + 1))
		[ ! -e "$EDGE_BPF/$n" ] || continue
		bpftool prog load "$o" "$EDGE_BPF/$n" || { vn_log "bpftool prog load $o failed"; return 1; }
		ip link show dev $h > /dev/null 2>&1 || ip link add $h type veth peer name ${h}p || return 1
		ip link set dev $h xdpgeneric pinned "$EDGE_BPF/$n" || return 1
	done
}
edge_xdp_attach() { # NS DEV PROG: attach the pinned PROG (edge_xdp_hold) in native (driver) mode
	_edge_ip "$1" link set dev "$2" xdpdrv pinned "$EDGE_BPF/$3"
}
edge_xdp_detach() { _edge_ip "$1" link set dev "$2" xdpdrv off; } # NS DEV
edge_xdp_prog_id() { # NS DEV: the id of the attached XDP program (empty if none)
	_edge_ip "$1" -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1
}
edge_xdp_build_one() { # NAME SRC.c [CFLAGS...]: build one program as $EDGE_DIR/xdp/NAME.o
	local name=$1 src=$2
	shift 2
	mkdir -p "$EDGE_DIR/xdp"
	clang -O2 -target bpf -Wall -Werror -I/usr/include/x86_64-linux-gnu "$@" \
		-c "$TOP/tests/xdp/$src" -o "$EDGE_DIR/xdp/$name.o" || { vn_log "clang $src failed"; return 1; }
}

# --- wiring of B alone in the root netns (for cycles that unbind B: a fresh netdev each time) --
edge_B_root_up() { # DEV: B's address on DEV in the root netns, up (one exec)
	ip -batch - <<-EOF2
		addr add ${VN_IP4[1]}/24 dev $1
		link set dev $1 up
	EOF2
}
edge_B_to_vnB() { # VIRTIODEV: B's fresh netdev (root netns, after a bind) into vnB, addresses,
	# up (two execs instead of vn_wire's dozen; A stays in vnA); its name in EDGE_BDEV
	local dev
	dev=$(edge_netdev_root "$1") || { vn_log "$1: no netdev in the root netns"; return 1; }
	# renamed: its kernel name may be A's (A is in vnA), and vn_unwire brings both back
	ip link set dev "$dev" netns "${VN_NS[1]}" name edgeb || return 1
	dev=edgeb
	ip -n "${VN_NS[1]}" -batch - <<-EOF2 || return 1
		addr add ${VN_IP4[1]}/24 dev $dev
		addr add ${VN_IP6[1]}/64 dev $dev nodad
		link set dev $dev up
	EOF2
	vn_wait 10 _vn_lower_up "${VN_NS[1]}" "$dev" || { vn_log "no carrier on $dev"; return 1; }
	EDGE_BDEV=$dev
}
edge_wait_rx() { # DEV MIN SECS: wait (root netns) until DEV received MIN packets; prints the count
	local n end=$((SECONDS + $3))
	while :; do
		read -r n < "/sys/class/net/$1/statistics/rx_packets" || return 1
		[ "$n" -lt "$2" ] || { echo "$n"; return 0; }
		[ $SECONDS -lt $end ] || { echo "$n"; return 1; }
		edge_sleep 0.1
	done
}

# --- verifiable UDP datagrams -------------------------------------------------------------------------
# Datagram i is i (4 bytes, big endian) followed by sha256(i) repeated: the receiver checks every
# byte. send: COUNT datagrams of SIZE bytes, prints how many were sent; recv: until IDLE seconds
# pass without one (120 s for the first), prints "good=N bad=N" (bad: wrong size or content).
_edge_dgram_py='
import hashlib, socket, sys
def payload(i, size):
    d = hashlib.sha256(i.to_bytes(4, "big")).digest()
    return i.to_bytes(4, "big") + (d * (size // 32 + 1))[:size - 4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "send":
    ip, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    sent = 0
    for i in range(count):
        try:
            s.sendto(payload(i, size), (ip, port))
            sent += 1
        except OSError:
            pass
    print(sent)
else:
    port, size, idle = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    good = bad = 0
    s.settimeout(120)  # for the first one; then IDLE
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        s.settimeout(idle)
        i = int.from_bytes(d[:4], "big")
        if len(d) == size and d == payload(i, size):
            good += 1
        else:
            bad += 1
    print("good=%d bad=%d" % (good, bad))
'
edge_dgram_send() { # NS IP PORT COUNT SIZE: prints the number sent
	vn_in "$1" $VN_PY -c "$_edge_dgram_py" send "$2" "$3" "$4" "$5"
}
edge_dgram_recv_start() { # NAME NS PORT SIZE [IDLE]: a checking receiver in the background
	local netns=()
	[ -z "$2" ] || netns=(ip netns exec "$2")
	edge_bg_start "$1" "${netns[@]}" $VN_PY -c "$_edge_dgram_py" recv "$3" "$4" "${5:-3}"
	vn_wait 60 grep -q ready "$EDGE_DIR/$1.log"  # a bound: python starts slowly on a debug kernel
}
edge_dgram_recv_result() { # NAME: wait for the receiver, set EDGE_DGRAM to its "good=N bad=N"
	# (not from a command substitution: the receiver is a child of this shell)
	local pid=${EDGE_BG[$1]}
	[ -z "$pid" ] || wait "$pid"
	unset "EDGE_BG[$1]"
	EDGE_DGRAM=$(grep -o 'good=[0-9]* bad=[0-9]*' "$EDGE_DIR/$1.log") ||
		{ EDGE_DGRAM="no result: $(tail -1 "$EDGE_DIR/$1.log")"; return 1; }
}
