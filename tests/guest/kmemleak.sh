#!/bin/bash
# kmemleak after the scenarios that ran before it in this boot (list it last): the module
# unloaded, two scans (an object is reported once it stayed unreferenced over a scan), then
# every suspected leak is printed; one whose allocation backtrace goes through virtio_net or
# page_pool fails the test, the others (boot-time objects of other subsystems) are diag only.
# Skips, saying so, on a kernel without CONFIG_DEBUG_KMEMLEAK (the lean one: `make
# check-debug` boots the debug flavour, which has it).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
f=/sys/kernel/debug/kmemleak

ktap_plan 1
if [ ! -e $f ]; then
	ktap_skip "no virtio_net or page_pool leak" "no $f: kernel without CONFIG_DEBUG_KMEMLEAK (make check-debug has it)"
	ktap_exit
fi
vn_unload
for i in 1 2; do echo scan > $f; sleep 5; done
leaks=$(cat $f)
all=$(grep -c '^unreferenced object' <<< "$leaks")
ours=$(awk '/^unreferenced object/ { n += hit; hit = 0 } /virtio_net|page_pool/ { hit = 1 }
	END { print n + hit }' <<< "$leaks")
ktap_diag "kmemleak: $all suspected leaks, $ours through virtio_net or page_pool"
[ "$all" = 0 ] || sed 's/^/# /' <<< "$leaks" | head -200
ktap_result "$([ "$ours" = 0 ]; echo $?)" "no virtio_net or page_pool leak"
ktap_exit
