#!/bin/bash
# Install the drivers/net/virtio_net kselftests of the patched tree (build/linux) into
# build/kselftest, the way a maintainer runs them: run_kselftest.sh in the guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dest=$KSELFTEST
# installed beside, then swapped in: a guest running the old copy never sees it half gone
rm -rf "$dest.new"
make -s -C "$TREE/tools/testing/selftests" TARGETS=drivers/net/virtio_net \
	INSTALL_PATH="$dest.new" install > "$BUILD/kselftest.log" 2>&1 || { tail -20 "$BUILD/kselftest.log"; die "kselftest install failed"; }
rm -rf "$dest.old"
[ ! -d "$dest" ] || mv "$dest" "$dest.old"
mv "$dest.new" "$dest"
rm -rf "$dest.old"
step "kselftests installed: $dest ($("$dest/run_kselftest.sh" -l | xargs))"
