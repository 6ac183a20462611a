#!/usr/bin/python3
"""One ICMP echo to DST, a raw-socket stand-in for ping(8): status 0 on a reply within 2 s.
Usage: ping.py DST (an IPv4 or IPv6 address)"""
import os
import select
import socket
import struct
import sys
import time

dst = sys.argv[1]
v6 = ":" in dst
fam, proto, req, rep = ((socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129) if v6 else
                        (socket.AF_INET, socket.IPPROTO_ICMP, 8, 0))
s = socket.socket(fam, socket.SOCK_RAW, proto)
ident = os.getpid() & 0xffff
msg = struct.pack("!BBHHH", req, 0, 0, ident, 1) + b"vnpp" * 8
if not v6:  # the kernel fills in the ICMPv6 checksum, not the ICMP one
    c = sum(struct.unpack("!%dH" % (len(msg) // 2), msg))
    c = (c >> 16) + (c & 0xffff)
    msg = msg[:2] + struct.pack("!H", ~(c + (c >> 16)) & 0xffff) + msg[4:]
s.sendto(msg, (dst, 0))
end = time.time() + 2
while end > time.time() and select.select([s], [], [], end - time.time())[0]:
    d = s.recv(4096)
    d = d if v6 else d[(d[0] & 15) * 4:]
    if d[0] == rep and struct.unpack("!H", d[4:6])[0] == ident:
        sys.exit(0)
sys.exit(1)
