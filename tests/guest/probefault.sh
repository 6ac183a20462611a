#!/bin/bash
# Probe error paths: bind NIC B while failslab fails the Nth slab allocation of the binding task
# (GFP_KERNEL ones too), for N = 1, 1 + STRIDE, ... until a bind goes through without an
# injected failure. Every failure point of virtnet_probe() that the device reaches is hit this
# way, among them those after the page pools exist (register_netdevice() and what it
# allocates). After each failed bind no pool of B may be left (page-pool-get), nor a pool in
# flight; at the end B binds, carries traffic, and after the final unload nothing is left and
# MemAvailable is back (vn_end). On the debug kernel kmemleak (listed after this scenario)
# names what leaked. VDUSE's IRQ moderation failure path is not reachable here: it needs
# VIRTIO_NET_F_VQ_NOTF_COAL, which QEMU 7.2 does not offer.
# Knobs: EDGE_PROBEFAULT_STRIDE (CI 3, full 1), EDGE_PROBEFAULT_MAX (400) allocations at most.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
stride=$(vn_knob EDGE_PROBEFAULT_STRIDE 3 1)
max=${EDGE_PROBEFAULT_MAX:-400}
fs=/sys/kernel/debug/failslab

failslab() { # INTERVAL: arm one failure of the INTERVALth allocation of a task that asks for it
	echo 0 > $fs/space && echo N > $fs/ignore-gfp-wait && echo Y > $fs/task-filter &&
		echo 0 > $fs/verbose && echo 100 > $fs/probability && echo "$1" > $fs/interval &&
		echo 1 > $fs/times
}
failslab_off() { echo 0 > $fs/probability; echo 0 > $fs/times; }
bind_failing() { # VIRTIODEV: bind it from a task that fails slab allocations as armed
	bash -c 'echo 1 > /proc/self/make-it-fail && echo "$0" > /sys/bus/virtio/drivers/virtio_net/bind' "$1" 2> /dev/null
}

ktap_plan
for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	vn_unwire
	vB=${VN_VIRTIO[1]}
	vn_unbind "$vB"
	base_pools=$(vn_pp_field "$(vn_pp summary)" pools)
	n=1 steps=0 failed_binds=0 leaks=0 done=0 injected=0
	while [ $n -le "$max" ]; do
		failslab "$n" || { ktap_diag "$v: cannot arm failslab"; break; }
		bind_failing "$vB"
		injected=$(( $(cat $fs/times) == 0 ))
		failslab_off
		steps=$((steps + 1))
		if vn_netdev_root "$vB" > /dev/null; then
			# bound: either no failure was injected (the sweep is through), or probe survived it
			[ $injected = 1 ] || { done=1; break; }
			vn_unbind "$vB"
		else
			failed_binds=$((failed_binds + 1))
		fi
		s=$(vn_pp summary)
		if [ "$(vn_pp_field "$s" pools)" != "$base_pools" ]; then
			leaks=$((leaks + 1))
			ktap_diag "$v: allocation $n failed: pools left behind: $s"
			vn_pp list | sed 's/^/#   /'
		fi
		n=$((n + stride))
	done
	ktap_diag "$v: $steps binds with the Nth allocation failing (N = 1..$n, stride $stride): $failed_binds failed, pools left behind after $leaks"
	ktap_result "$([ $done = 1 ]; echo $?)" "$v: the sweep reached a bind with no injected failure"
	ktap_result "$([ $failed_binds -gt 0 ]; echo $?)" "$v: injected failures made probe fail"
	ktap_result "$([ $leaks = 0 ]; echo $?)" "$v: no page pool left behind by a failed probe"
	vn_netdev_root "$vB" > /dev/null || vn_bind "$vB"
	vn_wire && r=$(vn_iperf 2)
	rc=$?
	ktap_diag "$v: after the sweep: $r"
	ktap_result $rc "$v: B works after the sweep"
	vn_end "$v"
done
ktap_exit
