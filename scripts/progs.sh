#!/bin/bash
# Build the workbench's userspace test programs on the host (never in the guest, where / is the
# host's, read-only): tests/vduse/vduse_net.c -> build/vduse/vduse_net (tests/guest/vduse.sh).
# gcc with -Wall -Wextra -Werror: a warning fails the build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$TOP/tests/vduse/vduse_net.c out=$BUILD/vduse/vduse_net
mkdir -p "$(dirname "$out")"
if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
	gcc -O2 -g -Wall -Wextra -Werror -o "$out.tmp" "$src"
	mv "$out.tmp" "$out"
fi
step "vduse_net: $out"
