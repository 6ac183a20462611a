#!/bin/bash
# The kernel build directories scripts/series-check.sh compiles the driver in besides the lean
# kernel's, as netdev's CI builds every patch: clang with LLVM=1 (build/kbuild-clang) and 32-bit
# x86 (build/kbuild-i386), each from the lean kernel's config fragment (scripts/kernel.sh) on
# allnoconfig, prepared for external modules only (modules_prepare: a minute or two each the
# first time, seconds after). 7.3 (VNPP_BASE) builds in build/kbuild-clang-7.3 and so on.
# clang: the newest clang-NN installed (Debian 12 has clang-19; the distribution's clang 14 is
# older than 7.3's minimum, scripts/min-tool-version.sh).
# Usage: scripts/kbuild-extra.sh clang|i386 -> prints the make arguments of that build, one a line
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:?usage: $0 clang|i386}
frag=$KBUILD/vnpp.fragment
[ -f "$frag" ] || die "no $frag: run scripts/kernel.sh first"
obj=$BUILD/kbuild-$kind$BSFX
case $kind in
clang)
	llvm=$(compgen -c clang- | grep -xE 'clang-[0-9]+' | sort -t- -k2 -n | tail -1)
	[ -n "$llvm" ] || die "no clang-NN installed (scripts/deps.sh installs clang-19)"
	args=(O="$obj" LLVM="-${llvm#clang-}") ;;
i386) args=(O="$obj" ARCH=i386) ;;
*) die "$kind: clang or i386" ;;
esac
kmake() { make -s -C "$TREE" "${args[@]}" "$@"; }

stamp=$( { cat "$frag"; echo "${args[*]}"; } | sha1sum | cut -c1-12)
if [ "$(cat "$obj/.vnpp-prepared" 2>/dev/null)" != "$stamp" ]; then
	step "preparing $obj for external modules (${args[*]:1}, log: $obj/prepare.log)" >&2
	mkdir -p "$obj"
	{ KCONFIG_ALLCONFIG=$frag kmake allnoconfig && kmake -j"$(nproc)" modules_prepare; } > "$obj/prepare.log" 2>&1 ||
		{ tail -20 "$obj/prepare.log" >&2; die "$kind: modules_prepare failed"; }
	grep -q '^CONFIG_VIRTIO_NET=m' "$obj/.config" || die "$kind: CONFIG_VIRTIO_NET=m did not take"
	echo "$stamp" > "$obj/.vnpp-prepared"
	step "prepared $obj" >&2
fi
printf '%s\n' "${args[@]}"
