#!/usr/bin/env bash
# capture (issue 5): tcpdump-compatible capture on a simulated node. Traffic runs only between
# namespaces this test made; files are read back by tshark and tcpdump; counts are compared with
# tcpdump capturing the same traffic at the same time.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"
. "$(dirname "$0")/../lib/capbg.sh"

MNT=
cap_cleanup() {
	local p
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$MNT" ] && { umount "$MNT" 2>/dev/null; rmdir "$MNT" 2>/dev/null; }
	node_down
}
BG=()
node_up
trap cap_cleanup EXIT

node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2
pod_bridged b 10.4.0.3
pod_routed r 10.4.1.2
D=$T_TMP/cap
mkdir -p "$D"

# --- helpers ---
cap_wait() { wait "$1"; CRC=$?; }
# tcpdump in a netns, in the background, writing F; sets TPID.
td_bg() { # ns file filter...
	local ns=$1 f=$2 i
	shift 2
	ip netns exec "$ns" tcpdump -Z root -n -U "$@" -w "$f" 2>"$f.err" &
	TPID=$!
	BG+=("$TPID")
	for i in $(seq 1 100); do grep -q 'listening on' "$f.err" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# N UDP datagrams of SIZE bytes from netns to DST:PORT (bounded, paced lightly).
udp_burst() { # ns dst port n [size]
	ip netns exec "$1" python3 -c '
import socket, sys, time
dst, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"x" * size, (dst, port))
    if i % 200 == 199: time.sleep(0.01)
' "$2" "$3" "$4" "${5:-100}"
}
# A file both readers accept without complaint; prints the packet count (tshark's).
pcap_ok() { # name file [want_count]
	local t c rc
	# (tshark's own warning about running as root is not about the file)
	t=$(tshark -r "$2" 2>&1 >/dev/null); rc=$?
	t=$(grep -v 'Running as user' <<<"$t")
	if [ "$rc" = 0 ] && [ -z "$t" ]; then ok "$1: tshark reads it cleanly"; else fail "$1: tshark" "${t:-rc!=0}"; fi
	if tcpdump -r "$2" -w /dev/null 2>/dev/null; then ok "$1: tcpdump reads it"; else fail "$1: tcpdump -r" "failed"; fi
	c=$(tshark -r "$2" 2>/dev/null | wc -l)
	[ -z "${3:-}" ] || expect_eq "$1: packet count" "$c" "$3"
}
count_td() { tcpdump -r "$1" 2>/dev/null | wc -l; }

VA=${POD_IF[a]}
VB=${POD_IF[b]}

# --- usage and could-not errors: one line each ---
expect_one_line_error "bad filter" 2 "capture: .*invalid capture filter" nr capture -i eth0 port nope
expect_one_line_error "unknown interface" 3 "^netrescue: capture: nope0: no such interface$" nr capture -i nope0
expect_one_line_error "bad -c" 2 "capture: -c" nr capture -c x
expect_one_line_error "--inside without --pod-ip" 2 "--inside needs --pod-ip" nr capture --inside
expect_rc "help explains every option" 0 "$NR" help capture
for o in -i -s -w -c -n -G -C -W -B --pod-ip --inside --duration --max-size --force --upload; do
	expect_match "help mentions $o" "$o" "$OUT"
done

# --- -c with -w: exact counts, both readers agree, JSON says the same ---
cap_bg c10 --json -i "$VA" -w "$D/c10.pcap" -c 10 icmp || fail "c10 start" "$(cat "$D/c10.err")"
in_pod a ping -c 5 -i 0.05 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_eq "-c 10: exit 0" "$CRC" 0
pcap_ok "-c 10" "$D/c10.pcap" 10
expect_eq "-c 10: tcpdump count" "$(count_td "$D/c10.pcap")" 10
J=$(cat "$D/c10.out")
expect_json "-c 10: JSON contract fields" '.tool == "netrescue" and .command == "capture" and .packets_captured == 10 and .packets_dropped == 0 and (.interface|type) == "string" and (.files|length) == 1' "$J"
expect_json "-c 10: stop_reason count" '.stop_reason == "count"' "$J"
expect_match "-c 10: says why it stopped" 'stopped: packet count reached' "$(cat "$D/c10.err")"
expect_eq "file mode 0600" "$(stat -c %a "$D/c10.pcap")" 600

# --- -s snaplen and -B buffer: records cut as asked, wire length kept ---
cap_bg snap --json -i "$VA" -w "$D/snap.pcap" -s 64 -B 4096 -c 2 icmp || fail "snap start" "$(cat "$D/snap.err")"
in_pod a ping -c 1 -s 500 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_json "-s 64: snaplen in JSON" '.snaplen == 64 and .link_type == "EN10MB"' "$(cat "$D/snap.out")"
expect_eq "-s 64: records cut to 64 bytes, wire length kept" "$(tshark -r "$D/snap.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u | tr -s '\t\n ' ',,,')" "64,542,"

# --- filters: same counts as tcpdump with the same filter on the same traffic, at once ---
F='udp and dst port 9999'
td_bg "$NODE" "$D/td.pcap" -i "$VA" "$F" || fail "tcpdump start" "$(cat "$D/td.pcap.err")"
cap_bg flt -i "$VA" -w "$D/flt.pcap" $F || fail "filter start" "$(cat "$D/flt.err")"
udp_burst "${POD_NS[a]}" 10.4.0.3 9999 300
udp_burst "${POD_NS[a]}" 10.4.0.3 9998 200
in_pod a ping -c 3 -i 0.05 -W 1 10.4.0.3 >/dev/null
# tcpdump's ring hands over a block after 1 s and tcpdump drops what it has not been handed on
# SIGINT (netrescue drains it, see "SIGINT at once"): give tcpdump its second.
sleep 1.5
kill -INT "$CPID" "$TPID"
cap_wait "$CPID"
wait "$TPID" 2>/dev/null
expect_eq "filter run: exit 0 on SIGINT" "$CRC" 0
pcap_ok "filter run" "$D/flt.pcap" 300
expect_eq "filter: same count as tcpdump" "$(count_td "$D/flt.pcap")" "$(count_td "$D/td.pcap")"
expect_match "SIGINT: says why it stopped" 'stopped: interrupted' "$(cat "$D/flt.err")"

# --- SIGINT right after the traffic: what the ring still held is in the file too ---
cap_bg late --json -i "$VA" -w "$D/late.pcap" icmp || fail "late start" "$(cat "$D/late.err")"
in_pod a ping -c 3 -i 0.02 -W 1 10.4.0.3 >/dev/null
kill -INT "$CPID"
cap_wait "$CPID"
expect_json "SIGINT at once: all 6 packets kept" '.packets_captured == 6 and .stop_reason == "signal"' "$(cat "$D/late.out")"
pcap_ok "SIGINT at once" "$D/late.pcap" 6

# --- text output: one line per packet, like tcpdump -n, naming what matters ---
cap_bg txt -i "$VB" -c 4 icmp || fail "txt start" "$(cat "$D/txt.err")"
in_pod a ping -c 2 -i 0.05 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
T=$(cat "$D/txt.out")
expect_eq "text: one line per packet" "$(grep -c . <<<"$T")" 4
expect_match "text: echo request like tcpdump" '^[0-9:.]+ IP 10\.4\.0\.2 > 10\.4\.0\.3: ICMP echo request, id [0-9]+, seq 1, length 64$' "$T"
cap_bg jtxt --json -i "$VB" -c 2 icmp || fail "json text start" "$(cat "$D/jtxt.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_json "--json without -w: one document with the decoded packets" '(.packets|length) == 2 and (.packets[0]|test("ICMP echo request")) and .files == [] and .packets_captured == 2' "$(cat "$D/jtxt.out")"
pod_proc b "$(new_cid)" -- socat TCP-LISTEN:8080,reuseaddr,fork /dev/null
wait_listen "${POD_NS[b]}" 8080 || fail "listener" "socat did not listen"
cap_bg syn -i "$VB" --duration 2 'tcp[tcpflags] & (tcp-syn|tcp-rst) != 0' || fail "syn start" "$(cat "$D/syn.err")"
in_pod a bash -c 'echo hi >/dev/tcp/10.4.0.3/8080; echo hi >/dev/tcp/10.4.0.3/8081' 2>/dev/null
cap_wait "$CPID"
T=$(cat "$D/syn.out")
expect_match "text: SYN named" 'Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss [0-9]+[^]]*\], length 0 \[SYN\]' "$T"
expect_match "text: SYN-ACK named" 'Flags \[S\.\].*\[SYN-ACK\]' "$T"
expect_match "text: RST named" '10\.4\.0\.3\.8081 > 10\.4\.0\.2\.[0-9]+: Flags \[R\.\].*\[RST\]' "$T"

# --- progress on stderr only when it is a terminal (script(1) gives it one) ---
in_node script -qec "'$NR' capture -i '$VA' -w '$D/tty.pcap' --duration 3 icmp" /dev/null >"$D/tty.out" 2>&1 &
PP=$!
in_pod a ping -c 10 -i 0.2 -W 1 10.4.0.3 >/dev/null
wait "$PP"
expect_match "progress on a terminal: packets, bytes, drops, file size" '[0-9]+ packets, [0-9]+ bytes, 0 dropped by kernel, .*tty\.pcap [0-9.]+ MB' "$(tr '\r' '\n' <"$D/tty.out")"
expect_nomatch "no progress when stderr is a file" 'dropped by kernel, ' "$(cat "$D/c10.err")"

# --- the same lines as tcpdump -n -S (absolute seq) on the same file, once our names are taken off ---
cap_bg mix -i "$VB" -w "$D/mix.pcap" --duration 3 || fail "mix start" "$(cat "$D/mix.err")"
in_pod a ping -c 2 -i 0.1 -W 1 10.4.0.3 >/dev/null
in_pod a bash -c 'echo hello >/dev/tcp/10.4.0.3/8080; echo hi >/dev/tcp/10.4.0.3/8081' 2>/dev/null
udp_burst "${POD_NS[a]}" 10.4.0.3 5000 3 40
in_pod a ping -6 -c 1 -W 1 fe80::1%eth0 >/dev/null 2>&1
cap_wait "$CPID"
expect_rc "-r reads our file back" 0 nr capture -r "$D/mix.pcap"
ours=$(sed -E 's/ \[(SYN|SYN-ACK|RST)\]$//; s/: DNS /: /; s/ TLS .*$//' <<<"$OUT")
theirs=$(tcpdump -n -S -r "$D/mix.pcap" 2>/dev/null)
expect_eq "decoded lines equal tcpdump -n -S's ($(grep -c . <<<"$theirs") packets)" "$ours" "$theirs"
expect_match "mix has a TCP handshake" 'Flags \[S\.\]' "$ours"
expect_rc "-r -e reads it back with link headers" 0 nr capture -e -r "$D/mix.pcap"
ours=$(sed -E 's/ \[(SYN|SYN-ACK|RST)\]$//; s/: DNS /: /; s/ TLS .*$//' <<<"$OUT")
expect_eq "-e lines equal tcpdump -e -n -S's" "$ours" "$(tcpdump -e -n -S -r "$D/mix.pcap" 2>/dev/null)"

# --- overwrite and symlink safety ---
expect_one_line_error "refuses to overwrite" 3 "c10\.pcap: already exists \(use --force" nr capture -i "$VA" -w "$D/c10.pcap" -c 1
ln -s "$D/c10.pcap" "$D/link.pcap"
expect_one_line_error "refuses a symlink" 3 "link\.pcap: is a symlink" nr capture -i "$VA" -w "$D/link.pcap" -c 1
expect_one_line_error "refuses a symlink even with --force" 3 "link\.pcap: is a symlink" nr capture -i "$VA" -w "$D/link.pcap" -c 1 --force
cap_bg force --force -i "$VA" -w "$D/c10.pcap" -c 2 icmp || fail "force start" "$(cat "$D/force.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
pcap_ok "--force overwrote" "$D/c10.pcap" 2

# --- --duration stops by itself ---
cap_bg dur --json -i "$VA" -w "$D/dur.pcap" --duration 1 udp port 1 || fail "dur start" "$(cat "$D/dur.err")"
cap_wait "$CPID"
expect_eq "--duration: exit 0" "$CRC" 0
expect_json "--duration: stop_reason" '.stop_reason == "duration"' "$(cat "$D/dur.out")"
pcap_ok "--duration (empty capture)" "$D/dur.pcap" 0

# --- rotation: -C (FILE, FILE1, ...), -C -W ring (FILE0..), -G -W (stop after N) ---
cap_bg rotc --json -i "$VA" -w "$D/rc.pcap" -C 1 udp port 7000 || fail "rotc start" "$(cat "$D/rotc.err")"
udp_burst "${POD_NS[a]}" 10.4.0.3 7000 2000 1200
sleep 0.5
kill -INT "$CPID"; cap_wait "$CPID"
J=$(cat "$D/rotc.out")
expect_json "-C 1: three files named like tcpdump" '.files == ["'"$D"'/rc.pcap","'"$D"'/rc.pcap1","'"$D"'/rc.pcap2"]' "$J"
total=0
for f in "$D"/rc.pcap "$D"/rc.pcap1 "$D"/rc.pcap2; do
	pcap_ok "-C file $(basename "$f")" "$f"
	total=$((total + $(count_td "$f")))
done
expect_eq "-C: every packet in some file" "$total" 2000
expect_json "-C: packets_captured matches" '.packets_captured == 2000' "$J"
s=$(stat -c %s "$D/rc.pcap")
if [ "$s" -gt 1000000 ] && [ "$s" -lt 1002000 ]; then ok "-C: rotated just past 1 MB ($s)"; else fail "-C size" "$s"; fi

cap_bg ring --json -i "$VA" -w "$D/ring.pcap" -C 1 -W 2 udp port 7001 || fail "ring start" "$(cat "$D/ring.err")"
udp_burst "${POD_NS[a]}" 10.4.0.3 7001 2500 1200
sleep 0.5
kill -INT "$CPID"; cap_wait "$CPID"
J=$(cat "$D/ring.out")
expect_json "-C 1 -W 2: ring of FILE0, FILE1" '.files == ["'"$D"'/ring.pcap0","'"$D"'/ring.pcap1"] and .files_total >= 3' "$J"
[ ! -e "$D/ring.pcap" ] && [ ! -e "$D/ring.pcap2" ] && ok "-W: no other files" || fail "-W" "extra files: $(ls "$D" | grep ring)"
pcap_ok "ring file 0" "$D/ring.pcap0"
pcap_ok "ring file 1" "$D/ring.pcap1"

cap_bg rotg --json -i "$VA" -w "$D/g-%s.pcap" -G 1 -W 2 icmp || fail "rotg start" "$(cat "$D/rotg.err")"
in_pod a ping -c 30 -i 0.1 -W 1 10.4.0.3 >/dev/null &
PP=$!
cap_wait "$CPID"
kill "$PP" 2>/dev/null; wait "$PP" 2>/dev/null
J=$(cat "$D/rotg.out")
expect_eq "-G 1 -W 2: exit 0" "$CRC" 0
expect_json "-G -W: stops after 2 files" '.stop_reason == "file-limit" and (.files|length) == 2' "$J"
n=0
for f in $(jq -r '.files[]' <<<"$J"); do
	expect_match "-G name is strftime'd" '/g-[0-9]{10}\.pcap$' "$f"
	pcap_ok "-G file $n" "$f"
	n=$((n + 1))
done

# --- a tiny tmpfs that fills up: the file stays valid, exit 3, says why ---
MNT=$(mktemp -d /tmp/nrcapmnt.XXXXXX)
mount -t tmpfs -o size=64k "$T_ID-cap" "$MNT"
cap_bg full --json -i "$VA" -w "$MNT/full.pcap" --max-size 100 udp port 7002 || fail "full start" "$(cat "$D/full.err")"
udp_burst "${POD_NS[a]}" 10.4.0.3 7002 300 1000
sleep 1.5
kill -INT "$CPID" 2>/dev/null; cap_wait "$CPID"
J=$(cat "$D/full.out")
expect_eq "full disk: exit 3" "$CRC" 3
expect_json "full disk: stop_reason disk-full" '.stop_reason == "disk-full"' "$J"
expect_match "full disk: says why" 'stopped: output filesystem is full \(No space left on device\)' "$(cat "$D/full.err")"
kept=$(jq .packets_captured <<<"$J")
pcap_ok "full disk" "$MNT/full.pcap" "$kept"
if [ "$kept" -gt 30 ]; then ok "full disk: kept $kept packets"; else fail "full disk kept" "$kept"; fi
rm -f "$MNT/full.pcap"
# the default cap (free space minus 10 %) stops before the disk is full
cap_bg cap --json -i "$VA" -w "$MNT/cap.pcap" udp port 7003 || fail "cap start" "$(cat "$D/cap.err")"
udp_burst "${POD_NS[a]}" 10.4.0.3 7003 300 1000
sleep 1.5
kill -INT "$CPID" 2>/dev/null; cap_wait "$CPID"
J=$(cat "$D/cap.out")
expect_eq "default cap: exit 0" "$CRC" 0
expect_json "default cap: stop_reason max-size, under the cap" '.stop_reason == "max-size" and .file_bytes <= .max_bytes and .max_bytes < 65536' "$J"
pcap_ok "default cap" "$MNT/cap.pcap" "$(jq .packets_captured <<<"$J")"
umount "$MNT" && rmdir "$MNT" && MNT=

# --- pods: --pod-ip finds the host side (routed and bridged), --inside enters the pod ---
cap_bg podr --json --pod-ip "${POD_IP[r]}" -w "$D/podr.pcap" -c 4 icmp || fail "pod-ip routed start" "$(cat "$D/podr.err")"
in_node ping -c 2 -i 0.05 -W 1 "${POD_IP[r]}" >/dev/null
cap_wait "$CPID"
expect_json "--pod-ip (routed): the pod's host veth" '.interface == "'"${POD_IF[r]}"'" and .packets_captured == 4 and .pod_ip == "'"${POD_IP[r]}"'"' "$(cat "$D/podr.out")"
pcap_ok "--pod-ip (routed)" "$D/podr.pcap" 4
in_node ping -c 1 -W 1 10.4.0.2 >/dev/null # the node learns pod a's MAC (bridge FDB + neighbour)
cap_bg poda --json --pod-ip 10.4.0.2 -w "$D/poda.pcap" -c 4 icmp || fail "pod-ip bridged start" "$(cat "$D/poda.err")"
in_pod b ping -c 2 -i 0.05 -W 1 10.4.0.2 >/dev/null
cap_wait "$CPID"
expect_json "--pod-ip (bridged): the pod's veth on cbr0" '.interface == "'"$VA"'" and .packets_captured == 4' "$(cat "$D/poda.out")"
pcap_ok "--pod-ip (bridged)" "$D/poda.pcap" 4
cap_bg inside --json --pod-ip 10.4.0.3 --inside -w "$D/inside.pcap" -c 4 icmp || fail "inside start" "$(cat "$D/inside.err")"
in_pod a ping -c 2 -i 0.05 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_json "--inside: the pod's eth0" '.interface == "eth0" and .packets_captured == 4 and .inside == true' "$(cat "$D/inside.out")"
pcap_ok "--inside" "$D/inside.pcap" 4
expect_eq "--inside: the capture left the node's netns as it was" "$(in_node readlink /proc/self/ns/net)" "$(ip netns exec "$NODE" readlink /proc/self/ns/net)"
cap_bg insidetxt --pod-ip 10.4.0.3 --inside -c 1 icmp || fail "inside text start" "$(cat "$D/insidetxt.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_match "--inside text: sees the pod's own traffic" 'IP 10\.4\.0\.2 > 10\.4\.0\.3: ICMP echo request' "$(cat "$D/insidetxt.out")"
expect_one_line_error "--pod-ip of no pod" 3 "capture: .*10\.9\.9\.9" nr capture --pod-ip 10.9.9.9 -c 1

# --- the pod goes away mid-capture: the veth vanishes, the file stays valid ---
cap_bg gone --json -i "${POD_IF[r]}" -w "$D/gone.pcap" icmp || fail "gone start" "$(cat "$D/gone.err")"
in_node ping -c 5 -i 0.05 -W 1 "${POD_IP[r]}" >/dev/null
sleep 0.3
ip -n "$NODE" link del "${POD_IF[r]}"
for i in $(seq 1 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$CPID" 2>/dev/null && { fail "interface gone" "capture still running"; kill -INT "$CPID"; }
cap_wait "$CPID"
J=$(cat "$D/gone.out")
expect_eq "interface gone: exit 3" "$CRC" 3
expect_json "interface gone: stop_reason" '.stop_reason == "interface-gone" and .packets_captured == 10' "$J"
expect_match "interface gone: says why" 'stopped: the interface disappeared' "$(cat "$D/gone.err")"
pcap_ok "interface gone" "$D/gone.pcap" 10

# --- -w auto: a disk-backed directory under --host-root, said on stderr ---
mkdir -p "$HR/var/lib/toolbox"
expect_rc "-w auto" 0 nr --json capture -i "$VA" -w auto --duration 1
expect_json "-w auto: file in /var/lib/toolbox" '.files[0] | test("/var/lib/toolbox/netrescue-.*\\.pcap$")' "$OUT"
expect_match "-w auto: says where" 'writing to .*/var/lib/toolbox/' "$ERR"

# --- --upload: the file goes to an HTTPS PUT server (Python's, on the node's loopback) ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=nr capture test CA" \
	-keyout "$D/ca.key" -out "$D/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=pcap.test -keyout "$D/srv.key" -out "$D/srv.csr" 2>/dev/null
openssl x509 -req -in "$D/srv.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=DNS:pcap.test\nextendedKeyUsage=serverAuth\n') -out "$D/srv.pem" 2>/dev/null
mkdir -p "$D/objects"
in_node python3 -c '
import http.server, ssl, sys, os
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers["Content-Length"]); data = self.rfile.read(n)
        open(os.path.join(sys.argv[1], os.path.basename(self.path.split("?")[0])), "wb").write(data)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 8443), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = c.wrap_socket(s.socket, server_side=True)
open(sys.argv[1] + "/ready", "w").close()
s.serve_forever()
' "$D/objects" "$D/srv.pem" "$D/srv.key" 2>"$D/https.err" &
BG+=("$!")
for i in $(seq 1 100); do [ -e "$D/objects/ready" ] && break; sleep 0.05; done
cap_bg up --json -i "$VA" -c 4 icmp --upload "https://pcap.test:8443/bucket/up.pcap?sig=x" \
	--resolve pcap.test:8443:127.0.0.1 --ca-file "$D/ca.pem" || fail "upload start" "$(cat "$D/up.err")"
in_pod a ping -c 2 -i 0.05 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
J=$(cat "$D/up.out")
expect_eq "--upload: exit 0" "$CRC" 0
expect_json "--upload: JSON has the upload" '.upload.http_status == 200 and .upload.bytes == .file_bytes and .packets_captured == 4' "$J"
f=$(jq -r '.files[0]' <<<"$J")
if cmp -s "$f" "$D/objects/up.pcap"; then ok "--upload: the server got the file byte for byte"; else fail "--upload" "object differs"; fi
pcap_ok "--upload: uploaded file" "$D/objects/up.pcap" 4
expect_one_line_error "--upload: bad URL is a usage error" 2 "URL" nr capture -i "$VA" -c 1 --upload "ftp://x/y"

# --- any: cooked link type, counts still exact ---
cap_bg any --json -i any -w "$D/any.pcap" -c 4 icmp and host 10.4.0.3 || fail "any start" "$(cat "$D/any.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
cap_wait "$CPID"
expect_json "-i any: LINUX_SLL2 (as tcpdump)" '.linktype == 276 and .packets_captured == 4' "$(cat "$D/any.out")"
pcap_ok "-i any" "$D/any.pcap" 4

exit 0
