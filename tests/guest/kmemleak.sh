#!/bin/bash
# kmemleak after the scenarios that ran before it in this boot (list it last): two scans (an
# object is reported once it stayed unreferenced over a scan) first with virtio_net loaded
# (the last of EDGE_VARIANTS, after a short transfer: its backtraces name the module while it
# is there), then again once it is unloaded; every suspected leak is printed; one whose
# allocation backtrace goes through virtio_net or page_pool fails the test, the others
# (boot-time objects of other subsystems) are diag only. A scan that fails (kmemleak disabled
# itself, e.g. after an internal error) fails. Skips, saying so, on a kernel without
# CONFIG_DEBUG_KMEMLEAK (the lean one: `make check-debug` boots the debug flavour, which has it).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
f=/sys/kernel/debug/kmemleak
v=${VN_VARIANTS[-1]}
T_LOADED="scans with virtio_net ($v) loaded: no virtio_net or page_pool leak"
T_UNLOADED="scans after the unload: no virtio_net or page_pool leak"

scan() { # WHEN: two scans, the report as diag lines; status 0 if both scans ran and no leak is ours
	local leaks all ours
	for _ in 1 2; do
		echo scan > $f || { ktap_diag "$1: the scan failed (kmemleak disabled?): $(dmesg | grep -i kmemleak | tail -1)"; return 1; }
		sleep 5
	done
	leaks=$(cat $f) || { ktap_diag "$1: reading $f failed"; return 1; }
	all=$(grep -c '^unreferenced object' <<< "$leaks")
	ours=$(awk '/^unreferenced object/ { n += hit; hit = 0 } /virtio_net|page_pool/ { hit = 1 }
		END { print n + hit }' <<< "$leaks")
	ktap_diag "$1: kmemleak: $all suspected leaks, $ours through virtio_net or page_pool"
	[ "$all" = 0 ] || while IFS= read -r l; do echo "# $l"; done <<< "$leaks" | head -200
	[ "$ours" = 0 ]
}

ktap_plan
if [ ! -e $f ]; then
	why="no $f: kernel without CONFIG_DEBUG_KMEMLEAK (make check-debug has it)"
	ktap_skip "$T_LOADED" "$why"
	ktap_skip "$T_UNLOADED" "$why"
	ktap_exit
fi
rc=1
if vn_load "$v" && vn_wire; then
	r=$(vn_iperf 2) && ktap_diag "$v: iperf3 2s A->B: $r"
	scan "$v loaded" && rc=0
else
	ktap_diag "$v: did not load or wire"
fi
ktap_result $rc "$T_LOADED"
vn_unload || ktap_diag "the unload failed"
rc=1
[ ! -d /sys/module/virtio_net ] && scan "unloaded" && rc=0
ktap_result $rc "$T_UNLOADED"
ktap_exit
