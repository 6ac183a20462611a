#!/bin/bash
# What the receive path keeps in the bounce buffer when every DMA mapping bounces
# (swiotlb=force, the DMA API on: the vm.sh profile word "swiotlb"), with all queues in use:
# swiotlb slots (2 KiB each) in use once the rings are filled, at the peak of a stream per
# queue, and once the traffic has stopped, for each variant. base maps each posted buffer and
# unmaps it on completion; pp maps a page once and keeps it mapped while its pool holds it,
# so what it keeps is the pool's memory, in bounce slots. Checks: the traffic runs, and after
# the unload every slot the variant took is free again (a mapping leaked by an error or
# teardown path stays counted there). The figures are diag lines ("slots:").
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
dbg=/sys/kernel/debug/swiotlb
secs=$(vn_knob EDGE_SWIOTLB_SECS 10 10)

slots() { cat "$dbg/io_tlb_used"; }

ktap_plan
if ! grep -qw 'swiotlb=force' /proc/cmdline || [ ! -r "$dbg/io_tlb_used" ]; then
	ktap_skip "bounce buffer use" "swiotlb is not forced (boot with the vm.sh profile word swiotlb) or $dbg is missing"
	ktap_exit
fi
ktap_diag "swiotlb: $(cat "$dbg/io_tlb_nslabs") slots of 2 KiB"
for v in "${VN_VARIANTS[@]}"; do
	s0=$(slots)
	vn_load_wired "$v" || continue
	q=1
	for dev in $(vn_nics); do
		max=$(vn_ethtool_value "$dev" -l Combined)
		vn_in "$(vn_ns "$dev")" ethtool -L "$dev" combined "${max:-1}" > /dev/null 2>&1 && q=${max:-1}
	done
	b=$(vn_nics | tail -1)
	ring=$(vn_ethtool_value "$b" -g RX cur)
	loaded=$(slots)
	echo 0 > "$dbg/io_tlb_used_hiwater"
	vn_iperf "$secs" -P "$q" > /dev/null
	ktap_result $? "$v: $q streams A->B over $q queue pairs through the bounce buffer"
	peak=$(cat "$dbg/io_tlb_used_hiwater")
	vn_sleep 2
	idle=$(slots)
	ktap_diag "$v: slots: before load $s0, rings filled $loaded, peak $peak, idle after the traffic $idle" \
		"($q queue pairs per NIC, RX ring $ring; two NICs)"
	[ "$v" = base ] || vn_pp list | sed 's/^/# pools: /'
	vn_end "$v"
	s1=$(slots)
	[ "$s1" -le "$s0" ]
	ktap_result $? "$v: every slot free again after the unload ($s1 in use, $s0 before the load)"
done
ktap_exit
