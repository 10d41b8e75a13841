#!/usr/bin/env bash
# kmsg, conntrack and mtu against what an operator runs by hand, measured in the same run:
#   kmsg       vs `dmesg -T` (whole buffer) and `dmesg -T | grep TEXT`
#   conntrack  vs `sysctl` of count/max/buckets + `cat /proc/net/stat/nf_conntrack` +
#              `dmesg -T | grep 'table full'` + MemTotal + `ip addr` (NodeLocal DNSCache) +
#              gc_thresh sysctls + `ip neigh` + `dmesg -T | grep 'table overflow'`
#   mtu        vs `ip -j link` + `ip route show default` + `ip -n POD -j link show eth0` per pod
# on a simulated node of $PODS pods (tests/lib/node.sh; everything removed on exit).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/harness.sh" >/dev/null
. "$ROOT/tests/lib/node.sh"
PODS=${PODS:-60}
[ -x /usr/bin/time ] || { apt-get install -y -q time >/dev/null 2>&1 || { echo "bench node_checks: needs /usr/bin/time (apt package time)"; exit 1; }; }

node_up >/dev/null 2>&1
node_cni ptp
for i in $(seq 1 "$PODS"); do pod_routed "p$i" "10.4.1.$((i + 1))" >/dev/null 2>&1; done
echo "bench node_checks: node of $PODS routed pods, kernel log of $(dmesg | wc -l) records"

# best REPS CMD...: the best of 5 samples of REPS back-to-back runs, in seconds per run
# (commands of a few ms need repetitions to rise above the timer's noise).
best() {
	local n=$1 b=999 s e r i
	shift
	for r in 1 2 3 4 5; do
		s=$(date +%s%N)
		for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
		e=$(date +%s%N)
		b=$(python3 -c "print(min($b, ($e - $s) / 1e9 / $n))")
	done
	printf '%.4f\n' "$b"
}
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
ratio() { python3 -c "print(round($1 / max($2, 0.0005), 1))"; }

# --- kmsg ---
h=$(best 20 dmesg -T); n=$(best 20 "$NR" kmsg)
hg=$(best 20 sh -c 'dmesg -T | grep -F "table full"'); ng=$(best 20 "$NR" kmsg --grep "table full")
echo "bench kmsg: dmesg -T ${h}s vs netrescue kmsg ${n}s -> $(ratio "$h" "$n")x; peak RSS netrescue $(rss "$NR" kmsg) KiB, dmesg $(rss dmesg -T) KiB"
echo "bench kmsg: dmesg -T | grep ${hg}s vs netrescue kmsg --grep ${ng}s -> $(ratio "$hg" "$ng")x"

# --- conntrack ---
ct_by_hand() {
	sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_buckets
	cat /proc/net/stat/nf_conntrack
	dmesg -T | grep -F 'nf_conntrack: table full'
	grep MemTotal /proc/meminfo
	ip -br addr show | grep -E 'nodelocaldns|169\.254\.20\.10'
	# the neighbour table, which `netrescue conntrack` reports too
	sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 net.ipv4.neigh.default.gc_thresh3
	ip -4 neigh show | wc -l
	ip -6 neigh show | wc -l
	dmesg -T | grep -iE 'neighbou?r table overflow'
}
h=$(best 20 ct_by_hand); n=$(best 20 "$NR" conntrack)
echo "bench conntrack: sysctl + cat + ip + dmesg | grep (x2) ${h}s vs netrescue conntrack ${n}s -> $(ratio "$h" "$n")x; peak RSS $(rss "$NR" conntrack) KiB"

# --- mtu ---
mtu_by_hand() {
	local p
	ip -n "$NODE" -j link show
	ip -n "$NODE" route show default
	for p in "${!POD_NS[@]}"; do ip -n "${POD_NS[$p]}" -j link show eth0; done
}
h=$(best 1 mtu_by_hand); n=$(best 1 ip netns exec "$NODE" "$NR" mtu)
want=$PODS
got=$(ip netns exec "$NODE" "$NR" --json mtu | jq '[.interfaces[] | select(.pod_mtu != null)] | length')
echo "bench mtu: pod sides read: netrescue $got of $want"
echo "bench mtu: ip link + ip -n POD link x $PODS ${h}s vs netrescue mtu ${n}s -> $(ratio "$h" "$n")x; peak RSS $(rss ip netns exec "$NODE" "$NR" mtu) KiB"
