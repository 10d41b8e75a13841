#!/usr/bin/env bash
# drops: real drops made in namespaces this test created, each seen with the right kernel reason,
# flow and pod: an iptables DROP in the node's FORWARD chain (NETFILTER_DROP), UDP to a closed
# port (NO_SOCKET), strict rp_filter with an asymmetric route (IP_RPFILTER), a next hop that never
# answers ARP (NEIGH_*), a tiny-rcvbuf UDP socket under load (SOCKET_RCVBUFF), a listener whose
# backlog overflows (ListenOverflows); a quiet pod gives no finding; counts agree with bpftrace
# (or the kernel's own SNMP counters) on the same traffic; the perf-ring fallback; bad input;
# diagnose --watch. Drops are global on the machine: every check filters by this test's
# addresses, and counts compare only the test's own flows.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged web 10.4.0.5
pod_bridged cli 10.4.0.6
pod_routed quiet 10.4.1.2
N=40
# The interpreter itself (a version manager's shim can take seconds to start on a busy machine).
PY=$(python3 -c 'import sys; print(sys.executable)')

# UDP datagrams: NS SRC(- = any) DST PORT COUNT
udp_send() {
	ip netns exec "$1" "$PY" -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
if sys.argv[1]!="-": s.bind((sys.argv[1],0))
for i in range(int(sys.argv[4])):
    s.sendto(b"x"*32,(sys.argv[2],int(sys.argv[3])))
    time.sleep(0.002)' "$2" "$3" "$4" "$5"
}

# Runs `nr --json drops ARGS -d 60`, starts the traffic once the watch is attached (it says so
# on stderr), and ends the window with SIGINT once the traffic is done (Ctrl-C still reports):
# the window holds all of the traffic however slow the machine is. $J gets the document.
watch_during() { # "drops args" -- traffic cmd...
	local args=$1 pid np
	shift 2
	rm -f "$T_TMP/drops.err"
	# shellcheck disable=SC2086
	nr --json drops $args -d 60 >"$T_TMP/drops.json" 2>"$T_TMP/drops.err" &
	pid=$!
	for _ in $(seq 1 200); do grep -q watching "$T_TMP/drops.err" 2>/dev/null && break; sleep 0.1; done
	"$@" >/dev/null 2>&1
	sleep 0.3
	np=$(pgrep -P "$pid" | head -1)
	kill -INT "${np:-$pid}" 2>/dev/null
	wait "$pid"
	RC=$?
	J=$(cat "$T_TMP/drops.json")
}

reason_count() { jq "[.reasons[] | select(.reason == \"$1\") | .count] | add // 0" <<<"$J"; }

# --- bad input ---
expect_one_line_error "--duration 0" 2 "duration" nr drops --duration 0
expect_one_line_error "--duration -1" 2 "duration" nr drops --duration -1
expect_one_line_error "--duration abc" 2 "duration" nr drops --duration abc
expect_one_line_error "--pod-ip not an IP" 2 "not an IP" nr drops --pod-ip 10.4.0.300
expect_one_line_error "--pod-ip that no pod holds" 3 "no pod holds" nr drops --pod-ip 10.4.0.99 -d 1
expect_rc "--json error: exit 3" 3 nr --json drops --pod-ip 10.4.0.99 -d 1
expect_json "--json error: one document" '.command == "drops" and (.error.message | test("no pod holds"))' "$OUT"

# --- a quiet pod: nothing dropped, no finding ---
expect_rc "quiet pod: exit 0" 0 nr --json drops --pod-ip 10.4.1.2 -d 2
J=$OUT
expect_json "quiet pod: watched by BPF with flows" '.method == "bpf" and .attribution == "flows" and .unwatched == null' "$J"
expect_json "quiet pod: nothing counted, no finding" '.total == 0 and .reasons == [] and .findings == []' "$J"
expect_json "quiet pod: contract fields" '.tool == "netrescue" and (.duration >= 1.9) and (.counters | type == "array") and .lost == 0' "$J"

# --- NETFILTER_DROP: a DROP rule in the node's FORWARD chain for the pod's port ---
in_node iptables -I FORWARD -d 10.4.0.5 -p udp --dport 8080 -j DROP
# The oracle: bpftrace counts the same tracepoint by reason for our flow (tracefs mounted in a
# private mount namespace only), when bpftrace is installed.
BT=0
if command -v bpftrace >/dev/null; then
	BT=1
	unshare -m sh -c 'mount --make-rprivate / && mount -t tracefs nodev /sys/kernel/tracing && exec bpftrace -e "
tracepoint:skb:kfree_skb /args->protocol == 0x0800/ {
	\$s = (struct sk_buff *)args->skbaddr;
	\$ip = (struct iphdr *)(\$s->head + \$s->network_header);
	if (\$ip->daddr == 0x0500040a || \$ip->saddr == 0x0500040a) { @r[args->reason] = count(); }
}"' >"$T_TMP/bt.out" 2>&1 &
	BTPID=$!
	for _ in $(seq 1 100); do grep -q Attaching "$T_TMP/bt.out" && break; sleep 0.1; done
	sleep 1
fi
watch_during "--pod-ip 10.4.0.5" -- udp_send "$VPC" - 10.4.0.5 8080 $N
expect_eq "FORWARD DROP: exit 1 (a fail finding)" "$RC" 1
expect_eq "FORWARD DROP: every datagram counted as NETFILTER_DROP" "$(reason_count NETFILTER_DROP)" $N
expect_json "FORWARD DROP: located in netfilter (nf_hook_slow or nft_do_chain)" '.kallsyms == false or (.reasons[] | select(.reason == "NETFILTER_DROP") | .locations[0].symbol | test("^(nf_hook_slow|nft_do_chain)"))' "$J"
expect_json "FORWARD DROP: the flow, its input interface and pod" \
	'.reasons[] | select(.reason == "NETFILTER_DROP") | .flows[0] | .src == "10.128.0.1" and .dst == "10.4.0.5" and .proto == "udp" and .dport == 8080 and .ifname == "eth0" and .pod == "default/web" and .count == '$N "$J"
expect_json "FORWARD DROP: finding drops-netfilter names the pod, the hook and the next command" \
	'.findings[] | select(.id == "drops-netfilter") | .severity == "fail" and .subject == "pod 10.4.0.5" and (.message | test("FORWARD")) and (.fix | test("rules --pod-ip 10.4.0.5 --port 8080"))' "$J"
expect_json "FORWARD DROP: no lost drops" '.lost == 0' "$J"
if [ $BT = 1 ]; then
	kill -INT "$BTPID" 2>/dev/null
	wait "$BTPID" 2>/dev/null
	bt=$(grep -E '^@r\[12\]:' "$T_TMP/bt.out" | grep -oE '[0-9]+$')
	expect_eq "FORWARD DROP: bpftrace counts the same NETFILTER_DROP (reason 12)" "${bt:-0}" "$(reason_count NETFILTER_DROP)"
else
	# Without bpftrace the kernel's own view: the rule's packet counter.
	rc=$(in_node iptables -L FORWARD -v -x -n | awk '/udp dpt:8080/ {print $1; exit}')
	expect_eq "FORWARD DROP: the rule's counter agrees" "$rc" "$(reason_count NETFILTER_DROP)"
fi
expect_eq "no tracefs left mounted in the node's view" "$(grep -c tracefs /proc/self/mountinfo)" "$(grep -c tracefs /proc/1/mountinfo)"

# The text form: a person reads it in five seconds.
rm -f "$T_TMP/drops.err"
nr drops --pod-ip 10.4.0.5 -d 60 >"$T_TMP/drops.txt" 2>"$T_TMP/drops.err" &
P=$!
for _ in $(seq 1 200); do grep -q watching "$T_TMP/drops.err" 2>/dev/null && break; sleep 0.1; done
udp_send "$VPC" - 10.4.0.5 8080 10
sleep 0.3; kill -INT "$(pgrep -P $P | head -1)" 2>/dev/null; wait $P
T=$(cat "$T_TMP/drops.txt")
expect_match "text: reason, count and rate" 'NETFILTER_DROP +10 ' "$T"
expect_match "text: flow and pod" 'flow 10.128.0.1:[0-9]+ -> 10.4.0.5:8080 udp in eth0 +pod default/web +10' "$T"
expect_match "text: the finding" 'drops-netfilter' "$T"

# The perf-ring fallback: same count, reasons only (node-wide, so at least ours).
watch_during "--pod-ip 10.4.0.5 --perf" -- udp_send "$VPC" - 10.4.0.5 8080 $N
expect_json "--perf: perf rings, reasons only" '.method == "perf" and .attribution == "reasons" and .lost == 0' "$J"
expect_json "--perf: at least our NETFILTER_DROPs" '[.reasons[] | select(.reason == "NETFILTER_DROP") | .count] | add >= '$N "$J"
in_node iptables -D FORWARD -d 10.4.0.5 -p udp --dport 8080 -j DROP

# --- NO_SOCKET: UDP to a port nothing listens on in the pod ---
watch_during "--pod-ip 10.4.0.5" -- udp_send "$VPC" - 10.4.0.5 9999 $N
expect_eq "closed port: every datagram counted as NO_SOCKET" "$(reason_count NO_SOCKET)" $N
expect_json "closed port: dropped in the pod (its eth0), UDP receive path" \
	'.reasons[] | select(.reason == "NO_SOCKET") | .flows[0] | .dst == "10.4.0.5" and .dport == 9999 and .ifname == "eth0"' "$J"
expect_json "closed port: the pod's Udp.NoPorts rose as much" '.counters[] | select(.scope == "pod 10.4.0.5" and .name == "Udp.NoPorts") | .delta == '$N "$J"
expect_json "closed port: finding drops-no-socket (warn)" '.findings[] | select(.id == "drops-no-socket") | .severity == "warn" and .subject == "pod 10.4.0.5"' "$J"
expect_eq "closed port: exit 0 (a warning)" "$RC" 0

# --- IP_RPFILTER: strict reverse-path filtering and an asymmetric source ---
ip -n "$VPC" addr add 10.4.0.77/32 dev lo
in_node sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1
watch_during "--pod-ip 10.4.0.5" -- udp_send "$VPC" 10.4.0.77 10.4.0.5 7777 $N
expect_eq "rp_filter: every datagram counted as IP_RPFILTER" "$(reason_count IP_RPFILTER)" $N
expect_json "rp_filter: flow from the spoofed source, in eth0" \
	'.reasons[] | select(.reason == "IP_RPFILTER") | .flows[0] | .src == "10.4.0.77" and .dst == "10.4.0.5" and .ifname == "eth0"' "$J"
expect_json "rp_filter: finding drops-rp-filter with the sysctl that loosens it" \
	'.findings[] | select(.id == "drops-rp-filter") | .severity == "fail" and (.fix | test("net.ipv4.conf.eth0.rp_filter=2"))' "$J"
in_node sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0

# --- NEIGH_*: a next hop that never answers ARP ---
in_node sysctl -qw net.ipv4.neigh.eth0.retrans_time_ms=100 net.ipv4.neigh.eth0.mcast_solicit=1 net.ipv4.neigh.eth0.app_solicit=0
in_node ip route add 10.99.0.0/24 via 10.128.0.99 dev eth0
watch_during "--pod-ip 10.4.0.6" -- udp_send "${POD_NS[cli]}" - 10.99.0.1 53 10
expect_json "dead next hop: drops by NEIGH_* reasons, from the pod, out eth0" \
	'[.reasons[] | select(.reason | startswith("NEIGH_"))] | length > 0 and (map(.count) | add) == 10 and all(.flows[0].src == "10.4.0.6" and .flows[0].ifname == "eth0")' "$J"
expect_json "dead next hop: finding drops-neigh" '.findings[] | select(.id == "drops-neigh") | .severity == "fail" and .subject == "pod 10.4.0.6" and (.fix | test("neigh eth0"))' "$J"

# --- SOCKET_RCVBUFF: a UDP socket with a tiny receive buffer that never reads ---
pod_proc web "$(new_cid)" -- "$PY" -c 'import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1)
s.bind(("0.0.0.0",5353)); time.sleep(600)'
for _ in $(seq 1 50); do in_pod web ss -Hlun 'sport = :5353' | grep -q . && break; sleep 0.1; done
watch_during "--pod-ip 10.4.0.5" -- udp_send "$VPC" - 10.4.0.5 5353 200
rcv=$(reason_count SOCKET_RCVBUFF)
expect_json "tiny rcvbuf: SOCKET_RCVBUFF drops, flow to the pod's port" \
	'.reasons[] | select(.reason == "SOCKET_RCVBUFF") | .count > 0 and .flows[0].dport == 5353' "$J"
expect_json "tiny rcvbuf: the pod's Udp.RcvbufErrors agree" '.counters[] | select(.scope == "pod 10.4.0.5" and .name == "Udp.RcvbufErrors") | .delta == '"$rcv" "$J"
expect_json "tiny rcvbuf: finding drops-other names the reason" '.findings[] | select(.id == "drops-other") | .severity == "warn" and (.message | test("SOCKET_RCVBUFF"))' "$J"

# --- a listener whose accept queue overflows (backlog 1, never accepts) ---
pod_proc web "$(new_cid)" -- "$PY" -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("0.0.0.0",8081)); s.listen(1); time.sleep(600)'
wait_listen "${POD_NS[web]}" 8081
connects() {
	ip netns exec "$VPC" "$PY" -c 'import socket
ss=[]
for i in range(12):
    s=socket.socket(); s.setblocking(False)
    try: s.connect(("10.4.0.5",8081))
    except BlockingIOError: pass
    ss.append(s)
import time; time.sleep(1.2)'
}
watch_during "--pod-ip 10.4.0.5" -- connects
expect_json "listen overflow: ListenOverflows rose in the pod" '.counters[] | select(.scope == "pod 10.4.0.5" and .name == "TcpExt.ListenOverflows") | .delta > 0' "$J"
expect_json "listen overflow: finding drops-listen-overflow" '.findings[] | select(.id == "drops-listen-overflow") | .severity == "warn" and .subject == "pod 10.4.0.5"' "$J"

# --- diagnose --watch: a FORWARD DROP becomes drops-netfilter, exit 1 ---
in_node iptables -I FORWARD -d 10.4.0.5 -p tcp --dport 8080 -j DROP
nr --json diagnose --pod-ip 10.4.0.5 --watch 8 >"$T_TMP/diag.json" 2>/dev/null &
P=$!
# A client retrying through the window, as a real one does.
ip netns exec "$VPC" "$PY" -c 'import socket,time
for i in range(25):
    s=socket.socket(); s.settimeout(0.3)
    try: s.connect(("10.4.0.5",8080))
    except Exception: pass' >/dev/null 2>&1
wait $P
RC=$?
J=$(cat "$T_TMP/diag.json")
expect_eq "diagnose --watch: exit 1" "$RC" 1
expect_json "diagnose --watch: drops-netfilter for the pod" '.findings[] | select(.id == "drops-netfilter") | .subject == "pod 10.4.0.5" and (.message | test("NETFILTER_DROP"))' "$J"
expect_json "diagnose --watch: the watch check with its window" '.checks.watch.status == "ok" and .checks.watch.method == "bpf" and .checks.watch.duration >= 7.9' "$J"
nr --json diagnose --pod-ip 10.4.1.2 --watch 0 >"$T_TMP/d0.json" 2>/dev/null; OUT=$(cat "$T_TMP/d0.json")
expect_json "diagnose --watch 0: no drops finding" "[.findings[] | select(.id | startswith(\"drops-\"))] == []" "$OUT"
expect_json "diagnose --watch 0: skipped" '.checks.watch.status == "skipped"' "$OUT"
expect_one_line_error "diagnose --watch abc" 2 "watch" nr diagnose --watch abc
in_node iptables -D FORWARD -d 10.4.0.5 -p tcp --dport 8080 -j DROP

# --- SIGKILL leaves nothing attached: the program and maps are fds of the process only ---
nr drops -d 30 >/dev/null 2>"$T_TMP/kill.err" &
P=$!
for _ in $(seq 1 100); do grep -q watching "$T_TMP/kill.err" && break; sleep 0.1; done
NP=$(pgrep -P "$P" -f "netrescue.*drops" | head -1)
progs_during=$(ls -l "/proc/$NP/fd" 2>/dev/null | grep -c 'bpf-prog')
id_before=$(grep -h '^prog_id:' /proc/"$NP"/fdinfo/* 2>/dev/null | awk '{print $2}' | head -1)
kill -9 "$NP" 2>/dev/null; wait "$P" 2>/dev/null
expect_eq "SIGKILL: the program was held as an fd only" "$((progs_during >= 1))" 1
if command -v bpftool >/dev/null && [ -n "$id_before" ]; then
	sleep 0.5
	expect_eq "SIGKILL: program $id_before is gone from the kernel" "$(bpftool prog show id "$id_before" >/dev/null 2>&1; echo $?)" 255
fi

node_down
exit $((T_FAILS > 0))
