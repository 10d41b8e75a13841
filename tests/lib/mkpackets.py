#!/usr/bin/env python3
"""Crafted packets for the capture tests: overlays (VXLAN 4789/8472, Geneve, GRE, IP-in-IP),
SCTP, DCCP, 802.3/LLC (STP, SNAP), TCP with no flags and with URG, a record whose seconds
field is 0xFFFFFFFF. Written as a classic pcap (Ethernet) so tcpdump -n -r is the oracle.
  mkpackets.py OUT.pcap [--truncate N] [--corpus DIR]"""
import struct, sys, os

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(src, dst, proto, payload, ident=1):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    bytes(map(int, src.split('.'))), bytes(map(int, dst.split('.'))))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def ip6(src, dst, nh, payload):
    import ipaddress
    return struct.pack('!IHBB', 0x60000000, len(payload), nh, 64) + \
        ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload

def eth(payload, etype=0x0800, src=b'\x02\0\0\0\0\x01', dst=b'\x02\0\0\0\0\x02'):
    return dst + src + struct.pack('!H', etype) + payload

def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload

def tcp(sport, dport, flags, payload=b'', seq=1000, ack=0, urg=0):
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 502, 0, urg) + payload

def icmp_echo(ident=7, seq=1, data=b'x' * 56):
    h = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack('!H', csum(h)) + h[4:]

inner_icmp = lambda: eth(ip4('10.8.1.2', '10.8.2.3', 1, icmp_echo()), src=b'\x0a\x58\x0a\x08\x01\x02', dst=b'\x0a\x58\x0a\x08\x02\x03')
inner_tcp = lambda: eth(ip4('10.8.1.2', '10.8.2.3', 6, tcp(40000, 8080, 0x02, seq=12345)))

def vxlan(vni, frame): return struct.pack('!B3xI', 0x08, vni << 8) + frame
def geneve(vni, proto, payload, opts=b''):
    return struct.pack('!BBH', len(opts) // 4, 0, proto) + struct.pack('!I', vni << 8) + opts + payload

pkts = [
    ('vxlan', eth(ip4('192.168.0.1', '192.168.0.2', 17, udp(51000, 4789, vxlan(42, inner_icmp()))))),
    ('vxlan8472', eth(ip4('192.168.0.1', '192.168.0.2', 17, udp(51001, 8472, vxlan(1, inner_tcp()))))),
    ('geneve', eth(ip4('192.168.0.1', '192.168.0.2', 17, udp(51002, 6081, geneve(100, 0x6558, inner_icmp()))))),
    ('geneve_opts', eth(ip4('192.168.0.1', '192.168.0.2', 17, udp(51003, 6081, geneve(7, 0x6558, inner_tcp(), opts=b'\x01\x02\x03\x01\xaa\xbb\xcc\xdd'))))),
    ('gre_ip', eth(ip4('192.168.0.1', '192.168.0.2', 47, struct.pack('!HH', 0, 0x0800) + ip4('10.8.1.2', '10.8.2.3', 1, icmp_echo())))),
    ('gre_key', eth(ip4('192.168.0.1', '192.168.0.2', 47, struct.pack('!HHI', 0x2000, 0x0800, 0x1234) + ip4('10.8.1.2', '10.8.2.3', 17, udp(1234, 5678, b'hello'))))),
    ('gre_teb', eth(ip4('192.168.0.1', '192.168.0.2', 47, struct.pack('!HH', 0, 0x6558) + inner_icmp()))),
    ('ipip', eth(ip4('192.168.0.1', '192.168.0.2', 4, ip4('10.8.1.2', '10.8.2.3', 6, tcp(40001, 443, 0x12, seq=5, ack=9))))),
    ('ip6in4', eth(ip4('192.168.0.1', '192.168.0.2', 41, ip6('fd00::1', 'fd00::2', 58, struct.pack('!BBHHH', 128, 0, 0, 3, 4) + b'y' * 8)))),
    ('sctp', eth(ip4('10.8.1.2', '10.8.2.3', 132, struct.pack('!HHII', 5000, 6000, 0, 0) + struct.pack('!BBHIIHHI', 1, 0, 20, 0x11223344, 65535, 10, 10, 99)))),
    ('dccp', eth(ip4('10.8.1.2', '10.8.2.3', 33, struct.pack('!HHBBHBBHI', 5001, 6001, 6, 0, 0, 0 << 1 | 1, 0, 0, 77) + struct.pack('!I', 0)))),
    ('stp', eth(b'\x42\x42\x03' + struct.pack('!HBBB', 0, 0, 0, 0) + b'\x80\x00' + b'\x02\0\0\0\0\x09' + struct.pack('!I', 4) + b'\x80\x00' + b'\x02\0\0\0\0\x09' + struct.pack('!HHHHH', 0x8001, 0, 20 * 256, 2 * 256, 15 * 256), etype=38, dst=b'\x01\x80\xc2\0\0\0')),
    ('snap', eth(b'\xaa\xaa\x03\0\0\0\x08\x00' + ip4('10.8.1.2', '10.8.2.3', 1, icmp_echo()), etype=8 + 84)),
    ('tcp_none', eth(ip4('10.8.1.2', '10.8.2.3', 6, tcp(40002, 80, 0x00)))),
    ('tcp_urg', eth(ip4('10.8.1.2', '10.8.2.3', 6, tcp(40003, 23, 0x38, b'abc', seq=100, ack=200, urg=3)))),
]

def main():
    out = sys.argv[1]
    trunc = int(sys.argv[sys.argv.index('--truncate') + 1]) if '--truncate' in sys.argv else 0
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        data = b''
        for i, (_, p) in enumerate(pkts):
            data += struct.pack('<IIII', 1700000000 + i, 1000 * i, len(p), len(p)) + p
        # a record whose seconds field is 0xFFFFFFFF
        p = eth(ip4('10.8.1.2', '10.8.2.3', 1, icmp_echo(seq=99)))
        data += struct.pack('<IIII', 0xffffffff, 5, len(p), len(p)) + p
        f.write(data[:len(data) - trunc] if trunc else data)
    if '--corpus' in sys.argv:
        d = sys.argv[sys.argv.index('--corpus') + 1]
        os.makedirs(d, exist_ok=True)
        for name, p in pkts:  # first byte 0: linktype EN10MB in fuzz_decode
            open(os.path.join(d, 'seed-' + name), 'wb').write(b'\0' + p)

main()
