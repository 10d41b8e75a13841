#!/usr/bin/env bash
# flows: conntrack entries over ctnetlink, compared with Debian's `conntrack -L` on the same
# kernel state in the simulated node's netns (conntrack is per netns). A client netns (the VPC)
# opens replied TCP connections to a pod, SYNs to a port the pod drops silently (unreplied
# SYN_SENT), and a replied UDP exchange; --pod-ip keeps only the pod's flows; diagnose names
# conntrack-unreplied. The NodePort range check: ip_local_port_range 1024-65535 without a
# reservation is nodeport-range-conflict, with ip_local_reserved_ports=30000-32767 it is not.
# Both sysctls are per netns: set in the node netns only, gone with it.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni ptp
# The kernel log is shared with parallel tests: the checks look only at this test's window.
sleep 2
T0=$(date +%s)
win() { echo "$(( $(date +%s) - T0 + 1 ))s"; }
# diagnose also sees other tests' pods on this machine (stale to our fake runtime): exit 0 or 1.
diag() { nr --json diagnose --since "$(win)" "$@" >"$T_TMP/d.out" 2>"$T_TMP/d.err"; RC=$?; OUT=$(cat "$T_TMP/d.out")
	if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then ok "diagnose $*: ran"; else fail "diagnose $*: ran" "exit $RC: $(head -c 300 "$T_TMP/d.err")"; fi; }
POD=10.4.1.12
pod_routed web $POD
# Conntrack hooks of a netns are registered once a rule there uses conntrack (as kube-proxy's do).
in_node nft 'add table inet nrt; add chain inet nrt fw { type filter hook forward priority 0; }; add rule inet nrt fw ct state new counter'
# The pod: a TCP server on 8080, a UDP echo on 5353, and port 9999 silently dropped.
pod_proc web "$(new_cid)" -- socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'echo hello'
pod_proc web "$(new_cid)" -- socat UDP-LISTEN:5353,fork,reuseaddr SYSTEM:'echo pong'
in_pod web nft 'add table inet pdrop; add chain inet pdrop inp { type filter hook input priority 0; }; add rule inet pdrop inp tcp dport 9999 drop'
wait_listen "${POD_NS[web]}" 8080 || fail "pod server" "nothing listens on 8080"
sleep 0.2

# --- traffic from the client netns ---
for i in 1 2 3; do
	ip netns exec "$VPC" socat -T2 - TCP:$POD:8080,connect-timeout=2 </dev/null >/dev/null 2>&1
done
SYNS=()
for i in 1 2 3; do
	ip netns exec "$VPC" socat - TCP:$POD:9999,connect-timeout=1 </dev/null >/dev/null 2>&1 &
	SYNS+=($!)
done
echo ping | ip netns exec "$VPC" socat -T1 - UDP:$POD:5353 >/dev/null 2>&1
ip netns exec "$VPC" ping -c1 -W1 10.4.1.99 >/dev/null 2>&1   # not the pod: filtered out below
wait "${SYNS[@]}"
sleep 0.3

# One line per flow, the same way from both tools: proto state osrc odst sport dport unreplied assured.
oracle() { # conntrack -L args...
	in_node conntrack -L -o extended "$@" 2>/dev/null | awk '{
		p = $3; st = (p == "tcp") ? $6 : "null"; s = d = sp = dp = "null"; u = "false"; a = "false"
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "src" && s == "null") s = kv[2]
			else if (kv[1] == "dst" && d == "null") d = kv[2]
			else if (kv[1] == "sport" && sp == "null") sp = kv[2]
			else if (kv[1] == "dport" && dp == "null") dp = kv[2]
			if ($i == "[UNREPLIED]") u = "true"
			if ($i == "[ASSURED]") a = "true"
		}
		print p, st, s, d, sp, dp, u, a }' | sort
}
ours() { jq -r '.flows[] | "\(.proto) \(.state // "null") \(.orig.src) \(.orig.dst) \(.orig.sport) \(.orig.dport) \(.unreplied) \(.assured)"' <<<"$1" | sort; }

# --- the whole table of the node netns ---
expect_rc "flows: exit 0" 0 nr --json flows
ALL=$OUT
expect_json "flows: common fields" '.tool == "netrescue" and .command == "flows" and (.flows | type == "array") and (.summary | type == "object")' "$ALL"
expect_eq "flows: same entries as conntrack -L -o extended" "$(ours "$ALL")" "$(oracle)"
expect_eq "flows: count as conntrack -L" "$(jq .summary.flows <<<"$ALL")" "$(oracle | grep -c .)"
expect_json "flows: unreplied first" '[.flows[].unreplied] | . == (sort | reverse)' "$ALL"
expect_json "flows: mark, zone, timeout read" 'all(.flows[]; (.mark | type == "number") and .zone == 0 and .timeout > 0)' "$ALL"

# --- one pod ---
expect_rc "flows --pod-ip: exit 0 (warn only)" 0 nr --json flows --pod-ip $POD
J=$OUT
WANT=$(oracle | awk -v ip=$POD '$3 == ip || $4 == ip')
expect_eq "--pod-ip: the pod's entries, as conntrack -L" "$(ours "$J")" "$WANT"
expect_json "--pod-ip: the ICMP to another address is not listed" 'all(.flows[]; .orig.dst != "10.4.1.99")' "$J"
expect_json "--pod-ip: the kernel filtered" '.summary.filtered_in == "kernel"' "$J"
expect_eq "--pod-ip: unreplied SYN_SENT to 9999 as conntrack -p tcp" \
	"$(jq '[.flows[] | select(.unreplied and .state == "SYN_SENT" and .orig.dport == 9999)] | length' <<<"$J")" \
	"$(in_node conntrack -L -p tcp --dst $POD --dport 9999 --state SYN_SENT 2>/dev/null | grep -c UNREPLIED)"
expect_json "--pod-ip: 3 unreplied SYN_SENT to 9999" '[.flows[] | select(.unreplied and .state == "SYN_SENT" and .orig.dport == 9999)] | length == 3' "$J"
expect_json "--pod-ip: replied TCP to 8080 is assured TIME_WAIT or closing" '[.flows[] | select(.orig.dport == 8080)] | length == 3 and all(.[]; .unreplied == false and .assured)' "$J"
expect_json "--pod-ip: replied UDP to 5353" '[.flows[] | select(.proto == "udp" and .orig.dport == 5353)] | length == 1 and all(.[]; .unreplied == false and .reply.src == "'$POD'")' "$J"
expect_json "--pod-ip: summary names the unreplied destination first" '.summary.text | startswith("3 flows to '$POD':9999 (tcp), 3 unreplied SYN_SENT")' "$J"
expect_json "--pod-ip: conntrack-unreplied (warn) for the pod" '.findings[] | select(.id == "conntrack-unreplied") | .severity == "warn" and .subject == "pod '$POD'" and (.message | test("9999"))' "$J"
expect_rc "flows --pod-ip text: exit 0" 0 nr flows --pod-ip $POD
expect_match "text: summary first" "^3 flows to $POD:9999 \(tcp\), 3 unreplied SYN_SENT" "$(head -1 <<<"$OUT")"
expect_match "text: conntrack -L form with [UNREPLIED]" "^tcp +6 [0-9]+ SYN_SENT src=10.128.0.1 dst=$POD sport=[0-9]+ dport=9999 \[UNREPLIED\] src=$POD" "$OUT"

# --- a pod without flows: none, and no finding ---
expect_rc "flows for an idle IP: exit 0" 0 nr --json flows --pod-ip 10.4.1.77
expect_json "idle IP: no flows, no finding" '.flows == [] and .summary.flows == 0 and .findings == []' "$OUT"

# --- bad input and a table that cannot be read ---
expect_one_line_error "bad --pod-ip" 2 "not an IP" nr flows --pod-ip 10.4.1.300
expect_one_line_error "without CAP_NET_ADMIN the dump is refused, never 'no flows'" 3 "conntrack table" \
	in_node setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$NR" flows
expect_rc "unreadable, --json: exit 3" 3 in_node setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$NR" --json flows
expect_json "unreadable, --json: one document with the error" '.error.message | test("conntrack table")' "$OUT"

# --- diagnose ---
diag --pod-ip $POD
D=$OUT
expect_json "diagnose: flows check ran" '.checks.flows.status == "ok" and (.checks.flows.flows | length) >= 5' "$D"
expect_json "diagnose: conntrack-unreplied" '[.findings[] | select(.id == "conntrack-unreplied" and .subject == "pod '$POD'")] | length == 1' "$D"
expect_json "diagnose: no nodeport-range-conflict with the default range" '[.findings[] | select(.id == "nodeport-range-conflict")] | length == 0' "$D"

# --- the ephemeral port range against NodePorts ---
expect_json "default range: no overlap" '.checks.conntrack.ephemeral_ports.overlaps_nodeports == false' "$D"
in_node sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
expect_rc "range 1024-65535: conntrack exit 0 (warn)" 0 nr --json conntrack --since "$(win)"
expect_json "nodeport-range-conflict (warn) with the numbers" '.findings[] | select(.id == "nodeport-range-conflict") | .severity == "warn" and (.message | test("1024-65535.*2768 of the 2768")) and .fix == "sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767"' "$OUT"
expect_json "range read as sysctl says" '.ephemeral_ports.lo == 1024 and .ephemeral_ports.hi == 65535' "$OUT"
diag
expect_json "diagnose: nodeport-range-conflict" '[.findings[] | select(.id == "nodeport-range-conflict")] | length == 1' "$OUT"
in_node sysctl -qw net.ipv4.ip_local_reserved_ports=30000-31000
expect_rc "part reserved: exit 0" 0 nr --json conntrack --since "$(win)"
expect_json "part reserved: 1767 ports still open" '.findings[] | select(.id == "nodeport-range-conflict") | .message | test("1767 of the 2768")' "$OUT"
in_node sysctl -qw net.ipv4.ip_local_reserved_ports=30000-32767
expect_rc "reserved: exit 0" 0 nr --json conntrack --since "$(win)"
expect_json "reserved 30000-32767: no finding" '([.findings[] | select(.id == "nodeport-range-conflict")] | length == 0) and .ephemeral_ports.reserved == "30000-32767" and .ephemeral_ports.unreserved_nodeports == 0' "$OUT"
expect_rc "reserved, human form" 0 nr conntrack --since "$(win)"
expect_match "human form: local ports line" "^local ports +1024-65535 overlap NodePorts 30000-32767, reserved '30000-32767', 0 unreserved" "$OUT"

exit 0
