#!/usr/bin/env bash
# mtu: on a simulated node (bridged and routed pods behind a 1460 uplink), values agree with
# `ip -j link`/`ip -j route`; a healthy node is not flagged; a pod at 1500 (both sides, or only
# inside the pod) and a VXLAN device without reduction are; the uplink is found by the default
# route whatever its name.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2
pod_bridged b 10.4.0.3
pod_routed c 10.4.1.2
pod_routed d 10.4.1.3
pod_routed e 10.4.1.4 "" systemd   # systemd cgroup driver: UID written with '_' in the cgroup

lmtu() { ip -n "$1" -j link show "$2" | jq '.[0].mtu'; }
ino() { readlink "/proc/$1/ns/net" | tr -dc 0-9; }

# --- a healthy node ---
expect_rc "healthy node: exit 0" 0 nr --json mtu
J=$OUT
expect_json "common fields" '.tool == "netrescue" and .command == "mtu"' "$J"
expect_eq "uplink = default route's device" "$(jq -r .uplink.name <<<"$J")" "$(ip -n "$NODE" -j route show default | jq -r '.[0].dev')"
expect_eq "uplink MTU agrees with ip link" "$(jq .uplink.mtu <<<"$J")" "$(lmtu "$NODE" eth0)"
expect_json "no overlay, pods may use the uplink MTU" '.overlays == [] and .pod_max_mtu == 1460' "$J"
expect_json "no findings" '.findings == []' "$J"
expect_json "uplink is not a pod interface" '[.interfaces[] | select(.name == "eth0")] == []' "$J"
expect_json "cbr0 listed as the pod bridge" '.interfaces[] | select(.name == "cbr0") | .role == "bridge" and .mtu == 1460' "$J"
expect_json "five pod interfaces" '[.interfaces[] | select(.role == "pod")] | length == 5' "$J"
for p in a b c d e; do
	hv=${POD_IF[$p]}
	q=".interfaces[] | select(.name == \"$hv\")"
	expect_eq "pod $p: host-side MTU agrees with ip link" "$(jq "$q | .mtu" <<<"$J")" "$(lmtu "$NODE" "$hv")"
	expect_eq "pod $p: pod-side MTU agrees with ip link in the pod" "$(jq "$q | .pod_mtu" <<<"$J")" "$(lmtu "${POD_NS[$p]}" eth0)"
	expect_eq "pod $p: pod UID" "$(jq -r "$q | .pod_uid" <<<"$J")" "${POD_UID[$p]}"
	expect_eq "pod $p: netns inode" "$(jq -r "$q | .netns" <<<"$J")" "$(ino "${POD_PIDS[$p]}")"
	expect_eq "pod $p: pod-side name" "$(jq -r "$q | .pod_ifname" <<<"$J")" eth0
done
expect_rc "human form" 0 nr mtu
expect_match "human form: uplink line" '^uplink +eth0 mtu 1460; a pod can use at most 1460' "$OUT"
expect_match "human form: a pod row" "^${POD_IF[c]} +pod +1460 +eth0 +1460 +${POD_UID[c]}" "$OUT"

# --- a pod at 1500 behind the 1460 uplink ---
in_node ip link set "${POD_IF[c]}" mtu 1500
in_pod c ip link set eth0 mtu 1500
in_pod d ip link set eth0 mtu 1500   # only the pod side
expect_rc "pods at 1500: exit 1" 1 nr --json mtu
J=$OUT
expect_json "two mtu-mismatch findings" '[.findings[] | select(.id == "mtu-mismatch" and .severity == "fail")] | length == 2' "$J"
pc=${POD_PIDS[c]}
expect_json "pod c: both sides in the fix, one command a line" '.findings[] | select(.subject == "'"${POD_IF[c]}"'") | (.fix == "ip link set dev '"${POD_IF[c]}"' mtu 1460\nnsenter -t '"$pc"' -n ip link set dev eth0 mtu 1460")' "$J"
expect_json "pod c: the CNI config is advice, not part of the fix" '.findings[] | select(.subject == "'"${POD_IF[c]}"'") | (.advice | test("\"mtu\": 1460"))' "$J"
expect_json "pod c: message has UID and values" '.findings[] | select(.subject == "'"${POD_IF[c]}"'") | .message | test("'"${POD_UID[c]}"'.*MTU 1500.*MTU 1500.*carries 1460")' "$J"
expect_json "pod d: only the pod side to mend" '.findings[] | select(.subject == "'"${POD_IF[d]}"'") | (.fix | startswith("nsenter -t '"${POD_PIDS[d]}"' -n ip link set dev eth0 mtu 1460"))' "$J"
expect_eq "pod c: reported pod MTU agrees with ip link" "$(jq ".interfaces[] | select(.name == \"${POD_IF[c]}\") | .pod_mtu" <<<"$J")" "$(lmtu "${POD_NS[c]}" eth0)"
expect_rc "human form of the finding" 1 nr mtu
expect_match "FAIL line" "^FAIL mtu-mismatch  ${POD_IF[c]}: " "$OUT"
expect_match "fix line" "^     fix: ip link set dev ${POD_IF[c]} mtu 1460$" "$OUT"
expect_match "fix line: the pod side on its own line" "^     fix: nsenter -t $pc -n ip link set dev eth0 mtu 1460$" "$OUT"
expect_match "advice line" '^     advice: .*"mtu": 1460' "$OUT"
# The fix lines run as printed (in the node's netns) and mend both pods.
FIXES=$(sed -n 's/^     fix: //p' <<<"$OUT")
if sh -n -c "$FIXES"; then ok "fix lines: sh -n accepts them"; else fail "fix lines: sh -n" "$FIXES"; fi
in_node sh -ec "$FIXES" && ok "fix lines: ran in the node" || fail "fix lines: ran in the node" "$FIXES"
expect_eq "fix lines: host side of c now 1460 (ip -j)" "$(in_node ip -j link show "${POD_IF[c]}" | jq '.[0].mtu')" 1460
expect_eq "fix lines: pod side of c now 1460 (ip -j)" "$(lmtu "${POD_NS[c]}" eth0)" 1460
expect_eq "fix lines: pod side of d now 1460 (ip -j)" "$(lmtu "${POD_NS[d]}" eth0)" 1460
expect_rc "mended: exit 0 again" 0 nr --json mtu
expect_json "mended: no findings" '.findings == []' "$OUT"

# --- an overlay without reduction: VXLAN (Flannel's flannel.1) at the uplink's MTU ---
in_node ip link add flannel.1 type vxlan id 1 dstport 8472
in_node ip link set flannel.1 mtu 1460
expect_rc "vxlan without reduction: exit 1" 1 nr --json mtu
J=$OUT
expect_json "overlay listed with its overhead" '.overlays == [{"name":"flannel.1","kind":"vxlan","mtu":1460,"overhead":50,"flow_based":false,"max_mtu":1410}] and .pod_max_mtu == 1410' "$J"
expect_json "the vxlan device is flagged with its fix" '.findings[] | select(.subject == "flannel.1") | .severity == "fail" and .fix == "ip link set dev flannel.1 mtu 1410"' "$J"
expect_json "pods at 1460 do not fit through it either" '[.findings[] | select(.subject == "'"${POD_IF[a]}"'")] | length == 1' "$J"
# a consistent overlay node: everything at 1410
in_node ip link set flannel.1 mtu 1410
for p in a b c d e; do in_node ip link set "${POD_IF[$p]}" mtu 1410; in_pod "$p" ip link set eth0 mtu 1410; done
in_node ip link set cbr0 mtu 1410
expect_rc "overlay node at 1410: exit 0" 0 nr --json mtu
expect_json "overlay node at 1410: no findings" '.findings == [] and .pod_max_mtu == 1410' "$OUT"
in_node ip link del flannel.1
# Cilium's flow-based cilium_vxlan takes its MTU from routes: its device MTU is not judged, and
# (issue 13) neither does it lower the pods' device MTU: cilium-cni gives the pod's eth0 the
# device MTU and puts the tunnel overhead into the pod's route MTU.
in_node ip link add cilium_vxlan type vxlan external dstport 8472
expect_rc "flow-based vxlan: pods at 1410 fit, exit 0" 0 nr --json mtu
expect_json "flow-based device listed, not flagged" '(.overlays[0] | .name == "cilium_vxlan" and .flow_based == true and .mtu == 1500) and .findings == [] and .pod_max_mtu == 1460' "$OUT"
in_node ip link del cilium_vxlan

# --- the uplink is whatever carries the default route ---
in_node ip link set eth0 down
in_node ip link set eth0 name ens4
in_node ip link set ens4 up
in_node ip route add default via 10.128.0.1 dev ens4
expect_rc "renamed uplink" 0 nr --json mtu
expect_json "uplink found by the default route" '.uplink.name == "ens4" and .uplink.mtu == 1460' "$OUT"
in_node ip route del default
expect_rc "no default route: exit 0" 0 nr --json mtu
expect_json "no default route: uplink null, nothing guessed" '.uplink == null and .pod_max_mtu == null and .findings == []' "$OUT"
in_node ip route add default via 10.128.0.1 dev ens4

# --- without root: the pod side is named unknown, nothing guessed ---
expect_rc "without root: exit 0" 0 in_node setpriv --reuid=65534 --regid=65534 --clear-groups "$NR" --json mtu
expect_json "without root: pod side unknown, with the reason" '[.interfaces[] | select(.role == "pod") | select(.pod_mtu == null and (.pod_side_unknown | type) == "string")] | length == 5' "$OUT"

# --- bad input ---
expect_one_line_error "argument given" 2 "takes no arguments" nr mtu eth0
expect_one_line_error "unknown option" 2 "unknown option" nr mtu --nope
expect_rc "mtu --help" 0 "$NR" mtu --help
expect_match "help has an example" 'netrescue --json mtu' "$OUT"
