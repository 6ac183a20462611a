# Helpers for in-guest scenarios (sourced, not run). Expects the environment guest/init.sh
# sets up (TOP, BUILD, KBUILD, VNPP_MODS, VNPP_OUT); also usable by hand in a `scripts/vm.sh -s` shell.
# The two NICs: A (mac ..:0a) and B (mac ..:0b), joined by a bridge on the host.
# Helpers return non-zero on failure and explain why on stderr; scenarios don't use set -e.
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${KBUILD:=$BUILD/kbuild}"     # the kernel build (build/kbuild-debug for the debug flavour)
: "${VNPP_MODS:=$BUILD/mods}"    # <variant>/virtio_net.ko (build/mods-debug likewise)
: "${VNPP_OUT:=/tmp}"
VN_PY=/usr/bin/python3
VN_NS=(vnA vnB)
VN_IP4=(192.0.2.1 192.0.2.2)
VN_IP6=(2001:db8:1::1 2001:db8:1::2)

vn_log() { echo "${FUNCNAME[1]}: $*" >&2; }
vn_progress() { echo "$*" >> "$VNPP_OUT/progress"; }  # one line, streamed by scripts/vm.sh
vn_kmsg() { echo "vnpp: $*" > /dev/kmsg; }             # a marker in dmesg and the console log
vn_wait() { # SECONDS CMD...: retry CMD every 0.2s until it succeeds or SECONDS pass
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# --- netns and NIC lookup ------------------------------------------------------------------
vn_in() { # NS CMD...: run CMD in netns NS ("" = the root netns)
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}
# Process creation is slow under TCG (~0.1-0.2 s an exec): the lookups below use bash builtins.
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
_vn_virtio_devs() { # the virtio devices of type net (bound to a driver or not)
	local d
	for d in /sys/bus/virtio/devices/virtio*; do
		[ "$(cat "$d/device")" = 0x0001 ] && echo "${d##*/}"
	done
	true
}
_vn_two_nics() { [ "$(vn_nics | wc -l)" = 2 ]; }

# --- driver variant ------------------------------------------------------------------------
vn_variant() { cat /run/vnpp-variant 2>/dev/null; }  # base|pp, empty if none loaded
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

# --- wiring: NIC A in netns vnA, NIC B in netns vnB ----------------------------------------
_vn_lower_up() { ip -n "$1" -o link show dev "$2" | grep -q LOWER_UP; }
vn_wire() {
	local nics i dev ns
	nics=($(vn_nics))
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
vn_unwire() { # move the NICs back to the root netns, delete vnA and vnB
	local ns dev
	for ns in "${VN_NS[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		for dev in $(_vn_list | awk -v ns="$ns" '$1 == ns { print $3 }'); do
			ip -n "$ns" link set dev "$dev" netns 1
		done
		ip netns del "$ns"
	done
}

# One ICMP echo from the netns of NIC A; ping(8) if installed, else a raw-socket stand-in.
_vn_ping_py='
import os, select, socket, struct, sys, time
dst = sys.argv[1]
v6 = ":" in dst
fam, proto, req, rep = ((socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129) if v6 else
                        (socket.AF_INET, socket.IPPROTO_ICMP, 8, 0))
s = socket.socket(fam, socket.SOCK_RAW, proto)
ident = os.getpid() & 0xffff
msg = struct.pack("!BBHHH", req, 0, 0, ident, 1) + b"vnpp" * 8
if not v6:  # the kernel fills in the ICMPv6 checksum, not the ICMP one
    c = sum(struct.unpack("!%dH" % (len(msg) // 2), msg))
    c = (c >> 16) + (c & 0xffff)
    msg = msg[:2] + struct.pack("!H", ~(c + (c >> 16)) & 0xffff) + msg[4:]
s.sendto(msg, (dst, 0))
end = time.time() + 2
while end > time.time() and select.select([s], [], [], end - time.time())[0]:
    d = s.recv(4096)
    d = d if v6 else d[(d[0] & 15) * 4:]
    if d[0] == rep and struct.unpack("!H", d[4:6])[0] == ident:
        sys.exit(0)
sys.exit(1)
'
vn_ping() { # DST: one echo from vnA to DST (an address of B)
	if command -v ping > /dev/null; then
		ip netns exec "${VN_NS[0]}" ping -q -c 1 -W 2 "$1" > /dev/null
	else
		ip netns exec "${VN_NS[0]}" $VN_PY -c "$_vn_ping_py" "$1"
	fi
}

# --- RX mode via VIRTIO_DEBUG feature filtering ----------------------------------------------
vn_set_rx_mode() { # mergeable|small|big: filter features on both devices, rebind, check
	local mode=$1 feats v dbg dev wired=
	case $mode in
	mergeable) feats= ;;
	big) feats="15" ;;             # MRG_RXBUF
	small) feats="15 7 8 9 10" ;;  # MRG_RXBUF, GUEST_TSO4, GUEST_TSO6, GUEST_ECN, GUEST_UFO
	*) vn_log "unknown mode '$mode'"; return 1 ;;
	esac
	[ -d /sys/bus/virtio/drivers/virtio_net ] || { vn_log "virtio_net is not loaded"; return 1; }
	[ ! -e "/run/netns/${VN_NS[0]}" ] || wired=1
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
vn_rx_mode() { # DEV: mergeable|small|big as negotiated (features: bit i is character i)
	local f
	f=$(vn_in "$(vn_ns "$1")" cat "/sys/class/net/$1/device/features") || return 1
	if [ "${f:15:1}" = 1 ]; then
		echo mergeable
	elif [[ ${f:7:4} == *1* ]]; then  # any of GUEST_TSO4/TSO6/ECN/UFO: big packets
		echo big
	else
		echo small
	fi
}

# --- KTAP output -------------------------------------------------------------------------------
_ktap_n=0 _ktap_nfail=0 _ktap_nskip=0 _ktap_t0=$SECONDS
_ktap_name=$(basename "$0" .sh)
_ktap_line() { local l="$*"; echo "${l//#/-}"; }  # '#' would start a KTAP directive
ktap_plan() { echo "KTAP version 1"; echo "1..$1"; vn_kmsg "$_ktap_name: start"; }
ktap_ok() { _ktap_n=$((_ktap_n + 1)); _ktap_line "ok $_ktap_n $*"; }
ktap_fail() {
	_ktap_n=$((_ktap_n + 1)) _ktap_nfail=$((_ktap_nfail + 1))
	_ktap_line "not ok $_ktap_n $*"
	vn_kmsg "$_ktap_name: not ok $_ktap_n $*"
}
ktap_skip() { # DESC REASON
	_ktap_n=$((_ktap_n + 1)) _ktap_nskip=$((_ktap_nskip + 1))
	echo "$(_ktap_line "ok $_ktap_n $1") # SKIP ${2:-no reason given}"
}
ktap_result() { # RC DESC: ok if RC is 0, else not ok
	local rc=$1
	shift
	if [ "$rc" = 0 ]; then ktap_ok "$@"; else ktap_fail "$@"; fi
}
ktap_diag() { echo "# $*"; }
ktap_exit() { # report the scenario on the progress line, exit 1 if any test failed
	local pass=$((_ktap_n - _ktap_nfail - _ktap_nskip))
	vn_progress "$_ktap_name: $pass ok, $_ktap_nfail failed, $_ktap_nskip skipped ($((SECONDS - _ktap_t0))s)"
	vn_kmsg "$_ktap_name: done"
	exit $((_ktap_nfail > 0))
}

vn_stat() { # DEV COUNTER...: the netdev's statistics counters (rx_bytes, rx_packets, ...)
	local dev=$1
	shift
	vn_in "$(vn_ns "$dev")" bash -c 'cd "/sys/class/net/$0/statistics" && for c; do read -r v < "$c" && echo "$v"; done' "$dev" "$@"
}

# --- traffic -------------------------------------------------------------------------------------
_vn_listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }
_vn_iperf_py='
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    sys.exit("iperf3: " + r["error"])
e = r["end"]
if "sum_received" in e:  # TCP
    rx, tx = e["sum_received"], e["sum_sent"]
    print("bps=%d bytes=%d retrans=%d secs=%.2f" % (rx["bits_per_second"], rx["bytes"],
          tx.get("retransmits", 0), rx["seconds"]))
else:  # UDP
    s = e["sum"]
    print("bps=%d bytes=%d lost_pct=%.2f jitter_ms=%.3f secs=%.2f" % (s["bits_per_second"],
          s["bytes"], s["lost_percent"], s["jitter_ms"], s["seconds"]))
'
vn_iperf() { # SECONDS|BYTES [iperf3 client args]: iperf3 server in vnB, client in vnA
	# SECONDS is a plain number (-t); BYTES has a K/M/G suffix (-n). "-6" targets B's IPv6.
	# Prints "bps=N bytes=N retrans=N secs=S" (UDP: lost_pct and jitter_ms instead of retrans).
	# The JSON stays in /tmp/vn_iperf.json. Every iperf3 is bounded by timeout(1).
	local amount=$1 len limit dst=${VN_IP4[1]} port=${VN_IPERF_PORT:-5201} srv rc
	shift
	case $amount in
	*[KMGkmg]) len=(-n "$amount") limit=${VN_IPERF_TIMEOUT:-300} ;;
	*) len=(-t "$amount") limit=$((amount + ${VN_IPERF_SLACK:-60})) ;;
	esac
	[[ " $* " != *" -6 "* ]] || dst=${VN_IP6[1]}
	ip netns exec "${VN_NS[1]}" timeout $((limit + 10)) iperf3 -s -1 -p "$port" > /tmp/vn_iperf-server.log 2>&1 &
	srv=$!
	vn_wait 60 _vn_listening "${VN_NS[1]}" "$port" || { vn_log "iperf3 server did not start"; kill $srv; return 1; }
	ip netns exec "${VN_NS[0]}" timeout "$limit" iperf3 -c "$dst" -p "$port" -J "${len[@]}" "$@" > /tmp/vn_iperf.json
	rc=$?
	wait $srv
	$VN_PY -c "$_vn_iperf_py" /tmp/vn_iperf.json || { vn_log "iperf3 client rc=$rc"; return 1; }
	[ $rc = 0 ]
}

# --- page_pool introspection (netdev netlink family, through the tree's YNL library) ---------
# Note (6.12): moving a netdev to another netns sends NETDEV_UNREGISTER, which re-parents its
# page pools to the loopback device of the netns it left: after vn_wire, pools created before
# the move show in the root netns without ifindex. vn_pp_stats DEV therefore also matches
# pools by DEV's NAPI ids. A pool really destroyed (driver gone, pages in flight) has
# detach-time.
_vn_pp_py='
import ctypes, os, sys
tree, devns, ifindex, nss = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, tree + "/tools/net/ynl")
import yaml  # parse the spec with libyaml: the pure-Python loader takes seconds under TCG
yaml.safe_load = lambda s: yaml.load(s, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
from lib import YnlFamily, NlError
spec = tree + "/Documentation/netlink/specs/netdev.yaml"
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)  # "-": the netns of the caller (the root one)
def enter(ns):
    fd = home if ns == "-" else os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000):  # CLONE_NEWNET
        sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    return YnlFamily(spec, "")
napis = set()
if ifindex:
    napis = {n["id"] for n in enter(devns).dump("napi-get", {"ifindex": int(ifindex)})}
for ns in nss:
    ynl = enter(ns)
    pools = {p["id"]: p for p in ynl.dump("page-pool-get", {})}
    try:  # needs CONFIG_PAGE_POOL_STATS
        for st in ynl.dump("page-pool-stats-get", {}):
            pools.get(st.pop("info")["id"], {}).update(st)
    except NlError as e:
        print("page-pool-stats-get:", str(e).splitlines()[0], file=sys.stderr)
    for p in sorted(pools.values(), key=lambda p: p["id"]):
        if (not ifindex or p.get("napi-id") in napis or
                (ns == devns and str(p.get("ifindex")) == ifindex)):
            print(" ".join("%s=%s" % kv for kv in [("ns", ns)] + list(p.items())))
'
vn_pp_stats() { # [DEV]: one line per page_pool, "ns=NS id=N [ifindex=N] napi-id=N inflight=N
	# inflight-mem=N alloc-fast=N ... recycle-released-refcnt=N [detach-time=T]", ns "-" being
	# the root netns. Without DEV: every pool of the root netns, vnA and vnB. No pools (base):
	# no output, status 0.
	local ns nss=(-) devns=- ifindex=
	for ns in "${VN_NS[@]}"; do [ ! -e "/run/netns/$ns" ] || nss+=("$ns"); done
	if [ -n "$1" ]; then
		ns=$(vn_ns "$1") || { vn_log "no NIC $1"; return 1; }
		devns=${ns:--}
		ifindex=$(vn_in "$ns" cat "/sys/class/net/$1/ifindex")
	fi
	$VN_PY -c "$_vn_pp_py" "$BUILD/linux" "$devns" "$ifindex" "${nss[@]}"
}

# --- VDUSE NICs (profile vduse): A and B are VDUSE devices of build/vduse/vduse_net ---------------
# The daemon (one process, both devices, a wire between them) logs to $VNPP_OUT/vduse.log and
# takes commands on a fifo ("hostile CASE [EVERY [COUNT]]", "stats"); `vdpa dev add` gives the
# devices to virtio_vdpa, whose virtio devices virtio_net (vn_load) then drives.
VN_VDUSE_LOG=$VNPP_OUT/vduse.log
VN_VDUSE_CTL=/run/vnpp-vduse.ctl
VN_VDUSE_PID=/run/vnpp-vduse.pid
_vn_vduse_running() { [ -s $VN_VDUSE_PID ] && kill -0 "$(cat $VN_VDUSE_PID)" 2>/dev/null; }
_vn_vduse_nets() { [ "$(_vn_virtio_devs | wc -l)" = 2 ]; }
vn_vduse_start() { # [DAEMON ARGS...]: (re)start the daemon with ARGS, add both vdpa devices;
	# without ARGS an already running daemon is kept
	local n0 pid dev
	if _vn_vduse_running; then
		[ $# -gt 0 ] || return 0
		vn_vduse_stop || return 1
	fi
	touch "$VN_VDUSE_LOG"
	n0=$(wc -l < "$VN_VDUSE_LOG")
	setsid "$BUILD/vduse/vduse_net" --ctl $VN_VDUSE_CTL "$@" >> "$VN_VDUSE_LOG" 2>&1 < /dev/null &
	pid=$!
	echo $pid > $VN_VDUSE_PID
	vn_wait 20 _vn_vduse_logged "$n0" '^ready' ||
		{ vn_log "the daemon did not get ready: $(tail -3 "$VN_VDUSE_LOG")"; return 1; }
	for dev in vduseA vduseB; do
		vdpa dev add name $dev mgmtdev vduse || { vn_log "vdpa dev add $dev failed"; return 1; }
	done
	vn_wait 20 _vn_vduse_nets || { vn_log "no virtio devices for the vdpa ones"; return 1; }
	vn_kmsg "vduse_net $pid started: $*"
}
_vn_gone() { ! kill -0 "$1" 2>/dev/null; }
_vn_vduse_logged() { tail -n +"$(($1 + 1))" "$VN_VDUSE_LOG" | grep -q "$2"; } # FROM_LINE REGEX
vn_vduse_stop() { # unload virtio_net, delete the vdpa devices, end the daemon (it prints its
	# counters and destroys the VDUSE devices)
	local pid dev rc=0
	vn_unload
	for dev in vduseA vduseB; do
		[ ! -e "/sys/bus/vdpa/devices/$dev" ] || vdpa dev del $dev || rc=1
	done
	if _vn_vduse_running; then
		pid=$(cat $VN_VDUSE_PID)
		kill -TERM "$pid"
		vn_wait 10 _vn_gone "$pid" || { kill -KILL "$pid"; rc=1; }
	fi
	rm -f $VN_VDUSE_PID
	return $rc
}
vn_vduse_ctl() { # COMMAND...: one command to the daemon
	_vn_vduse_running || { vn_log "the daemon is not running"; return 1; }
	echo "$*" > $VN_VDUSE_CTL
}
vn_vduse_stats() { # the daemon's counters: "stats tx_A=N ... CASE=N ..."
	local n0
	n0=$(wc -l < "$VN_VDUSE_LOG")
	vn_vduse_ctl stats || return 1
	vn_wait 10 _vn_vduse_logged "$n0" '^stats' || { vn_log "no stats from the daemon"; return 1; }
	tail -n +"$((n0 + 1))" "$VN_VDUSE_LOG" | grep '^stats' | tail -1
}
