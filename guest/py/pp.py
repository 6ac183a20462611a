#!/usr/bin/python3
"""The workbench's one reader of the netdev generic netlink family: page pools, their
statistics, a device's xdp-features. Over a raw netlink socket: the tree's YNL library parses
its YAML spec first, which takes 6-8 s an invocation under TCG.

Pools are looked up in the root netns ("-") and every named netns (/run/netns). Note (6.12):
moving a netdev to another netns sends NETDEV_UNREGISTER, which re-parents its page pools to
the loopback device of the netns it left: after vn_wire, pools created before the move show in
the root netns without ifindex, so a device's pools are matched by its NAPI ids too. A pool
really destroyed (driver gone, pages in flight) has detach-time.

Usage: pp.py list [DEVNS IFINDEX]   one line per pool, "ns=NS id=N [ifindex=N] napi-id=N
                                    inflight=N inflight-mem=N [detach-time=T] alloc-fast=N
                                    ... recycle-released-refcnt=N"; with DEVNS IFINDEX only
                                    that device's pools (DEVNS "-" = the root netns)
       pp.py summary                "pools=N live=N detached=N inflight=N detached_inflight=N"
                                    (pages in flight: of all pools, of the destroyed ones)
       pp.py wait-gone SECS         until no pool is left at all
       pp.py wait-attached SECS     until no destroyed (detached) pool is left
       pp.py xdp-features NS IFINDEX  the device's xdp-features, comma separated
The wait modes print the summary, "after=S flushed=0|1", and the pools left (status 1 if any
stayed SECS); after 2 s they flush the per-CPU skb defer lists once (flushed=1: pages were only
waiting there).
"""
import ctypes
import os
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_FAMILY_ID = 0x10, 3, 2, 1
# include/uapi/linux/netdev.h
CMD_DEV_GET, CMD_PAGE_POOL_GET, CMD_PAGE_POOL_STATS_GET, CMD_NAPI_GET = 1, 5, 9, 11
POOL_ATTRS = {1: "id", 2: "ifindex", 3: "napi-id", 4: "inflight", 5: "inflight-mem",
              6: "detach-time"}
STATS_ATTRS = {8: "alloc-fast", 9: "alloc-slow", 10: "alloc-slow-high-order", 11: "alloc-empty",
               12: "alloc-refill", 13: "alloc-waive", 14: "recycle-cached",
               15: "recycle-cache-full", 16: "recycle-ring", 17: "recycle-ring-full",
               18: "recycle-released-refcnt"}
XDP_ACT = {1: "basic", 2: "redirect", 4: "ndo-xmit", 8: "xsk-zerocopy", 16: "hw-offload",
           32: "rx-sg", 64: "ndo-xmit-sg"}

libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)  # "-": the netns of the caller (the root one)


def attrs(b):
    off = 0
    while off + 4 <= len(b):
        ln, t = struct.unpack_from("HH", b, off)
        if ln < 4:
            break
        yield t & 0x3FFF, b[off + 4:off + ln]
        off += (ln + 3) & ~3


def uint(b):
    return struct.unpack("Q", b[:8])[0] if len(b) >= 8 else struct.unpack("I", b[:4])[0]


def attr_u32(typ, val):
    return struct.pack("HHI", 8, typ, val)


class Netdev:
    """The netdev family in netns NS ("-" = the caller's)."""

    def __init__(self, ns):
        fd = home if ns == "-" else os.open("/run/netns/" + ns, os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
        name = b"netdev\0"
        a = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
        a += b"\0" * (-len(a) % 4)
        reply = self.request(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, a)
        self.fam = struct.unpack("H", reply[0][CTRL_ATTR_FAMILY_ID][:2])[0]

    def request(self, typ, flags, cmd, payload=b""):
        msg = struct.pack("BBH", cmd, 1, 0) + payload
        self.s.send(struct.pack("IHHII", 16 + len(msg), typ, flags, 1, 0) + msg)
        out = []
        while True:
            data = self.s.recv(1 << 16)
            off = 0
            while off < len(data):
                ln, t = struct.unpack_from("IH", data, off)
                body = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if t == 3:  # NLMSG_DONE
                    return out
                if t == 2:  # NLMSG_ERROR
                    err = struct.unpack_from("i", body)[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    return out
                out.append(dict(attrs(body[4:])))
                if not flags & NLM_F_DUMP:
                    return out

    def dump(self, cmd, payload=b""):
        return self.request(self.fam, NLM_F_REQUEST | NLM_F_DUMP, cmd, payload)

    def pools(self, ns):
        res = {}
        for m in self.dump(CMD_PAGE_POOL_GET):
            p = {"ns": ns}
            p.update((n, uint(m[k])) for k, n in POOL_ATTRS.items() if k in m)
            res[p["id"]] = p
        try:  # needs CONFIG_PAGE_POOL_STATS
            for m in self.dump(CMD_PAGE_POOL_STATS_GET):
                pid = uint(dict(attrs(m[1]))[1])
                if pid in res:
                    res[pid].update((n, uint(m[k])) for k, n in STATS_ATTRS.items() if k in m)
        except OSError as e:
            print("page-pool-stats-get: %s" % e, file=sys.stderr)
        return res

    def napi_ids(self, ifindex):
        return {uint(m[2]) for m in self.dump(CMD_NAPI_GET, attr_u32(1, ifindex)) if 2 in m}

    def xdp_features(self, ifindex):
        m = self.request(self.fam, NLM_F_REQUEST, CMD_DEV_GET, attr_u32(1, ifindex))[0]
        f = uint(m.get(3, b"\0" * 8))
        return sorted(n for bit, n in XDP_ACT.items() if f & bit)

    def close(self):
        self.s.close()


def namespaces():
    return ["-"] + (sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else [])


def snapshot():
    out = {}
    for ns in namespaces():
        nd = Netdev(ns)
        out.update(nd.pools(ns))
        nd.close()
    return [out[k] for k in sorted(out)]


def line(p):
    return " ".join("%s=%s" % kv for kv in p.items())


def summary(ps):
    det = [p for p in ps if "detach-time" in p]
    return "pools=%d live=%d detached=%d inflight=%d detached_inflight=%d" % (
        len(ps), len(ps) - len(det), len(det), sum(p.get("inflight", 0) for p in ps),
        sum(p.get("inflight", 0) for p in det))


def flush_defer():
    # skbs freed on another CPU than the one that allocated them may wait on the defer
    # list (skb_attempt_defer_free) until it next runs net_rx_action(), holding their pages
    # (and a destroyed pool) meanwhile: a loopback datagram sent from each CPU raises NET_RX
    # there and frees them
    libc.setns(home, CLONE_NEWNET)
    cpus = os.sched_getaffinity(0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for cpu in sorted(cpus):
        os.sched_setaffinity(0, {cpu})
        s.sendto(b"x", ("127.0.0.1", 9))
    os.sched_setaffinity(0, cpus)
    s.close()


def main(mode, *args):
    if mode == "list":
        ps = snapshot()
        if args:  # DEVNS IFINDEX: that device's pools, by NAPI id or ifindex
            devns, ifindex = args[0], int(args[1])
            nd = Netdev(devns)
            napis = nd.napi_ids(ifindex)
            nd.close()
            ps = [p for p in ps if p.get("napi-id") in napis or
                  (p["ns"] == devns and p.get("ifindex") == ifindex)]
        for p in ps:
            print(line(p))
    elif mode == "summary":
        print(summary(snapshot()))
    elif mode in ("wait-gone", "wait-attached"):
        t0, limit, flushed = time.time(), float(args[0]), 0
        while True:
            ps = snapshot()
            left = ps if mode == "wait-gone" else [p for p in ps if "detach-time" in p]
            if not left or time.time() - t0 >= limit:
                break
            if not flushed and time.time() - t0 >= 2:
                flush_defer()
                flushed = 1
            time.sleep(0.5)
        print("%s after=%.1fs flushed=%d" % (summary(ps), time.time() - t0, flushed))
        for p in left:
            print("  left: " + line(p))
        return 1 if left else 0
    elif mode == "xdp-features":
        nd = Netdev(args[0])
        print(",".join(nd.xdp_features(int(args[1]))))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
