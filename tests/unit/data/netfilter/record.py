#!/usr/bin/env python3
# Records the bytes the netfilter readers parse, for tests/unit/test_netfilter.c and the fuzz
# corpora. Run as root inside a scratch netns holding the rules:
#   record.py xt TABLE OUT      IPT_SO_GET_INFO hooks/underflows (11 u32) + IPT_SO_GET_ENTRIES blob
#   record.py nft OUT           every nf_tables dump reply (chains, sets, set elements, rules)
import ctypes, os, socket, struct, sys

def xt(table, out):
    libc = ctypes.CDLL(None, use_errno=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    info = ctypes.create_string_buffer(84)
    info.raw = table.encode().ljust(32, b"\0") + b"\0" * 52
    ln = ctypes.c_uint32(84)
    if libc.getsockopt(s.fileno(), 0, 64, info, ctypes.byref(ln)) != 0:
        raise OSError(ctypes.get_errno(), "GET_INFO")
    vals = struct.unpack("=11I I I", info.raw[32:84])
    size = vals[12]
    ent = ctypes.create_string_buffer(40 + size)
    ent.raw = table.encode().ljust(32, b"\0") + struct.pack("=I", size) + b"\0" * (4 + size)
    ln = ctypes.c_uint32(40 + size)
    if libc.getsockopt(s.fileno(), 0, 65, ent, ctypes.byref(ln)) != 0:
        raise OSError(ctypes.get_errno(), "GET_ENTRIES")
    with open(out, "wb") as f:
        f.write(struct.pack("=11I", *vals[:11]))
        f.write(ent.raw[40:40 + size])

def nl_dump(s, msg, family, attrs=b""):
    body = struct.pack("=BBH", family, 0, 0) + attrs
    hdr = struct.pack("=IHHII", 16 + len(body), (10 << 8) | msg, 0x301, 1, 0)
    s.send(hdr + body)
    out = b""
    while True:
        d = s.recv(65536)
        out += d
        off, done = 0, False
        while off + 16 <= len(d):
            l, t = struct.unpack_from("=IH", d, off)
            if t in (2, 3):
                done = True
            off += (l + 3) & ~3
        if done:
            return out

def attr(t, v):
    v = v.encode() + b"\0"
    a = struct.pack("=HH", 4 + len(v), t) + v
    return a + b"\0" * ((4 - len(a) % 4) % 4)

def nft(out):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
    sd = nl_dump(s, 10, 0)
    data = nl_dump(s, 4, 0) + sd
    sets = []
    off = 0
    while off + 16 <= len(sd):
        l, t = struct.unpack_from("=IH", sd, off)
        if t == (10 << 8) | 9:
            fam = sd[off + 16]
            tb, p = {}, off + 20
            while p + 4 <= off + l:
                al, at = struct.unpack_from("=HH", sd, p)
                tb[at & 0x3fff] = sd[p + 4:p + al]
                p += (al + 3) & ~3
            sets.append((fam, tb[1].rstrip(b"\0").decode(), tb[2].rstrip(b"\0").decode()))
        off += (l + 3) & ~3
    for fam, table, name in sets:
        data += nl_dump(s, 13, fam, attr(1, table) + attr(2, name))
    data += nl_dump(s, 7, 0)
    with open(out, "wb") as f:
        f.write(data)

if sys.argv[1] == "xt":
    xt(sys.argv[2], sys.argv[3])
else:
    nft(sys.argv[2])
