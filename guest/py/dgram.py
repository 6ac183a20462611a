#!/usr/bin/python3
"""Verifiable UDP datagrams: datagram i is i (4 bytes, big endian) followed by sha256(i)
repeated; the receiver checks every byte.
Usage: dgram.py send IP PORT COUNT SIZE   COUNT datagrams of SIZE bytes; prints how many were sent
       dgram.py recv PORT SIZE IDLE       prints "ready" once bound, then receives until IDLE
                                          seconds pass without a datagram (120 s for the first);
                                          prints "good=N bad=N" (bad: wrong size or content)"""
import hashlib
import socket
import sys


def payload(i, size):
    d = hashlib.sha256(i.to_bytes(4, "big")).digest()
    return i.to_bytes(4, "big") + (d * (size // 32 + 1))[:size - 4]


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "send":
    ip, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    sent = 0
    for i in range(count):
        try:
            s.sendto(payload(i, size), (ip, port))
            sent += 1
        except OSError:
            pass
    print(sent)
else:
    port, size, idle = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    good = bad = 0
    s.settimeout(120)  # for the first one; then IDLE
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        s.settimeout(idle)
        i = int.from_bytes(d[:4], "big")
        if len(d) == size and d == payload(i, size):
            good += 1
        else:
            bad += 1
    print("good=%d bad=%d" % (good, bad))
