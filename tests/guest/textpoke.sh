#!/bin/bash
# The emulator's side of kprobes: kernel text patched by one vCPU while another runs it. Under a
# UDP flood A->B (B's NAPI poll and refill run in softirq on any vCPU), the kprobe events that
# netpoll.sh and faults.sh use are created, enabled, disabled and removed TEXTPOKE_CYCLES times
# on the functions the flood runs (virtnet_poll, its return, virtqueue_add_inbuf_ctx), each
# cycle long enough for the kprobe optimizer to turn the int3 into a jump and back (x86's
# text_poke_bp()). The guest must survive: an "Oops: int3" (a vCPU ran an int3 the kernel had
# already taken out, or had not yet announced) fails the boot through the console scan.
# This is a check of the workbench's emulator, not of the driver: scripts/qemu.sh says which
# QEMU passes it.
# Knobs: TEXTPOKE_CYCLES (CI 100, full 1000), TEXTPOKE_VARIANT ($PATCHED), TEXTPOKE_OPTIMIZE (1: the
# kernel's default; 0: debug.kprobes-optimization=0, int3 only).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
cycles=$(vn_knob TEXTPOKE_CYCLES 100 1000)
v=${TEXTPOKE_VARIANT:-$PATCHED}
tr=/sys/kernel/tracing
sysctl -qw debug.kprobes-optimization="${TEXTPOKE_OPTIMIZE:-1}"
ktap_plan 3
ktap_diag "$cycles cycles, $(nproc) vCPUs, kprobe optimization $(cat /proc/sys/debug/kprobes-optimization 2>/dev/null || echo n/a)"

if ! vn_load "$v" || ! vn_wire; then
	ktap_fail "$v: load and wire"
	ktap_fail "kprobes armed and removed under traffic"
	ktap_fail "traffic after"
	ktap_exit
fi
ktap_ok "$v: load and wire"
ip netns exec "${VN_NS[0]}" timeout 3600 socat -u -b 1400 OPEN:/dev/zero "UDP-SENDTO:${VN_IP4[1]}:9" 2> /dev/null &
flood=$!
sleep 1
i=0 err=''
start=$SECONDS
while [ $i -lt "$cycles" ]; do
	if ! {
		echo 'p:vnpp/tp_poll virtio_net:virtnet_poll budget=%si:s32'
		echo 'r:vnpp/tp_pollret virtio_net:virtnet_poll'
		echo 'p:vnpp/tp_add virtqueue_add_inbuf_ctx'
	} >> $tr/kprobe_events 2> /dev/null || ! echo 1 > $tr/events/vnpp/enable; then
		err="cycle $i: the kprobes could not be armed"
		break
	fi
	vn_sleep 0.1
	echo 0 > $tr/events/vnpp/enable
	for e in tp_poll tp_pollret tp_add; do echo "-:vnpp/$e" >> $tr/kprobe_events; done
	i=$((i + 1))
	[ $((i % 25)) != 0 ] || vn_progress "textpoke: $i/$cycles cycles ($((SECONDS - start))s)"
done
kill "$flood" 2> /dev/null
wait "$flood" 2> /dev/null
ktap_diag "$i cycles in $((SECONDS - start))s${err:+: $err}"
ktap_result "$([ -z "$err" ]; echo $?)" "kprobes armed and removed under traffic $cycles times"
r=$(vn_iperf 2)
rc=$?
ktap_diag "iperf3 2s A->B: $r"
ktap_result $rc "traffic after"
sysctl -qw debug.kprobes-optimization=1
ktap_exit
