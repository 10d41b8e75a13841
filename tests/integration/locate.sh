#!/usr/bin/env bash
# locate IP: pod IP -> host interface -> netns -> pids -> pod UID/containers, for bridged
# (kubenet cbr0) and routed (GKE ptp) pods; oracles: `ip route get`, the pod side's iflink,
# readlink /proc/PID/ns/net, the cgroups node.sh wrote. Findings route-missing and link-down.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged b1 10.4.0.2
pod_bridged b2 10.4.0.3 "" systemd
pod_bridged b3 10.4.0.4
pod_routed r1 10.4.1.2
pod_routed r2 10.4.1.3 "" systemd
pod_routed r3 10.4.1.4
CID=$(new_cid)
pod_proc r1 "$CID" -- sleep 1000
APP_PID=$LAST_PID
CID_B=$(new_cid)
pod_proc b1 "$CID_B" -- sleep 1000
# the node talks to b1 and b2 (neighbour + FDB entries), never to b3
in_node ping -c1 -W2 10.4.0.2 >/dev/null
in_node ping -c1 -W2 10.4.0.3 >/dev/null

ino_of() { stat -L -c %i "/proc/$1/ns/net"; }

check_pod() { # name wiring
	local n=$1 ip=${POD_IP[$1]} j
	expect_rc "locate $n ($2): exit 0" 0 nr --json locate "$ip"
	j=$OUT
	expect_json "locate $n: common fields" '.tool == "netrescue" and .command == "locate" and (.findings | length) == 0' "$j"
	expect_eq "locate $n: host interface" "$(jq -r .host_interface <<<"$j")" "${POD_IF[$n]}"
	expect_eq "locate $n: ifindex = ip link" "$(jq -r .ifindex <<<"$j")" "$(in_node ip -j link show "${POD_IF[$n]}" | jq '.[0].ifindex')"
	# oracle: the pod side's eth0 iflink is the host ifindex
	expect_eq "locate $n: pod-side iflink" "$(jq -r .ifindex <<<"$j")" "$(in_pod "$n" cat /sys/class/net/eth0/iflink)"
	expect_eq "locate $n: wiring" "$(jq -r .wiring <<<"$j")" "$2"
	if [ "$2" = routed ]; then
		expect_eq "locate $n: ip route get dev" "$(in_node ip -j route get "$ip" | jq -r '.[0].dev')" "$(jq -r .host_interface <<<"$j")"
	else
		expect_eq "locate $n: ip route get dev is the bridge" "$(in_node ip -j route get "$ip" | jq -r '.[0].dev')" "$(jq -r .bridge <<<"$j")"
	fi
	expect_eq "locate $n: netns inode" "$(jq -r .netns <<<"$j")" "$(ino_of "${POD_PIDS[$n]}")"
	expect_json "locate $n: pause pid listed" ".pids | index(${POD_PIDS[$n]}) != null" "$j"
	expect_eq "locate $n: pod UID" "$(jq -r .pod_uid <<<"$j")" "${POD_UID[$n]}"
	expect_json "locate $n: sandbox container" ".containers | map(.id) | index(\"${POD_SANDBOX[$n]}\") != null" "$j"
	expect_json "locate $n: cross-checked" '.crosscheck == true and .pod_interface == "eth0"' "$j"
}
check_pod r1 routed
check_pod r2 routed
check_pod b1 bridged
check_pod b2 bridged
check_pod b3 bridged
expect_json "locate r1: app container with its pid" ".containers | map(select(.id == \"$CID\")) | .[0].pids == [$APP_PID]" "$(nr --json locate 10.4.1.2)"
expect_json "locate b1: MAC from the neighbour table" ".mac == \"$(in_pod b1 cat /sys/class/net/eth0/address)\"" "$(nr --json locate 10.4.0.2)"
expect_json "locate b3: found without neighbour entry" '.host_interface != null and .mac == null' "$(nr --json locate 10.4.0.4)"

# human output, ip -br style
expect_rc "locate text" 0 nr locate 10.4.1.2
expect_match "text: header" '^IP +HOST_IF +STATE +WIRING +NETNS +PIDS +POD_UID +CONTAINERS' "$OUT"
expect_match "text: pod line" "^10\.4\.1\.2 +${POD_IF[r1]} +UP +routed +net:\[$(ino_of "${POD_PIDS[r1]}")\] .*${POD_UID[r1]}" "$OUT"

# several IPs at once
expect_rc "locate many" 1 nr --json locate 10.4.1.2 10.4.0.2 10.4.1.200
expect_json "many: three pods" '(.pods | length) == 3 and .pods[0].host_interface != null and .pods[2].host_interface == null' "$OUT"

# IPs from stdin
expect_rc "locate - (stdin)" 0 sh -c "printf '10.4.1.2\n10.4.0.2  10.4.1.3\n' | ip netns exec $NODE $NR --host-root $HR --json locate -"
expect_json "stdin: three pods in order" '[.pods[].host_interface] == ["'"${POD_IF[r1]}"'", "'"${POD_IF[b1]}"'", "'"${POD_IF[r2]}"'"]' "$OUT"
expect_rc "stdin: empty input" 0 sh -c "ip netns exec $NODE $NR --host-root $HR --json locate - </dev/null"
expect_json "stdin: empty input, no pods" '.pods == []' "$OUT"
expect_rc "stdin: a bad token is a usage error" 2 sh -c "echo 10.4.1.2 nope | ip netns exec $NODE $NR --host-root $HR --json locate -"
expect_json "stdin: the JSON stays valid" '.pods | length == 1' "$OUT"

# a pod IP without a route: falls to the default route via the uplink
expect_rc "no route: exit 1" 1 nr --json locate 10.4.1.200
expect_json "no route: route-missing fail" '.findings[0].id == "route-missing" and .findings[0].severity == "fail" and .host_interface == null and .pod_uid == null and .containers == []' "$OUT"
expect_match "no route: says default route via uplink" 'default route via 10\.128\.0\.1 dev eth0' "$(jq -r '.findings[0].message' <<<"$OUT")"
# a route that goes nowhere: a blackhole
in_node ip route add blackhole 10.4.2.0/24
expect_rc "blackhole: exit 1" 1 nr --json locate 10.4.2.9
expect_json "blackhole: route-missing" '.findings[0].id == "route-missing"' "$OUT"
# a /32 that leads to the wrong pod (r2's veth, but r2 does not hold 10.4.1.50)
in_node ip route add 10.4.1.50/32 dev "${POD_IF[r2]}"
expect_rc "wrong pod: exit 1" 1 nr --json locate 10.4.1.50
expect_json "wrong pod: route-missing, pod side does not hold the IP" '.findings[0].id == "route-missing" and .pod_has_ip == false and (.findings[0].message | test("does not hold"))' "$OUT"
expect_json "right pod: pod_has_ip" '.pod_has_ip == true' "$(nr --json locate 10.4.1.3)"
# the node's own address
expect_rc "node address: exit 0" 0 nr --json locate 10.128.0.2
expect_json "node address: local" '.wiring == "local" and .findings == []' "$OUT"

# a routed pod's host veth down: the kernel drops its /32 route too
in_node ip link set "${POD_IF[r3]}" down
expect_rc "veth down: exit 1" 1 nr --json locate 10.4.1.4
expect_json "veth down: link-down names the veth" "[.findings[] | select(.id == \"link-down\" and (.message | contains(\"${POD_IF[r3]}\")))] | length == 1" "$OUT"
expect_json "veth down: the pod is still found" ".host_interface == \"${POD_IF[r3]}\" and .netns == $(ino_of "${POD_PIDS[r3]}")" "$OUT"
# a bridged pod's port down
in_node ip link set "${POD_IF[b2]}" down
expect_rc "port down: exit 1" 1 nr --json locate 10.4.0.3
expect_json "port down: link-down" "[.findings[] | select(.id == \"link-down\" and .subject == \"10.4.0.3\")] | length == 1" "$OUT"
expect_rc "text with findings" 1 nr locate 10.4.0.3
expect_match "text: finding block" '^FAIL link-down +10\.4\.0\.3: ' "$OUT"

# the veth down takes the /32 route with it: the down link is the fault, not the route
expect_json "veth down: no route-missing beside link-down" '[.findings[] | select(.id == "route-missing")] | length == 0' "$(nr --json locate 10.4.1.4)"
# the bridge down takes the pod subnet's route with it: bridge-down, not route-missing
in_node ip link set "${POD_IF[b2]}" up
in_node ip link set cbr0 down
expect_rc "bridge down: exit 1" 1 nr --json locate 10.4.0.2
expect_json "bridge down: bridge-down with its fix" '[.findings[] | select(.id == "bridge-down" and .subject == "cbr0" and .fix == "netrescue bridge cbr0 --fix")] | length == 1' "$OUT"
expect_json "bridge down: no route-missing" '[.findings[] | select(.id == "route-missing")] | length == 0' "$OUT"
expect_json "bridge down: the pod is still found" ".host_interface == \"${POD_IF[b1]}\" and .bridge == \"cbr0\"" "$OUT"
in_node ip link set cbr0 up

# bad input
expect_one_line_error "malformed IP" 2 "not an IP address" nr locate 10.4.0.300
expect_one_line_error "IP with prefix" 2 "not an IP address" nr locate 10.4.0.0/24
expect_one_line_error "no IP" 2 "needs a pod IP" nr locate
expect_one_line_error "unknown option" 2 "unknown option" nr locate --bogus 10.4.0.2
expect_rc "help" 0 nr locate --help
expect_match "help has an example" 'netrescue locate 10\.4\.0\.5' "$OUT"
