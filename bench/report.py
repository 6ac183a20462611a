#!/usr/bin/env python3
"""Summarise bench/guest.sh runs (bench.jsonl files) into the cover letter's tables.

Usage: report.py OUTDIR JSONL...
Writes OUTDIR/rounds.json (every run), OUTDIR/summary.md (markdown tables),
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


def fmt(v, f="%.0f", none="-"):
    return none if v is None else f % v


def text_table(title, rows):
    head = ["Queues", "Streams", "Patch", "Throughput", "Spread", "Retries", "Delta", "Retry%"]
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    sep = "+" + "+".join("-" * (x + 2) for x in w) + "+"
    line = lambda c: "| " + " | ".join(s.center(x) for s, x in zip(c, w)) + " |"
    out = [title + ":", sep, line(head), sep]
    for i, r in enumerate(rows):
        out.append(line(r))
        if i % 2:
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
           "pp recycle ratio | CPU s/GiB base | CPU s/GiB pp | pool memory/queue |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    by_table = {}
    for (prof, mode, q), v in cells(runs):
        base, pp = v.get("base", []), v.get("pp", [])
        if not base or not pp:
            continue
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
        md2.append("| %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
            PROFILES.get(prof, prof), mode, q, q, fmt(ba), fmt(pa),
            "-" if not ba else "%.1f%%" % (pa / ba * 100), fmt(rr and rr * 100, "%.2f%%"),
            fmt(med(base, "cpu_s_per_gib"), "%.1f"), fmt(med(pp, "cpu_s_per_gib"), "%.1f"),
            "%d KiB" % (max(mem) / 1024) if mem else "-"))
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
        txt += text_table(title, rows) + [""]
    summary = md + [""] + md2
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write("\n".join(summary) + "\n")
    with open(os.path.join(outdir, "chart.dat"), "w") as f:
        f.write("\n".join(chart) + "\n")
    with open(os.path.join(outdir, "performance.txt"), "w") as f:
        f.write("\n".join(txt))
    print("\n".join(summary))


if __name__ == "__main__":
    main()
