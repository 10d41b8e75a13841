#!/usr/bin/env bash
# The foundation: the binary's shape, the CLI skeleton, and the simulated-node harness itself.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

# --- the binary ---
f=$(file "$NR")
expect_match "binary is a static x86-64 ELF" 'ELF 64-bit.*x86-64.*statically linked' "$f"
expect_match "binary is stripped" 'stripped' "$f"
expect_nomatch "no NEEDED entries" 'NEEDED' "$(readelf -d "$NR" 2>&1)"
expect_nomatch "no interpreter" 'INTERP' "$(readelf -l "$NR" 2>&1)"
size=$(stat -c %s "$NR")
if [ "$size" -lt 1572864 ]; then ok "binary under 1.5 MiB ($size bytes)"; else fail "binary size" "$size bytes"; fi

# --- CLI skeleton ---
expect_rc "version runs" 0 "$NR" version
expect_match "version names libpcap and BearSSL" 'libpcap version 1\.10\.3' "$OUT"
expect_match "version names BearSSL" 'BearSSL 0\.6' "$OUT"
expect_match "version names the commit" 'commit [0-9a-f]{12}|commit unknown' "$OUT"
expect_rc "version --json" 0 "$NR" --json version
expect_json "version JSON has the common fields" '.tool == "netrescue" and .command == "version" and (.version|type) == "string" and (.commit|type) == "string"' "$OUT"
expect_rc "--json anywhere" 0 "$NR" version --json
expect_json "--json after the command" '.command == "version"' "$OUT"
expect_one_line_error "unknown command" 2 "unknown command 'frobnicate'" "$NR" frobnicate
expect_one_line_error "unknown global option" 2 "unknown option '--bogus'" "$NR" --bogus version
expect_one_line_error "unknown command option" 2 "unknown option '--bogus'" "$NR" version --bogus
expect_rc "no command: usage, exit 2" 2 "$NR"
expect_rc "help" 0 "$NR" help
for c in diagnose locate links neigh bridge mtu conntrack ps sockets port kmsg capture upload version; do
	expect_match "help lists $c" "^  $c " "$OUT"
done
expect_rc "help COMMAND" 0 "$NR" help capture
expect_match "help COMMAND shows usage" '^usage: netrescue .*capture' "$OUT"
expect_rc "COMMAND --help" 0 "$NR" links --help
expect_match "COMMAND --help shows usage" '^usage: netrescue .*links' "$OUT"
expect_rc "help of unknown command" 2 "$NR" help nope

# --- --host-root must name a directory, before or after the command ---
expect_one_line_error "--host-root that does not exist" 2 "--host-root /nonexistent-nr: not a directory" "$NR" --host-root /nonexistent-nr version
expect_one_line_error "--host-root after the command" 2 "not a directory" "$NR" version --host-root /etc/passwd

# --- the simulated node: 110 pods (GKE's default max) up and down in under a minute ---
start=$(date +%s.%N)
node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
for i in $(seq 1 55); do pod_bridged "b$i" "10.4.0.$((i + 1))" "" "$([ $((i % 2)) = 0 ] && echo systemd || echo cgroupfs)"; done
for i in $(seq 1 55); do pod_routed "r$i" "10.4.1.$((i + 1))" "" "$([ $((i % 2)) = 0 ] && echo systemd || echo cgroupfs)"; done
up=$(date +%s.%N)
expect_eq "110 pod netns exist" "$(ip netns list | grep -c "^$T_ID-p-")" 110
expect_eq "node has 110 pod veths" "$(ip -n "$NODE" -j link show type veth | jq '[.[] | select(.ifname != "eth0")] | length')" 110
expect_eq "uplink MTU is 1460" "$(ip -n "$NODE" -j link show eth0 | jq '.[0].mtu')" 1460
expect_eq "default route via the uplink" "$(ip -n "$NODE" -j route show default | jq -r '.[0].dev')" eth0
# traffic stays inside the namespaces we made
expect_rc "bridged pod reaches its node" 0 ip netns exec "${POD_NS[b1]}" ping -c1 -W2 10.4.0.1
expect_rc "routed pod reached from the node" 0 ip netns exec "$NODE" ping -c1 -W2 "${POD_IP[r1]}"
expect_rc "pod reaches the VPC side through the node" 0 ip netns exec "${POD_NS[r2]}" ping -c1 -W2 10.128.0.1
p=${POD_PIDS[b1]}
expect_match "cgroupfs naming" "/kubepods/burstable/pod${POD_UID[b1]}/[0-9a-f]{64}$" "$(cat /proc/$p/cgroup)"
p=${POD_PIDS[b2]}
u=${POD_UID[b2]}
expect_match "systemd naming" "kubepods-burstable-pod${u//-/_}\.slice/cri-containerd-[0-9a-f]{64}\.scope$" "$(cat /proc/$p/cgroup)"
expect_eq "pause process named pause" "$(cat /proc/$p/comm)" pause
expect_eq "pause lives in the pod netns" "$(readlink /proc/$p/ns/net)" "$(ip netns exec "${POD_NS[b2]}" readlink /proc/self/ns/net)"
[ -f "$HR/run/containerd/io.containerd.runtime.v2.task/k8s.io/${POD_SANDBOX[b2]}/config.json" ] && ok "containerd task dir written" || fail "containerd task dir" "missing"
pod_proc b3 "$(new_cid)" -- socat TCP-LISTEN:8080,reuseaddr,fork /dev/null
wait_listen "${POD_NS[b3]}" 8080 && ok "a container listens in its pod netns" || fail "listener" "not listening"
node_down
end=$(date +%s.%N)
ok "110-pod node up in $(echo "$up - $start" | bc 2>/dev/null || python3 -c "print(round($up-$start,1))")s, down in $(python3 -c "print(round($end-$up,1))")s"
# Harness speed is reported above, not asserted: timings are the benchmarks' business.
expect_eq "no netns left behind" "$(ip netns list | grep -c "^$T_ID-" || true)" 0
left=$(find "$CG" -path "*${u}*" -o -path "*${u//-/_}*" 2>/dev/null | head -1)
expect_eq "no cgroups left behind" "$left" ""
[ -e "$HR" ] && fail "host-root removed" "$HR still exists" || ok "host-root removed"
