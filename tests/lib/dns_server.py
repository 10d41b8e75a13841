#!/usr/bin/env python3
"""A misbehaving DNS server over UDP for the dns tests: `servfail` answers every query with
SERVFAIL, `silent` reads and never answers, `pairdrop` answers A (10.9.9.9) and AAAA (fd00::9)
but drops the second query that comes from one source address and port (what the conntrack
insert race does to glibc's parallel A+AAAA from one socket).
usage: dns_server.py MODE ADDRESS"""
import socket
import struct
import sys

mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
seen = {}
while True:
    q, src = s.recvfrom(4096)
    if mode == "silent" or len(q) < 17:
        continue
    i = 12
    while i < len(q) and q[i] != 0:
        i += 1 + q[i]
    if i + 5 > len(q):
        continue
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    if mode == "servfail":
        s.sendto(q[:2] + b"\x81\x82" + b"\x00\x01\x00\x00\x00\x00\x00\x00" + question, src)
        continue
    seen[src] = seen.get(src, 0) + 1
    if seen[src] == 2:
        continue
    rd = None
    if qtype == 1:
        rd = socket.inet_pton(socket.AF_INET, "10.9.9.9")
    elif qtype == 28:
        rd = socket.inet_pton(socket.AF_INET6, "fd00::9")
    an = b"" if rd is None else b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 30, len(rd)) + rd
    hdr = q[:2] + b"\x81\x80" + struct.pack(">HHHH", 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + question + an, src)
