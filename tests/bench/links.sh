#!/usr/bin/env bash
# links + locate for every pod of a 110-pod simulated node (55 bridged on cbr0, 55 routed),
# against what a user runs otherwise: `ip -j address` plus `ip route get` per pod, measured in
# the same run. Also peak RSS (constant memory: locate of 1 IP vs 110 IPs).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends time >/dev/null
ROUNDS=${ROUNDS:-5}

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
IPS=()
for i in $(seq 1 55); do pod_bridged "b$i" "10.4.0.$((i + 1))"; IPS+=("10.4.0.$((i + 1))"); done
for i in $(seq 1 55); do pod_routed "r$i" "10.4.1.$((i + 1))"; IPS+=("10.4.1.$((i + 1))"); done
# the node has talked to every pod (neighbour + FDB entries), as on a live node
in_node sh -c 'for ip in "$@"; do ping -c1 -W1 -q "$ip" >/dev/null 2>&1 & done; wait' sh "${IPS[@]}"

now() { date +%s%N; }
ms() { echo "scale=1; $1 / 1000000" | bc; }

ours() { nr --json links >/dev/null && printf '%s\n' "${IPS[@]}" | nr --json locate - >/dev/null; }
ours_each() { nr --json links >/dev/null; for ip in "${IPS[@]}"; do nr --json locate "$ip" >/dev/null; done; }
theirs() { in_node ip -j address >/dev/null; for ip in "${IPS[@]}"; do in_node ip -j route get "$ip" >/dev/null; done; }
# `ip -j route get` inside one netns exec per call is what a user types; a fairer floor keeps
# one netns exec for the whole loop:
theirs_one_ns() { in_node sh -c 'ip -j address >/dev/null; for ip in "$@"; do ip -j route get "$ip" >/dev/null; done' sh "${IPS[@]}"; }

ours >/dev/null; theirs >/dev/null    # warm caches
t0=$(now); for _ in $(seq "$ROUNDS"); do ours; done; t1=$(now)
for _ in $(seq "$ROUNDS"); do theirs; done; t2=$(now)
for _ in $(seq "$ROUNDS"); do theirs_one_ns; done; t3=$(now)
[ "${EACH:-1}" = 1 ] && ours_each; t4=$(now)
a=$(( (t1 - t0) / ROUNDS )); b=$(( (t2 - t1) / ROUNDS )); c=$(( (t3 - t2) / ROUNDS )); d=$(( t4 - t3 ))
echo "bench links: 110 pods: netrescue links + locate - (110 IPs, one run) $(ms $a) ms; ip -j address + 110x ip route get $(ms $b) ms (one netns exec for all: $(ms $c) ms)"
echo "bench links: ratio ip/netrescue = $(echo "scale=1; $b / $a" | bc)x (vs one-netns ip loop: $(echo "scale=1; $c / $a" | bc)x)"
echo "bench links: netrescue links + 110 separate locate runs: $(ms $d) ms ($(echo "scale=1; $b / $d" | bc)x vs ip)"
rss() { in_node /usr/bin/time -v "$NR" --host-root "$HR" "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
r1=$(rss --json locate "${IPS[0]}"); r110=$(printf '%s\n' "${IPS[@]}" | rss --json locate -); rl=$(rss --json links)
ri=$(in_node /usr/bin/time -v ip -j address 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
echo "bench links: this machine runs $(ls /proc | grep -c '^[0-9]') processes (netrescue reads each one's netns once per run)"
echo "bench links: peak RSS KiB: locate 1 IP $r1, locate 110 IPs $r110, links $rl; ip -j address $ri"
