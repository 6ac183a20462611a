# shellcheck shell=bash
# XDP programs: tests/xdp/*.c, built on the host by scripts/bpf.sh into build/bpf/xdp/.
VN_BPF_OBJ=$BUILD/bpf
# shellcheck disable=SC2034  # (used by the scenarios)
VN_XDP_PORT=9999  # the UDP port the programs act on (tests/xdp/edge_xdp.h: EDGE_PORT)
vn_big_xdp() { # VARIANT: what it does with an XDP program in big packets mode: "runs" (6.12's pp,
	# 7.3's next once series-net-next/ has big packets XDP), "refuses" (7.3's next with the net
	# fix only) or "ignores" (unpatched 6.12 and 7.3: accepted, never run; known bug
	# big-xdp-ignored). A variant broken on purpose is the patched driver.
	case $1:$VNPP_BASE in
	base:*) echo ignores ;;
	next:7.3) if vn_net_next; then echo runs; else echo refuses; fi ;;
	*) echo runs ;;
	esac
}
vn_bpf_fresh() { # DIR SRCDIR: every object of build/bpf/DIR is there and newer than the sources
	# of tests/SRCDIR (else: run scripts/bpf.sh); says what is wrong on stderr
	local dir=$VN_BPF_OBJ/$1 c o s objs
	for c in "$TOP/tests/$2"/*.c; do
		case $2 in
		xdp) objs=("$dir/$(basename "$c" .c).o")
			! grep -q '^EDGE_SEC$' "$c" || objs+=("$dir/$(basename "$c" .c)_frags.o") ;;
		afxdp) case $c in */xsk_kern.c) objs=("$dir/xsk_kern.o") ;; */xsk_rx.c) objs=("$dir/xsk_rx") ;; *) continue ;; esac ;;
		esac
		for o in "${objs[@]}"; do
			[ -e "$o" ] || { vn_log "no $o: run scripts/bpf.sh"; return 1; }
			for s in "$c" "$TOP/tests/$2"/*.h; do
				[ ! -e "$s" ] || [ "$o" -nt "$s" ] || { vn_log "$o is older than $s: run scripts/bpf.sh"; return 1; }
			done
		done
	done
}
# Every program is loaded once per boot (bpftool), pinned in VN_BPF and kept attached to a
# holder veth (root netns, generic XDP, down): the kernel's XDP dispatcher (a static_call
# trampoline shared by all XDP users) then knows every program before any test traffic, and
# attaching or detaching one on a NIC under traffic only moves a refcount. Without that, each
# attach re-patches the trampoline with int3-based text_poke_bp while NAPI runs through it on
# the other vCPU: under QEMU TCG that was seen to end in "Oops: int3" at
# bpf_dispatcher_xdp_func+0x1 (the base driver, small mode, attach/detach under traffic) - an
# emulation hazard, not a driver bug, that would take a whole `make check` boot down.
VN_BPF=/run/vn-bpf
vn_xdp_hold() { # load, pin and hold every build/bpf/xdp/*.o (once per boot)
	local o n i=0 h
	vn_bpf_fresh xdp xdp || return 1
	mountpoint -q $VN_BPF || { mkdir -p $VN_BPF && mount -t bpf bpf $VN_BPF; } || return 1
	for o in "$VN_BPF_OBJ"/xdp/*.o; do
		n=${o##*/} n=${n%.o} h=vnh$i i=$((i + 1))
		[ ! -e "$VN_BPF/$n" ] || continue
		bpftool prog load "$o" "$VN_BPF/$n" || { vn_log "bpftool prog load $o failed"; return 1; }
		ip link show dev $h > /dev/null 2>&1 || ip link add $h type veth peer name ${h}p || return 1
		ip link set dev $h xdpgeneric pinned "$VN_BPF/$n" || return 1
	done
}
vn_xdp_progs() { (cd "$VN_BPF_OBJ/xdp" && echo *.o); } # the objects vn_xdp_hold loads
vn_xdp_attach() { # NS DEV PROG: attach the pinned PROG (vn_xdp_hold) in native (driver) mode
	_vn_ip "$1" link set dev "$2" xdpdrv pinned "$VN_BPF/$3"
}
vn_xdp_detach() { _vn_ip "$1" link set dev "$2" xdpdrv off; } # NS DEV
vn_xdp_prog_id() { # NS DEV: the id of the attached XDP program (empty if none)
	_vn_ip "$1" -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1
}
