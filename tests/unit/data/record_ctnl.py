# Records a raw ctnetlink dump (IPCTNL_MSG_CT_GET, NLM_F_DUMP) of this netns into FILE, as
# recv() returned it: ip netns exec NS python3 record_ctnl.py ctnl_dump.bin
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.bind((0, 0))
hdr = struct.pack("=IHHII", 16 + 4, (1 << 8) | 1, 1 | 0x300, 1, 0)
s.send(hdr + struct.pack("=BBH", 0, 0, 0))
out = open(sys.argv[1], "wb")
while True:
    b = s.recv(65536)
    out.write(b)
    done = False
    off = 0
    while off + 16 <= len(b):
        l, t = struct.unpack_from("=IH", b, off)
        if t == 3: done = True
        off += (l + 3) & ~3
    if done: break
