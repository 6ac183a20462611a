#!/bin/bash
# PID 1 of the guest booted by scripts/vm.sh (root = the host's / over read-only 9p).
# Mounts the pseudo and scratch filesystems, the writable OUTDIR share (kernel cmdline
# vnpp.out=), loads virtio_net's dependencies, runs OUTDIR/cmd with cwd=$TOP (output to
# OUTDIR/guest.log, status to OUTDIR/rc) or a console shell (vnpp.shell=1), then powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=linux LANG=C.UTF-8
TOP=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)

say() { echo "vnpp-init: $*" > /dev/console; }
mnt() { # type dir [options]
	mountpoint -q "$2" || mount -t "$1" ${3:+-o "$3"} "$1" "$2" || say "mount $1 on $2 failed"
}
poweroff_now() {
	sync
	echo o > /proc/sysrq-trigger
	while :; do sleep 10; done # PID 1 must not exit (that would panic)
}

mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mnt devpts /dev/pts
mnt tmpfs /dev/shm
for d in /tmp /run /var/tmp /var/log /root; do
	[ -d "$d" ] && mnt tmpfs "$d" mode=1777
done
mkdir -p /run/lock /run/netns
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
mnt bpf /sys/fs/bpf
mnt cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd 2>/dev/null

read -ra cmdline < /proc/cmdline
for arg in "${cmdline[@]}"; do
	case $arg in
	vnpp.out=*) out=${arg#vnpp.out=} ;;
	vnpp.shell=*) shell=${arg#vnpp.shell=} ;;
	esac
done
[ -n "$out" ] && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vnppout "$out" ||
	{ say "cannot mount the OUTDIR share on '$out'"; poweroff_now; }
. "$out/env"

hostname vnpp
ip link set lo up
# virtio_net's dependencies where the config builds them as modules (built in otherwise: no .ko)
for m in lib/dim/dimlib.ko net/core/failover.ko drivers/net/net_failover.ko; do
	[ ! -f "$KBUILD/$m" ] || insmod "$KBUILD/$m" || say "insmod $m failed"
done
cd "$TOP" || say "no $TOP"
# tools newer than the machine's (scripts/tools.sh: ethtool with --json for the kernel's tests)
[ ! -d "$BUILD/tools/bin" ] || export PATH=$BUILD/tools/bin:$PATH
case ,$VNPP_PROFILE, in # the NICs are VDUSE devices: the daemon and its vdpa devices first
*,vduse,*)
	extra=
	case ,$VNPP_PROFILE, in *,small,*|*,big,*) extra=--no-mrg ;; esac
	bash -c '. guest/lib.sh && vn_vduse_start "$@"' _ $extra > "$out/vduse-start.log" 2>&1 ||
		say "the VDUSE NICs did not start: $(cat "$out/vduse-start.log")"
	;;
esac

if [ "$shell" = 1 ]; then
	say "shell (OUTDIR=$out); exit or Ctrl-D powers off"
	setsid -w -c bash -i < /dev/ttyS0 > /dev/ttyS0 2>&1
	rc=$?
else
	say "running: $(cat "$out/cmd")"
	echo "up ($(cut -d' ' -f1 /proc/uptime)s kernel uptime), running the command" >> "$out/progress"
	bash -c "$(cat "$out/cmd")" < /dev/null > "$out/guest.log" 2>&1
	rc=$?
	say "command finished rc=$rc"
fi
echo $rc > "$out/rc"
dmesg > "$out/dmesg.txt"
poweroff_now
