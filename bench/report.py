#!/usr/bin/env python3
"""Summarise bench/guest.sh runs (bench.jsonl files) into the cover letter's tables.

Usage: report.py OUTDIR JSONL...
Writes OUTDIR/rounds.json (every run), OUTDIR/summary.md (markdown tables and the
project's targets, each MET or MISSED with its numbers),
OUTDIR/performance.txt (the cover letter's performance section), OUTDIR/chart.dat (for
bench/chart.gp) and prints the markdown on stdout.
A delta counts only when the medians differ by more than the runs spread: pp is "ahead" when
its median is above every base run, "behind" when below every base run, else "within noise".
"""
import json
import os
import statistics
import sys

PROFILES = {"nodma": "DMA API off", "dma": "DMA API on", "viommu": "vIOMMU, iommu.strict=1"}


def load(paths):
    runs = []
    for p in paths:
        with open(p) as f:
            runs += [json.loads(line) for line in f if line.strip()]
    return runs


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


def targets(rows):
    """The project's targets, one line each: MET/MISSED/NOT MEASURED, with the numbers.
    rows: (profile, mode, queues, base runs, pp runs) per cell."""
    out = []

    def check(name, items):
        # items: (cell label, ok, detail); an empty list means no cell measured it
        if not items:
            out.append("NOT MEASURED  %s" % name)
            return
        bad = [i for i in items if not i[1]]
        out.append("%s  %s: %s" % ("MET   " if not bad else "MISSED", name,
                                   "; ".join("%s %s" % (c, d) for c, _, d in items)))

    lab = lambda p, m, q: "%s/%s/%dq" % (p, m[:5], q)
    check("pp not behind base beyond the spread",
          [(lab(p, m, q), verdict(b, pp) != "behind", verdict(b, pp)) for p, m, q, b, pp in rows])
    items = []
    for p, m, q, b, pp in rows:
        ba, pa = med(b, "rx_pages_per_gib"), med(pp, "rx_pages_per_gib")
        if ba:
            items.append((lab(p, m, q), pa <= 0.05 * ba, "%.1f%%" % (pa / ba * 100)))
    check("RX page allocations per GiB, pp <= 5% of base", items)
    items = []
    for p, m, q, b, pp in rows:
        rr = med(pp, "recycle_ratio")
        if rr is not None:
            items.append((lab(p, m, q), rr >= 0.99, "%.2f%%" % (rr * 100)))
    check("pp recycle ratio (recycled / (recycled + fresh pages)) >= 99%", items)
    check("DMA API on: pp ahead of base",
          [(lab(p, m, q), verdict(b, pp) == "ahead", "%s (%+.1f%%)" % (
              verdict(b, pp), (med(pp, "gbps") / med(b, "gbps") - 1) * 100))
           for p, m, q, b, pp in rows if p == "dma"])
    check("vIOMMU strict: pp >= 1.5x base",
          [(lab(p, m, q), med(pp, "gbps") >= 1.5 * med(b, "gbps"), "%.2fx" % (
              med(pp, "gbps") / med(b, "gbps"))) for p, m, q, b, pp in rows if p == "viommu"])
    items = []
    for p, m, q, b, pp in rows:
        mem = [r["pool_inflight_mem"] / r["pools"] for r in pp if r.get("pools")]
        ring = max((r.get("rx_ring") or 0) for r in pp)
        if mem and ring:
            bound = (ring + PP_CACHE) * 4096
            items.append((lab(p, m, q), max(mem) <= bound, "%d KiB (bound %d KiB)" % (
                max(mem) / 1024, bound / 1024)))
    check("memory held per pool <= (ring + %d cache) pages" % PP_CACHE, items)
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
CPU_HEAD = ["DMA", "Mode", "Q", "CPU s/GiB base", "pp", "Pool KiB/queue"]
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
    runs = load(paths)
    with open(os.path.join(outdir, "rounds.json"), "w") as f:
        json.dump(runs, f, indent=1)
    env = runs[0].get("env", "") if runs else ""
    md, txt, chart = [], [], []
    md += ["| Profile | Mode | Q/S | base Gbit/s (min-max) | pp Gbit/s (min-max) | Delta | "
           "Verdict | Retries base/pp |", "|---|---|---|---|---|---|---|---|"]
    md2 = ["| Profile | Mode | Q/S | RX pages/GiB base | RX pages/GiB pp | pp/base | "
           "pp pages recycled | CPU s/GiB base | CPU s/GiB pp | pool memory/queue |",
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
        mem = [r["pool_inflight_mem"] / r["pools"] for r in pp if r.get("pools")]
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
        title = "%s buffers, %s" % ("Mergeable" if mode == "mergeable" else "Small", PROFILES.get(prof, prof))
        txt += text_table(title, THROUGHPUT_HEAD, rows) + [""]
    if alloc_rows:
        txt += ["RX-side page allocations per GiB received (atomic mm_page_alloc weighted",
                "by order, plus the pages page_pool takes in bulk) and the share of pages",
                "the pools recycled (recycled / (recycled + fresh)), medians:", ""]
        txt += text_table("", ALLOC_HEAD, alloc_rows, group=len(alloc_rows))[1:] + [""]
        txt += ["Guest CPU time (system+irq+softirq) per GiB received and the memory a",
                "pool held after the run (inflight-mem), medians:", ""]
        txt += text_table("", CPU_HEAD, cpu_rows, group=len(cpu_rows))[1:]
    txt += ["", noise(measured) + "."]
    summary = md + [""] + md2 + ["", noise(measured), "", "Targets (medians per cell):", ""] + [
        "- " + t for t in targets(measured)]
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write("\n".join(summary) + "\n")
    with open(os.path.join(outdir, "chart.dat"), "w") as f:
        f.write("\n".join(chart) + "\n")
    with open(os.path.join(outdir, "performance.txt"), "w") as f:
        f.write("\n".join(txt))
    print("\n".join(summary))


if __name__ == "__main__":
    main()
