# shellcheck shell=bash
# VDUSE NICs (profile vduse): A and B are VDUSE devices of build/vduse/vduse_net.
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
