#!/bin/bash
# Build the two virtio_net variants as external modules against the one kernel build:
#   build/mods/base/virtio_net.ko  from the untouched base tree
#   build/mods/pp/virtio_net.ko    from the patched tree (build/linux)
# (VNPP_BASE=7.3: build/mods-7.3/base and build/mods-7.3/next, from build/linux-7.3)
# and the workbench's test modules tests/modules/*.c into build/mods/<name>/.
# A virtio_net.c change rebuilds only that module (seconds). Extra make args (W=1 C=1) pass through.
# VNPP_EXTRA_MODS="NAME=PATH/virtio_net.c ...": more variants, build/mods/NAME/virtio_net.ko (a
# variant broken on purpose, the previous revision of the series...), for `vn_load NAME`.
# tests/broken/NAME.sed (7.3: tests/broken-7.3/): the patched driver broken on purpose by that sed
# script, to show a test can fail: build/mods/NAME/virtio_net.ko.
# VNPP_FLAVOUR=debug: against build/kbuild-debug into build/mods-debug.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$KBUILD
[ -f "$obj/arch/x86/boot/bzImage" ] || die "no kernel in $obj: run scripts/kernel.sh first"
# Paths below the checkout reach the compiler relative to the build directory: a clone
# elsewhere on this machine (CI's) finds the objects this one compiled in the cache.
export CCACHE_BASEDIR=$TOP
base_tree=$(git -C "$TREE" config --get remote.origin.url)

build_module() { # NAME SOURCE.c [make args...]: $VNPP_MODS/NAME/<source's name>.ko
	local name=$1 src=$2 dir=$VNPP_MODS/$1 mod
	shift 2
	mod=$(basename "$src" .c)
	mkdir -p "$dir"
	cmp -s "$src" "$dir/$mod.c" || cp "$src" "$dir/"
	echo "obj-m += $mod.o" > "$dir/Kbuild"
	make -s -C "$obj" M="$dir" CC="ccache gcc" "$@" modules 2>&1 | tee "$dir/build.log"
	[ -f "$dir/$mod.ko" ] || die "module $name did not build"
	step "module $name: $dir/$mod.ko"
}

build_module base "$base_tree/drivers/net/virtio_net.c" "$@"
build_module "$PATCHED" "$TREE/drivers/net/virtio_net.c" "$@"
build_module vnpp_pm "$TOP/tests/modules/vnpp_pm.c"
build_module vnpp_netpoll "$TOP/tests/modules/vnpp_netpoll.c"
build_module vnpp_rxlen "$TOP/tests/modules/vnpp_rxlen.c"
build_module vnpp_probefault "$TOP/tests/modules/vnpp_probefault.c"
# the broken variants of this base's driver (tests/broken: 6.12, tests/broken-7.3: 7.3)
for f in "$TOP/tests/broken$BSFX"/*.sed; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .sed)
	src=$BUILD/broken$BSFX/$name/virtio_net.c
	mkdir -p "${src%/*}"
	sed -f "$f" "$TREE/drivers/net/virtio_net.c" > "$src"
	cmp -s "$src" "$TREE/drivers/net/virtio_net.c" &&
		die "tests/broken/$name.sed no longer changes the driver"
	build_module "$name" "$src" "$@"  # copies it only when it changed: no needless rebuild
done
for m in ${VNPP_EXTRA_MODS:-}; do build_module "${m%%=*}" "${m#*=}" "$@"; done
