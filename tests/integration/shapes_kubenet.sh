#!/usr/bin/env bash
# A kubenet dual-stack node with a docker0 and a test bridge beside cbr0 (as a COS node with
# Docker has): only cbr0 is judged (no bridge-down, no mtu-mismatch for the others) and only
# cbr0 is fixed; IPv4 and IPv6 pods are located; an IP no pod holds is not here; a GKE ptp
# routed orphan sandbox; `locate -` scans the pod namespaces once per run, not once per IP.
# Oracles: ip -j link/addr/route, the pods' own interfaces.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
in_node ip addr add fd00:4::1/64 dev cbr0 nodad
pod6() { # name ip6: the pod's IPv6 address on its eth0, as the bridge plugin's dual-stack IPAM gives
	in_pod "$1" ip addr add "$2/64" dev eth0 nodad
	in_pod "$1" ip -6 route add default via fd00:4::1 dev eth0
}
pod_bridged b1 10.4.0.2
pod6 b1 fd00:4::2
pod_bridged b2 10.4.0.3
pod6 b2 fd00:4::3
pod_routed r1 10.4.1.2
in_pod b1 ping -c1 -W2 10.4.0.1 >/dev/null

# docker0: Docker's bridge, down with no ports, at Docker's 1500
in_node ip link add docker0 type bridge
in_node ip link set docker0 mtu 1500
in_node ip addr add 172.17.0.1/16 dev docker0
# a test bridge, up, with a veth into a namespace that holds no pod (a plain process)
XNS=$T_ID-x
ip netns add "$XNS" && T_NETNS+=("$XNS")
in_node ip link add brtest type bridge
in_node ip link add vtest mtu 1500 type veth peer name eth0 mtu 1500 netns "$XNS"
in_node ip link set vtest master brtest up
in_node ip link set brtest mtu 1500
in_node ip link set brtest up
ip -n "$XNS" link set eth0 up
ip netns exec "$XNS" sleep 1000 </dev/null >/dev/null 2>&1 &
T_PIDS+=($!)
for _ in $(seq 1 100); do [ -n "$(ip netns pids "$XNS")" ] && break; sleep 0.05; done

docker_up() { in_node ip -j link show docker0 | jq -r '.[0].flags | index("UP") != null'; }

# --- non-pod bridges are listed, not judged ---
expect_rc "bridge: exit 0 with docker0 down" 0 nr --json bridge
J=$OUT
expect_json "bridge: no findings" '.findings == []' "$J"
expect_json "bridge: cbr0 is a pod bridge, docker0 and brtest are not" '([.bridges[] | select(.pod_bridge) | .name] == ["cbr0"]) and ([.bridges[] | select(.pod_bridge | not) | .name] | sort == ["brtest", "docker0"])' "$J"
expect_eq "bridge: the bridges = ip -j link type bridge" "$(jq -c '[.bridges[].name] | sort' <<<"$J")" "$(in_node ip -j link show type bridge | jq -c '[.[].ifname] | sort')"
expect_rc "bridge text" 0 nr bridge
expect_match "bridge text: docker0 not judged" '^docker0 +DOWN .* no \(not judged\)' "$OUT"
expect_rc "bridge --fix: exit 0" 0 nr --json bridge --fix
expect_json "bridge --fix: nothing changed" '.changed == []' "$OUT"
expect_eq "bridge --fix: docker0 still down (ip -j)" "$(docker_up)" false
expect_rc "mtu: exit 0" 0 nr --json mtu
expect_json "mtu: no findings, no docker0/brtest/vtest as pod interfaces" '.findings == [] and ([.interfaces[].name] | (index("docker0") == null and index("brtest") == null and index("vtest") == null))' "$OUT"

# --- dual-stack pods ---
for ip in 10.4.0.2 fd00:4::2 10.4.0.3 fd00:4::3; do
	n=b1; case $ip in 10.4.0.3|fd00:4::3) n=b2 ;; esac
	expect_rc "locate $ip: exit 0" 0 nr --json locate "$ip"
	expect_json "locate $ip: bridged on cbr0, its pod" ".wiring == \"bridged\" and .bridge == \"cbr0\" and .host_interface == \"${POD_IF[$n]}\" and .pod_uid == \"${POD_UID[$n]}\" and .findings == []" "$OUT"
done
expect_eq "IPv6 route is cbr0's (ip -j route get)" "$(in_node ip -j route get fd00:4::3 | jq -r '.[0].dev')" cbr0
shape_diag "healthy (docker0 down, brtest at 1500)" "" --pod-ip 10.4.0.2 --pod-ip fd00:4::3 --pod-ip 10.4.1.2
expect_json "healthy: no bridge-down, no mtu-mismatch at all" '[.findings[] | select(.id == "bridge-down" or .id == "mtu-mismatch")] == []' "$DJ"
shape_diag "diagnose --fix on a healthy node" "" --fix
expect_eq "diagnose --fix: docker0 left down" "$(docker_up)" false
expect_json "diagnose --fix: no change" '[.changes[]] == []' "$DJ"

# --- an IP on cbr0's subnet no pod holds ---
expect_rc "not here: exit 1" 1 nr --json locate 10.4.0.77
expect_json "not here: pod-not-found only" '[.findings[].id] == ["pod-not-found"] and .host_interface == null and .wiring == "bridged"' "$OUT"

# --- broken: cbr0 down; --fix sets up cbr0 and nothing else ---
in_node ip link set cbr0 down
shape_diag "cbr0 down" "bridge-down" --pod-ip 10.4.0.2
expect_json "cbr0 down: bridge-down names cbr0 only" '[.findings[] | select(.id == "bridge-down") | .subject] == ["cbr0"]' "$DJ"
shape_diag "cbr0 down --fix" "" --fix
expect_json "--fix: the change names cbr0 only" '([.changes[] | select(test("cbr0"))] | length == 1) and ([.changes[] | select(test("docker0|brtest"))] == [])' "$DJ"
expect_eq "--fix: cbr0 up (ip -j)" "$(in_node ip -j link show cbr0 | jq -r '.[0].flags | index("UP") != null')" true
expect_eq "--fix: docker0 still down (ip -j)" "$(docker_up)" false
in_node ip link set brtest down
expect_rc "bridge --fix with brtest down: exit 0" 0 nr --json bridge --fix
expect_json "brtest is not fixed, not judged" '.changed == [] and ([.findings[] | select(.id == "bridge-down" or .subject == "brtest")] == [])' "$OUT"
expect_eq "brtest still down" "$(in_node ip -j link show brtest | jq -r '.[0].flags | index("UP") != null')" false

# --- a GKE ptp routed orphan sandbox ---
sandbox_orphan r1
expect_rc "routed orphan: exit 0" 0 nr --json locate 10.4.1.2
expect_json "routed orphan: found, pod-sandbox-empty" ".wiring == \"routed\" and .host_interface == \"${POD_IF[r1]}\" and .sandbox_empty == true and .pids == [] and [.findings[].id] == [\"pod-sandbox-empty\"]" "$OUT"

# --- locate -: one scan of the pod namespaces per run ---
N=40
for i in $(seq 10 $((N + 9))); do pod_bridged "s$i" "10.4.0.$i"; done
IPS=$(seq 10 $((N + 9)) | sed 's/^/10.4.0./')
t_of() { # best of three wall times (seconds) of: locate - <<< IPs
	local best=999 s
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		printf '%s\n' $1 | ip netns exec "$NODE" "$NR" --host-root "$HR" --json locate - >"$T_TMP/many" 2>/dev/null
		best=$(awk -v s="$s" -v e="$(date +%s.%N)" -v b="$best" 'BEGIN { t = e - s; printf "%.3f", t < b ? t : b }')
	done
	echo "$best"
}
T1=$(t_of 10.4.0.10)
TN=$(t_of "$IPS")
expect_eq "locate - $N pods never talked to: all found on their veth" \
	"$(jq -c '[.pods[].host_interface]' "$T_TMP/many")" \
	"$(for i in $(seq 10 $((N + 9))); do echo "${POD_IF[s$i]}"; done | jq -R . | jq -sc .)"
if awk -v n="$TN" -v o="$T1" 'BEGIN { exit !(n < 4 * o + 0.3) }'; then ok "locate - $N IPs: ${TN}s vs ${T1}s for one (one scan per run)"
else fail "locate - $N IPs" "${TN}s vs ${T1}s for one: scans per IP"; fi
