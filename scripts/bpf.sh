#!/bin/bash
# Build the workbench's BPF and AF_XDP programs on the host, once, into build/bpf/ (clang and
# libxdp under TCG took tens of seconds a scenario in the guest):
#   build/bpf/xdp/<name>.o      tests/xdp/*.c (tests/guest/xdp.sh, integrity.sh), and
#   build/bpf/xdp/<name>_frags.o the same as xdp.frags programs where they use EDGE_SEC
#   build/bpf/afxdp/xsk_kern.o  tests/afxdp/xsk_kern.c, the XSK redirect program
#   build/bpf/afxdp/xsk_rx      tests/afxdp/xsk_rx.c, the AF_XDP receiver (libxdp, libbpf)
# Nothing is rebuilt when every object is newer than its sources. The guest scenarios refuse
# objects older than their sources (run this again). Run by scripts/check.sh after the modules.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/bpf
src=$TOP/tests
bpf_cc=(clang -O2 -target bpf -Wall -Werror -I/usr/include/x86_64-linux-gnu)
mkdir -p "$out/xdp" "$out/afxdp"

fresh() { # OBJ SRC...: OBJ exists and is newer than every SRC
	local s
	for s in "${@:2}"; do [ "$1" -nt "$s" ] || return 1; done
}

n=0
xdp_obj() { # SRC OBJ [CFLAGS...]
	fresh "$2" "$1" "$src"/xdp/*.h && return
	"${bpf_cc[@]}" -g "${@:3}" -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2" || die "clang $1 $* failed"
	n=$((n + 1))
}
for c in "$src"/xdp/*.c; do
	o=$out/xdp/$(basename "$c" .c)
	xdp_obj "$c" "$o.o"
	! grep -q '^EDGE_SEC$' "$c" || xdp_obj "$c" "${o}_frags.o" -DEDGE_FRAGS
done
o=$out/afxdp/xsk_kern.o
if ! fresh "$o" "$src/afxdp/xsk_kern.c"; then
	"${bpf_cc[@]}" -g -c "$src/afxdp/xsk_kern.c" -o "$o.tmp" && mv "$o.tmp" "$o" || die "clang xsk_kern.c failed"
	n=$((n + 1))
fi
o=$out/afxdp/xsk_rx
if ! fresh "$o" "$src/afxdp/xsk_rx.c"; then
	cc -O2 -Wall -o "$o.tmp" "$src/afxdp/xsk_rx.c" -lxdp -lbpf && mv "$o.tmp" "$o" || die "building xsk_rx failed"
	n=$((n + 1))
fi
step "BPF programs: $n built, in $out ($(cd "$out" && echo xdp/*.o afxdp/*))"
