#!/bin/bash
# `make bench`: build what is missing, then one boot per DMA profile running bench/guest.sh
# (base and pp alternating in that boot), then bench/report.py: tables, JSON, chart under
# build/bench/<date>/, and cover/performance.txt for the cover letter.
# Env: QUICK=1 (3 rounds of 4 s, 1-queue cells, no vIOMMU), ROUNDS (5), SECS (6),
#      PROFILES ("nodma dma viommu"), QUEUES (2: the N of the N-queue cells = guest vCPUs),
#      VNPP_ICOUNT (-icount options; default shift=1,sleep=off; empty: MTTCG instead).
# Why -icount: the vCPUs run in one host thread and guest time is counted in instructions
# (2 ns each with shift=1), so host load hardly moves the figures. QUICK runs of the same
# 1-queue cells here had a run-to-run spread, (max-min)/median, of median 53% (worst 87%)
# under MTTCG, 3% (5%) with shift=1 and 2% (3%) with shift=1,sleep=off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export VNPP_ICOUNT=${VNPP_ICOUNT-shift=1,sleep=off}
guest_visible "$TOP"  # before the build: the boots need the checkout in the guest

for s in deps tree kernel modules; do bash "$TOP/scripts/$s.sh"; done

q=${QUEUES:-2}
if [ "${QUICK:-0}" = 1 ]; then
	rounds=${ROUNDS:-3} secs=${SECS:-4} profiles=${PROFILES:-nodma dma}
	cells=(mergeable:1 small:1)
else
	rounds=${ROUNDS:-5} secs=${SECS:-6} profiles=${PROFILES:-nodma dma viommu}
	cells=(mergeable:1 "mergeable:$q" small:1 "small:$q")
fi
out=$BUILD/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
accel="MTTCG"
[ -z "${VNPP_ICOUNT:-}" ] || accel="single-threaded, -icount $VNPP_ICOUNT"
env_line="QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') TCG ($accel), \
${VNPP_SMP:-2} vCPUs on a $(nproc)-core host, tap+bridge, no vhost; guest Linux $(make -s -C "$BUILD/linux" kernelversion) \
(Debian linux-source-6.12 $(base_version)); iperf3 TCP A->B between the two NICs, ${secs}s runs, \
$rounds rounds, base and pp alternating in one boot"
echo "$env_line" > "$out/environment.txt"
step "benchmark: $env_line"

files=()
for prof in $profiles; do
	pcells=("${cells[@]}")
	[ "$prof" != viommu ] || pcells=(mergeable:1 small:1)
	dir=$out/$prof
	mkdir -p "$dir"
	echo "$prof" > "$dir/profile"
	step "boot: $prof, cells ${pcells[*]}"
	bash "$TOP/scripts/vm.sh" -p "$prof,mq=$q" -t 3600 -o "$dir" -- bench/guest.sh "$rounds" "$secs" "${pcells[@]}"
	files+=("$dir/bench.jsonl")
done

bash "$TOP/scripts/bench-report.sh" "$out" "${files[@]}"
