#!/usr/bin/env bash
# Calico nodes as calico builds them: BGP (cali* veths with ee:ee:ee:ee:ee:ee, 169.254.1.1 as the
# pods' gateway, a /32 per pod, the node's IPAM block as a blackhole route) and VXLAN
# (vxlan.calico with the remote block's VTEP in the neighbour table and FDB, pods at 1410);
# a Multus config delegating to Calico. Healthy shapes exit 0; broken ones name their fault.
# Oracles: ip -j route/link/neigh, bridge -j fdb.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

ino_of() { stat -L -c %i "/proc/$1/ns/net"; }

# --- BGP -----------------------------------------------------------------------------------
node_up
node_cni calico
node_calico 10.4.3.0/26
pod_calico k1 10.4.3.5
pod_calico k2 10.4.3.6 "" 
pod_calico k3 10.4.3.7
expect_eq "bgp: the block is a blackhole (shape)" "$(in_node ip -j route show 10.4.3.0/26 | jq -r '.[0].type')" blackhole
expect_eq "bgp: pod gateway 169.254.1.1 (shape)" "$(in_pod k1 ip -j route show default | jq -r '.[0].gateway')" 169.254.1.1

expect_rc "bgp: locate k1: exit 0" 0 nr --json locate 10.4.3.5
expect_json "bgp: locate k1: routed on its cali veth" ".wiring == \"routed\" and .host_interface == \"${POD_IF[k1]}\" and .findings == [] and .netns == $(ino_of "${POD_PIDS[k1]}") and .pod_uid == \"${POD_UID[k1]}\"" "$OUT"
expect_eq "bgp: locate k1 = ip route get" "$(in_node ip -j route get 10.4.3.5 | jq -r '.[0].dev')" "${POD_IF[k1]}"
expect_rc "bgp: an IP of the block no pod holds: exit 1" 1 nr --json locate 10.4.3.9
expect_json "bgp: the blackhole swallows it" '.findings[0].id == "route-missing" and (.findings[0].message | test("blackhole"))' "$OUT"

shape_diag "bgp: healthy" "" --pod-ip 10.4.3.5 --pod-ip 10.4.3.6
expect_json "bgp: CNI calico from its config" '.node.cni == "calico" and (.node.cni_evidence | test("10-calico.conflist"))' "$DJ"
# broken: k2's /32 is gone, the block's blackhole takes its traffic
in_node ip route del 10.4.3.6/32
shape_diag "bgp: pod route gone" "route-missing" --pod-ip 10.4.3.6
expect_json "bgp: route-missing says the pod is here" "any(.findings[]; .id == \"route-missing\" and (.message | test(\"blackhole.*${POD_IF[k2]}\")))" "$DJ"
in_node ip route add 10.4.3.6/32 dev "${POD_IF[k2]}" scope link
# an orphan sandbox on a routed wiring
sandbox_orphan k3
expect_rc "bgp: orphan: exit 0" 0 nr --json locate 10.4.3.7
expect_json "bgp: orphan: found through the bind mount" ".wiring == \"routed\" and .pids == [] and .sandbox_empty == true and .netns_path == \"/run/netns/${POD_NS[k3]}\" and ([.findings[].id] == [\"pod-sandbox-empty\"])" "$OUT"
shape_diag "bgp: orphan" "" --pod-ip 10.4.3.7
expect_json "bgp: orphan: pod-sandbox-empty warn" 'any(.findings[]; .id == "pod-sandbox-empty" and .severity == "warn")' "$DJ"

# --- Multus delegating to Calico ---------------------------------------------------------------
cat >"$HR/etc/cni/net.d/00-multus.conf" <<'EOF'
{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus",
 "kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig","clusterNetwork":"k8s-pod-network"}
EOF
shape_diag "multus" "" --pod-ip 10.4.3.5
expect_json "multus: CNI named by the delegate" '.node.cni == "calico"' "$DJ"
expect_json "multus: evidence names both files" '(.node.cni_evidence | test("00-multus.conf")) and (.node.cni_evidence | test("10-calico.conflist"))' "$DJ"
echo '{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus-shim","socketDir":"/run/multus/"}' >"$HR/etc/cni/net.d/00-multus.conf"
expect_json "multus thick (no clusterNetwork): the next file is the delegate" '.node.cni == "calico" and (.node.cni_evidence | test("00-multus.conf.*10-calico.conflist"))' "$(nr --json diagnose --since 1s)"
echo '{"name":"multus-cni-network","type":"multus","delegates":[{"name":"k8s-pod-network","plugins":[{"type":"calico"}]}]}' >"$HR/etc/cni/net.d/00-multus.conf"
expect_json "multus with embedded delegates" '.node.cni == "calico" and (.node.cni_evidence | test("00-multus.conf.*embedded"))' "$(nr --json diagnose --since 1s)"
rm -f "$HR/etc/cni/net.d/00-multus.conf"
node_down
T_TMP=$(mktemp -d /tmp/nrtest.XXXXXX)

# --- VXLAN ----------------------------------------------------------------------------------
node_up
node_cni calico
node_calico 10.4.3.0/26 vxlan
pod_calico v1 10.4.3.5
pod_calico v2 10.4.3.6
pod_mtu v1 1410
pod_mtu v2 1410
expect_rc "vxlan: neigh vxlan.calico" 0 nr --json neigh vxlan.calico
expect_eq "vxlan: FDB remote VTEP = bridge -j fdb" "$(jq -r ".fdb[] | select(.mac == \"$REMOTE_VTEP_MAC\") | .dst" <<<"$OUT")" \
	"$(in_node bridge -j fdb show dev vxlan.calico | jq -r ".[] | select(.mac == \"$REMOTE_VTEP_MAC\") | .dst")"
expect_json "vxlan: the VTEP's neighbour entry" ".neighbours[] | select(.ip == \"10.4.9.0\") | .mac == \"$REMOTE_VTEP_MAC\" and .state == \"PERMANENT\"" "$OUT"
expect_rc "vxlan: mtu at 1410: exit 0" 0 nr --json mtu
expect_json "vxlan: vxlan.calico bounds the pods at 1410" '.pod_max_mtu == 1410 and .findings == []' "$OUT"
shape_diag "vxlan: healthy" "" --pod-ip 10.4.3.5 --pod-ip 10.4.3.6
expect_rc "vxlan: the remote block leaves through the tunnel" 1 nr --json locate 10.4.9.7
expect_json "vxlan: remote pod is not here (route-missing via vxlan.calico)" '.findings[0].id == "route-missing" and (.findings[0].message | test("vxlan.calico"))' "$OUT"
# broken: a pod left at the uplink's MTU
pod_mtu v2 1460
shape_diag "vxlan: pod MTU too big" "mtu-mismatch" --pod-ip 10.4.3.6
expect_json "vxlan: mtu-mismatch names the tunnel" "any(.findings[]; .id == \"mtu-mismatch\" and .subject == \"${POD_IF[v2]}\" and (.message | test(\"vxlan.calico\")))" "$DJ"
