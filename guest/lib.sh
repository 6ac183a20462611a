# shellcheck shell=bash
# The library of the in-guest scenarios (tests/guest/*.sh), guest/run.sh and bench/guest.sh:
# sourced, not run. Expects the environment guest/init.sh sets up (TOP, BUILD, KBUILD,
# VNPP_MODS, VNPP_OUT); also usable by hand in a `scripts/vm.sh -s` shell.
# The two NICs: A (mac ..:0a) and B (mac ..:0b), joined by a bridge on the host.
# Helpers return non-zero on failure and explain why on stderr; scenarios don't use set -e.
# One file per concern under guest/lib/, Python helpers under guest/py/:
#   core.sh        logging, progress, retries, a fork-free sleep, scratch dir, Python helpers
#   knobs.sh       the scenarios' knobs (EDGE_*: CI default, full value with EDGE_FULL=1)
#   ktap.sh        KTAP output (the plan may come at the end)
#   netns.sh       finding the NICs: netns, virtio devices, bind/unbind, counters
#   driver.sh      loading a variant, RX modes by feature filtering, device features
#   wire.sh        A in vnA, B in vnB: wiring, ping, B alone after a rebind
#   traffic.sh     iperf3, background jobs, TCP/UDP floods, sinks, checked datagrams
#   pp.sh          page pools (guest/py/pp.py, the one netdev netlink reader)
#   xdp.sh         XDP programs (built on the host by scripts/bpf.sh)
#   accounting.sh  per-variant bracket: memory, pools gone after unload; kprobe hit counts
#   faults.sh      fault injection: fail_page_alloc, failslab, tasks made to fail
#   vduse.sh       the VDUSE daemon of profile vduse (start, stop, commands, counters)
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${KBUILD:=$BUILD/kbuild}"     # the kernel build (build/kbuild-debug for the debug flavour)
: "${VNPP_MODS:=$BUILD/mods}"    # <variant>/virtio_net.ko (build/mods-debug likewise)
: "${VNPP_OUT:=/tmp}"
# shellcheck disable=SC2034  # (used by the files sourced below and by the scenarios)
{
	VN_NS=(vnA vnB)
	VN_IP4=(192.0.2.1 192.0.2.2)
	VN_IP6=(2001:db8:1::1 2001:db8:1::2)
	VN_MAC=(52:54:00:00:00:0a 52:54:00:00:00:0b)
}

for _vn_lib in core knobs ktap netns driver wire traffic pp xdp accounting faults vduse; do
	# shellcheck source=/dev/null
	. "$TOP/guest/lib/$_vn_lib.sh"
done
unset _vn_lib
