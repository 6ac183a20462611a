#!/bin/bash
# The kernel's own kselftests for drivers/net/virtio_net (installed from the patched tree by
# scripts/kselftest.sh), through run_kselftest.sh as a maintainer runs them, with each
# variant loaded: pp must pass page_pool.sh; base must fail it, naming the missing pools (the
# test detects the difference: a skip or any other failure fails); basic_features.sh must pass
# with both. basic_features.sh needs
# VRF (config/vnpp.config has it): on a kernel without it, it is skipped with that reason.
# On 7.3 page_pool.sh is the net-next series' (skipped, with that reason, until it exists).
# The runner exits 0 even when a test fails, so its KTAP result lines are what counts, and an
# ok counts only with the test's own "TEST:" lines and no error from the shell libraries it
# sources (7.3 as shipped installs net/lib.sh without net/lib/sh/defer.sh: basic_features.sh
# then runs nothing and exits 0; scripts/kselftest-files.sh shows that on the host).
# KSELFTEST_VARIANTS ("$PATCHED base", or comma separated): a variant broken on purpose must fail
# the test its bug is listed for (tests/known-bugs.txt, key ksft-TEST). KSELFTEST_TESTS (the
# two, or comma separated); KSELFTEST_FUNCS (comma separated): only these test functions of
# each test (forwarding/lib.sh's TESTS, e.g. mergeable_test of page_pool.sh). The runner sets
# TESTS itself (its list of collection:test), so with KSELFTEST_FUNCS each test runs on its own,
# under the same timeout, and its exit status makes the runner's line.
# KSELFTEST_TIMEOUT: the runner's per-test timeout instead of the tests' settings file (900 s;
# page_pool.sh alone took longer than that on the debug kernel under TCG: make check-debug
# sets it).
. "$(dirname "$0")/../../guest/lib.sh"
ks=$KSELFTEST
# page_pool.sh reads the pools with the ynl CLI; an installed kselftest has no copy of it
export YNL_CLI=$TREE/tools/net/ynl/cli.py YNL_SPEC=$TREE/Documentation/netlink/specs/netdev.yaml
list=${KSELFTEST_TESTS:-basic_features.sh page_pool.sh}
read -ra tests <<< "${list//,/ }"
mapfile -t variants < <(vn_variants "${KSELFTEST_VARIANTS:-$PATCHED base}")

# VARIANT TEST: runs one kselftest; prints its output as diag lines, then its KTAP result
# line. The whole runner output stays in $VNPP_OUT/kselftest-VARIANT-TEST.log.
run_test() {
	local out=/tmp/kselftest-$1-$2.log rc
	rm -f "/tmp/$2"
	if [ -n "${KSELFTEST_FUNCS:-}" ]; then
		(cd "$ks/drivers/net/virtio_net" &&
			TESTS=${KSELFTEST_FUNCS//,/ } timeout "${KSELFTEST_TIMEOUT:-900}" "./$2") > "/tmp/$2" 2>&1
		rc=$?
		case $rc in
		0) echo "ok 1 selftests: drivers/net/virtio_net: $2" ;;
		4) echo "ok 1 selftests: drivers/net/virtio_net: $2 # SKIP" ;;
		*) echo "not ok 1 selftests: drivers/net/virtio_net: $2 # exit=$rc" ;;
		esac > "$out"
	else
		# -p: the test's own output goes to /tmp/<test> (appended to the runner's
		# /dev/stdout, it got lost here), then after the runner's KTAP lines
		(cd "$ks" && ./run_kselftest.sh -p ${KSELFTEST_TIMEOUT:+-o "$KSELFTEST_TIMEOUT"} -t "drivers/net/virtio_net:$2") > "$out" 2>&1
	fi
	sed 's/^\([^#]\)/# \1/' "/tmp/$2" >> "$out" 2>/dev/null
	cp "$out" "$VNPP_OUT/"
	grep -E '^# ' "$out" | grep -vE '^# (timeout set|selftests:)' | tail -40
	grep -E '^(not )?ok [0-9]+ selftests: ' "$out" | tail -1
}

ktap_plan
if [ ! -x "$ks/run_kselftest.sh" ]; then
	for v in "${variants[@]}"; do for t in "${tests[@]}"; do ktap_fail "$v: $t (not installed: run scripts/kselftest.sh)"; done; done
	ktap_exit
fi
for v in "${variants[@]}"; do
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
		if [[ $line == "ok "*"# SKIP"* ]]; then
			ktap_skip "$v: $t" "the kselftest skipped: $(grep -m1 -i skip <<< "$res" | cut -c1-120)"
			continue
		fi
		# the runner's ok says only that the script exited 0: a test that sourced a library
		# that is not installed ran none of its tests and exited 0 too
		broke=$(grep -m1 -E 'No such file or directory|command not found' <<< "$res")
		rc=0
		if [[ $line != "ok "* ]]; then
			rc=1
		elif [ -n "$broke" ]; then
			rc=1 && ktap_diag "$v: $t: its shell libraries broke: ${broke#\# }"
		elif ! grep -q '^# TEST: ' <<< "$res"; then
			rc=1 && ktap_diag "$v: $t: the runner said ok, but no TEST line: nothing ran"
		fi
		# a variant broken on purpose fails the test of its bug (tests/known-bugs.txt,
		# key ksft-TEST: pools-one-napi's page_pool.sh in a boot with two queue pairs)
		ktap_known $rc "$v: $t" "ksft-${t%.sh}" "$v"
	done
	vn_filters_clear
done
vn_unload
ktap_result $? "unload"
ktap_exit
