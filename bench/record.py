#!/usr/bin/python3
"""The benchmark's records, one JSON line each (bench/guest.sh appends them to bench.jsonl).
Usage: record.py plan PROFILE ROUNDS "CELL..." "VARIANT..."   what this boot is to run
       record.py failed VARIANT MODE QUEUES ROUND PROFILE      a run that failed
       record.py run VARIANT MODE QUEUES ROUND PROFILE RES TRACE TICKS PP0 PP1 RING [BUFPAGES]
RES: vn_iperf's line; TRACE: "alloc_pages=N pp_new_pages=N"; TICKS: guest CPU ticks
(system+irq+softirq); PP0, PP1: the pools' summed counters before and after ("k=v ...
inflight-max=N inflight-mem-max=N pools=N", the -max ones for the busiest pool; empty for
base); RING: B's RX ring size; BUFPAGES: the pages one of its RX buffers holds (1; big
packets mode: 18). bench/report.py tells missing and failed runs from the plan."""
import json
import sys


def kv(s):
    return {k: float(x) for k, x in (w.split("=") for w in s.split())}


def run(v, mode, q, r, profile, res, trc, ticks, pp0, pp1, ring, buf_pages="1"):
    res, trc, pp0, pp1 = kv(res), kv(trc), kv(pp0), kv(pp1)
    d = {k: pp1.get(k, 0) - pp0.get(k, 0) for k in pp1 if k != "pools" and not k.endswith("-max")}
    gib = res["bytes"] / 2**30
    new = trc["pp_new_pages"]
    # alloc-fast counts each fragment carved from a page: pages are compared, recycled (kept in
    # the pool's cache or ring on their way back) against fresh (from the page allocator)
    recycled = d.get("recycle-cached", 0) + d.get("recycle-ring", 0)
    return {
        "profile": profile, "mode": mode, "queues": int(q), "streams": int(q), "variant": v,
        "round": int(r), "gbps": res["bps"] / 1e9, "bytes": res["bytes"], "retrans": res["retrans"],
        "rx_pages_per_gib": (trc["alloc_pages"] + new) / gib,
        "pp_new_pages": new, "pp_pages_recycled": recycled,
        "recycle_ratio": recycled / (recycled + new) if recycled + new else None,
        "cpu_s_per_gib": int(ticks) / 100 / gib,
        "pools": int(pp1.get("pools", 0)), "pool_inflight_mem": pp1.get("inflight-mem"),
        "pool_inflight_pages": pp1.get("inflight"), "rx_ring": int(ring),
        "rx_buf_pages": int(buf_pages),
        "pool_inflight_mem_max": pp1.get("inflight-mem-max"),
        "pool_inflight_pages_max": pp1.get("inflight-max"),
        "pp_counters": {k: x for k, x in d.items() if not k.startswith("inflight")},
    }


def main(kind, *a):
    if kind == "plan":
        profile, rounds, cells, variants = a
        rec = {"plan": True, "profile": profile, "rounds": int(rounds), "cells": cells.split(),
               "variants": variants.split()}
    elif kind == "failed":
        v, mode, q, r, profile = a
        rec = {"profile": profile, "mode": mode, "queues": int(q), "streams": int(q),
               "variant": v, "round": int(r), "failed": True}
    else:
        rec = run(*a)
    print(json.dumps(rec))


main(*sys.argv[1:])
