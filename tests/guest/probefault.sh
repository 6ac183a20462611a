#!/bin/bash
# Probe error paths: bind NIC B while the Nth fault-injection point of the binding task fails
# (/proc/self/fail-nth: a slab or page allocation, GFP_KERNEL ones too), for N = 1, 1 + STRIDE,
# ... until a bind goes through without an injected failure. Every failure point of virtnet_probe() that the device reaches is hit this
# way, among them those after the page pools exist (register_netdevice() and what it
# allocates). After each failed bind no pool of B may be left (page-pool-get), nor a pool in
# flight; at the end B binds, carries traffic, and after the final unload nothing is left and
# MemAvailable is back (vn_end). On the debug kernel kmemleak (listed after this scenario)
# names what leaked. VDUSE's IRQ moderation failure path is not reachable here: it needs
# VIRTIO_NET_F_VQ_NOTF_COAL, which QEMU 7.2 does not offer.
# Knobs: EDGE_PROBEFAULT_STRIDE (CI 8, full 1), EDGE_PROBEFAULT_MAX (5000) allocations at most.
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
stride=$(vn_knob EDGE_PROBEFAULT_STRIDE 8 1)
max=${EDGE_PROBEFAULT_MAX:-5000}
dbg=/sys/kernel/debug

fault_points() { # every slab and page allocation is a fault-injection point (none fails at random)
	echo 0 > $dbg/failslab/verbose && echo 0 > $dbg/fail_page_alloc/verbose &&
		echo N > $dbg/failslab/ignore-gfp-wait && echo N > $dbg/fail_page_alloc/ignore-gfp-wait &&
		echo N > $dbg/fail_page_alloc/ignore-gfp-highmem && echo 0 > $dbg/fail_page_alloc/min-order
}
bind_failing() { # VIRTIODEV N: bind it from a task whose Nth fault-injection point fails; prints
	# what is left of N afterwards (0: the failure was injected). The task's fail-nth file is
	# opened before it is armed and read and cleared through those descriptors after the bind, so
	# that nothing but the bind can fail (an injected failure in the shell's own file access on
	# the 9p root broke the guest's root filesystem).
	bash -c 'exec 3> /proc/self/fail-nth 4< /proc/self/fail-nth || exit 1
		echo "$1" >&3
		echo "$0" > /sys/bus/virtio/drivers/virtio_net/bind
		read -r left <&4
		echo 0 >&3
		echo "${left:-0}"' "$1" "$2" 2> /dev/null
}

ktap_plan
for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	vn_unwire
	vB=${VN_VIRTIO[1]}
	fault_points || ktap_diag "$v: fault injection points not set (debugfs)"
	vn_unbind "$vB"
	base_pools=$(vn_pp_field "$(vn_pp summary)" pools)
	n=1 steps=0 failed_binds=0 leaks=0 done=0 injected=0
	while [ $n -le "$max" ]; do
		left=$(bind_failing "$vB" "$n")
		injected=$(( ${left:-0} == 0 ))
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
	echo Y > $dbg/failslab/ignore-gfp-wait; echo Y > $dbg/fail_page_alloc/ignore-gfp-wait  # defaults
	vn_netdev_root "$vB" > /dev/null || vn_bind "$vB"
	vn_wire && r=$(vn_iperf 2)
	rc=$?
	ktap_diag "$v: after the sweep: $r"
	ktap_result $rc "$v: B works after the sweep"
	vn_end "$v"
done
ktap_exit
