#!/usr/bin/env bash
# drops under a drop flood: COUNT small UDP datagrams from netns A into an iptables DROP rule
# in netns B, (1) alone, (2) while `netrescue drops` watches, (3) while `perf record -e
# skb:kfree_skb -a` records (tracefs mounted in a private mount namespace). Prints the flood's
# throughput with each watcher relative to alone, each watcher's CPU time per million drops,
# and whether netrescue counted every drop of the flood (its own flow only: drops are global).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
COUNT=${COUNT:-300000}
P=nrbd$$
W=$(mktemp -d /tmp/nrbench.XXXXXX)
[ -x /usr/bin/time ] || { echo "bench drops: needs /usr/bin/time (apt package time)"; exit 1; }

cleanup() {
	ip netns del "$P-a" 2>/dev/null
	ip netns del "$P-b" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$P-a" && ip netns add "$P-b"
ip -n "$P-a" link add veth0 type veth peer name veth0 netns "$P-b"
ip -n "$P-a" addr add 10.250.0.1/24 dev veth0
ip -n "$P-b" addr add 10.250.0.2/24 dev veth0
ip -n "$P-a" link set veth0 up
ip -n "$P-b" link set veth0 up
ip netns exec "$P-b" iptables -I INPUT -p udp --dport 9000 -j DROP
ip netns exec "$P-a" ping -c1 -W1 10.250.0.2 >/dev/null

# The flood: COUNT datagrams as fast as one python loop sends; prints its seconds.
flood() {
	ip netns exec "$P-a" python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
n=int(sys.argv[1]); d=("10.250.0.2",9000); b=b"x"*16
t=time.time()
for i in range(n): s.sendto(b,d)
print(time.time()-t)' "$COUNT"
}

cpu_of() { tail -1 "$1" | awk '{print $1 + $2}'; } # /usr/bin/time -f "%U %S" (after any signal line)

t0=$(flood)

# netrescue drops: start, wait until attached, flood, Ctrl-C (it still reports).
/usr/bin/time -f "%U %S" -o "$W/nr.time" "$NR" --json drops -d 600 >"$W/nr.json" 2>"$W/nr.err" &
NP=$!
for _ in $(seq 1 100); do grep -q watching "$W/nr.err" && break; sleep 0.1; done
t1=$(flood)
sleep 0.2
pkill -INT -P "$NP" -x netrescue 2>/dev/null || kill -INT "$(pgrep -P "$NP")" 2>/dev/null
wait "$NP"
counted=$(jq '[.reasons[] | select(.reason == "NETFILTER_DROP") | .flows[] | select(.dst == "10.250.0.2" and .dport == 9000) | .count] | add // 0' "$W/nr.json")
lost=$(jq .lost "$W/nr.json")
method=$(jq -r .method "$W/nr.json")

# perf record, the tool a person would reach for.
if command -v perf >/dev/null; then
	/usr/bin/time -f "%U %S" -o "$W/perf.time" unshare -m sh -c 'mount --make-rprivate / && mount -t tracefs nodev /sys/kernel/tracing && exec perf record -e skb:kfree_skb -a -o '"$W"'/perf.data' >"$W/perf.out" 2>&1 &
	PP=$!
	sleep 2
	t2=$(flood)
	sleep 0.2
	kill -INT $(pgrep -P "$PP") 2>/dev/null
	wait "$PP"
	wrote=$(grep -o 'wrote [0-9.]* MB' "$W/perf.out" | head -1)
	perf_cpu=$(cpu_of "$W/perf.time")
	perf_lost=$(grep -o 'lost [0-9]* chunks\|LOST [0-9]* events' "$W/perf.out" | head -1)
fi

nr_cpu=$(cpu_of "$W/nr.time")
per_m() { awk -v c="$1" -v n="$COUNT" 'BEGIN { printf "%.3f", c * 1000000 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "bench drops: flood of $COUNT UDP datagrams into a DROP rule: alone ${t0}s"
echo "bench drops: netrescue drops ($method): flood throughput $(ratio "$t0" "$t1")x of alone, netrescue CPU $(per_m "$nr_cpu") s per million drops, counted $counted of $COUNT, lost $lost (CPU includes start-up: BTF read, program load)"
if [ -n "${t2:-}" ]; then
	echo "bench drops: perf record -e skb:kfree_skb -a: flood throughput $(ratio "$t0" "$t2")x of alone, perf CPU $(per_m "$perf_cpu") s per million drops, ${wrote:-wrote ?} of samples (every drop, copied to user space) ${perf_lost:+($perf_lost)}"
fi
