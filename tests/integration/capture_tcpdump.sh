#!/usr/bin/env bash
# capture (issue 18): the tcpdump habits, each checked against tcpdump/tshark/capinfos on the
# same packets: -w - into tshark, -i any as LINUX_SLL2 with interface names, overlays decoded
# like tcpdump (crafted VXLAN/Geneve/GRE/IP-in-IP, tests/lib/mkpackets.py), the payload and time
# views, --json on every output (truncated files too), -G/-C/-W file sets next to tcpdump's,
# pcapng with pod interface descriptions; and the file-safety rules of issue 15.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"
. "$(dirname "$0")/../lib/capbg.sh"

BG=()
cap_cleanup() {
	local p
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	node_down
}
node_up
trap cap_cleanup EXIT
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2
pod_bridged b 10.4.0.3
D=$T_TMP/cap
mkdir -p "$D"
VA=${POD_IF[a]}
VB=${POD_IF[b]}
MK=$(dirname "$0")/../lib/mkpackets.py
# our annotations off, so lines compare with tcpdump's
strip() { sed -E 's/ \[(SYN|SYN-ACK|RST)\]$//; s/ \[pod [^]]*\]$//; s/: DNS /: /; s/ TLS .*$//'; }
td_bg() { # file args... : tcpdump in the node writing file
	local f=$1 i
	shift
	ip netns exec "$NODE" tcpdump -Z root -n -U "$@" -w "$f" 2>"$f.err" &
	TPID=$!
	BG+=("$TPID")
	for i in $(seq 1 100); do grep -q 'listening on' "$f.err" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

# --- crafted overlays: the same lines as tcpdump -n -r, inner packets included ---
python3 "$MK" "$D/x.pcap" || fail "mkpackets" "python3 failed"
expect_rc "-r crafted overlays" 0 nr capture -r "$D/x.pcap"
ours=$(strip <<<"$OUT" | grep -v -E 'sctp|DCCP|^23:59:59|^[0-9:.]+ IP 10\.8\.1\.2 > 10\.8\.2\.3: ICMP echo request, id 7, seq 99')
# tcpdump puts a VXLAN inner frame on a line of its own and calls port 8472 OTV: join and rename.
td_join() {
	awk '/^([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.|\[)/ { if (l != "") print l; l = $0; next } { l = l ": " $0 } END { print l }' |
		sed -E 's/OTV, flags \[I\] \(0x08\), overlay 0, instance ([0-9]+)/VXLAN, flags [I] (0x08), vni \1/' |
		grep -v -E 'sctp|DCCP|Error converting time'
}
theirs=$(tcpdump -n -r "$D/x.pcap" 2>/dev/null | td_join)
expect_eq "overlay lines equal tcpdump -n's, inner packets included ($(grep -c . <<<"$theirs") packets)" "$ours" "$theirs"
expect_match "VXLAN inner ICMP" 'VXLAN, flags \[I\] \(0x08\), vni 42: IP 10\.8\.1\.2 > 10\.8\.2\.3: ICMP echo request' "$OUT"
expect_match "VXLAN on 8472 (Flannel, Cilium)" '\.8472: VXLAN, flags \[I\] \(0x08\), vni 1: IP 10\.8\.1\.2\.40000 > 10\.8\.2\.3\.8080: Flags \[S\]' "$OUT"
expect_match "Geneve inner" 'Geneve, Flags \[none\], vni 0x64: IP 10\.8\.1\.2 > 10\.8\.2\.3: ICMP' "$OUT"
expect_match "GRE inner" 'GREv0, key=0x1234, length 41: IP 10\.8\.1\.2\.1234 > 10\.8\.2\.3\.5678: UDP, length 5' "$OUT"
expect_match "IP-in-IP inner" '192\.168\.0\.2: IP 10\.8\.1\.2\.40001 > 10\.8\.2\.3\.443: Flags \[S\.\]' "$OUT"
expect_match "SCTP ports and chunk" 'IP 10\.8\.1\.2\.5000 > 10\.8\.2\.3\.6000: sctp \(1\) \[INIT\]' "$OUT"
expect_match "DCCP ports and type" 'IP 10\.8\.1\.2\.5001 > 10\.8\.2\.3\.6001: DCCP-Request' "$OUT"
expect_match "STP is 802.3/LLC, not an ethertype" 'STP 802\.1d, Config, Flags \[none\], bridge-id 8000\.02:00:00:00:00:09\.8001, length 35' "$OUT"
expect_match "Flags [none]" 'Flags \[none\], win 502, length 0$' "$OUT"
expect_match "urg N" 'Flags \[P\.U\], seq 100:103, ack 200, win 502, urg 3, length 3' "$OUT"
expect_match "seconds 0xFFFFFFFF still print a time" '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.000005 IP 10\.8\.1\.2 > 10\.8\.2\.3: ICMP echo request, id 7, seq 99' "$OUT"
expect_rc "-e on overlays" 0 nr capture -e -r "$D/x.pcap"
expect_eq "-e lines equal tcpdump -e -n's (LLC/STP/SNAP and overlays too)" "$(strip <<<"$OUT" | grep -v -E 'sctp|DCCP|^23:59:59')" \
	"$(tcpdump -e -n -r "$D/x.pcap" 2>/dev/null | td_join)"

# --- payload and time views, -q: byte for byte tcpdump's ---
F='tcp port 23 or tcp port 80 or (icmp and icmp[7] != 99 and not udp and not proto 47 and not proto 4)'
for v in -A -X -q -tt -tttt -t -ttt -ttttt; do
	expect_rc "$v" 0 nr capture "$v" -r "$D/x.pcap" "$F"
	expect_eq "$v equals tcpdump -n $v" "$(strip <<<"$OUT")" "$(tcpdump -n "$v" -r "$D/x.pcap" "$F" 2>/dev/null)"
done
expect_rc "--time-stamp-precision nano" 0 nr capture --time-stamp-precision nano -r "$D/x.pcap" "$F"
expect_eq "nano lines equal tcpdump's" "$(strip <<<"$OUT")" "$(tcpdump -n --time-stamp-precision nano -r "$D/x.pcap" "$F" 2>/dev/null)"
expect_rc "-S -nn -p accepted" 0 nr capture -S -nn -p -r "$D/x.pcap" -c 1
printf '# only telnet\ntcp port 23 # comment\n' >"$D/filter"
expect_rc "-F FILE" 0 nr capture -F "$D/filter" -r "$D/x.pcap"
expect_eq "-F: the filter from the file" "$(grep -c . <<<"$OUT")" 1
expect_rc "-Z accepted" 0 nr capture -Z nobody -r "$D/x.pcap" -c 1
expect_match "-Z: says no privilege drop is needed" 'no privilege drop is needed' "$ERR"

# --- -c with -r, -r IN -w OUT, --json always one document ---
expect_rc "-c with -r" 0 nr capture -r "$D/x.pcap" -c 3
expect_eq "-c 3 with -r: three lines" "$(grep -c . <<<"$OUT")" 3
expect_rc "-r IN -w OUT" 0 nr capture -r "$D/x.pcap" -w "$D/udp.pcap" udp
expect_eq "-r -w: the filtered file, as tcpdump reads it" "$(tcpdump -n -r "$D/udp.pcap" 2>/dev/null | grep -c '^[0-9]')" \
	"$(tcpdump -n -r "$D/x.pcap" udp 2>/dev/null | grep -c '^[0-9]')"
expect_rc "--json -r" 0 nr --json capture -r "$D/x.pcap"
expect_json "--json -r: packet_count is the count, packets the list" '.packet_count == 16 and (.packets|length) == 16 and (.packets[0]|type) == "string"' "$OUT"
python3 "$MK" "$D/trunc.pcap" --truncate 7
expect_rc "--json -r on a truncated file: exit 3" 3 nr --json capture -r "$D/trunc.pcap"
expect_json "truncated: one document, the packets before the cut, an error" '.packet_count == 15 and (.packets|length) == 15 and (.error.message|test("truncated"))' "$OUT"
expect_match "truncated: says so on stderr" 'truncated dump file' "$ERR"
head -c 30 "$D/x.pcap" >"$D/trunc2.pcap"
expect_rc "--json -r cut inside the first record header" 3 nr --json capture -r "$D/trunc2.pcap"
expect_json "cut in the first record: still one document" '.packet_count == 0 and .packets == [] and (.error.message|type) == "string"' "$OUT"
expect_rc "--json -r -w" 0 nr --json capture -r "$D/x.pcap" -w "$D/j.pcap" -c 2
expect_json "--json -r -w: files and count" '.packet_count == 2 and .files == ["'"$D"'/j.pcap"]' "$OUT"

# --- -w -: pcap on stdout, nothing else there; tshark reads the stream ---
ip netns exec "$NODE" "$NR" --host-root "$HR" capture -i "$VA" -w - -c 6 icmp 2>"$D/stdout.err" | tshark -r - 2>/dev/null >"$D/stdout.lines" &
PP=$!
for i in $(seq 1 100); do grep -q 'listening on' "$D/stdout.err" 2>/dev/null && break; sleep 0.05; done
in_pod a ping -c 3 -i 0.05 -W 1 10.4.0.3 >/dev/null
wait "$PP"
expect_eq "-w - | tshark -r -: every packet" "$(grep -c . "$D/stdout.lines")" 6
expect_match "-w -: status on stderr" 'writing to standard output' "$(cat "$D/stdout.err")"
ip netns exec "$NODE" "$NR" --host-root "$HR" capture -i "$VA" -w - -c 2 icmp 2>/dev/null >"$D/stdout.pcap" &
PP=$!
sleep 0.5
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
wait "$PP"
expect_eq "-w -: stdout holds only the pcap (tcpdump reads it whole)" "$(tcpdump -r "$D/stdout.pcap" 2>/dev/null | wc -l)" 2
expect_one_line_error "-w - with --json" 2 "no room" nr --json capture -w - -c 1
expect_one_line_error "-w - with -C" 2 "not with -C" nr capture -w - -C 1

# --- -i any: LINUX_SLL2, interface names as tcpdump prints them, the pod as a note ---
td_bg "$D/td-any.pcap" -i any icmp and host 10.4.0.3 || fail "tcpdump any" "$(cat "$D/td-any.pcap.err")"
cap_bg any -i any -w "$D/any.pcap" -c 4 icmp and host 10.4.0.3 || fail "any start" "$(cat "$D/any.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
wait "$CPID"
sleep 1.2; kill -INT "$TPID"; wait "$TPID" 2>/dev/null
expect_eq "-i any: link type as tcpdump's (capinfos)" "$(capinfos -E "$D/any.pcap" | sed -n 's/^File encapsulation: *//p')" \
	"$(capinfos -E "$D/td-any.pcap" | sed -n 's/^File encapsulation: *//p')"
expect_match "-i any: cooked v2" 'v2' "$(capinfos -E "$D/any.pcap")"
expect_rc "-r an SLL2 file" 0 nr capture -r "$D/any.pcap"
T=$OUT
expect_eq "-i any lines equal tcpdump -n's" "$(strip <<<"$T")" "$(in_node tcpdump -n -r "$D/any.pcap" 2>/dev/null)"
expect_match "-i any: the interface name first (cbr0 / veth)" "^[0-9:.]+ ($VA|cbr0|$VB) +(In|Out|B|M|P) +IP " "$T"
expect_nomatch "-r: no pod notes (the file may come from another node)" '\[pod ' "$T"
cap_bg anytxt -c 2 icmp and host 10.4.0.3 || fail "anytxt start" "$(cat "$D/anytxt.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
wait "$CPID"
expect_match "live -i any (default): names and pod" "^[0-9:.]+ $VA +(In|Out|P) +IP 10\.4\.0\.2 > 10\.4\.0\.3: ICMP echo request.* \[pod default/a\]$" "$(cat "$D/anytxt.out")"
cap_bg y --json -i any -y LINUX_SLL -w "$D/y.pcap" -c 1 icmp || fail "-y start" "$(cat "$D/y.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
wait "$CPID"
expect_json "-y LINUX_SLL: cooked v1 as asked" '.linktype == 113 and .link_type == "LINUX_SLL"' "$(cat "$D/y.out")"
expect_one_line_error "-y: unknown name" 2 "not a link type" nr capture -y NOPE -c 1
expect_one_line_error "-y: a type the interface lacks" 2 "link type not offered" nr capture -i any -y EN10MB -c 1

# --- -Q, -D ---
cap_bg qin --json -i "$VA" -Q in -c 2 icmp || fail "-Q start" "$(cat "$D/qin.err")"
in_pod a ping -c 2 -i 0.05 -W 1 10.4.0.3 >/dev/null
wait "$CPID"
expect_json "-Q in: only what the veth receives (the pod's requests)" '(.packets|length) == 2 and all(.packets[]; test("echo request"))' "$(cat "$D/qin.out")"
expect_rc "-D" 0 nr capture -D
expect_match "-D: tcpdump's list" '^[0-9]+\.cbr0 \[Up, Running' "$OUT"
expect_match "-D: the pod of each veth" "^[0-9]+\.$VA \[Up, Running.*\] pod default/a$" "$OUT"
expect_rc "--json -D" 0 nr --json capture -D
expect_json "--json -D" '(.interfaces|map(select(.name == "'"$VB"'"))[0].pod) == "default/b"' "$OUT"

# --- pcapng: one interface block per real interface, described by its pod ---
cap_bg ng --json -i any --pcapng -w "$D/any.pcapng" -c 4 icmp and host 10.4.0.3 || fail "pcapng start" "$(cat "$D/ng.err")"
in_pod a ping -c 1 -W 1 10.4.0.3 >/dev/null
wait "$CPID"
expect_eq "pcapng: capinfos calls it pcapng" "$(capinfos -t "$D/any.pcapng" | sed -n 's/^File type: *//p')" "Wireshark/... - pcapng"
T=$(tshark -r "$D/any.pcapng" -T fields -e frame.interface_name -e frame.interface_description 2>/dev/null | sort -u)
expect_match "pcapng: pod a's veth described as default/a" "^$VA	default/a$" "$T"
expect_match "pcapng: pod b's veth described as default/b" "^$VB	default/b$" "$T"
expect_eq "pcapng: every packet" "$(tshark -r "$D/any.pcapng" 2>/dev/null | wc -l)" 4

# --- rotation: the same file names and the same behaviour as tcpdump on the same traffic ---
mkdir -p "$D/rt" "$D/rn"
in_pod a ping -c 400 -i 0.01 -s 1400 -W 1 10.4.0.3 >/dev/null &
PING=$!
BG+=("$PING")
td_bg "$D/rt/t-%S.pcap" -i "$VA" -G 1 -C 1 -W 3 icmp || fail "tcpdump rotation" "$(cat "$D/rt/t-%S.pcap.err")"
cap_bg rot -i "$VA" -w "$D/rn/t-%S.pcap" -G 1 -C 1 -W 3 icmp || fail "rotation start" "$(cat "$D/rot.err")"
sleep 3.5
kill -INT "$CPID" "$TPID"; wait "$CPID" "$TPID" 2>/dev/null
kill "$PING" 2>/dev/null; wait "$PING" 2>/dev/null
rm -f "$D"/rt/*.err
nt=$(ls "$D/rt" | wc -l); nn=$(ls "$D/rn" | wc -l)
expect_match "-G -C -W: names as tcpdump's (counter digits on every file)" '^(t-[0-9]{2}\.pcap[0-2]\n?)+$' "$(ls "$D/rn")"
expect_eq "-G -C -W: tcpdump's names have the same shape" "$(ls "$D/rt" | sed -E 's/[0-9]{2}\./NN./' | sort -u)" "$(ls "$D/rn" | sed -E 's/[0-9]{2}\./NN./' | sort -u)"
if [ $((nn - nt)) -le 1 ] && [ $((nt - nn)) -le 1 ]; then ok "-G -C -W: as many files as tcpdump ($nn vs $nt), -W does not stop"; else fail "-G -C -W count" "ours $nn, tcpdump $nt"; fi
expect_match "-G -C -W: kept going (stopped by the signal)" 'stopped: interrupted' "$(cat "$D/rot.err")"
cap_bg gw --json -i "$VA" -w "$D/gw-%s.pcap" -G 1 -W 2 icmp || fail "-G -W start" "$(cat "$D/gw.err")"
in_pod a ping -c 40 -i 0.1 -W 1 10.4.0.3 >/dev/null &
PP=$!
wait "$CPID"
kill "$PP" 2>/dev/null; wait "$PP" 2>/dev/null
J=$(cat "$D/gw.out")
expect_json "-G 1 -W 2: two files, no counter, stops (tcpdump: Maximum file limit reached)" '.stop_reason == "file-limit" and (.files|length) == 2 and all(.files[]; test("/gw-[0-9]+\\.pcap$"))' "$J"
a=$(jq -r '.files[0]' <<<"$J" | sed -E 's/.*gw-([0-9]+)\.pcap/\1/'); b=$(jq -r '.files[1]' <<<"$J" | sed -E 's/.*gw-([0-9]+)\.pcap/\1/')
expect_eq "-G 1: the second file starts one second after the first, not late" "$((b - a))" 1
f=$(jq -r '.files[0]' <<<"$J")
last=$(tcpdump -tt -n -r "$f" 2>/dev/null | tail -1 | cut -d. -f1)
expect_eq "-G 1: the first file holds only its own second" "$last" "$a"

# --- issue 15: never destroy what it did not create; clear messages ---
mknod "$D/full" c 1 7
expect_one_line_error "--force on a device: refused" 3 "full: exists and is not a regular file" nr capture -i "$VA" -w "$D/full" --force -c 1
[ -c "$D/full" ] && ok "--force on a device: the device node is still there" || fail "--force device" "device node removed"
expect_one_line_error "--force on /dev/full: refused" 3 "not a regular file" nr capture -i "$VA" -w /dev/full --force -c 1
[ -c /dev/full ] && ok "/dev/full untouched" || fail "/dev/full" "gone"
mkfifo "$D/fifo"
expect_one_line_error "--force on a FIFO: refused without hanging" 3 "not a regular file" timeout 10 ip netns exec "$NODE" "$NR" capture -i "$VA" -w "$D/fifo" --force -c 1
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/sock"
expect_one_line_error "--force on a socket: refused" 3 "sock: exists and is not a regular file" nr capture -i "$VA" -w "$D/sock" --force -c 1
[ -S "$D/sock" ] && ok "--force on a socket: still there" || fail "--force socket" "removed"
expect_rc "-w /dev/null" 3 nr capture -i "$VA" -w /dev/null -c 1
expect_nomatch "-w /dev/null: not called tmpfs" 'tmpfs' "$ERR"
ln -s /etc/passwd "$D/ring.pcap1"
cap_bg ring --json -i "$VA" -w "$D/ring.pcap" -C 1 -W 3 udp port 7001 || fail "ring start" "$(cat "$D/ring.err")"
in_pod a python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1500): s.sendto(b"x" * 1200, ("10.4.0.3", 7001))
'
for i in $(seq 1 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
kill -INT "$CPID" 2>/dev/null; wait "$CPID"
expect_match "planted symlink in a -C ring: named" 'ring\.pcap1: is a symlink' "$(cat "$D/ring.err")"
expect_nomatch "planted symlink: not 'No error information'" 'No error information' "$(cat "$D/ring.err")"
[ "$(readlink "$D/ring.pcap1")" = /etc/passwd ] && ok "planted symlink left alone" || fail "symlink" "changed"
expect_one_line_error "-w ''" 2 "empty file name" nr capture -w '' -c 1
expect_one_line_error "-i ''" 2 "empty interface name" nr capture -i '' -c 1
exit 0
