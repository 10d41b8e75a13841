#!/usr/bin/env bash
# A Flannel VXLAN node as flannel builds it: flannel.1 (VNI 1, 8472, nolearning, MTU 1410) with
# the remote node's VTEP in the neighbour table and FDB (`MAC dst 10.128.0.3 self permanent`),
# the cni0 bridge at 1410 with the pods. neigh shows the remote node, locate/bridge/diagnose
# are healthy (exit 0), an IP no pod holds is not here, a bridged orphan sandbox is found, and
# cni0 down is named. Oracles: bridge -j fdb, ip -j neigh/link.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni flannel
node_flannel
pod_bridged f1 10.4.0.2
pod_bridged f2 10.4.0.3
pod_bridged f3 10.4.0.4
for p in f1 f2 f3; do pod_mtu "$p" 1410; done
in_pod f1 ping -c1 -W2 10.4.0.1 >/dev/null

# --- the overlay's FDB ---
expect_rc "neigh flannel.1: exit 0" 0 nr --json neigh flannel.1
J=$OUT
oracle=$(in_node bridge -j fdb show dev flannel.1 | jq -c "[.[] | select(.dst != null) | {mac, dst}] | sort_by(.mac)")
expect_eq "FDB entries with dst = bridge -j fdb show dev flannel.1" "$(jq -c '[.fdb[] | select(.dst != null) | {mac, dst}] | sort_by(.mac)' <<<"$J")" "$oracle"
expect_json "the remote node's VTEP: dst, permanent, self" ".fdb[] | select(.mac == \"$REMOTE_VTEP_MAC\") | .dst == \"10.128.0.3\" and .dev == \"flannel.1\" and .state == \"permanent\" and .self == true" "$J"
expect_rc "neigh text" 0 nr neigh flannel.1
expect_match "text: overlay FDB table" '^overlay FDB \(remote VTEPs' "$OUT"
expect_match "text: the VTEP line carries the remote node" "^$REMOTE_VTEP_MAC +flannel\.1 +10\.128\.0\.3 +permanent" "$OUT"
expect_rc "neigh (all devices)" 0 nr --json neigh
expect_json "all devices: the VTEP too" "any(.fdb[]; .mac == \"$REMOTE_VTEP_MAC\" and .dst == \"10.128.0.3\")" "$OUT"

# --- locate, bridge, mtu, diagnose: healthy ---
expect_rc "locate f1: exit 0" 0 nr --json locate 10.4.0.2
expect_json "locate f1: bridged on cni0" ".wiring == \"bridged\" and .bridge == \"cni0\" and .host_interface == \"${POD_IF[f1]}\" and .findings == []" "$OUT"
expect_rc "locate f2 (never talked to): exit 0" 0 nr --json locate 10.4.0.3
expect_json "locate f2: found through the index" ".host_interface == \"${POD_IF[f2]}\" and .mac == null" "$OUT"
expect_rc "bridge: exit 0" 0 nr --json bridge
expect_json "bridge: cni0 is the pod bridge" '.bridges[] | select(.name == "cni0") | .pod_bridge == true and .mtu == 1410' "$OUT"
expect_rc "mtu: exit 0" 0 nr --json mtu
expect_json "mtu: flannel.1 bounds the pods at 1410" '.pod_max_mtu == 1410 and .findings == []' "$OUT"
shape_diag "healthy" "" --pod-ip 10.4.0.2 --pod-ip 10.4.0.3
expect_json "healthy: CNI flannel" '.node.cni == "flannel"' "$DJ"

# --- an IP on cni0's subnet no pod holds: not here ---
expect_rc "not here: exit 1" 1 nr --json locate 10.4.0.99
expect_json "not here: pod-not-found names the bridge" '[.findings[].id] == ["pod-not-found"] and (.findings[0].message | test("bridge cni0")) and .host_interface == null' "$OUT"
expect_rc "not here text: exit 1" 1 nr locate 10.4.0.99
expect_eq "not here text: one finding line" "$(grep -cE '^FAIL pod-not-found +10\.4\.0\.99: ' <<<"$OUT")" 1
# an IP of the remote node's subnet goes through the tunnel
expect_rc "remote subnet: exit 1" 1 nr --json locate 10.4.1.7
expect_json "remote subnet: off this node via flannel.1" '.findings[0].id == "route-missing" and (.findings[0].message | test("flannel.1"))' "$OUT"

# --- a bridged orphan sandbox ---
sandbox_orphan f3 var/run/netns/cni-flannel-$$
expect_rc "orphan: exit 0" 0 nr --json locate 10.4.0.4
expect_json "orphan: on cni0, held by the CNI's mount" ".wiring == \"bridged\" and .host_interface == \"${POD_IF[f3]}\" and .pids == [] and .sandbox_empty == true and .netns_path == \"$HR/var/run/netns/cni-flannel-$$\"" "$OUT"
expect_json "orphan: the dead sandbox's pod from containerd's config" ".sandbox_pod == \"default/f3\" and .pod_uid == \"${POD_UID[f3]}\" and (.findings[0].message | test(\"default/f3\"))" "$OUT"
shape_diag "orphan" "" --pod-ip 10.4.0.4
expect_json "orphan: pod-sandbox-empty warn" 'any(.findings[]; .id == "pod-sandbox-empty" and .severity == "warn" and .subject == "10.4.0.4")' "$DJ"
shape_diag "orphan with --port" "port-not-listening" --pod-ip 10.4.0.4 --port 8080

# --- broken: cni0 down ---
in_node ip link set cni0 down
shape_diag "cni0 down" "bridge-down" --pod-ip 10.4.0.2
expect_json "cni0 down: its fix" 'any(.findings[]; .id == "bridge-down" and .subject == "cni0" and .fix == "netrescue bridge cni0 --fix")' "$DJ"
in_node ip link set cni0 up
