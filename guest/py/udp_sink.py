#!/usr/bin/python3
"""A UDP socket on PORT that never reads, with a receive buffer of BYTES (SO_RCVBUFFORCE): the
skbs it queues keep their RX pages in flight until it is killed. Prints "ready" once bound.
Usage: udp_sink.py PORT BYTES"""
import socket
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, int(sys.argv[2]))  # SO_RCVBUFFORCE
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(3600)
