#!/usr/bin/env bash
# links and neigh against `ip -j` on the same simulated node; veth peers against the pods'
# netns; CNI detection; odd interface names; pod namespaces vanishing while links runs.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged b1 10.4.0.2
pod_bridged b2 10.4.0.3
pod_routed r1 10.4.1.2
pod_routed r2 10.4.1.3
in_node ip link add lv0 type veth peer name lv1          # a veth pair inside the node netns
in_node ip addr add fd00:4::1/64 dev cbr0 nodad
in_node ping -c1 -W2 10.4.0.2 >/dev/null
in_node ping -c1 -W2 10.4.1.2 >/dev/null

# --- links vs ip -j -d link / ip -j addr ---
expect_rc "links --json" 0 nr --json links
J=$OUT
expect_json "links: common fields" '.tool == "netrescue" and .command == "links" and (.links | length) > 5' "$J"
ours=$(jq -c '[.links[] | select(.name | test("^[a-z0-9.]+$")) | {name, ifindex, mtu, state, kind: (if .kind == "loopback" then null else .kind end), master, mac}] | sort_by(.ifindex)' <<<"$J")
theirs=$(in_node ip -j -d link show | jq -c --argjson m "$(in_node ip -j link show | jq -c 'map({(.ifindex|tostring): .ifname}) | add')" \
	'[.[] | select(.ifname | test("^[a-z0-9.]+$")) | {name: .ifname, ifindex, mtu, state: .operstate, kind: (.linkinfo.info_kind // null), master: (.master // null), mac: .address}] | sort_by(.ifindex)')
expect_eq "links = ip -j -d link (name, ifindex, mtu, state, kind, master, mac)" "$ours" "$theirs"
ours=$(jq -c '[.links[] | select(.name | test("^[a-z0-9.]+$")) | {name, a: (.addresses | sort)}] | sort_by(.name)' <<<"$J")
theirs=$(in_node ip -j addr show | jq -c '[.[] | select(.ifname | test("^[a-z0-9.]+$")) | {name: .ifname, a: ([.addr_info[] | "\(.local)/\(.prefixlen)"] | sort)}] | sort_by(.name)')
expect_eq "addresses = ip -j addr" "$ours" "$theirs"
expect_json "flags like ip" "(.links[] | select(.name == \"cbr0\") | .flags) == $(in_node ip -j link show cbr0 | jq -c '[.[0].flags[] | select(. == "BROADCAST" or . == "MULTICAST" or . == "UP" or . == "LOWER_UP")]')" "$J"
for n in b1 b2 r1 r2; do
	pino=$(stat -L -c %i "/proc/${POD_PIDS[$n]}/ns/net")
	pidx=$(in_pod "$n" ip -j link show eth0 | jq '.[0].ifindex')
	expect_json "peer of ${POD_IF[$n]} is eth0 in pod $n's netns" ".links[] | select(.name == \"${POD_IF[$n]}\") | .peer.netns == $pino and .peer.ifindex == $pidx and .kind == \"veth\"" "$J"
done
expect_json "bridged port has master cbr0" ".links[] | select(.name == \"${POD_IF[b1]}\") | .master == \"cbr0\"" "$J"
expect_json "same-netns veth pair: peer in this netns" '(.links[] | select(.name == "lv0") | .peer.netns) == .netns' "$J"
expect_json "uplink peer netns (no process in it) is null" '.links[] | select(.name == "eth0") | .peer.netns == null and .peer.netnsid != null' "$J"
expect_json "self netns" ".netns == $(in_node stat -L -c %i /proc/self/ns/net)" "$J"
# an interface name with a control byte and invalid UTF-8 (`ip -j` itself then prints invalid JSON)
ODD=$'a\x01b\xff'
in_node ip link add "$ODD" type bridge
expect_rc "links --json with an odd name" 0 nr --json links
J=$OUT
expect_json "odd name stays valid JSON, escaped like the text" '[.links[] | select(.name == "a\u0001b\\xff")] | length == 1' "$J"

expect_rc "links text" 0 nr links
expect_match "text: header" '^NAME +STATE +MTU +KIND +MASTER +MAC +PEER +ADDRESSES$' "$OUT"
expect_match "text: cbr0 line" '^cbr0 +UP +1460 +bridge +- +([0-9a-f]{2}:){5}[0-9a-f]{2} +- +10\.4\.0\.1/24 fd00:4::1/64' "$OUT"
expect_match "text: routed veth with peer netns" "^${POD_IF[r1]} +UP +1460 +veth +- +\S+ +if[0-9]+@net:\[[0-9]+\]" "$OUT"
expect_match "text: odd name escaped" '^a\\x01b\\xff ' "$OUT"
expect_nomatch "text: no raw control byte" $'\x01' "$OUT"

expect_rc "links IFACE" 0 nr --json links cbr0
expect_json "links IFACE: only that one" '(.links | length) == 1 and .links[0].name == "cbr0" and (.links[0].addresses | index("10.4.0.1/24")) != null' "$OUT"
expect_one_line_error "links: missing interface" 3 "links: nosuch0: no such interface" nr links nosuch0
expect_one_line_error "links: name too long" 3 "no such interface" nr links abcdefghijklmnopqrstuvwxyz
expect_one_line_error "links: two names" 2 "at most one" nr links a b
expect_rc "links --help" 0 nr links --help
expect_match "links help example" 'netrescue links cbr0' "$OUT"

# --- CNI detection, from files (discovered, not named) and from interfaces ---
expect_json "cni: kubenet from net.d" '.cni.name == "kubenet" and (.cni.evidence | test("10-kubenet.conf"))' "$J"
for c in calico cilium flannel weave ptp; do
	rm -f "$HR"/etc/cni/net.d/*
	node_cni "$c"
	want=$c; [ "$c" = ptp ] && want=gke-ptp
	expect_json "cni: $want from net.d" ".cni.name == \"$want\"" "$(nr --json links)"
done
rm -f "$HR"/etc/cni/net.d/*
echo '{"cniVersion":"0.3.1","name":"x","plugins":[{"type":"calico"}]}' >"$HR/etc/cni/net.d/99-z.conflist"
echo '{"cniVersion":"0.3.1","name":"y","type":"cilium-cni"}' >"$HR/etc/cni/net.d/05-a.conf"
expect_json "cni: the lexically first file wins" '.cni.name == "cilium"' "$(nr --json links)"
rm -f "$HR"/etc/cni/net.d/*
expect_json "cni: no file, cbr0 says kubenet" '.cni.name == "kubenet" and (.cni.evidence | test("interfaces"))' "$(nr --json links)"
node_cni kubenet

# --- neigh vs ip -j neigh / bridge -j fdb ---
expect_rc "neigh --json" 0 nr --json neigh
expect_json "neigh --json: a whole document, error null when every dump completed" '.error == null and (.neighbours | type) == "array" and (.fdb | type) == "array"' "$OUT"
J=$OUT
ours=$(jq -c '[.neighbours[] | {ip, dev, mac}] | sort_by(.ip, .dev)' <<<"$J")
theirs=$(in_node ip -j neigh show | jq -c '[.[] | {ip: .dst, dev, mac: (.lladdr // null)}] | sort_by(.ip, .dev)')
expect_eq "neighbours = ip -j neigh" "$ours" "$theirs"
expect_json "neigh: pod b1 learned" ".neighbours[] | select(.ip == \"10.4.0.2\") | .dev == \"cbr0\" and .mac == \"$(in_pod b1 cat /sys/class/net/eth0/address)\" and (.state | test(\"REACHABLE|STALE|DELAY|PROBE\"))" "$J"
ours=$(jq -c '[.fdb[] | select(.state == "learned") | {mac, dev}] | sort_by(.mac)' <<<"$J")
theirs=$(in_node bridge -j fdb show br cbr0 | jq -c '[.[] | select((.state // "") != "permanent" and .master == "cbr0") | {mac, dev: .ifname}] | sort_by(.mac)')
expect_eq "learned MACs = bridge -j fdb" "$ours" "$theirs"
expect_json "fdb: b1's MAC on its port" ".fdb[] | select(.mac == \"$(in_pod b1 cat /sys/class/net/eth0/address)\") | .dev == \"${POD_IF[b1]}\" and .bridge == \"cbr0\"" "$J"
expect_json "neigh --all adds NOARP entries" '[.neighbours[] | select(.state == "NOARP")] | length > 0' "$(nr --json neigh --all)"
expect_json "neigh: NOARP hidden by default" '[.neighbours[] | select(.state == "NOARP")] | length == 0' "$J"
expect_rc "neigh IFACE" 0 nr --json neigh "${POD_IF[r1]}"
expect_json "neigh IFACE: only that device" "(.neighbours | length) >= 1 and ([.neighbours[] | select(.dev != \"${POD_IF[r1]}\")] | length) == 0" "$OUT"
# a neighbour missing: flush it, it is gone from both views
in_node ip neigh flush dev cbr0
expect_json "neigh: flushed entry gone" '[.neighbours[] | select(.ip == "10.4.0.2" and .state != "FAILED")] | length == 0' "$(nr --json neigh)"
expect_rc "neigh text" 0 nr neigh
expect_match "neigh text header" '^IP +DEV +MAC +STATE$' "$OUT"
expect_match "neigh text FDB" '^MAC +PORT +BRIDGE +STATE +VLAN$' "$OUT"
expect_one_line_error "neigh: missing interface" 3 "neigh: nosuch0: no such interface" nr neigh nosuch0
expect_one_line_error "neigh: unknown option" 2 "unknown option" nr neigh --bogus

# --- pod namespaces vanishing while links runs ---
for i in $(seq 1 12); do pod_routed "v$i" "10.4.3.$i"; done
(
	for i in $(seq 1 12); do
		kill -9 "${POD_PIDS[v$i]}" 2>/dev/null
		ip netns del "${POD_NS[v$i]}" 2>/dev/null
		sleep 0.05
	done
) &
killer=$!
bad=0
for i in $(seq 1 25); do
	o=$(nr --json links 2>"$T_TMP/vanish.err"); rc=$?
	if [ $rc != 0 ] || ! jq -e '.links | length > 0' <<<"$o" >/dev/null; then bad=$((bad + 1)); cat "$T_TMP/vanish.err"; fi
done
wait $killer
expect_eq "links while pod netns vanish: always exit 0 with valid JSON" "$bad" 0
