#!/usr/bin/env bash
# rules, service and diagnose's policy-drop on a node whose netfilter rules were written by
# Debian's real tools, compared with their own readers on the same kernel state:
#   1. kube-proxy's iptables layout (three Services: two endpoints, none, a NodePort) and a
#      Calico-style policy chain dropping one pod's ingress, written with iptables-restore
#      (nf_tables backend); oracle `iptables-save -c`;
#   2. the same written with iptables-legacy-restore; oracle `iptables-legacy-save -c`;
#   3. kube-proxy's nftables layout written with `nft -f`; oracle `nft -j list ruleset`;
#   4. bad input and a ruleset of thousands of rules (memory bounded, nothing silently cut).
# Traffic from a client pod raises counters before each comparison.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"
. "$(dirname "$0")/../lib/kube_rules.sh"
DATA=$(dirname "$0")/data

node_up
node_cni ptp
pod_routed web1 10.4.0.5
pod_routed web2 10.4.0.6
pod_routed victim 10.4.0.7
pod_routed client 10.4.0.20
pod_proc web1 "$(new_cid)" -- socat TCP-LISTEN:8080,reuseaddr,fork /dev/null
pod_proc victim "$(new_cid)" -- socat TCP-LISTEN:8080,reuseaddr,fork /dev/null
wait_listen "${POD_NS[web1]}" 8080 || fail setup "web1 not listening"
wait_listen "${POD_NS[victim]}" 8080 || fail setup "victim not listening"

# connect DST PORT: one TCP connection attempt from the client pod (half a second at most).
connect() { in_pod client timeout 1 socat -u /dev/null "TCP:$1:$2,connect-timeout=0.5" >/dev/null 2>&1; }
traffic() {
	local i
	for i in 1 2 3 4 5 6; do connect 10.96.0.10 80; done
	connect 10.96.0.20 80
	connect 10.128.0.2 30080
	connect 10.4.0.7 8080
}

# Our -A lines with counters against the oracle's, both sorted: text and counters at once.
compare_save() { # NAME SAVE-COMMAND
	local ours theirs
	ours=$(nr rules | grep -- ' -A ' | sort)
	theirs=$(in_node "$2" -c | grep -- ' -A ' | sort)
	if [ -n "$theirs" ] && [ "$ours" == "$theirs" ]; then ok "$1: rules and counters equal $2 -c"
	else fail "$1: rules and counters equal $2 -c" "$(diff <(echo "$ours") <(echo "$theirs") | head -8 | tr '\n' '|')"; fi
}

check_iptables_views() { # NAME BACKEND
	local name=$1 be=$2 j n
	traffic
	compare_save "$name" "$3"
	expect_rc "$name: rules --json" 0 nr --json rules
	j=$OUT
	n=$(in_node "$3" | grep -c -- '^-A ')
	expect_json "$name: backend and count" ".backend == \"$be\" and .count == $n and (.rules | length) == $n and .truncated == false" "$j"
	expect_json "$name: the Calico DROP counted" '.rules[] | select(.chain == "cali-pi-_deny-web") | .packets > 0 and .target == "-j DROP" and .comment == "cali:deny default/deny-web ingress" and .position == 1' "$j"
	expect_json "$name: DNAT target text" '[.rules[] | select(.table == "nat" and .target == "-j DNAT --to-destination 10.4.0.6:8080")] | length == 1' "$j"

	expect_rc "$name: rules --pod-ip victim --port 8080" 0 nr --json rules --pod-ip 10.4.0.7 --port 8080
	j=$OUT
	expect_json "$name: pod view in evaluation order" '[.rules[] | "\(.table)/\(.chain)#\(.position)"] as $o | ($o | index("filter/FORWARD#1")) < ($o | index("filter/cali-FORWARD#1")) and ($o | index("filter/cali-FORWARD#1")) < ($o | index("filter/cali-tw-calidrop0#1")) and ($o | index("filter/cali-tw-calidrop0#1")) < ($o | index("filter/cali-pi-_deny-web#1")) and ($o | index("nat/PREROUTING#1")) < ($o | index("filter/FORWARD#1"))' "$j"
	expect_json "$name: pod view leaves other Services' endpoints out" '[.rules[] | select(.chain | startswith("KUBE-SEP-"))] | length == 0' "$j"

	expect_rc "$name: service with a down local endpoint" 1 nr --json service 10.96.0.10:80
	j=$OUT
	expect_json "$name: service name, frontend, endpoints" '.name == "default/web:http" and .mode == "iptables" and (.frontends | length) == 1 and .frontends[0].kind == "cluster-ip" and (.endpoints | length) == 2 and ([.endpoints[].probability] == [0.5, 0.5])' "$j"
	expect_json "$name: local endpoints and listeners" '(.endpoints[] | select(.ip == "10.4.0.5") | .local and .listening == true) and (.endpoints[] | select(.ip == "10.4.0.6") | .local and .listening == false)' "$j"
	expect_json "$name: service-endpoint-down" '[.findings[] | select(.id == "service-endpoint-down" and .subject == "10.4.0.6:8080")] | length == 1' "$j"
	expect_rc "$name: service without endpoints" 1 nr --json service default/empty
	expect_json "$name: service-no-endpoints" '.frontends[0].no_endpoints and ([.findings[] | select(.id == "service-no-endpoints")] | length) == 1' "$OUT"
	expect_rc "$name: NodePort service" 0 nr --json service default/np:http
	expect_json "$name: NodePort frontend and endpoint" '([.frontends[] | select(.kind == "nodeport" and .port == 30080 and .ip == null)] | length) == 1 and .endpoints[0].ip == "10.4.0.5" and .endpoints[0].port == 8080 and .endpoints[0].probability == 1' "$OUT"
}

# --- 1. iptables-nft ---------------------------------------------------------------------
in_node iptables-restore <"$DATA/kube-proxy-iptables.rules" || fail setup "iptables-restore"
check_iptables_views nft nf_tables iptables-save

# diagnose: traffic to the victim while it watches; the Calico DROP names itself.
( for i in $(seq 1 24); do connect 10.4.0.7 8080; done ) &
BG=$!
expect_rc "diagnose on the Calico-drop node exits 1" 1 nr --json diagnose --pod-ip 10.4.0.7 --watch 3
wait "$BG" 2>/dev/null
expect_json "diagnose: policy-drop names table, chain, position and comment" '[.findings[] | select(.id == "policy-drop" and .subject == "pod 10.4.0.7" and (.message | test("filter/cali-pi-_deny-web #1")) and (.message | test("cali:deny default/deny-web ingress")))] | length == 1' "$OUT"
expect_json "diagnose: rules check ran" '.checks.rules.status == "ok" and (.checks.rules.drop_rules | length) >= 1' "$OUT"
expect_rc "diagnose text" 1 nr diagnose --pod-ip 10.4.0.7 --watch 1
expect_match "diagnose text shows the drop rules" 'cali-pi-_deny-web' "$OUT"

# --- 2. iptables-legacy ------------------------------------------------------------------
in_node nft flush ruleset
in_node iptables-legacy-restore <"$DATA/kube-proxy-iptables.rules" || fail setup "iptables-legacy-restore"
check_iptables_views legacy iptables-legacy iptables-legacy-save
for t in filter nat mangle raw; do in_node iptables-legacy -t $t -F; in_node iptables-legacy -t $t -X; done

# --- 3. kube-proxy's nftables mode -------------------------------------------------------
in_node nft -f "$DATA/kube-proxy-nft.nft" || fail setup "nft -f"
traffic
expect_rc "nftables: rules --json" 0 nr --json rules --table kube-proxy
j=$OUT
oracle=$(in_node nft -j list ruleset | jq -r '[.nftables[] | select(.rule) | .rule | select(.table == "kube-proxy")] | group_by(.chain) | .[] | to_entries[] | select(any(.value.expr[]; has("counter"))) | "\(.value.chain) \(.key + 1) \(.value.expr[] | select(has("counter")) | .counter.packets) \(.value.expr[] | select(has("counter")) | .counter.bytes)"' | sort)
ours=$(jq -r '.rules[] | "\(.chain) \(.position) \(.packets) \(.bytes)"' <<<"$j" | sort)
missing=$(comm -23 <(echo "$oracle") <(echo "$ours"))
if [ -n "$oracle" ] && [ -z "$missing" ]; then ok "nftables: counters equal nft -j list ruleset ($(echo "$oracle" | wc -l) counted rules)"
else fail "nftables: counters equal nft -j list ruleset" "missing: $(echo "$missing" | head -5 | tr '\n' '|')"; fi
n=$(in_node nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule | select(.table == "kube-proxy")] | length')
expect_json "nftables: every rule read" ".count == $n and .backend == \"nf_tables\"" "$j"
expect_json "nftables: some counters rose" '[.rules[] | select(.packets > 0)] | length >= 3' "$j"
expect_json "nftables: kube-proxy's vmap text" '[.rules[] | select(.chain == "services" and .target == "ip daddr . meta l4proto . th dport vmap @service-ips")] | length == 1' "$j"
expect_rc "nftables: service with a down local endpoint" 1 nr --json service 10.96.0.10:80
expect_json "nftables: service from the maps" '.name == "default/web:http" and .mode == "nftables" and (.endpoints | length) == 2 and ([.endpoints[].probability] == [0.5, 0.5]) and ([.findings[] | select(.id == "service-endpoint-down")] | length) == 1' "$OUT"
expect_rc "nftables: service without endpoints" 1 nr --json service default/empty:http
expect_json "nftables: no-endpoint-services element" '.frontends[0].no_endpoints and .frontends[0].ip == "10.96.0.20" and ([.findings[] | select(.id == "service-no-endpoints")] | length) == 1' "$OUT"
expect_rc "nftables: NodePort" 0 nr --json service default/np
expect_json "nftables: NodePort frontend" '([.frontends[] | select(.kind == "nodeport" and .port == 30080)] | length) == 1 and .endpoints[0].ip == "10.4.0.5"' "$OUT"

# --- 4. bad input ------------------------------------------------------------------------
expect_one_line_error "unknown service name" 3 'no such Service' nr service nosuch/svc
expect_rc "unknown service name --json: one document" 3 nr --json service nosuch/svc
expect_json "unknown service name --json: error object" '.error.message | test("no such Service")' "$OUT"
expect_one_line_error "IP:99999" 2 'not a port' nr service 10.96.0.10:99999
expect_rc "IP:99999 --json" 2 nr --json service 10.96.0.10:99999
expect_json "IP:99999 --json: error object" '.error.message | test("not a port")' "$OUT"
expect_one_line_error "bad --pod-ip" 2 'not an IP' nr rules --pod-ip 10.4.0.300
expect_one_line_error "--port without --pod-ip" 2 'needs --pod-ip' nr rules --port 80

# Thousands of rules: all read, counted like the oracle, in bounded memory.
in_node nft flush ruleset
kube_rules 4000 | in_node iptables-restore || fail setup "big iptables-restore"
n=$(in_node iptables-save | grep -c -- '^-A ')
/usr/bin/time -f %M -o "$T_TMP/rss" ip netns exec "$NODE" "$NR" --json rules >"$T_TMP/big.json" 2>/dev/null
expect_json "thousands of rules: all read, not truncated" ".count == $n and .truncated == false" "$(cat "$T_TMP/big.json")"
rss=$(cat "$T_TMP/rss")
if [ "$rss" -lt 32768 ]; then ok "thousands of rules: peak RSS ${rss} KiB < 32 MiB"; else fail "thousands of rules: peak RSS" "${rss} KiB"; fi
expect_rc "thousands of rules: service by name" 0 nr --json service ns7/svc3887
expect_json "thousands of rules: its endpoints" '(.endpoints | map(.ip) | sort) == ["10.4.15.138", "10.5.15.138"]' "$OUT"

exit $((T_FAILS > 0))
