#!/bin/bash
# Tools newer than Debian 12's, from Debian's newer suites (scripts/apt-newer.sh: a private apt
# configuration under the cache), unpacked, never installed.
#   ethtool (trixie) into build/tools/: `ethtool --json -g`, which the kernel's drivers/net
#     tests read (hw/pp_alloc_fail.py); the guest puts build/tools/bin first in its PATH.
#   QEMU 10 (bookworm-backports) into the cache, the emulator of scripts/vm.sh: Debian 12's 7.2
#     loses virtio notifications in single-threaded TCG (see vm.sh).
# Idempotent: a tool already unpacked at the version the suite has is left alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

unpack() { # DIR DEB...: DIR holds those packages' files, unpacked anew when one changed
	local dir=$1 id
	shift
	id=$(basename -a "$@" | sha1sum | cut -c1-12)
	[ "$(cat "$dir/.vnpp-id" 2>/dev/null)" != "$id" ] || return 0
	step "unpacking $(basename -a "$@" | xargs) into $dir"
	rm -rf "$dir" && mkdir -p "$dir"
	for d in "$@"; do dpkg-deb -x "$d" "$dir"; done
	echo "$id" > "$dir/.vnpp-id"
}

deb=$(bash "$TOP/scripts/apt-newer.sh" ethtool/trixie)
unpack "$BUILD/tools/ethtool" "$deb"
mkdir -p "$BUILD/tools/bin"
ln -sfn ../ethtool/usr/sbin/ethtool "$BUILD/tools/bin/ethtool"
v=$("$BUILD/tools/bin/ethtool" --version) || die "the unpacked ethtool does not run"
step "tools: $v in $BUILD/tools/bin"

mapfile -t debs < <(bash "$TOP/scripts/apt-newer.sh" qemu-system-x86/bookworm-backports \
	qemu-system-common/bookworm-backports qemu-system-data/bookworm-backports)
unpack "$QEMU_DIR" "${debs[@]}"
v=$("$QEMU_DIR/usr/bin/qemu-system-x86_64" --version) || die "the unpacked QEMU does not run"
step "tools: ${v%%$'\n'*} in $QEMU_DIR"
