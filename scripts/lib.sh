# shellcheck shell=bash
# Shared helpers for the workbench scripts (sourced, not run).
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VNPP_BUILD:-$TOP/build}
mkdir -p "$BUILD"  # every entry point writes its logs there from its first step
T0=${T0:-$(date +%s)}
# The base kernel: VNPP_BASE=6.12 (the default: Debian 12's linux-source-6.12, with series/ in
# build/linux) or 7.3 (trixie-backports' linux-source-7.3, with series-net/, series-vdpa/ then
# series-net-next/ in build/linux-7.3). Every build directory of a base other than 6.12 carries
# its name; the patched variant is "pp" on 6.12 (our series) and "next" on 7.3 (the net and
# net-next series on upstream's page_pool; series-vdpa/ is in the 7.3 kernel of both variants).
VNPP_BASE=${VNPP_BASE:-6.12}
case $VNPP_BASE in
6.12) BSFX='' SERIES_DIRS=series PATCHED=pp ;;
7.3) BSFX=-7.3 SERIES_DIRS='series-net series-vdpa series-net-next' PATCHED=next ;;
*) echo "error: VNPP_BASE=$VNPP_BASE: 6.12 or 7.3" >&2; exit 1 ;;
esac
TREE=$BUILD/linux$BSFX KSELFTEST=$BUILD/kselftest$BSFX
# The kernel flavour: VNPP_FLAVOUR unset = the lean kernel (build/kbuild, build/mods);
# VNPP_FLAVOUR=debug = the same plus config/vnpp-debug.config (build/kbuild-debug, build/mods-debug).
KBUILD=$BUILD/kbuild$BSFX${VNPP_FLAVOUR:+-$VNPP_FLAVOUR}
VNPP_MODS=$BUILD/mods$BSFX${VNPP_FLAVOUR:+-$VNPP_FLAVOUR}
# The cache (VNPP_CACHE, ~/.cache/vnpp): downloaded packages, the private apt configuration of
# scripts/apt-newer.sh, ccache, the unpacked QEMU. A fresh machine has none of it.
CACHE=${VNPP_CACHE:-$HOME/.cache/vnpp}
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
QEMU_DIR=$CACHE/qemu
export TOP BUILD T0 KBUILD VNPP_MODS CACHE QEMU_DIR VNPP_BASE TREE KSELFTEST PATCHED
# The QEMU that scripts/vm.sh runs: the cache's (scripts/tools.sh), or the machine's with
# VNPP_QEMU=system (or system-single, scripts/vm.sh)
qemu_exe() {
	case ${VNPP_QEMU:-cache} in
	system*) echo qemu-system-x86_64 ;;
	*) echo "$QEMU_DIR/usr/bin/qemu-system-x86_64" ;;
	esac
}

# KTAP lines of the host checks (lint.sh, fresh-clone.sh): numbered; on failure DIAG (text) as
# "# " lines before the result, where scripts/results.sh looks for the why of a failure.
# KTAP_FAILED is 1 once one failed.
KTAP_N=0 KTAP_FAILED=0
ktap_result() { # RC DESC [DIAG]
	KTAP_N=$((KTAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $KTAP_N $2"
		return
	fi
	# shellcheck disable=SC2034  # read by the scripts that source this file
	KTAP_FAILED=1
	[ -z "${3:-}" ] || while IFS= read -r l; do echo "# $l"; done <<< "$3"
	echo "not ok $KTAP_N $2"
}
# ktap_result, unless VARIANT has the known bug KEY on this base (tests/known-bugs.txt; the
# guest's ktap_known, guest/lib/ktap.sh, for the host checks): then the test must fail, and
# reports that as KTAP TODO; a pass there fails (the test no longer reaches the bug).
ktap_known() { # RC DESC KEY VARIANT [DIAG]
	local why
	why=$(vn_known_bug "$4" "$3")
	if [ -z "$why" ]; then
		ktap_result "$1" "$2" "${5:-}"
	elif [ "$1" != 0 ]; then
		KTAP_N=$((KTAP_N + 1))
		[ -z "${5:-}" ] || while IFS= read -r l; do echo "# $l"; done <<< "$5"
		echo "not ok $KTAP_N $2 # TODO known: $why"
	else
		ktap_result 1 "$2 (passed on $4, which has the known bug $3: the test did not reach it)"
	fi
}

step() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
# The closing lines of make check over result files (scripts/results.sh lines); status 0 if
# nothing failed and something passed. An XFAIL is a test doing its job (failing on a driver
# with a known bug, tests/known-bugs.txt): it counts as passed, and the count says how many.
results_summary() { # FILE...
	local p f s x
	read -r p f s x < <(awk '{ n[$1]++ } END { print n["PASS"] + 0, n["FAIL"] + 0, n["SKIP"] + 0, n["XFAIL"] + 0 }' "$@")
	[ "$x" = 0 ] || echo "$x of the passed: expected failures on unpatched drivers (XFAIL, tests/known-bugs.txt)"
	echo "$((p + x)) passed, $f failed, $s skipped"
	[ "$f" = 0 ] && [ "$p" -gt 0 ]
}
die() { echo "error: $*" >&2; exit 1; }
# The lines of a data file (tests/boots*.txt, tests/skips.txt) without comments and blank lines.
content_lines() { grep -v '^[[:space:]]*\(#\|$\)' "$1"; }

# The guest (guest/init.sh) mounts its own filesystems over these: a path below them on the host
# is not what the guest sees there. guest_visible DIR dies when DIR is below one.
guest_visible() {
	case $1/ in
	/tmp/*|/run/*|/var/tmp/*|/var/log/*|/root/*|/dev/*|/proc/*|/sys/*)
		die "$1 is hidden in the guest (it mounts tmpfs, proc, sysfs over /tmp /run /var/tmp /var/log /root /dev /proc /sys): use a checkout and OUTDIR elsewhere" ;;
	esac
}

# The identity patches are signed with: git config of the project, else VNPP_NAME/VNPP_EMAIL.
set_ident() {
	local name email
	name=${VNPP_NAME:-$(git -C "$TOP" config user.name || echo 'vnpp developers')}
	email=${VNPP_EMAIL:-$(git -C "$TOP" config user.email || echo 'vnpp@example.org')}
	git -C "$1" config user.name "$name"
	git -C "$1" config user.email "$email"
}

# The patches of the base's series folders in order, without the cover letters.
series_patches() {
	local d p
	for d in $SERIES_DIRS; do
		for p in "$TOP/$d"/[0-9]*.patch; do
			[ -e "$p" ] && [[ $p != */0000-* ]] && echo "$p"
		done
	done
	true
}

# Identifies base version + series content: the tree ($TREE) is rebuilt when it changes.
series_id() {
	local p
	mapfile -t p < <(series_patches)
	{ echo "$1"; [ ${#p[@]} = 0 ] || cat "${p[@]}"; } | sha1sum | cut -c1-12
}

# The Debian package version of the base tree ($TREE).
base_version() { git -C "$TREE" log -1 --format=%s "$(git -C "$TREE" rev-list --max-parents=0 HEAD)" | awk '{print $NF}'; }

# A script that stops on an error (set -e) says where and on what, instead of exiting silently.
trap 'echo "error: ${BASH_SOURCE[0]##*/}:$LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
