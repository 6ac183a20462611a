#!/bin/bash
# `make bench`: build what is missing, then one boot per DMA profile running bench/guest.sh
# (base and pp alternating in that boot), then bench/report.py: tables, JSON, chart and the
# cover letter's performance section, all under build/bench/<date>/ (nothing outside build/:
# `make series BENCH=build/bench/<date>` puts a run into the cover letter).
# The default run is the one a user wants first: mergeable, small and big packets, one queue,
# with the DMA API off, on, and under a strict vIOMMU, 3 rounds (measured: see README).
# Env: FULL=1 (the whole matrix: also N-queue cells, 5 rounds), QUICK=1 (3 rounds of 4 s,
#      no vIOMMU: a smoke test of the benchmark, never for the cover letter), ROUNDS, SECS (6),
#      PROFILES ("nodma dma viommu"), QUEUES (2: the N of the N-queue cells = guest vCPUs),
#      CELLS (MODE:QUEUES..., e.g. "big:1": those cells in every profile instead),
#      VNPP_ICOUNT (-icount options; default shift=1,sleep=off; empty: MTTCG instead),
#      VNPP_SETUP_ONLY=1 (stop after the packages, the tools and the tree: scripts/fresh-clone.sh).
# Why -icount: the vCPUs run in one host thread and guest time is counted in instructions
# (2 ns each with shift=1), so host load hardly moves the figures. QUICK runs of the same
# 1-queue cells here had a run-to-run spread, (max-min)/median, of median 53% (worst 87%)
# under MTTCG, 3% (5%) with shift=1 and 2% (3%) with shift=1,sleep=off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export VNPP_ICOUNT=${VNPP_ICOUNT-shift=1,sleep=off}
guest_visible "$TOP"  # before the build: the boots need the checkout in the guest

for s in deps tools tree; do bash "$TOP/scripts/$s.sh"; done
[ -z "${VNPP_SETUP_ONLY:-}" ] || { step "set-up done (VNPP_SETUP_ONLY)"; exit 0; }
for s in kernel modules; do bash "$TOP/scripts/$s.sh"; done

q=${QUEUES:-2}
if [ "${QUICK:-0}" = 1 ]; then
	kind=quick rounds=${ROUNDS:-3} secs=${SECS:-4} profiles=${PROFILES:-nodma dma}
	cells=(mergeable:1 small:1 big:1)
elif [ "${FULL:-0}" = 1 ]; then
	kind=full rounds=${ROUNDS:-5} secs=${SECS:-6} profiles=${PROFILES:-nodma dma viommu}
	cells=(mergeable:1 "mergeable:$q" small:1 "small:$q" big:1 "big:$q")
else
	kind=default rounds=${ROUNDS:-3} secs=${SECS:-6} profiles=${PROFILES:-nodma dma viommu}
	cells=(mergeable:1 small:1 big:1)
fi
[ -z "${CELLS:-}" ] || read -ra cells <<< "$CELLS"
out=$BUILD/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "$kind" > "$out/kind"
accel="MTTCG"
[ -z "${VNPP_ICOUNT:-}" ] || accel="single-threaded, -icount $VNPP_ICOUNT"
env_line="QEMU $("$(qemu_exe)" --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG ($accel), \
${VNPP_SMP:-2} vCPUs on a $(nproc)-core host, tap+bridge, no vhost; guest Linux $(make -s -C "$TREE" kernelversion) \
(Debian linux-source-$VNPP_BASE $(base_version)); iperf3 TCP A->B between the two NICs, ${secs}s runs, \
$rounds rounds, base and pp alternating in one boot"
echo "$env_line" > "$out/environment.txt"
step "benchmark: $env_line"

files=() t_bench=$(date +%s) i=0
read -ra profs <<< "$profiles"
for prof in "${profs[@]}"; do
	pcells=("${cells[@]}")
	[ "$prof" != viommu ] || [ -n "${CELLS:-}" ] || pcells=(mergeable:1 small:1 big:1)
	dir=$out/$prof
	mkdir -p "$dir"
	echo "$prof" > "$dir/profile"
	el=$(( $(date +%s) - t_bench )) i=$((i + 1))
	step "boot $i/${#profs[@]}: $prof, cells ${pcells[*]} (bench ${el}s so far$([ $i = 1 ] || echo ", about $((el * (${#profs[@]} - i + 1) / (i - 1)))s to go"))"
	bash "$TOP/scripts/vm.sh" -p "$prof,mq=$q" -t 3600 -o "$dir" -- bench/guest.sh "$rounds" "$secs" "${pcells[@]}"
	files+=("$dir/bench.jsonl")
done
step "bench: all boots done in $(( $(date +%s) - t_bench ))s"

bash "$TOP/scripts/bench-report.sh" "$out" "${files[@]}"
