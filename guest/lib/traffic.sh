# shellcheck shell=bash
# Traffic: iperf3 A->B, background jobs, TCP streams and UDP floods that survive the NIC going
# away, a never-reading UDP sink, checked datagrams.
vn_listening() { vn_in "$1" ss -Hltn "sport = :$2" | grep -q .; } # NS PORT: a TCP listener?
# NS PORT: abort every TCP socket of PORT in NS (SOCK_DESTROY), the orphans of killed processes
# included. An orphan whose peer's receive broke retransmits for minutes, holding what it
# received (a FIN is queued as an skb: in small mode its head is an RX page of the pool), and
# it keeps its namespace alive after the namespace is deleted.
vn_tcp_abort() { vn_in "$1" ss -HK state all "( sport = :$2 or dport = :$2 )" > /dev/null; }

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
	vn_wait 60 vn_listening "${VN_NS[1]}" "$port" || { vn_log "iperf3 server did not start"; kill $srv; return 1; }
	ip netns exec "${VN_NS[0]}" timeout "$limit" iperf3 -c "$dst" -p "$port" -J "${len[@]}" "$@" > /tmp/vn_iperf.json
	rc=$?
	wait $srv
	if ! vn_py iperf_summary /tmp/vn_iperf.json || [ $rc != 0 ]; then
		vn_log "iperf3 client rc=$rc"
		vn_stall_diag
		return 1
	fi
}
# After a transfer that failed: does the pair pass traffic now, and which counters move meanwhile
# (vn_pair_counters before and after three pings A->B), what do the neighbour tables say? KTAP
# diagnostics on stderr, which goes to the scenario's KTAP and so shows above the failure in the
# results.
vn_stall_diag() {
	local n=0 dev ns
	vn_pair_diag "stall: before pings" >&2
	for _ in 1 2 3; do vn_ping "${VN_IP4[1]}" && n=$((n + 1)); done
	ktap_diag "stall: $n of 3 pings A->B answered" >&2
	vn_pair_diag "stall: after" >&2
	for dev in $(vn_nics); do
		ns=$(vn_ns "$dev")
		ktap_diag "stall: $dev neighbours: $(vn_in "$ns" ip neigh show dev "$dev" | xargs)"
	done >&2
}

# --- background jobs ---------------------------------------------------------------------------
# Each runs in its own session (setsid) so that vn_bg_stop can end it and its children by its
# process group id; all are bounded by a deadline of their own as well. Output: $VN_DIR/NAME.log.
declare -A VN_BG
vn_bg_start() { # NAME CMD...: run CMD in the background in a new session
	local name=$1
	shift
	setsid "$@" > "$VN_DIR/$name.log" 2>&1 < /dev/null &
	VN_BG[$name]=$!
}
vn_bg_stop() { # NAME...: end those background jobs (process group), wait for them
	local name pid
	for name; do
		pid=${VN_BG[$name]}
		[ -n "$pid" ] || continue
		kill -TERM -- "-$pid" "$pid" 2>/dev/null
		kill -CONT -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "VN_BG[$name]"
	done
	true
}
vn_bg_stop_all() { vn_bg_stop "${!VN_BG[@]}"; }
trap 'vn_bg_stop_all' EXIT
_vn_bg_ready() { # NAME: wait for "ready" in its log (a bound: python starts slowly on a debug kernel)
	vn_wait 60 grep -q ready "$VN_DIR/$1.log"
}

# A TCP stream SRC_NS -> DST (iperf3), restarted whenever it breaks (the NIC under test goes away
# or down), until SECS pass. The server runs in DST_NS ("" = root) on PORT.
vn_tcp_start() { # NAME SRC_NS DST_NS DST_IP PORT SECS [iperf3 client args]
	local name=$1 src=$2 dst=$3 ip=$4 port=$5 secs=$6
	shift 6
	local netns=()
	[ -z "$dst" ] || netns=(ip netns exec "$dst")
	vn_bg_start "$name-srv" timeout $((secs + 30)) "${netns[@]}" iperf3 -s -p "$port"
	vn_wait 60 vn_listening "$dst" "$port" || { vn_log "iperf3 server did not start"; return 1; }
	# shellcheck disable=SC2016  # (expanded by the inner bash)
	vn_bg_start "$name" ip netns exec "$src" bash -c '
		end=$((SECONDS + $3)); ip=$1 port=$2; shift 3
		while [ $SECONDS -lt $end ]; do
			timeout $((end - SECONDS + 10)) iperf3 -c "$ip" -p "$port" -t $((end - SECONDS)) --connect-timeout 1000 "$@" > /dev/null 2>&1
			sleep 0.3
		done' _ "$ip" "$port" "$secs" "$@"
}
# End the TCP sockets of port PORT in NS (ss -K), then wait until none holds data any more, at
# most SECS s: a socket closed with segments still in its out-of-order queue keeps them (and
# their RX pages) until it dies, which, orphaned in FIN_WAIT1 without a route, takes minutes.
# TIME_WAIT and LISTEN hold none. Prints what is left; status 0 if none.
vn_tcp_end() { # NS PORT SECS
	local left end=$((SECONDS + $3)) sel="( sport = :$2 or dport = :$2 )"
	vn_in "$1" ss -K -tan "$sel" > /dev/null 2>&1
	while left=$(vn_in "$1" ss -Htan "$sel" | grep -vE '^(TIME-WAIT|LISTEN)'); [ -n "$left" ]; do
		[ $SECONDS -lt $end ] || { echo "$left"; return 1; }
		vn_sleep 0.2
	done
}

# A UDP flood SRC_NS -> IP:PORT (socat, SIZE-byte datagrams), restarted if it stops, for SECS.
vn_udp_start() { # NAME SRC_NS DST_IP PORT SECS [SIZE]
	# shellcheck disable=SC2016  # (expanded by the inner bash)
	vn_bg_start "$1" ip netns exec "$2" bash -c '
		end=$((SECONDS + $3))
		while [ $SECONDS -lt $end ]; do
			timeout $((end - SECONDS + 1)) socat -u -b "$4" OPEN:/dev/zero "UDP-SENDTO:$1:$2" > /dev/null 2>&1
			sleep 0.2
		done' _ "$3" "$4" "$5" "${6:-1400}"
}

# A UDP socket that never reads, with a receive buffer of BYTES (SO_RCVBUFFORCE): the skbs it
# queues keep their RX pages (page pool pages with pp) in flight until it is stopped.
vn_udp_sink_start() { # NAME NS PORT BYTES
	local netns=()
	[ -z "$2" ] || netns=(ip netns exec "$2")
	vn_bg_start "$1" "${netns[@]}" "$VN_PY" "$TOP/guest/py/udp_sink.py" "$3" "$4"
	_vn_bg_ready "$1"
}
vn_udp_queued() { # NS PORT: bytes queued on the UDP sockets bound to PORT (rx_queue)
	local p loc q sum=0
	p=$(printf '%04X' "$2")
	while read -r _ loc _ _ q _; do
		[ "${loc#*:}" != "$p" ] || sum=$((sum + 16#${q#*:}))
	done < <(vn_in "$1" cat /proc/net/udp)
	echo "$sum"
}

# Datagrams that the receiver checks byte for byte (guest/py/dgram.py).
vn_dgram_send() { # NS IP PORT COUNT SIZE: prints the number sent
	vn_in "$1" "$VN_PY" "$TOP/guest/py/dgram.py" send "$2" "$3" "$4" "$5"
}
vn_dgram_recv_start() { # NAME NS PORT SIZE [IDLE]: a checking receiver in the background,
	# until IDLE (3) seconds pass without a datagram
	local netns=()
	[ -z "$2" ] || netns=(ip netns exec "$2")
	vn_bg_start "$1" "${netns[@]}" "$VN_PY" "$TOP/guest/py/dgram.py" recv "$3" "$4" "${5:-3}"
	_vn_bg_ready "$1"
}
vn_dgram_recv_result() { # NAME: wait for the receiver, set VN_DGRAM to its "good=N bad=N"
	# (not from a command substitution: the receiver is a child of this shell)
	local pid=${VN_BG[$1]}
	[ -z "$pid" ] || wait "$pid"
	unset "VN_BG[$1]"
	# shellcheck disable=SC2034  # (for the caller)
	VN_DGRAM=$(grep -o 'good=[0-9]* bad=[0-9]*' "$VN_DIR/$1.log") ||
		{ VN_DGRAM="no result: $(tail -1 "$VN_DIR/$1.log")"; return 1; }
}
