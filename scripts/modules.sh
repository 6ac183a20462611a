#!/bin/bash
# Build the two virtio_net variants as external modules against the one kernel build:
#   build/mods/base/virtio_net.ko  from the untouched base tree
#   build/mods/pp/virtio_net.ko    from the patched tree (build/linux)
# A virtio_net.c change rebuilds only that module (seconds). Extra make args (W=1 C=1) pass through.
# VNPP_FLAVOUR=debug: against build/kbuild-debug into build/mods-debug.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$KBUILD
[ -f "$obj/arch/x86/boot/bzImage" ] || die "no kernel in $obj: run scripts/kernel.sh first"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/vnpp/ccache}
base_tree=$(git -C "$BUILD/linux" config --get remote.origin.url)

build_variant() { # name source-tree [make args...]
	local name=$1 src=$2 dir=$VNPP_MODS/$1
	shift 2
	mkdir -p "$dir"
	cmp -s "$src/drivers/net/virtio_net.c" "$dir/virtio_net.c" || cp "$src/drivers/net/virtio_net.c" "$dir/"
	echo 'obj-m += virtio_net.o' > "$dir/Kbuild"
	make -s -C "$obj" M="$dir" CC="ccache gcc" "$@" modules 2>&1 | tee "$dir/build.log"
	[ -f "$dir/virtio_net.ko" ] || die "module $name did not build"
	step "module $name: $dir/virtio_net.ko"
}

build_variant base "$base_tree" "$@"
build_variant pp "$BUILD/linux" "$@"
