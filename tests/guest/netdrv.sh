#!/bin/bash
# The kernel's own driver tests, tools/testing/selftests/drivers/net/*.py and hw/*.py of the
# patched tree, run the way netdev's CI runs them against virtio_net: the NIC under test (B)
# in the test's netns (vnB), the peer (A) in another (vnA, REMOTE_TYPE=netns), with each
# variant loaded. Every KTAP result of every test becomes one result here, its skips with the
# test's own reason; a test that cannot start (import error, bad environment), stops short of
# its own plan or is killed by the timeout fails.
# A's TSO/GSO are off while they run: B then receives MTU-sized packets, not 64 KiB GSO frames,
# which is what hw/pp_alloc_fail.py's traffic floor (15000 rx-packets per second) counts.
# hw/pp_alloc_fail.py fails page_pool_alloc_pages(), the only page_pool allocator 6.12 lets
# fail_function reach. virtio_net's buffers are pool fragments (page_pool_alloc_frag(), which
# does not call it) except in small mode with an XDP program, where a buffer is larger than
# half a page and takes a whole one: the NETDRV_XDP_TESTS run again there, B in small mode
# with XDP_PASS attached, so that the injected failures reach the driver's refill.
# Knobs: NETDRV_TESTS (the list below), NETDRV_XDP_TESTS (hw/pp_alloc_fail.py),
#        NETDRV_TIMEOUT (300 s per test).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
dir=$TREE/tools/testing/selftests/drivers/net
read -ra tests <<< "${NETDRV_TESTS:-ping.py queues.py stats.py hw/csum.py hw/pp_alloc_fail.py hw/rss_ctx.py}"
read -ra xdp_tests <<< "${NETDRV_XDP_TESTS-hw/pp_alloc_fail.py}"

run_test() { # VARIANT TEST [LABEL]: the test's KTAP lines as results "VARIANT: LABEL: ..."
	local v=$1 t=$2 label=${3:-$2} out rc n=0 st name reason log plan=
	log=$VNPP_OUT/netdrv-$v-${label//[\/ +]/-}.log
	# ip netns exec mounts a fresh /sys: debugfs (fail_function) is mounted again inside it.
	# The log is written as the test runs (unbuffered), so a timeout still shows how far it got.
	ip netns exec "${VN_NS[1]}" sh -c 'mount -t debugfs debugfs /sys/kernel/debug && exec "$@"' netdrv \
		env PYTHONUNBUFFERED=1 NETIF="$b" LOCAL_V4="${VN_IP4[1]}" REMOTE_V4="${VN_IP4[0]}" \
		LOCAL_V6="${VN_IP6[1]}" REMOTE_V6="${VN_IP6[0]}" REMOTE_TYPE=netns REMOTE_ARGS="${VN_NS[0]}" \
		timeout "${NETDRV_TIMEOUT:-300}" "$VN_PY" "$dir/$t" > "$log" 2>&1
	rc=$?
	out=$(cat "$log")
	# what a test killed by the timeout left running (its iperf3 of -t 86400) goes with it
	[ $rc != 124 ] || for ns in "${VN_NS[@]}"; do ip netns pids "$ns" | xargs -r kill; done
	while read -r st name reason; do
		case $st in
		diag) ktap_diag "$name $reason"; continue ;;
		plan) plan=$name; continue ;;
		ok) ktap_ok "$v: $label: $name" ;;
		skip) ktap_skip "$v: $label: $name" "$reason" ;;
		*) ktap_fail "$v: $label: $name" ;;
		esac
		n=$((n + 1))
	done < <(awk -v ethtool="$(ethtool --version)" -f "$TOP/guest/netdrv.awk" <<< "$out")
	if [ $n = 0 ]; then
		tail -8 <<< "$out" | sed 's/^/# /'
		ktap_fail "$v: $label: ran (exit status $rc, no result line)"
	elif [ $rc = 124 ] || [ "$n" != "${plan:-$n}" ]; then
		tail -8 <<< "$out" | sed 's/^/# /'
		ktap_fail "$v: $label: ran to its end ($n of ${plan:-?} planned results, exit status $rc$([ $rc != 124 ] || echo ": killed after ${NETDRV_TIMEOUT:-300} s"))"
	fi
}

nics() { # sets b (under test) and a (peer, TSO/GSO off: MTU-sized packets for B)
	b=$(vn_nics | tail -1)
	a=$(vn_nics | head -1)
	ip netns exec "${VN_NS[0]}" ethtool -K "$a" tso off gso off > /dev/null 2>&1
}

ktap_plan
[ ${#xdp_tests[@]} = 0 ] || vn_xdp_hold || { ktap_fail "XDP programs loaded"; ktap_exit; }
for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	nics
	# stats.py's check_down takes B down and up: its IPv6 address, which the tests after it
	# use, must survive that (as on a NIPA machine's configured interfaces)
	for ns in "${VN_NS[@]}"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1; done
	for t in "${tests[@]}"; do run_test "$v" "$t"; done
	if [ ${#xdp_tests[@]} -gt 0 ]; then
		vn_set_rx_mode small
		ktap_result $? "$v: small mode"
		nics
		if vn_xdp_attach "${VN_NS[1]}" "$b" pass; then
			ktap_ok "$v: XDP_PASS attached to B"
			f0=$(vn_ethtool_stats "${VN_NS[1]}" "$b" rx0_alloc_fail)
			for t in "${xdp_tests[@]}"; do run_test "$v" "$t" "small+XDP_PASS: $t"; done
			# what the driver counted, whatever the test's own verdict (rx0_alloc_fail: patch 3)
			f1=$(vn_ethtool_stats "${VN_NS[1]}" "$b" rx0_alloc_fail)
			ktap_diag "$v: rx0_alloc_fail $f0 -> $f1 over the small+XDP_PASS tests"
			! vn_counts_alloc_fail "$v" || { [ "$f1" -gt "$f0" ]; ktap_result $? "$v: small+XDP_PASS: the injected failures reached the refill (rx0_alloc_fail rose)"; }
			vn_xdp_detach "${VN_NS[1]}" "$b"
		else
			ktap_fail "$v: XDP_PASS attached to B"
		fi
	fi
	vn_end "$v"
done
ktap_exit
