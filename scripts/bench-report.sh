#!/bin/bash
# The benchmark's report from runs already made: tables and targets (bench/report.py), chart
# (gnuplot) and the cover letter's performance section (cover-performance.txt, taken by
# `make series BENCH=OUTDIR`), into OUTDIR. scripts/bench.sh ends with it; by hand it
# joins runs of several `make bench` invocations (same QEMU mode, rounds and length), e.g.
#   scripts/bench-report.sh build/bench/joined build/bench/A/nodma/bench.jsonl build/bench/B/*/bench.jsonl
# The environment line comes from OUTDIR/environment.txt, else from the first run's directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || die "usage: $0 OUTDIR BENCH.jsonl..."
out=$1
shift
mkdir -p "$out"
[ -s "$out/environment.txt" ] || cp "$(dirname "$(dirname "$1")")/environment.txt" "$out/"
/usr/bin/python3 "$TOP/bench/report.py" "$out" "$@"
gnuplot -e "dat='$out/chart.dat'; out='$out/chart.png'" "$TOP/bench/chart.gp"
{
	echo "Performance"
	echo "==========="
	echo
	fold -s -w 72 "$out/environment.txt" | sed 's/ *$//'
	echo
	cat "$out/performance.txt"
} > "$out/cover-performance.txt"
step "results: $out (summary.md, rounds.json, chart.png, cover-performance.txt)"
