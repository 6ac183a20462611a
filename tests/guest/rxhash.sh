#!/bin/bash
# An XDP program's bpf_xdp_metadata_rx_hash() reads the hash the device reported from the virtio
# header right before xdp->data (virtnet_xdp_rx_hash(): struct virtio_net_hdr_v1_hash, 20
# bytes, where the device offers VIRTIO_NET_F_HASH_REPORT: vm.sh profile hash; else a skip).
# In big packets mode the series builds the xdp_buff on the first page of a buffer, and v3 left
# the header 32 bytes before the packet there: programs were given padding as hash and type.
# Per variant, in the boot's mode, then in big packets mode, B runs tests/xdp/hdr_hash.c, which
# reads the header where that kfunc does (these kernels have no BTF to call it), while A sends
# RXHASH_COUNT datagrams: at least 90% must be seen, and every one seen must carry a hash
# report. tests/broken/big-hdr-padded, v3's layout, must fail in big packets mode
# (tests/known-bugs.txt: big-hdr-hash); base runs no XDP in big packets mode (a skip).
# Knobs: RXHASH_VARIANTS ("$PATCHED base", or comma separated), RXHASH_COUNT (500).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
mapfile -t variants < <(vn_variants "${RXHASH_VARIANTS:-$PATCHED base}")
count=${RXHASH_COUNT:-500}
nsA=${VN_NS[0]} nsB=${VN_NS[1]}

hits() { # KEY: counter KEY of tests/xdp/hdr_hash.c's map (its BTF formats the value)
	bpftool -j map lookup name hdr_hash_hits key "$1" 0 0 0 | jq -e '.formatted.value'
}

hash_test() { # MODE: the test in B's current mode MODE
	local mode=$1 b f err s0 r0 sent seen rep ok
	local what="$v: $mode: the hash report is right before the packet"
	b=$(vn_nics | tail -1)
	f=$(vn_in "$nsB" cat "/sys/class/net/$b/device/features") || { ktap_fail "$what"; return; }
	if [ "${f:VN_F_HASH_REPORT:1}" != 1 ]; then
		ktap_skip "$what" "no hash report negotiated (vm.sh profile hash offers it)"
		return
	fi
	if ! err=$(vn_xdp_attach "$nsB" "$b" hdr_hash 2>&1); then
		ktap_diag "$v: $mode: attach refused: ${err//$'\n'/ }"
		ktap_fail "$what"
		return
	fi
	s0=$(hits 0) r0=$(hits 1)
	sent=$(vn_dgram_send "$nsA" "${VN_IP4[1]}" "$VN_XDP_PORT" "$count" 1000)
	vn_sleep 1
	seen=$(($(hits 0) - s0)) rep=$(($(hits 1) - r0))
	vn_xdp_detach "$nsB" "$b"
	ktap_diag "$v: $mode: $sent datagrams sent, $seen seen by the program, $rep of them with a hash report"
	ok=$([ "$seen" -gt 0 ] && [ $((seen * 10)) -ge $((sent * 9)) ] && [ "$rep" = "$seen" ]; echo $?)
	if [ "$mode" = big ]; then
		ktap_known "$ok" "$what" big-hdr-hash "$v"
	else
		ktap_result "$ok" "$what"
	fi
}

ktap_plan
vn_xdp_hold || { ktap_fail "XDP programs loaded"; ktap_exit; }
for v in "${variants[@]}"; do
	vn_load_wired "$v" || continue
	mode=$(vn_rx_mode "$(vn_nics | head -1)")
	hash_test "$mode"
	if [ "$mode" != big ]; then
		if [ "$(vn_big_xdp "$v")" != runs ]; then
			ktap_skip "$v: big: the hash report is right before the packet" "this driver $(vn_big_xdp "$v") XDP in big packets mode"
		elif ! vn_mode_offered big; then
			ktap_skip "$v: big: the hash report is right before the packet" "the device does not offer big packets mode here"
		elif vn_set_rx_mode big; then
			hash_test big
		else
			ktap_diag "$v: could not switch to big packets mode, which the device offers"
			ktap_fail "$v: big: the hash report is right before the packet"
		fi
	fi
	vn_set_rx_mode "$mode" || ktap_diag "$v: could not switch back to $mode mode"
	vn_end "$v"
done
ktap_exit
