#!/bin/bash
# Host check after the kselftest stage: the drivers/net/virtio_net kselftests, installed on their
# own (TARGETS=drivers/net/virtio_net, as scripts/kselftest.sh does), carry every file their
# shell libraries source. Since 6.13 net/lib.sh sources net/lib/sh/defer.sh; a tree whose
# virtio_net Makefile does not install it runs basic_features.sh with no test in it, and the
# runner still says ok. Sourcing the installed net/lib.sh shows it: bash names the missing file
# and carries on.
# The patched tree's install (build/kselftest*) must pass; the unpatched base tree's, installed
# here, must fail where tests/known-bugs.txt lists the bug for it (KTAP TODO), pass elsewhere.
# Output: KTAP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/guest/lib/driver.sh" # vn_known_bug (scripts/lib.sh ktap_known): tests/known-bugs.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing() { # INSTALLDIR: what its net/lib.sh cannot source ("" if it has no net/lib.sh)
	[ -f "$1/net/lib.sh" ] || return 0
	bash -c 'source "$1/net/lib.sh"' _ "$1" 2>&1 >/dev/null | grep 'No such file' || true
}

base_tree=$(git -C "$TREE" config --get remote.origin.url)
make -s -C "$base_tree/tools/testing/selftests" TARGETS=drivers/net/virtio_net \
	INSTALL_PATH="$tmp/base" install > "$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; die "installing the base tree's kselftests failed"; }

echo "KTAP version 1"
echo "1..2"
out=$(missing "$KSELFTEST")
ktap_result "$([ -z "$out" ]; echo $?)" "$PATCHED: installed kselftests source only installed files" "$out"
out=$(missing "$tmp/base")
ktap_known "$([ -z "$out" ]; echo $?)" "base: installed kselftests source only installed files" \
	kselftest-files base "$out"
exit "$KTAP_FAILED"
