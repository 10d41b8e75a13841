#!/usr/bin/env python3
"""Records rtnetlink dump replies (raw recv() buffers) for unit tests and the fuzz corpus.
Run as root inside a prepared netns:  ip netns exec NS python3 record.py OUTDIR
Each dump becomes OUTDIR/KIND.bin (concatenated buffers, up to and including NLMSG_DONE)."""
import os, socket, struct, sys

NETLINK_ROUTE = 0
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH = 18, 22, 26, 30
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
NLMSG_DONE = 3
AF_UNSPEC, AF_INET, AF_BRIDGE = 0, 2, 7

def dump(kind, mtype, body):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 0))
    hdr = struct.pack("=IHHII", 16 + len(body), mtype, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    s.send(hdr + body)
    out = b""
    while True:
        b = s.recv(32768)
        out += b
        done = False
        off = 0
        while off + 16 <= len(b):
            ln, ty = struct.unpack_from("=IH", b, off)
            if ty == NLMSG_DONE:
                done = True
            off += (ln + 3) & ~3
        if done:
            break
    open(os.path.join(sys.argv[1], kind + ".bin"), "wb").write(out)

ifinfo = struct.pack("=BxHiII", AF_UNSPEC, 0, 0, 0, 0)
dump("link", RTM_GETLINK, ifinfo)
dump("addr", RTM_GETADDR, struct.pack("=BBBBI", AF_UNSPEC, 0, 0, 0, 0))
dump("route", RTM_GETROUTE, struct.pack("=BBBBBBBBI", AF_INET, 0, 0, 0, 0, 0, 0, 0, 0))
dump("neigh", RTM_GETNEIGH, struct.pack("=BxxxiHBB", AF_INET, 0, 0, 0, 0))
dump("fdb", RTM_GETNEIGH, struct.pack("=BxHiII", AF_BRIDGE, 0, 0, 0, 0))
