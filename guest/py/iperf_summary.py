#!/usr/bin/python3
"""The one-line summary of an iperf3 -J client result (vn_iperf):
TCP "bps=N bytes=N retrans=N secs=S", UDP "bps=N bytes=N lost_pct=P jitter_ms=J secs=S".
Usage: iperf_summary.py FILE.json"""
import json
import sys

r = json.load(open(sys.argv[1]))
if "error" in r:
    sys.exit("iperf3: " + r["error"])
e = r["end"]
if "sum_received" in e:  # TCP
    rx, tx = e["sum_received"], e["sum_sent"]
    print("bps=%d bytes=%d retrans=%d secs=%.2f" % (rx["bits_per_second"], rx["bytes"],
          tx.get("retransmits", 0), rx["seconds"]))
else:  # UDP
    s = e["sum"]
    print("bps=%d bytes=%d lost_pct=%.2f jitter_ms=%.3f secs=%.2f" % (s["bits_per_second"],
          s["bytes"], s["lost_percent"], s["jitter_ms"], s["seconds"]))
