#!/bin/bash
# Build the guest kernel (bzImage + the modules virtio_net needs) from build/linux ($TREE)
# into build/kbuild with the lean fragment config/vnpp.config (and config/vnpp-<base>.config), through ccache
# (VNPP_FLAVOUR=debug: into build/kbuild-debug, adding config/vnpp-debug.config).
# A rerun with nothing changed returns in seconds; only the config or core changes rebuild.
# VNPP_CONFIG_ONLY=1: configure only (does every config line take on this base?).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$TREE
obj=$KBUILD
mkdir -p "$obj"
frag=$obj/vnpp.fragment
# What the tree's own selftests that the workbench runs ask for, read from the tree (so a new
# base brings its needs along), then ours: the last assignment of a symbol wins.
selftest_configs=()
for d in drivers/net drivers/net/virtio_net; do
	[ -f "$src/tools/testing/selftests/$d/config" ] && selftest_configs+=("$src/tools/testing/selftests/$d/config")
done
# config/vnpp-<base>.config: what only one base takes (a symbol another base dropped)
ours=("$TOP/config/vnpp.config" "$TOP/config/vnpp-$VNPP_BASE.config")
[ -f "${ours[1]}" ] || ours=("${ours[0]}")
[ -z "${VNPP_FLAVOUR:-}" ] || ours+=("$TOP/config/vnpp-$VNPP_FLAVOUR.config")
cat "${selftest_configs[@]}" "${ours[@]}" > "$frag"
# Paths below the checkout reach the compiler relative to the build directory: a clone
# elsewhere on this machine (CI's) finds the objects this one compiled in the cache.
export CCACHE_BASEDIR=$TOP
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
kmake() { make -s -C "$src" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" "$@"; }

stamp=$(sha1sum < "$frag" | cut -c1-12)
if [ "$(cat "$obj/.vnpp-config-id" 2>/dev/null)" != "$stamp" ]; then
	step "configuring: allnoconfig + ${selftest_configs[*]#"$src/"} + ${ours[*]#"$TOP/"}"
	KCONFIG_ALLCONFIG=$frag kmake allnoconfig >/dev/null 2>&1
	# the last assignment of each symbol must be in .config ("=n": not set, or absent)
	missing=$(tac "$frag" | grep -E '^CONFIG_' | sort -t= -k1,1 -u | while read -r l; do
		case $l in
		*=n) ! grep -q "^${l%=n}=" "$obj/.config" ;;
		*) grep -qxF "$l" "$obj/.config" ;;
		esac || echo "$l"
	done)
	[ -z "$missing" ] || die "config lines that did not take: $missing"
	echo "$stamp" > "$obj/.vnpp-config-id"
fi

[ -z "${VNPP_CONFIG_ONLY:-}" ] || { step "configured: $obj/.config (VNPP_CONFIG_ONLY: no build)"; exit 0; }
start=$(date +%s)
step "building bzImage and modules in $obj (with an empty ccache about 16 minutes on 2 cores, either flavour; log: $obj/build.log)"
( kmake -j"$(nproc)" bzImage modules > "$obj/build.log" 2>&1 ) &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 30
	kill -0 $pid 2>/dev/null && step "  still building ($(( $(date +%s) - start ))s, $(find "$obj" -name "*.o" | wc -l) objects)"
done
wait $pid || { tail -30 "$obj/build.log"; die "kernel build failed"; }
step "kernel built in $(( $(date +%s) - start ))s: $(kmake -s kernelrelease)"
