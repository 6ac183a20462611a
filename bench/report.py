#!/usr/bin/env python3
"""Summarise bench/guest.sh runs (bench.jsonl files) into the cover letter's tables.

Usage: report.py OUTDIR JSONL...
Writes OUTDIR/rounds.json (every record), OUTDIR/summary.md (markdown tables and the
project's targets, each MET, MISSED, INCOMPLETE or NOT MEASURED with its numbers),
OUTDIR/performance.txt (the cover letter's performance section), OUTDIR/chart.dat (for
bench/chart.gp) and prints the markdown on stdout.
A delta counts only when the medians differ by more than the runs spread: pp is "ahead" when
its median is above every base run, "behind" when below every base run, else "within noise".

Besides the runs, bench/guest.sh writes a plan record per boot ({"plan": true, "profile",
"cells": ["MODE:QUEUES"...], "rounds", "variants"}) and a record with "failed": true for
every run that failed. A target is MET only when every cell it covers has every planned run
of both base and pp: a cell or round missing, a failed run or a missing input file make it
INCOMPLETE (MISSED still wins: a cell measured and missing the target misses it whatever the
rest). Without plan records (older files) the plan is inferred: every cell seen, base and
pp, rounds 1 to the highest seen in that profile.
"""
import json
import os
import statistics
import sys

PROFILES = {"nodma": "DMA API off", "dma": "DMA API on", "viommu": "vIOMMU, iommu.strict=1"}
MODES = {"mergeable": "Mergeable buffers", "small": "Small buffers", "big": "Big packets"}


def load(paths):
    """Every record of the files, and the files that were missing or empty."""
    recs, missing = [], []
    for p in paths:
        try:
            with open(p) as f:
                got = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            got = []
        if not got:
            missing.append(p)
        recs += got
    return recs, missing


def is_run(r):
    return not r.get("plan") and not r.get("failed")


def plan(recs):
    """The runs planned, {(profile, mode, queues): {(variant, round)}}, from the plan records;
    for a profile without one, inferred from its runs and failures (see the docstring)."""
    want, planned = {}, set()
    for r in recs:
        if r.get("plan"):
            planned.add(r["profile"])
            for c in r["cells"]:
                mode, q = c.split(":")
                want.setdefault((r["profile"], mode, int(q)), set()).update(
                    (v, n) for v in r["variants"] for n in range(1, r["rounds"] + 1))
    seen = [r for r in recs if not r.get("plan") and r["profile"] not in planned]
    top = {}
    for r in seen:
        top[r["profile"]] = max(top.get(r["profile"], 0), r["round"])
    for r in seen:
        want.setdefault((r["profile"], r["mode"], r["queues"]), set()).update(
            (v, n) for v in ("base", "pp") for n in range(1, top[r["profile"]] + 1))
    return want


def gaps(recs, want):
    """What each planned cell lacks: {(profile, mode, queues): ["pp round 3 failed", ...]}."""
    done, failed = set(), set()
    for r in recs:
        if r.get("plan"):
            continue
        key = (r["profile"], r["mode"], r["queues"], r["variant"], r["round"])
        (failed if r.get("failed") else done).add(key)
    out = {}
    for cell, runs in want.items():
        lack = []
        for v, n in sorted(runs):
            if cell + (v, n) in done:
                continue
            lack.append("%s round %d %s" % (v, n, "failed" if cell + (v, n) in failed else "missing"))
        if lack:
            out[cell] = lack
    return out


def cells(runs):
    out = {}
    for r in runs:
        key = (r["profile"], r["mode"], r["queues"])
        out.setdefault(key, {}).setdefault(r["variant"], []).append(r)
    order = list(PROFILES)
    return sorted(out.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order
                                              else 9, kv[0][1], kv[0][2]))


def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else None


def verdict(base, pp):
    b = [r["gbps"] for r in base]
    p = statistics.median(r["gbps"] for r in pp)
    if p > max(b):
        return "ahead"
    if p < min(b):
        return "behind"
    return "within noise"


PP_CACHE = 128  # pages in a pool's alloc cache (PP_ALLOC_CACHE_SIZE)


def busiest_pool_mem(r):
    """Bytes held by the run's busiest pool (pool_inflight_mem_max). Older records only have
    the total of all pools of both NICs, an upper bound of it: that is used instead (it can
    only make the memory target stricter), with a note."""
    if r.get("pool_inflight_mem_max") is not None:
        return r["pool_inflight_mem_max"], ""
    if r.get("pools") and r.get("pool_inflight_mem") is not None:
        return r["pool_inflight_mem"], " (total of all pools: no per-pool figure)"
    return None, ""


def targets(rows, want, lacking, missing_files=()):
    """The project's targets, one line each: MET, MISSED, INCOMPLETE or NOT MEASURED, with the
    numbers. rows: (profile, mode, queues, base runs, pp runs) per cell with runs of both;
    want: the planned cells (plan()); lacking: what planned cells lack (gaps());
    missing_files: input files without a record."""
    out = []
    lab = lambda p, m, q: "%s/%s/%dq" % (p, m[:5], q)

    def check(name, items, profiles=None):
        # items: (cell, ok, detail) for the cells measured; the cells the target covers are
        # the planned ones (of PROFILES), and any of them lacking runs or figures makes it
        # INCOMPLETE; an empty plan, NOT MEASURED
        cover = sorted(c for c in want if profiles is None or c[0] in profiles)
        got = {c for c, _, _ in items}
        lack = ["%s: %s" % (lab(*c), ", ".join(lacking[c])) for c in cover if c in lacking]
        lack += ["%s: no figure" % lab(*c) for c in cover if c not in lacking and c not in got]
        lack += ["no record in %s" % f for f in missing_files]
        if not cover and not missing_files:
            out.append("NOT MEASURED  %s" % name)
            return
        bad = [i for i in items if not i[1]]
        status = "MISSED" if bad else "INCOMPLETE" if lack else "MET"
        line = "%-10s  %s: %s" % (status, name, "; ".join(
            "%s %s" % (lab(*c), d) for c, _, d in sorted(items)) or "nothing measured")
        if lack:
            line += " — incomplete: " + "; ".join(lack)
        out.append(line)

    items = [((p, m, q), verdict(b, pp) != "behind", verdict(b, pp)) for p, m, q, b, pp in rows]
    check("pp not behind base beyond the spread", items)
    items = []
    for p, m, q, b, pp in rows:
        ba, pa = med(b, "rx_pages_per_gib"), med(pp, "rx_pages_per_gib")
        if ba and pa is not None:
            items.append(((p, m, q), pa <= 0.05 * ba, "%.1f%%" % (pa / ba * 100)))
    check("RX page allocations per GiB, pp <= 5% of base", items)
    items = []
    for p, m, q, b, pp in rows:
        rr = med(pp, "recycle_ratio")
        if rr is not None:
            items.append(((p, m, q), rr >= 0.98, "%.2f%%" % (rr * 100)))
    check("pp recycle ratio (recycled / (recycled + fresh pages)) >= 98%", items)
    check("DMA API on: pp ahead of base",
          [((p, m, q), verdict(b, pp) == "ahead", "%s (%+.1f%%)" % (
              verdict(b, pp), (med(pp, "gbps") / med(b, "gbps") - 1) * 100))
           for p, m, q, b, pp in rows if p == "dma"], ("dma",))
    check("vIOMMU strict: pp >= 1.5x base",
          [((p, m, q), med(pp, "gbps") >= 1.5 * med(b, "gbps"), "%.2fx" % (
              med(pp, "gbps") / med(b, "gbps"))) for p, m, q, b, pp in rows if p == "viommu"],
          ("viommu",))
    items = []
    for p, m, q, b, pp in rows:
        mem = [busiest_pool_mem(r) for r in pp]
        ring = max((r.get("rx_ring") or 0) * r.get("rx_buf_pages", 1) for r in pp)
        if ring and mem and all(x is not None for x, _ in mem):
            top, note = max(mem)
            bound = (ring + PP_CACHE) * 4096
            items.append(((p, m, q), top <= bound, "%d KiB (bound %d KiB)%s" % (
                top / 1024, bound / 1024, note)))
    check("memory held by the busiest pool <= (ring pages + %d cache) pages; ring pages: "
          "ring size x pages per buffer (big packets: 18, as many as base posts)" % PP_CACHE,
          items)
    return out


def noise(measured):
    """Run-to-run spread of throughput, (max - min) / median per cell and variant: the line
    that compares QEMU modes (MTTCG vs -icount) and says how large a delta must be to count."""
    sp = sorted((max(g) - min(g)) / statistics.median(g) * 100
                for _, _, _, b, pp in measured for g in ([r["gbps"] for r in b], [r["gbps"] for r in pp]))
    if not sp:
        return "Run-to-run spread: nothing measured"
    return ("Run-to-run spread of throughput, (max-min)/median over %d cell-variants: "
            "median %.0f%%, worst %.0f%%" % (len(sp), statistics.median(sp), sp[-1]))


def fmt(v, f="%.0f", none="-"):
    return none if v is None else f % v


THROUGHPUT_HEAD = ["Queues", "Streams", "Patch", "Throughput", "Spread", "Retries", "Delta",
                   "Retry%"]
ALLOC_HEAD = ["DMA", "Mode", "Q", "Pages/GiB base", "pp", "pp/base", "Recycled"]
CPU_HEAD = ["DMA", "Mode", "Q", "CPU s/GiB base", "pp", "Busiest pool KiB"]
SHORT = {"nodma": "off", "dma": "on", "viommu": "vIOMMU"}


def text_table(title, head, rows, group=2):
    """A table in the cover letter's ASCII style, a rule after every GROUP rows."""
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    sep = "+" + "+".join("-" * (x + 2) for x in w) + "+"
    line = lambda c: "| " + " | ".join(s.center(x) for s, x in zip(c, w)) + " |"
    out = [title + ":", sep, line(head), sep]
    for i, r in enumerate(rows):
        out.append(line(r))
        if i % group == group - 1 or i == len(rows) - 1:
            out.append(sep)
    return out


def main():
    outdir, paths = sys.argv[1], sys.argv[2:]
    recs, missing_files = load(paths)
    with open(os.path.join(outdir, "rounds.json"), "w") as f:
        json.dump(recs, f, indent=1)
    runs = [r for r in recs if is_run(r)]
    want = plan(recs)
    lacking = gaps(recs, want)
    md, txt, chart = [], [], []
    md += ["| Profile | Mode | Q/S | base Gbit/s (min-max) | pp Gbit/s (min-max) | Delta | "
           "Verdict | Retries base/pp |", "|---|---|---|---|---|---|---|---|"]
    md2 = ["| Profile | Mode | Q/S | RX pages/GiB base | RX pages/GiB pp | pp/base | "
           "pp pages recycled | CPU s/GiB base | CPU s/GiB pp | busiest pool memory |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    by_table, measured, alloc_rows, cpu_rows = {}, [], [], []
    for (prof, mode, q), v in cells(runs):
        base, pp = v.get("base", []), v.get("pp", [])
        if not base or not pp:
            continue
        measured.append((prof, mode, q, base, pp))
        bm, pm = med(base, "gbps"), med(pp, "gbps")
        delta = (pm - bm) / bm * 100
        br, pr = med(base, "retrans"), med(pp, "retrans")
        rdelta = "-" if not br else "%+.1f%%" % ((pr - br) / br * 100)
        vd = verdict(base, pp)
        spread = lambda rs: "%.2f-%.2f" % (min(r["gbps"] for r in rs), max(r["gbps"] for r in rs))
        md.append("| %s | %s | %d/%d | %.2f (%s) | %.2f (%s) | %+.1f%% | %s | %s/%s |" % (
            PROFILES.get(prof, prof), mode, q, q, bm, spread(base), pm, spread(pp), delta, vd,
            fmt(br), fmt(pr)))
        ba, pa = med(base, "rx_pages_per_gib"), med(pp, "rx_pages_per_gib")
        rr = med(pp, "recycle_ratio")
        mem = [x for x, _ in map(busiest_pool_mem, pp) if x is not None]
        key = [SHORT.get(prof, prof), mode, str(q)]
        arow = [fmt(ba), fmt(pa), "-" if not ba else "%.1f%%" % (pa / ba * 100),
                fmt(rr and rr * 100, "%.2f%%")]
        crow = [fmt(med(base, "cpu_s_per_gib"), "%.1f"), fmt(med(pp, "cpu_s_per_gib"), "%.1f"),
                "%d" % (max(mem) / 1024) if mem else "-"]
        md2.append("| %s | %s | %d/%d | %s | %s KiB |" % (
            PROFILES.get(prof, prof), mode, q, q, " | ".join(arow + crow[:2]), crow[2]))
        alloc_rows.append(key + arow)
        cpu_rows.append(key + crow)
        rows = by_table.setdefault((prof, mode), [])
        rows.append([str(q), str(q), "base", "%.2f Gbps" % bm, spread(base), fmt(br), "-", "-"])
        rows.append([str(q), str(q), "pp", "%.2f Gbps" % pm, spread(pp), fmt(pr),
                     "%+.1f%%" % delta + ("" if vd != "within noise" else " (noise)"), rdelta])
        label = "%s %s %dq" % (prof, mode[:5], q)
        for name, rs in (("base", base), ("pp", pp)):
            g = [r["gbps"] for r in rs]
            chart.append('"%s" %s %.3f %.3f %.3f' % (label, name, statistics.median(g), min(g), max(g)))
    for (prof, mode), rows in by_table.items():
        title = "%s, %s" % (MODES.get(mode, mode), PROFILES.get(prof, prof))
        txt += text_table(title, THROUGHPUT_HEAD, rows) + [""]
    if alloc_rows:
        txt += ["RX-side page allocations per GiB received (atomic mm_page_alloc weighted",
                "by order, plus the pages page_pool takes in bulk) and the share of pages",
                "the pools recycled (recycled / (recycled + fresh)), medians:", ""]
        txt += text_table("", ALLOC_HEAD, alloc_rows, group=len(alloc_rows))[1:] + [""]
        txt += ["Guest CPU time (system+irq+softirq) per GiB received, medians, and the",
                "memory the busiest pool held after a run (inflight-mem), highest:", ""]
        txt += text_table("", CPU_HEAD, cpu_rows, group=len(cpu_rows))[1:]
    txt += ["", noise(measured) + "."]
    incomplete = ["- %s/%s/%dq: %s" % (c + (", ".join(lacking[c]),)) for c in sorted(lacking)]
    incomplete += ["- no record in %s" % f for f in missing_files]
    summary = md + [""] + md2 + ["", noise(measured), ""]
    if incomplete:
        summary += ["Runs missing or failed (the targets covering them are INCOMPLETE):", ""]
        summary += incomplete + [""]
    summary += ["Targets (medians per cell):", ""] + [
        "- " + t for t in targets(measured, want, lacking, missing_files)]
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write("\n".join(summary) + "\n")
    with open(os.path.join(outdir, "chart.dat"), "w") as f:
        f.write("\n".join(chart) + "\n")
    with open(os.path.join(outdir, "performance.txt"), "w") as f:
        f.write("\n".join(txt))
    print("\n".join(summary))


if __name__ == "__main__":
    main()
