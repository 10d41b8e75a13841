#!/usr/bin/env bash
# bridge [NAME] [--fix]: kubenet's cbr0 healthy, down (fix twice: idempotent; refused without
# CAP_NET_ADMIN), a pod port down, a pod whose MAC the bridge never learned; oracles `ip -j`,
# `bridge -j fdb` and the pods' own interfaces.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged b1 10.4.0.2
pod_bridged b2 10.4.0.3
pod_routed r1 10.4.1.2
for n in b1 b2; do in_node ping -c1 -W2 "${POD_IP[$n]}" >/dev/null; done

# --- healthy ---
expect_rc "healthy: exit 0" 0 nr --json bridge
J=$OUT
expect_json "healthy: no findings" '.command == "bridge" and .findings == [] and .changed == []' "$J"
expect_json "healthy: cbr0 up with 2 ports" '.bridges[0].name == "cbr0" and .bridges[0].up == true and .bridges[0].ports == 2' "$J"
expect_eq "ports = ip -j link show master cbr0" "$(jq -c '[.ports[].name] | sort' <<<"$J")" "$(in_node ip -j link show master cbr0 | jq -c '[.[].ifname] | sort')"
for n in b1 b2; do
	mac=$(in_pod "$n" cat /sys/class/net/eth0/address)
	expect_json "port of $n: pod IP, MAC, learned" ".ports[] | select(.name == \"${POD_IF[$n]}\") | .pod_ip == \"${POD_IP[$n]}\" and .pod_mac == \"$mac\" and .mac_learned == true and .stp_state == \"forwarding\"" "$J"
	expect_eq "fdb of $n = bridge -j fdb" "$(jq -r ".fdb[] | select(.mac == \"$mac\") | .port" <<<"$J")" "$(in_node bridge -j fdb show br cbr0 | jq -r ".[] | select(.mac == \"$mac\" and .master == \"cbr0\") | .ifname")"
done
expect_rc "healthy text" 0 nr bridge cbr0
expect_match "text: bridge line" '^cbr0 +UP +1460 +2 +[0-9]+ +([0-9a-f]{2}:){5}' "$OUT"
expect_match "text: port line" "^${POD_IF[b1]} +cbr0 +UP +forwarding +10\.4\.0\.2 +\S+ +fdb +net:\[[0-9]+\]" "$OUT"

# --- bridge down; --fix without CAP_NET_ADMIN; --fix; --fix again ---
in_node ip link set cbr0 down
expect_rc "down: exit 1" 1 nr --json bridge
expect_json "down: bridge-down fail with the fix" '.findings[0].id == "bridge-down" and .findings[0].severity == "fail" and .findings[0].subject == "cbr0" and .findings[0].fix == "netrescue bridge cbr0 --fix"' "$OUT"
expect_rc "down text: exit 1" 1 nr bridge
expect_match "down text: finding" '^FAIL bridge-down +cbr0: ' "$OUT"
expect_match "down text: fix" 'fix: netrescue bridge cbr0 --fix' "$OUT"
expect_one_line_error "--fix without CAP_NET_ADMIN" 3 "CAP_NET_ADMIN" \
	in_node setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$NR" --host-root "$HR" bridge cbr0 --fix
expect_json "nothing changed without CAP_NET_ADMIN" '.[0].flags | index("UP") == null' "$(in_node ip -j link show cbr0)"
expect_rc "--fix: exit 0" 0 nr --json bridge cbr0 --fix
expect_json "--fix: reports the change" '.changed == [{"interface": "cbr0", "action": "set up"}] and ([.findings[] | select(.id == "bridge-down")] | length) == 0' "$OUT"
expect_json "--fix: cbr0 is up (ip -j)" '.[0].flags | index("UP") != null' "$(in_node ip -j link show cbr0)"
expect_rc "--fix again: exit 0" 0 nr --json bridge cbr0 --fix
expect_json "--fix again: nothing changed" '.changed == [] and .bridges[0].up == true' "$OUT"
expect_rc "--fix again text" 0 nr bridge cbr0 --fix
expect_match "--fix again text says so" 'nothing to change' "$OUT"
expect_rc "bridge works again: pod reaches node" 0 in_pod b1 ping -c1 -W2 10.4.0.1

# --- a pod's port down ---
in_node ip link set "${POD_IF[b2]}" down
expect_rc "port down: exit 1" 1 nr --json bridge
expect_json "port down: link-down for that pod" '[.findings[] | select(.id == "link-down" and .subject == "10.4.0.3" and .severity == "fail")] | length == 1' "$OUT"
in_node ip link set "${POD_IF[b2]}" up

# --- a pod whose MAC the bridge never learned (learning off, the node never talked to it) ---
pod_bridged b3 10.4.0.4
in_node bridge link set dev "${POD_IF[b3]}" learning off
in_node bridge fdb del "$(in_pod b3 cat /sys/class/net/eth0/address)" dev "${POD_IF[b3]}" master 2>/dev/null
expect_rc "not learned: warn only, exit 0" 0 nr --json bridge
expect_json "not learned: pod-mac-not-learned warn" '[.findings[] | select(.id == "pod-mac-not-learned" and .subject == "10.4.0.4" and .severity == "warn")] | length == 1' "$OUT"
expect_json "not learned: port shows learning off" ".ports[] | select(.name == \"${POD_IF[b3]}\") | .learning == false and .mac_learned == false" "$OUT"
expect_json "not learned: others fine" '[.findings[] | select(.id == "pod-mac-not-learned")] | length == 1' "$OUT"
# once the node has a neighbour entry for it, the pod is known even without FDB learning
in_node ping -c1 -W2 10.4.0.4 >/dev/null
expect_json "neighbour entry suffices" '[.findings[] | select(.id == "pod-mac-not-learned")] | length == 0' "$(nr --json bridge)"

# --- bad input ---
expect_one_line_error "missing bridge" 3 "bridge: nosuch0: no such interface" nr bridge nosuch0
expect_one_line_error "not a bridge" 3 "eth0 \(a veth\): not a bridge" nr bridge eth0
expect_one_line_error "two names" 2 "at most one" nr bridge a b
expect_one_line_error "unknown option" 2 "unknown option" nr bridge --fxi
expect_rc "help" 0 nr bridge --help
expect_match "help explains --fix with an example" 'netrescue bridge cbr0 --fix' "$OUT"

# --- a node without bridges (routed wiring only) ---
in_node ip link del cbr0
expect_rc "no bridge: exit 0" 0 nr --json bridge
expect_json "no bridge: empty" '.bridges == [] and .findings == []' "$OUT"
