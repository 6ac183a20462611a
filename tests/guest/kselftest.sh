#!/bin/bash
# The kernel's own kselftests for drivers/net/virtio_net (installed from the patched tree by
# scripts/kselftest.sh), through run_kselftest.sh as a maintainer runs them, with each
# variant loaded: pp must pass page_pool.sh; base must fail it, naming the missing pools (the
# test detects the difference: a skip or any other failure fails); basic_features.sh must pass
# with both. basic_features.sh needs
# VRF (config/vnpp.config has it): on a kernel without it, it is skipped with that reason.
# On 7.3 page_pool.sh is the net-next series' (skipped, with that reason, until it exists).
# The runner exits 0 even when a test fails, so its KTAP result lines are what counts.
# KSELFTEST_TIMEOUT: the runner's per-test timeout instead of the tests' settings file (900 s;
# page_pool.sh alone took longer than that on the debug kernel under TCG: make check-debug
# sets it).
. "$(dirname "$0")/../../guest/lib.sh"
ks=$KSELFTEST
# page_pool.sh reads the pools with the ynl CLI; an installed kselftest has no copy of it
export YNL_CLI=$TREE/tools/net/ynl/cli.py YNL_SPEC=$TREE/Documentation/netlink/specs/netdev.yaml
tests=(basic_features.sh page_pool.sh)

# VARIANT TEST: runs one kselftest; prints its output as diag lines, then its KTAP result
# line. The whole runner output stays in $VNPP_OUT/kselftest-VARIANT-TEST.log.
run_test() {
	local out=/tmp/kselftest-$1-$2.log
	# -p: the test's own output goes to /tmp/<test> (appended to the runner's /dev/stdout,
	# it got lost here), then after the runner's KTAP lines
	rm -f "/tmp/$2"
	(cd "$ks" && ./run_kselftest.sh -p ${KSELFTEST_TIMEOUT:+-o "$KSELFTEST_TIMEOUT"} -t "drivers/net/virtio_net:$2") > "$out" 2>&1
	sed 's/^\([^#]\)/# \1/' "/tmp/$2" >> "$out" 2>/dev/null
	cp "$out" "$VNPP_OUT/"
	grep -E '^# ' "$out" | grep -vE '^# (timeout set|selftests:)' | tail -40
	grep -E '^(not )?ok [0-9]+ selftests: ' "$out" | tail -1
}

ktap_plan
if [ ! -x "$ks/run_kselftest.sh" ]; then
	for v in "$PATCHED" base; do for t in "${tests[@]}"; do ktap_fail "$v: $t (not installed: run scripts/kselftest.sh)"; done; done
	ktap_exit
fi
for v in "$PATCHED" base; do
	vn_load "$v" || { for t in "${tests[@]}"; do ktap_fail "$v: $t (driver did not load)"; done; continue; }
	for t in "${tests[@]}"; do
		if [ "$t" = basic_features.sh ] && ! grep -qw vrf /proc/net/dev 2>/dev/null &&
			! ip link add vnpp-vrf-probe type vrf table 10 2>/dev/null; then
			ktap_skip "$v: $t" "needs CONFIG_NET_VRF, which this kernel lacks"
			continue
		fi
		ip link del vnpp-vrf-probe 2>/dev/null
		if [ "$t" = page_pool.sh ] && [ "$VNPP_BASE" = 7.3 ] && ! vn_net_next; then
			ktap_skip "$v: $t" "7.3 has no page_pool.sh: it comes with series-net-next/"
			continue
		fi
		res=$(run_test "$v" "$t")
		sed '$d' <<< "$res"
		line=$(tail -1 <<< "$res")
		ktap_diag "$v: runner said: ${line:-nothing}"
		if [ "$v" = base ] && [ "$t" = page_pool.sh ]; then
			# base has no pools: the test must fail on them (the runner's line says
			# "not ok"; the test's own output names the pools it did not find)
			case $line in
			"not ok "*) grep -q 'page_pool(s) bound to' <<< "$res" ||
					ktap_diag "base: $t failed, but not on the missing pools" ;;
			*"# SKIP"*) ktap_diag "base: $t skipped instead of failing on the missing pools" ;;
			*) ktap_diag "base: $t passed although base has no page pools" ;;
			esac
			[[ $line == "not ok "* ]] && grep -q 'page_pool(s) bound to' <<< "$res"
			ktap_result $? "base: $t fails naming the missing pools"
			continue
		fi
		case $line in
		"ok "*"# SKIP"*) ktap_skip "$v: $t" "the kselftest skipped: $(grep -m1 -i skip <<< "$res" | cut -c1-120)" ;;
		"ok "*) ktap_ok "$v: $t" ;;
		*) ktap_fail "$v: $t" ;;
		esac
	done
	vn_filters_clear
done
vn_unload
ktap_result $? "unload"
ktap_exit
