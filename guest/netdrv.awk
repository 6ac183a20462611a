# The KTAP of one of the kernel's drivers/net Python tests as lines for tests/guest/netdrv.sh:
#   ok NAME | skip NAME REASON | diag TEXT (the last 8 diagnostics before a failure) | fail NAME |
#   plan N (the test's own plan, "1..N")
# A failure whose diagnostics show that this machine cannot run the test at all, whatever the
# driver, becomes a skip naming why (only these signatures; any other failure stays a failure):
# - 6.12's hw/csum.py uses cfg.remote_ifname, which 6.12's NetDrvEpEnv does not have;
# - Debian 12's ethtool 6.1 rejects what hw/rss_ctx.py asks it (--json with -c, -x ... context);
# - hw/csum.py's TX cases: the peer's csum tool sees the packets with their checksum still
#   partial (two virtio NICs of one QEMU pass VIRTIO_NET_HDR_F_NEEDS_CSUM through, no wire
#   computes it) and skips them all ("missing packets at pf_packet: 0 < N");
# - hw/rss_ctx.py's test_hitless_key_update reads the RSS hash key of a device that has none
#   (QEMU 7.2's virtio-net without VIRTIO_NET_F_RSS: KeyError 'rss-hash-key').
/^#/ { d[nd++ % 8] = $0; if (/partial csum: skip/) partial = 1; next }
/^1\.\.[0-9]+/ { print "plan", substr($1, 4) + 0; next }
/^ok [0-9]+ / {
	if (match($0, / *# *SKIP */))
		print "skip", $3, substr($0, RSTART + RLENGTH)
	else
		print "ok", $3
	nd = partial = 0
	next
}
/^not ok [0-9]+ / {
	why = c = ""
	for (i = (nd > 8 ? nd - 8 : 0); i < nd; i++) {
		if (d[i % 8] ~ /has no attribute 'remote_ifname'/)
			why = "this tree's test needs NetDrvEpEnv.remote_ifname, which its own lib/py/env.py lacks"
		else if (d[i % 8] ~ /Command failed: ethtool /) {
			c = d[i % 8]
			sub(/.*Command failed: /, "", c)
		} else if (d[i % 8] ~ /ethtool: bad command line argument/)
			why = "the machine's ethtool (" ethtool ") does not take '" c "', where the test stopped"
		else if (partial && d[i % 8] ~ /missing packets at pf_packet: 0 </)
			why = "the peer receives these packets with their checksum still partial (a QEMU virtio wire keeps NEEDS_CSUM), which csum cannot check"
		else if (d[i % 8] ~ /KeyError: 'rss-hash-key'/)
			why = "the device has no RSS hash key (no VIRTIO_NET_F_RSS in QEMU 7.2), which this test reads without checking"
	}
	if (why != "") {
		print "skip", $4, why
	} else {
		for (i = (nd > 8 ? nd - 8 : 0); i < nd; i++) print "diag", d[i % 8]
		print "fail", $4
	}
	nd = partial = 0
}
