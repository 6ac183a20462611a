#!/bin/bash
# Boot the guest kernel under QEMU (TCG) with the host's / as a read-only 9p root and run one
# command in it (guest/init.sh is PID 1), or give a shell on the console (-s).
#
# Usage: scripts/vm.sh [-p PROFILE]... [-e NAME=VALUE]... [-t TIMEOUT_S] [-o OUTDIR] [-s] -- COMMAND [ARGS...]
#   PROFILE (comma separated or repeated): mergeable (default) small big  nodma (default) dma
#           viommu  mq=N  vduse (no QEMU NICs: A and B are VDUSE devices of build/vduse/vduse_net,
#           started in the guest by guest/init.sh; implies dma; small: the daemon without MRG_RXBUF)
#           swiotlb (dma, and every streaming mapping bounces: swiotlb=force; swiotlb=MIB: a bounce
#           buffer of MIB MiB instead of the default 64)  ring=N (RX ring size)  hash (the NICs
#           report a hash per packet: VIRTIO_NET_F_HASH_REPORT, 20-byte virtio headers)
#   OUTDIR  (default build/runs/<timestamp>-<profile>) is shared writable at the same path in
#           the guest. Host writes: env, cmd, qemu.cmd, qemu.log, console.log;
#           guest writes: progress, guest.log, rc, dmesg.txt (and whatever the command writes)
#   NAME=VALUE is exported in the guest (any name; also every EDGE_* variable, VNPP_SCENARIO_TIMEOUT
#           and KSELFTEST_TIMEOUT of vm.sh's own environment)
# Env: VNPP_SMP (2), VNPP_MEM (2048), VNPP_TCG (single; multi: MTTCG), VNPP_ICOUNT (-icount options),
#      VNPP_QEMU (unset: the QEMU 10 `scripts/tools.sh` unpacks; system: the machine's, MTTCG
#      only; system-single: the machine's in one thread, which loses virtio notifications),
#      VNPP_FLAVOUR (unset: the lean kernel; debug: build/kbuild-debug and build/mods-debug),
#      VNPP_MONITOR (1: QEMU's human monitor on OUTDIR/monitor.sock).
# Exit status: the guest command's, or 124 on timeout, 125 if the guest left no rc,
# 126 if the console log shows kernel trouble (scripts/console-scan.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { sed -n '2,18s/^# \{0,1\}//p' "$0" >&2; exit 2; }

profiles=() timeout=1800 out='' shell=0 guest_env=()
while getopts p:e:t:o:sh opt; do
	case $opt in
	p) IFS=, read -ra p <<< "$OPTARG"; profiles+=("${p[@]}") ;;
	e) [[ $OPTARG == [A-Za-z_]*=* ]] || die "-e takes NAME=VALUE, not '$OPTARG'"; guest_env+=("$OPTARG") ;;
	t) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	s) shell=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $shell = 1 ] || [ $# -gt 0 ] || usage

# Profile -> device options, netdev options, machine options, guest cmdline.
rxmode=mergeable dma=nodma viommu=0 mq=1 vduse=0 swiotlb=0 swiotlb_mib='' ring='' hash=0
for p in "${profiles[@]}"; do
	case $p in
	mergeable|small|big) rxmode=$p ;;
	dma|nodma) dma=$p ;;
	viommu) viommu=1 dma=dma ;;
	mq=[0-9]*) mq=${p#mq=} ;;
	vduse) vduse=1 dma=dma ;;
	swiotlb) swiotlb=1 dma=dma ;;
	swiotlb=[0-9]*) swiotlb=1 dma=dma swiotlb_mib=${p#swiotlb=} ;;
	ring=[0-9]*) ring=${p#ring=} ;;
	hash) hash=1 ;;
	*) die "unknown profile '$p'" ;;
	esac
done
profile="$rxmode,$dma"
[ $viommu = 0 ] || profile+=",viommu"
[ "$mq" = 1 ] || profile+=",mq=$mq"
[ $vduse = 0 ] || profile+=",vduse"
[ $swiotlb = 0 ] || profile+=",swiotlb${swiotlb_mib:+=$swiotlb_mib}"
[ -z "$ring" ] || profile+=",ring=$ring"
[ $hash = 0 ] || profile+=",hash"

# The emulator: QEMU 10 from bookworm-backports, which scripts/tools.sh unpacks into the cache
# (with its own firmware and modules); VNPP_QEMU=system: the machine's own QEMU (Debian 12: 7.2).
# QEMU before 8.1 drops the guest's memory barriers when one host thread runs all vCPUs (TCG
# without CF_PARALLEL; fixed by "tcg: Do not elide memory barriers for !CF_PARALLEL in system
# mode"), while its main loop runs the devices in another thread: a virtqueue's event index
# handshake then loses a notification now and then, and a send queue stalls for good (README:
# "QEMU 10, not Debian 12's 7.2"). So 7.2 runs only with MTTCG; VNPP_QEMU=system-single runs it
# in one thread all the same, to show the lost notifications (tests/guest/floodping.sh).
qemu_bin=("$(qemu_exe)")
if [ "${VNPP_QEMU:-cache}" = system ]; then
	[ "${VNPP_TCG:-single}" = multi ] && [ -z "${VNPP_ICOUNT:-}" ] ||
		die "VNPP_QEMU=system in one host thread loses virtio notifications: add VNPP_TCG=multi"
elif [ "${VNPP_QEMU:-cache}" != system-single ]; then
	[ -x "${qemu_bin[0]}" ] || die "no QEMU in $QEMU_DIR (run scripts/tools.sh)"
	qemu_bin+=(-L "$QEMU_DIR/usr/share/qemu")
	export QEMU_MODULE_DIR=$QEMU_DIR/usr/lib/x86_64-linux-gnu/qemu
fi

dev_opts=''
case $rxmode in
small) dev_opts+=",mrg_rxbuf=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off"
	# QEMU 8.2 and later also offer UDP segmentation in (GUEST_USO4 and 6), which takes the
	# driver to big packets mode as well (virtnet_check_guest_gso())
	! "${qemu_bin[@]}" -device virtio-net-pci,help | grep -q guest_uso4 ||
		dev_opts+=",guest_uso4=off,guest_uso6=off" ;;
big) dev_opts+=",mrg_rxbuf=off" ;;
esac
[ "$dma" = nodma ] || dev_opts+=",iommu_platform=on,disable-legacy=on"
[ -z "$ring" ] || dev_opts+=",rx_queue_size=$ring"
# VIRTIO_NET_F_HASH_REPORT: the device computes a hash per packet and reports it in a 20-byte
# virtio header (struct virtio_net_hdr_v1_hash)
[ $hash = 0 ] || dev_opts+=",hash=on"
tap_flags="vnet_hdr" net_opts=''
if [ "$mq" != 1 ]; then
	dev_opts+=",mq=on,vectors=$((2 * mq + 2))"
	net_opts+=",queues=$mq"
	tap_flags+=" multi_queue"
fi
machine=q35 append_extra='' iommu_dev=()
if [ $viommu = 1 ]; then
	machine+=",kernel-irqchip=split"
	iommu_dev=(-device "intel-iommu,intremap=on,caching-mode=on")
	append_extra=" intel_iommu=on iommu.strict=1"
fi
# every streaming DMA mapping bounces; the buffer is counted in 2 KiB slots
[ $swiotlb = 0 ] || append_extra+=" swiotlb=${swiotlb_mib:+$((swiotlb_mib * 512)),}force"

kernel=$KBUILD/arch/x86/boot/bzImage
nics=(-netdev "tap,id=nA,ifname=tapA,script=no,downscript=no,vhost=off$net_opts"
	-device "virtio-net-pci,netdev=nA,mac=52:54:00:00:00:0a$dev_opts"
	-netdev "tap,id=nB,ifname=tapB,script=no,downscript=no,vhost=off$net_opts"
	-device "virtio-net-pci,netdev=nB,mac=52:54:00:00:00:0b$dev_opts")
if [ $vduse = 1 ]; then # the NICs are VDUSE devices in the guest (guest/init.sh starts the daemon)
	[ "$mq" = 1 ] || die "vduse: one queue pair only (6.12's VDUSE refuses CTRL_VQ for net)"
	[ $viommu = 0 ] || die "vduse: no vIOMMU (VDUSE maps through its own bounce buffers)"
	[ -x "$BUILD/vduse/vduse_net" ] || die "no $BUILD/vduse/vduse_net (run scripts/progs.sh)"
	nics=()
fi
[ -f "$kernel" ] || die "no kernel: $kernel (run scripts/kernel.sh)"
if [ -z "$out" ]; then
	out=$BUILD/runs/$(date +%Y%m%d-%H%M%S)-${profile//[,=]/-}
	[ ! -e "$out" ] || out+="-$$"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
guest_visible "$TOP"
guest_visible "$out"
rm -f "$out"/{rc,progress,guest.log,dmesg.txt,console.log,qemu.cmd,qemu.log,cmd,env}

# For guest/init.sh: the environment to export, and the command line (shell-quoted).
printf 'export TOP=%q BUILD=%q KBUILD=%q VNPP_MODS=%q VNPP_OUT=%q VNPP_PROFILE=%q\n' \
	"$TOP" "$BUILD" "$KBUILD" "$VNPP_MODS" "$out" "$profile" > "$out/env"
printf 'export VNPP_BASE=%q TREE=%q KSELFTEST=%q PATCHED=%q\n' "$VNPP_BASE" "$TREE" "$KSELFTEST" "$PATCHED" >> "$out/env"
for v in ${!EDGE_@} VNPP_SCENARIO_TIMEOUT KSELFTEST_TIMEOUT; do # scenario knobs (guest/lib/knobs.sh, guest/run.sh, kselftest.sh)
	[ -z "${!v+x}" ] || printf 'export %s=%q\n' "$v" "${!v}" >> "$out/env"
done
for e in "${guest_env[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}" >> "$out/env"; done
[ $# = 0 ] || { printf '%q ' "$@"; echo; } > "$out/cmd"

append="root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose"
append+=" ro console=ttyS0 panic=-1 init=$TOP/guest/init.sh vnpp.out=$out vnpp.shell=$shell$append_extra"
if [ $shell = 1 ]; then
	serial=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$out/console.log" -serial chardev:con -mon chardev=con)
else
	serial=(-serial "file:$out/console.log" -monitor none)
	# VNPP_MONITOR=1: QEMU's human monitor on $out/monitor.sock, to look at a running guest's
	# devices from the host (echo 'info virtio' | socat - UNIX-CONNECT:$out/monitor.sock)
	[ "${VNPP_MONITOR:-0}" = 0 ] || serial[3]=unix:$out/monitor.sock,server=on,wait=off
fi
# TCG's threads: VNPP_TCG=single (the default: all vCPUs in one host thread, in turn) or multi
# (MTTCG, one host thread per vCPU). MTTCG is unsound for a kernel that patches its own text
# while another vCPU runs it (kprobes, static keys): a vCPU can run an int3 after the kernel
# took it out and synchronised every CPU ("Oops: int3" at virtnet_poll+0x1, in QEMU 7.2 and
# 10.0 alike; tests/guest/textpoke.sh shows it within 100 kprobe cycles, single within none of
# 2000). VNPP_ICOUNT=OPTS runs the vCPUs in one thread counting instructions (-icount OPTS,
# e.g. shift=auto,sleep=off): slower, its own noise.
accel=(-accel "tcg,thread=${VNPP_TCG:-single}")
[ -z "${VNPP_ICOUNT:-}" ] || accel=(-accel "tcg,thread=single" -icount "$VNPP_ICOUNT")
qemu=("${qemu_bin[@]}" -nodefaults -no-user-config -display none -no-reboot
	-machine "$machine" "${accel[@]}" -cpu max -smp "${VNPP_SMP:-2}" -m "${VNPP_MEM:-2048}"
	-kernel "$kernel" -append "$append" "${serial[@]}"
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=root,mount_tag=/dev/root"
	-fsdev "local,id=out,path=$out,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=out,mount_tag=vnppout"
	-device virtio-rng-pci
	"${iommu_dev[@]}" "${nics[@]}")
{ echo "profile: $profile"; printf '%q ' "${qemu[@]}"; echo; } > "$out/qemu.cmd"

# Private host netns: tapA and tapB joined by a bridge. Nothing outside it is touched.
ns=vnpp-$$ qpid=''
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	ip -n "$ns" link del tapA 2>/dev/null || true
	ip -n "$ns" link del tapB 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
nip() { ip -n "$ns" "$@"; }
nip link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
for t in tapA tapB; do
	# shellcheck disable=SC2086  # tap_flags is a list of words
	nip tuntap add dev $t mode tap $tap_flags
	nip link set $t mtu 65520 master br0 up # jumbo frames pass too, not only GSO ones
done
nip link set br0 up
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1

step "booting (profile $profile) -> $out"
start=$(date +%s)
if [ $shell = 1 ]; then
	ip netns exec "$ns" "${qemu[@]}" || true
else
	ip netns exec "$ns" "${qemu[@]}" < /dev/null > "$out/qemu.log" 2>&1 &
	qpid=$!
	seen=0 last=$start timed_out=0
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		n=$(wc -l 2>/dev/null < "$out/progress" || echo 0)
		if [ "$n" -gt "$seen" ]; then # stream the guest's progress lines
			sed -n "$((seen + 1)),${n}p" "$out/progress" | while read -r l; do step "  guest +$((now - start))s: $l"; done
			seen=$n last=$now
		fi
		if [ $((now - start)) -ge "$timeout" ]; then
			step "timeout after ${timeout}s: killing QEMU"
			kill "$qpid"; timed_out=1
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null && sleep 0.5; done
			kill -9 "$qpid" 2>/dev/null || true
			break
		fi
		[ $((now - last)) -lt 30 ] || { step "  running ($((now - start))s)"; last=$now; }
	done
	wait "$qpid" 2>/dev/null || true
	qpid=
	sed 's/^/    qemu: /' "$out/qemu.log"
fi
elapsed=$(( $(date +%s) - start ))

rc=125
if [ "${timed_out:-0}" = 1 ]; then
	rc=124
elif [ -s "$out/rc" ]; then
	rc=$(tr -dc 0-9 < "$out/rc")
fi
step "guest finished rc=$rc in ${elapsed}s (logs: $out)"
if ! scan=$("$TOP/scripts/console-scan.sh" "$out/console.log"); then
	echo "console log shows kernel trouble ($out/console.log):" >&2
	echo "$scan" | head -20 | sed 's/^/    /' >&2
	[ "$rc" != 0 ] || rc=126
fi
exit "$rc"
