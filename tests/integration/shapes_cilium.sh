#!/usr/bin/env bash
# GKE Dataplane V2 / Cilium nodes as cilium builds them: native routing (no per-pod route, the
# pod CIDR via the router IP on cilium_host, lxc* veths) and the VXLAN overlay (cilium_vxlan,
# route MTU): locate, mtu, diagnose healthy (exit 0) and broken (the real fault named), an
# orphan sandbox (netns held only by the CNI's bind mount). Oracles: ip -j route/link, the pod
# side's iflink, readlink /proc/PID/ns/net, ss.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

AP=$((33000 + $$ % 1000))
ino_of() { stat -L -c %i "/proc/$1/ns/net"; }

shape() { # native|vxlan
	local mode=$1 j
	node_up
	node_cni cilium
	node_cilium 10.4.2.1 10.4.2.0/24 "$([ "$mode" = vxlan ] && echo vxlan)"
	pod_cilium c1 10.4.2.10
	pod_cilium c2 10.4.2.11
	pod_cilium c3 10.4.2.12
	pod_proc c1 "$(new_cid)" --cname web -- socat TCP-LISTEN:$AP,reuseaddr,fork /dev/null
	wait_listen "${POD_NS[c1]}" $AP || fail "$mode: setup" "c1 does not listen on $AP"

	# the shape itself: no per-pod route, the CIDR via the router on cilium_host
	expect_eq "$mode: no /32 route for the pod (shape)" "$(in_node ip -j route show 10.4.2.10/32 | jq length)" 0
	expect_eq "$mode: ip route get -> cilium_host (shape)" "$(in_node ip -j route get 10.4.2.10 | jq -r '.[0].dev')" cilium_host

	expect_rc "$mode: locate c1: exit 0" 0 nr --json locate 10.4.2.10
	j=$OUT
	expect_json "$mode: locate c1: wiring cilium, no findings" '.wiring == "cilium" and .findings == [] and .route_dev == "cilium_host"' "$j"
	expect_eq "$mode: locate c1: host interface is its lxc veth" "$(jq -r .host_interface <<<"$j")" "${POD_IF[c1]}"
	expect_eq "$mode: locate c1: ifindex = pod-side iflink" "$(jq -r .ifindex <<<"$j")" "$(in_pod c1 cat /sys/class/net/eth0/iflink)"
	expect_eq "$mode: locate c1: netns inode" "$(jq -r .netns <<<"$j")" "$(ino_of "${POD_PIDS[c1]}")"
	expect_json "$mode: locate c1: pause pid, pod UID, cross-checked" ".pids | index(${POD_PIDS[c1]}) != null" "$j"
	expect_json "$mode: locate c1: pod UID and crosscheck" ".pod_uid == \"${POD_UID[c1]}\" and .crosscheck == true and .pod_has_ip == true" "$j"
	expect_rc "$mode: locate text" 0 nr locate 10.4.2.11
	expect_match "$mode: text line says cilium" "^10\.4\.2\.11 +${POD_IF[c2]} +UP +cilium +net:\[$(ino_of "${POD_PIDS[c2]}")\]" "$OUT"

	# an IP of the pod CIDR no pod holds: not here (item 7's rule on this wiring too)
	expect_rc "$mode: IP no pod holds: exit 1" 1 nr --json locate 10.4.2.99
	expect_json "$mode: IP no pod holds: pod-not-found, no route-missing" '[.findings[].id] == ["pod-not-found"] and .host_interface == null' "$OUT"

	expect_rc "$mode: mtu: exit 0" 0 nr --json mtu
	expect_json "$mode: mtu: no findings, lxc veths are pods" "(.findings == []) and ([.interfaces[] | select(.role == \"pod\") | .name] | index(\"${POD_IF[c1]}\") != null)" "$OUT"

	shape_diag "$mode: healthy" "" --pod-ip 10.4.2.10 --pod-ip 10.4.2.11 --pod-ip 10.4.2.12
	expect_json "$mode: healthy: CNI cilium, pods located" '.node.cni == "cilium" and ([.checks.pods.pods[].wiring] == ["cilium","cilium","cilium"])' "$DJ"
	shape_diag "$mode: healthy with --port" "" --pod-ip 10.4.2.10 --port $AP
	expect_json "$mode: the pod's own server is port-listening (info)" 'any(.findings[]; .id == "port-listening" and .severity == "info")' "$DJ"
	shape_diag "$mode: a port nothing listens on" "port-not-listening" --pod-ip 10.4.2.10 --port $((AP + 1))

	# broken: the pod's lxc veth down
	in_node ip link set "${POD_IF[c2]}" down
	shape_diag "$mode: lxc down" "link-down" --pod-ip 10.4.2.11
	expect_json "$mode: lxc down names the veth" "any(.findings[]; .id == \"link-down\" and (.message | contains(\"${POD_IF[c2]}\")))" "$DJ"
	in_node ip link set "${POD_IF[c2]}" up

	# an orphan sandbox: only the CNI's bind mount holds the netns
	sandbox_orphan c3 "var/run/netns/cni-$mode-$$"
	expect_rc "$mode: orphan: locate exit 0 (warn)" 0 nr --json locate 10.4.2.12
	j=$OUT
	expect_json "$mode: orphan: found through the bind mount" ".wiring == \"cilium\" and .host_interface == \"${POD_IF[c3]}\" and .netns != null and .pids == [] and .sandbox_empty == true" "$j"
	expect_eq "$mode: orphan: netns path is the CNI's mount" "$(jq -r .netns_path <<<"$j")" "$HR/var/run/netns/cni-$mode-$$"
	expect_eq "$mode: orphan: netns inode = the mount's" "$(jq -r .netns <<<"$j")" "$(stat -L -c %i "$HR/var/run/netns/cni-$mode-$$")"
	expect_json "$mode: orphan: the dead sandbox's pod from containerd's config" ".sandbox_pod == \"default/c3\" and .pod_uid == \"${POD_UID[c3]}\"" "$j"
	expect_json "$mode: orphan: pod-sandbox-empty warn" '[.findings[] | select(.id == "pod-sandbox-empty" and .severity == "warn")] | length == 1' "$j"
	shape_diag "$mode: orphan" "" --pod-ip 10.4.2.12
	expect_finding_dj pod-sandbox-empty warn "$mode: orphan"
	node_umounts
	node_down
	T_TMP=$(mktemp -d /tmp/nrtest.XXXXXX)
}
expect_finding_dj() { expect_json "$3: finding $1 ($2)" "any(.findings[]; .id == \"$1\" and .severity == \"$2\")" "$DJ"; }

shape native
shape vxlan
# the overlay's remote CIDR also goes to cilium_host: not on this node
node_up
node_cilium 10.4.2.1 10.4.2.0/24 vxlan
expect_eq "vxlan: cilium_vxlan is flow-based (shape)" "$(in_node ip -j -d link show cilium_vxlan | jq -r '.[0].linkinfo.info_data.external')" true
expect_rc "vxlan: remote pod: exit 1" 1 nr --json locate 10.4.9.5
expect_json "vxlan: remote pod: pod-not-found names Cilium's datapath" '.findings[0].id == "pod-not-found" and (.findings[0].message | test("cilium_host"))' "$OUT"
