# pp broken on purpose: skb allocation failures on the receive path not counted in
# rx-alloc-fail (only the refill's buffer allocation failures are, as in v3): the failslab
# phase of tests/guest/faults.sh must catch it.
/^\t*u64_stats_inc(&stats->alloc_fail);$/d
