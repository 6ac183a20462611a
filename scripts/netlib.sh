#!/bin/bash
# Build the helpers of the kernel's own drivers/net tests (tests/guest/netdrv.sh runs them from
# the patched tree): tools/testing/selftests/net/lib's programs (csum, gro, xdp_helper) and XDP
# objects (xdp_dummy.bpf.o...), which ping.py, queues.py and hw/csum.py run from there. They
# land beside their sources, where the tree's .gitignore keeps them out of git's way.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

lib=$TREE/tools/testing/selftests/net/lib
log=$BUILD/netlib$BSFX.log
step "building the helpers in $lib (log: $log)"
make -C "$lib" > "$log" 2>&1 || { tail -20 "$log"; die "make -C $lib failed"; }
step "net/lib helpers: $(find "$lib" -maxdepth 1 -type f \( -perm -u+x ! -name '*.*' -o -name '*.bpf.o' \) -printf '%f ')"
