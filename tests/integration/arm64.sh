#!/usr/bin/env bash
# arm64: dist/netrescue-arm64 is a static aarch64 ELF within budget, and it runs here under
# qemu-user (Debian's qemu-user-static): the unit tests built for aarch64 from the product's own
# objects, then the integration tests whose system calls qemu-user translates, each run again
# with NR pointing at the arm64 binary. Not run under qemu-user, and why (they run on a real
# arm64 kernel in the kernel matrix instead):
#   capture, sockets, port, locate, links, bridge, mtu, diagnose: qemu-user 7.2 does not
#     translate SIOCETHTOOL (libpcap's activation), NETLINK_SOCK_DIAG, nor the peer-netns
#     attributes of RTM_NEWLINK (IFLA_LINK_NETNSID) that these need;
#   upload.sh: qemu-user keeps its own argv in /proc/PID/cmdline, so the test that the signature
#     is scrubbed from the command line cannot pass there (a TLS upload is checked below instead);
#   conntrack: all but the IPv6 neighbour count, whose AF_INET6 RTM_GETNEIGH dump qemu-user
#     answers differently (it reads null there, 0 natively).
. "$(dirname "$0")/../lib/harness.sh"
trap t_harness_cleanup EXIT

BIN=$T_ROOT/dist/netrescue-arm64
BUILD=$T_ROOT/build
[ -f "$BIN" ] || { fail "dist/netrescue-arm64 exists" "not built (./build.sh)"; exit 0; }

# --- the file itself ---
expect_match "static aarch64 ELF, stripped" 'ELF 64-bit LSB executable, ARM aarch64.*statically linked.*stripped' "$(file -b "$BIN")"
expect_eq "no program interpreter" "$(readelf -l "$BIN" | grep -c INTERP)" 0
expect_match "no dynamic section (no NEEDED)" 'no dynamic section' "$(readelf -d "$BIN")"
size=$(stat -c %s "$BIN")
[ "$size" -le 1572864 ] && ok "size $size B within the 1.5 MiB budget" || fail "size" "$size B > 1.5 MiB"
expect_match "x86-64 binary unchanged in name" 'ELF 64-bit LSB executable, x86-64.*statically linked' "$(file -b "$T_ROOT/dist/netrescue")"
expect_eq "netrescue-amd64 is dist/netrescue" "$(sha256sum <"$T_ROOT/dist/netrescue-amd64")" "$(sha256sum <"$T_ROOT/dist/netrescue")"

QEMU=$(command -v qemu-aarch64-static || true)
if [ -z "$QEMU" ]; then
	echo "# qemu-aarch64-static missing: arm64 binary not run (install qemu-user-static)"
	exit 0
fi

# --- runs: version names the architecture and the CPU paths it takes ---
expect_rc "version runs under qemu-aarch64" 0 "$QEMU" "$BIN" --json version
expect_json "version: arch aarch64" '.arch == "aarch64"' "$OUT"
expect_json "version: Armv8 CRC32C instructions used (qemu's cpu max has them)" '.crypto.crc32c == "armv8-crc"' "$OUT"
expect_json "version: BearSSL's 64-bit constant-time AES and GHASH, ChaCha20 offered first" \
	'.crypto.aes == "aes_ct64" and .crypto.ghash == "ghash_ctmul64" and .crypto.tls_first_suite == "ChaCha20-Poly1305"' "$OUT"
# A CPU without the CRC extension (Cortex-A53 models it as optional: qemu's a53 lacks it only on
# request), so check the table path through the unit test below instead.

# --- unit tests for aarch64, from the product's own objects (no sanitizers for musl) ---
CC="aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs"
U=$T_TMP/unit
mkdir -p "$U"
# The objects of today's sources only (a removed source leaves a stale object behind).
(cd "$T_ROOT" && find src -name '*.c' ! -path src/cli/main.c | sort | sed "s|^src/\(.*\)\.c$|$BUILD/obj-arm64/\1.o|") >"$U/objs"
echo "$BUILD/obj-arm64/gen/trust_anchors.o" >>"$U/objs"
aarch64-linux-gnu-ar rcs "$U/libnr.a" $(cat "$U/objs")
for t in "$T_ROOT"/tests/unit/test_*.c; do
	n=$(basename "$t" .c)
	if ! $CC -std=c11 -D_GNU_SOURCE -O1 -static -I"$T_ROOT/src" -I"$BUILD/gen" -I"$T_ROOT/tests/unit" \
		-isystem "$BUILD/musl-arm64/include" -isystem "$BUILD/kinc-arm64" -o "$U/$n" "$t" "$U/libnr.a" \
		"$BUILD/musl-arm64/lib/libpcap.a" "$BUILD/musl-arm64/lib/libbearssl.a" >"$U/$n.cc" 2>&1; then
		fail "arm64 unit/$n compiles" "$(head -c 300 "$U/$n.cc")"
		continue
	fi
	(cd "$T_ROOT" && timeout 300 "$QEMU" "$U/$n") >"$U/$n.out" 2>&1
	rc=$?
	sed -n 's/^\(not \)\{0,1\}ok - /&arm64 unit\/'"$n"': /p' "$U/$n.out"
	[ $rc = 0 ] || grep -q '^not ok' "$U/$n.out" || fail "arm64 unit/$n" "exited $rc"
done

# --- integration tests whose syscalls qemu-user translates, against the arm64 binary ---
# Readable by the unprivileged runs the tests make (kmsg as nobody).
mkdir -p "$T_TMP/bin" && chmod 755 "$T_TMP" "$T_TMP/bin"
W=$T_TMP/bin/nr-arm64
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QEMU" "$BIN" >"$W"
chmod +x "$W"
for t in kmsg ps; do
	f=$T_ROOT/tests/integration/$t.sh
	[ -f "$f" ] || continue
	NR=$W timeout 900 bash "$f" >"$T_TMP/$t.log" 2>&1
	rc=$?
	sed -n 's/^\(not \)\{0,1\}ok - /&arm64 '"$t"': /p' "$T_TMP/$t.log"
	[ $rc = 0 ] || grep -q '^not ok' "$T_TMP/$t.log" || fail "arm64 $t.sh" "exited $rc"
done

# --- a TLS 1.2 upload (BearSSL on aarch64) to an HTTPS server on loopback in a netns ---
NS=nrt$$-arm
ip netns add "$NS" && ip -n "$NS" link set lo up
SRV=
arm_cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; ip netns del "$NS" 2>/dev/null; t_harness_cleanup; }
trap arm_cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=nr arm64 CA" \
	-keyout "$T_TMP/ca.key" -out "$T_TMP/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=up.test" -keyout "$T_TMP/srv.key" \
	-out "$T_TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:up.test\n' >"$T_TMP/ext"
openssl x509 -req -in "$T_TMP/srv.csr" -CA "$T_TMP/ca.pem" -CAkey "$T_TMP/ca.key" -CAcreateserial -days 2 \
	-extfile "$T_TMP/ext" -out "$T_TMP/srv.pem" 2>/dev/null
cat >"$T_TMP/srv.py" <<'PY'
import hashlib, http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers["Content-Length"]); h = hashlib.sha256(); left = n
        while left:
            b = self.rfile.read(min(left, 65536)); h.update(b); left -= len(b)
        open(sys.argv[3], "w").write(h.hexdigest())
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 8443), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
ip netns exec "$NS" python3 "$T_TMP/srv.py" "$T_TMP/srv.pem" "$T_TMP/srv.key" "$T_TMP/got" &
SRV=$!
for _ in $(seq 50); do ip netns exec "$NS" ss -ltn | grep -q ':8443 ' && break; sleep 0.1; done
head -c 3000000 /dev/urandom >"$T_TMP/blob"
expect_rc "arm64 upload over TLS to a local HTTPS server" 0 ip netns exec "$NS" "$W" --json upload "$T_TMP/blob" \
	https://up.test:8443/bucket/blob --ca-file "$T_TMP/ca.pem" --resolve up.test:8443:127.0.0.1
expect_json "arm64 upload: every byte sent, 200" '.bytes == 3000000 and .http_status == 200' "$OUT"
expect_eq "arm64 upload: the server got the same bytes" "$(cat "$T_TMP/got" 2>/dev/null)" "$(sha256sum <"$T_TMP/blob" | cut -d' ' -f1)"
