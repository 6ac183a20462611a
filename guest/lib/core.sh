# shellcheck shell=bash
# Logging, progress, retries, time; the scratch directory and the Python helpers.
VN_DIR=/tmp/vn                  # scratch (tmpfs in the guest)
VN_PY=/usr/bin/python3
mkdir -p "$VN_DIR"

vn_log() { echo "${FUNCNAME[1]}: $*" >&2; }
vn_progress() { echo "$*" >> "$VNPP_OUT/progress"; }  # one line, streamed by scripts/vm.sh
vn_kmsg() { echo "vnpp: $*" > /dev/kmsg; }             # a marker in dmesg and the console log
# A report the scenario provokes on purpose: scripts/console-scan.sh exempts the console lines
# matching ERE between these two markers (and only those).
vn_expect_begin() { vn_kmsg "expect $1"; } # ERE
vn_expect_end() { vn_kmsg "expect end"; }
vn_wait() { # SECONDS CMD...: retry CMD every 0.2s until it succeeds or SECONDS pass
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
vn_py() { # NAME ARGS...: run guest/py/NAME.py
	local name=$1
	shift
	"$VN_PY" "$TOP/guest/py/$name.py" "$@"
}

# A sleep without fork/exec (process creation costs 0.1-0.2 s under TCG, and fails under
# injected page allocation failures): read -t on a fifo nobody writes to.
mkfifo "$VN_DIR/sleep.fifo" 2>/dev/null
exec {_vn_sleep_fd}<>"$VN_DIR/sleep.fifo"
vn_sleep() { read -r -t "$1" -u "$_vn_sleep_fd"; true; }

vn_secs() { # START (from $EPOCHREALTIME): seconds since, with one decimal
	local now=$EPOCHREALTIME
	awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}
