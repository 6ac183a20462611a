#!/bin/bash
# Install the drivers/net/virtio_net kselftests of the patched tree (build/linux) into
# build/kselftest, the way a maintainer runs them: run_kselftest.sh in the guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dest=$BUILD/kselftest
rm -rf "$dest"
make -s -C "$BUILD/linux/tools/testing/selftests" TARGETS=drivers/net/virtio_net \
	INSTALL_PATH="$dest" install > "$BUILD/kselftest.log" 2>&1 || { tail -20 "$BUILD/kselftest.log"; die "kselftest install failed"; }
step "kselftests installed: $dest ($("$dest/run_kselftest.sh" -l | xargs))"
