#!/bin/bash
# The kernel's own driver tests, tools/testing/selftests/drivers/net/*.py and hw/*.py of the
# patched tree, run the way netdev's CI runs them against virtio_net: the NIC under test (B)
# in the test's netns (vnB), the peer (A) in another (vnA, REMOTE_TYPE=netns), with each
# variant loaded. Every KTAP result of every test becomes one result here, its skips with the
# test's own reason; a test that cannot start (import error, bad environment) fails.
# A's TSO/GSO are off while they run: B then receives MTU-sized packets, not 64 KiB GSO frames,
# which is what hw/pp_alloc_fail.py's traffic floor (15000 rx-packets per second) counts.
# Knobs: NETDRV_TESTS (the list below), NETDRV_TIMEOUT (300 s per test).
. "$(dirname "${BASH_SOURCE[0]}")/../../guest/lib.sh"
dir=$BUILD/linux/tools/testing/selftests/drivers/net
read -ra tests <<< "${NETDRV_TESTS:-ping.py queues.py stats.py hw/csum.py hw/pp_alloc_fail.py hw/rss_ctx.py}"

run_test() { # VARIANT TEST: the test's KTAP lines as this scenario's results
	local v=$1 t=$2 out rc n=0 st name reason
	out=$(ip netns exec "${VN_NS[1]}" env NETIF="$b" LOCAL_V4="${VN_IP4[1]}" REMOTE_V4="${VN_IP4[0]}" \
		LOCAL_V6="${VN_IP6[1]}" REMOTE_V6="${VN_IP6[0]}" REMOTE_TYPE=netns REMOTE_ARGS="${VN_NS[0]}" \
		timeout "${NETDRV_TIMEOUT:-300}" "$VN_PY" "$dir/$t" 2>&1)
	rc=$?
	echo "$out" > "$VNPP_OUT/netdrv-$v-${t//\//-}.log"
	while read -r st name reason; do
		n=$((n + 1))
		case $st in
		ok) ktap_ok "$v: $t: $name" ;;
		skip) ktap_skip "$v: $t: $name" "$reason" ;;
		*) ktap_fail "$v: $t: $name"; grep '^#' <<< "$out" | tail -8 ;;
		esac
	done < <(sed -nE 's/^ok [0-9]+ ([^ #]+) *# *SKIP *(.*)$/skip \1 \2/p; t; s/^ok [0-9]+ ([^ #]+).*/ok \1/p; s/^not ok [0-9]+ ([^ #]+).*/fail \1/p' <<< "$out")
	if [ $n = 0 ]; then
		ktap_fail "$v: $t: ran (exit status $rc, no result line)"
		tail -8 <<< "$out" | sed 's/^/# /'
	fi
}

ktap_plan
for v in "${VN_VARIANTS[@]}"; do
	vn_load_wired "$v" || continue
	b=$(vn_nics | tail -1)
	a=$(vn_nics | head -1)
	ip netns exec "${VN_NS[0]}" ethtool -K "$a" tso off gso off > /dev/null 2>&1
	for t in "${tests[@]}"; do run_test "$v" "$t"; done
	vn_end "$v"
done
ktap_exit
