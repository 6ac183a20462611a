#!/bin/bash
# Test of bench/report.py's targets on synthetic runs (tests/host/bench-report/complete.jsonl:
# profiles nodma and dma, cell mergeable/1 queue, 2 rounds of base and pp, every target met
# but the vIOMMU one, which is not measured) and on variants of them made here: a run
# missing, a run failed, a planned cell without runs, no plan records, an input file
# missing, the busiest pool over the bound while the mean is under it.
# Output: KTAP. Exit status 1 if any test failed.
# Usage: tests/host/bench-report-test.sh
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
fix=$TOP/tests/host/bench-report/complete.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

T_SPREAD="pp not behind base beyond the spread"
T_ALLOC="RX page allocations per GiB"
T_RECYCLE="pp recycle ratio"
T_DMA="DMA API on: pp ahead of base"
T_VIOMMU="vIOMMU strict: pp >= 1.5x base"
T_MEM="memory held by the busiest pool"

n=0 fails=0
result() { # RC DESC
	local rc=$1; shift
	n=$((n + 1))
	if [ "$rc" = 0 ]; then echo "ok $n $*"; return 0; fi
	echo "not ok $n $*"
	fails=$((fails + 1))
	return 1
}

# NAME JSONL...: run the report into $tmp/NAME, its summary in $tmp/NAME/summary.md
report() {
	local name=$1; shift
	mkdir -p "$tmp/$name"
	python3 "$TOP/bench/report.py" "$tmp/$name" "$@" > "$tmp/$name/stdout" 2> "$tmp/$name/stderr"
	result $? "$name: report.py runs"
	[ -s "$tmp/$name/stderr" ] && sed 's/^/# /' "$tmp/$name/stderr"
}

# NAME STATUS TARGET [TEXT]: the summary of NAME has TARGET with STATUS (and TEXT on its line)
expect() {
	local name=$1 status=$2 target=$3 text=${4:-} line
	line=$(grep -F -- "$target" "$tmp/$name/summary.md" | grep '^- ')
	[ "$(awk '{ print $2 ($2 == "NOT" ? " " $3 : "") }' <<< "$line")" = "$status" ] &&
		[[ $line == *"$text"* ]]
	result $? "$name: $status ${target}${text:+ ($text)}" || echo "# got: ${line:-no such target line}"
}

# jq filter over the fixture's records, one JSON object a line
variant() { # NAME FILTER
	jq -c "$2" "$fix" > "$tmp/$1.jsonl"
}

echo "KTAP version 1"
echo "1..37"

report complete "$fix"
expect complete MET "$T_SPREAD"
expect complete MET "$T_ALLOC"
expect complete MET "$T_RECYCLE"
expect complete MET "$T_DMA"
expect complete "NOT MEASURED" "$T_VIOMMU"
expect complete MET "$T_MEM" "1171 KiB"

# one pp run of nodma missing: every target covering nodma is incomplete, dma's is met
variant missing 'select(.profile != "nodma" or .variant != "pp" or .round != 2)'
report missing "$tmp/missing.jsonl"
expect missing INCOMPLETE "$T_SPREAD" "nodma/merge/1q: pp round 2 missing"
expect missing INCOMPLETE "$T_ALLOC"
expect missing INCOMPLETE "$T_RECYCLE"
expect missing MET "$T_DMA"
expect missing INCOMPLETE "$T_MEM"

# the same run failed (bench/guest.sh records it)
variant failed 'if .profile == "nodma" and .variant == "pp" and .round == 2 then
	{profile, mode, queues, streams, variant, round, failed: true} else . end'
report failed "$tmp/failed.jsonl"
expect failed INCOMPLETE "$T_SPREAD" "nodma/merge/1q: pp round 2 failed"
expect failed INCOMPLETE "$T_ALLOC" "pp round 2 failed"
expect failed MET "$T_DMA"
grep -q 'nodma/mergeable/1q: pp round 2 failed' "$tmp/failed/summary.md"
result $? "failed: the summary lists the failed run"

# a cell planned (small, 1 queue, in dma) without any run
variant nocell 'if .plan and .profile == "dma" then .cells += ["small:1"] else . end'
report nocell "$tmp/nocell.jsonl"
expect nocell INCOMPLETE "$T_SPREAD" "dma/small/1q: base round 1 missing"
expect nocell INCOMPLETE "$T_DMA" "dma/small/1q"
expect nocell INCOMPLETE "$T_MEM"

# a whole profile's boot left nothing (its file is missing)
report nofile "$fix" "$tmp/absent.jsonl"
expect nofile INCOMPLETE "$T_SPREAD" "no record in $tmp/absent.jsonl"
expect nofile INCOMPLETE "$T_VIOMMU" "no record in"
grep -q "no record in $tmp/absent.jsonl" "$tmp/nofile/summary.md"
result $? "nofile: the summary lists the file without records"

# no plan records (files of before them): the plan is inferred, base and pp for every round
# seen: all base runs of dma missing
variant noplan 'select((.plan | not) and (.profile != "dma" or .variant != "base"))'
report noplan "$tmp/noplan.jsonl"
expect noplan INCOMPLETE "$T_SPREAD" "dma/merge/1q: base round 1 missing, base round 2 missing"
expect noplan INCOMPLETE "$T_DMA"
variant noplan-full 'select(.plan | not)'
report noplan-full "$tmp/noplan-full.jsonl"
expect noplan-full MET "$T_SPREAD"
expect noplan-full "NOT MEASURED" "$T_VIOMMU"

# the busiest pool over the bound (1536 KiB for a 256 entry ring) while the mean of the
# pools, 4 of them here, is far under it: MISSED
variant busy 'if .variant == "pp" and .profile == "dma" and .round == 1 then
	.pools = 4 | .pool_inflight_mem = 2100000 | .pool_inflight_mem_max = 2000000 else . end'
report busy "$tmp/busy.jsonl"
expect busy MISSED "$T_MEM" "dma/merge/1q 1953 KiB"
expect busy MET "$T_SPREAD"

# records without the busiest pool's figure: the total of all pools stands for it
variant oldmem 'del(.pool_inflight_mem_max, .pool_inflight_pages_max)'
report oldmem "$tmp/oldmem.jsonl"
expect oldmem MET "$T_MEM" "1269 KiB (bound 1536 KiB) (total of all pools"

echo "# $((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
