#!/usr/bin/python3
"""Hold MIB MiB of anonymous memory (the first candidate of the OOM killer) for 10 minutes;
prints "ready" once it is touched. Usage: hog.py MIB"""
import sys
import time

open("/proc/self/oom_score_adj", "w").write("1000")
b = b"\x01" * (int(sys.argv[1]) << 20)
print("ready", flush=True)
time.sleep(600)
