#!/usr/bin/env bash
# port and sockets on a busy node: 110 pod netns, ~5,000 processes, ~50,000 TCP sockets (each
# netns: one python holding 5 listeners and 225 loopback connections, plus 44 idle children).
# Against what an operator runs by hand: `ss -tanp` in every netns (ip netns exec) plus
# `ps -eo pid,ppid,stat,wchan,netns,comm,args,cgroup`. Everything lives in namespaces made here
# and is removed on exit.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
NS_N=${NS_N:-110} KIDS=${KIDS:-44} CONNS=${CONNS:-225}
P=nrb$$
PIDS=()
W=$(mktemp -d /tmp/nrbench.XXXXXX)
[ -x /usr/bin/time ] || { apt-get install -y -q time >/dev/null 2>&1 || { echo "bench port: needs /usr/bin/time (apt package time)"; exit 1; }; }

cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill -- -"$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for i in $(seq 1 "$NS_N"); do ip netns del "$P-$i" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$W/pod.py" <<'EOF'
import os, signal, socket, sys
kids, conns, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.setpgid(0, 0)
# Children first, so they hold no sockets (a pod's idle workers).
for _ in range(kids):
    if os.fork() == 0:
        signal.pause()
        os._exit(0)
ls = []
for port in range(8080, 8085):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1024); ls.append(s)
keep = []
for i in range(conns):
    c = socket.create_connection(("127.0.0.1", 8080)); keep.append(c); keep.append(ls[0].accept()[0])
open(ready, "w").close()
signal.pause()
EOF

t0=$(date +%s.%N)
for i in $(seq 1 "$NS_N"); do
	ip netns add "$P-$i" && ip -n "$P-$i" link set lo up
	ip netns exec "$P-$i" python3 "$W/pod.py" "$KIDS" "$CONNS" "$W/ready.$i" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
done
for s in $(seq 1 600); do [ "$(ls "$W" | grep -c '^ready\.')" -ge "$NS_N" ] && break; sleep 0.1; done
t1=$(date +%s.%N)
nproc_=$(ps -e --no-headers | wc -l)
nsock=$(for i in $(seq 1 "$NS_N"); do ip netns exec "$P-$i" ss -Htan; done | wc -l)
echo "bench port: node of $NS_N pod netns, $nproc_ processes, $nsock TCP sockets (set up in $(python3 -c "print(round($t1-$t0,1))")s)"

secs() { python3 -c "print(round($2 - $1, 3))"; }
wall() { # runs "$@" once, prints the wall time in seconds
	local s e
	s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
	secs "$s" "$e"
}
best() { # best of 3
	local b=999 d r
	for r in 1 2 3; do d=$(wall "$@"); b=$(python3 -c "print(min($b, $d))"); done
	echo "$b"
}
# `ss -p` reads every process's fd table for each netns, so by hand costs the same per netns:
# time SAMPLE of them and scale to NS_N (keeps the bench within its two minutes).
SAMPLE=${SAMPLE:-10}
by_hand_sample() { local i; for i in $(seq 1 "$SAMPLE"); do ip netns exec "$P-$i" ss -tanp; done; }
by_hand_ps() { ps -eo pid,ppid,stat,wchan,netns,comm,args,cgroup; }
by_hand_one() { ip netns exec "$P-1" ss -tanp; }
nr_port() { "$NR" port 8080; }
nr_sockets_all() { local p; for p in "${PIDS[@]}"; do "$NR" sockets --pid "$p"; done; }
nr_sockets_one() { "$NR" sockets --pid "${PIDS[0]}"; }

# Sanity: both see the same listeners on 8080.
want=$(for i in $(seq 1 "$NS_N"); do ip netns exec "$P-$i" ss -Htln 'sport = :8080'; done | wc -l)
# (only our pods: other netns on this machine may listen on 8080 too)
got=$("$NR" --json port 8080 2>/dev/null | jq --argjson mine "[$(IFS=,; echo "${PIDS[*]}")]" '[.holders[] | select(.pid as $p | $mine | index($p))] | length')
echo "bench port: listeners on 8080: ss $want, netrescue $got"

h_sample=$(wall by_hand_sample)
h_ps=$(wall by_hand_ps)
h_all=$(python3 -c "print(round($h_sample * $NS_N / $SAMPLE + $h_ps, 2))")
n_port=$(best nr_port)
n_sock=$(wall nr_sockets_all)
h_one=$(python3 -c "print(round($h_sample / $SAMPLE, 3))")
n_one=$(best nr_sockets_one)
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
r_port=$(rss "$NR" port 8080)
r_sock=$(rss "$NR" sockets --pid "${PIDS[0]}")
r_ss=$(rss ip netns exec "$P-1" ss -tanp)
r_ps=$(rss ps -eo pid,ppid,stat,wchan,netns,comm,args,cgroup)
ratio() { python3 -c "print(round($1 / max($2, 0.0005), 1))"; }
echo "bench port: by hand: ss -tanp in $SAMPLE netns ${h_sample}s (scaled to $NS_N), ps -eo ... ${h_ps}s: ${h_all}s"
echo "bench port: netrescue port 8080 (all $NS_N netns, owners, verdicts): ${n_port}s -> $(ratio "$h_all" "$n_port")x faster, peak RSS ${r_port} KiB"
echo "bench port: netrescue sockets --pid, once per netns ($NS_N runs): ${n_sock}s -> $(ratio "$h_all" "$n_sock")x faster"
echo "bench port: one netns: ss -tanp ${h_one}s vs netrescue sockets ${n_one}s -> $(ratio "$h_one" "$n_one")x; peak RSS netrescue ${r_sock} KiB, ss ${r_ss} KiB, ps ${r_ps} KiB"
goal_rss=$((16 * 1024))
[ "${r_port:-99999}" -lt $goal_rss ] && [ "${r_sock:-99999}" -lt $goal_rss ] && echo "bench port: RSS goal (<16 MiB) met" || echo "bench port: RSS goal (<16 MiB) MISSED"
python3 -c "import sys; sys.exit(0 if $h_all / max($n_port, 0.0005) >= 5 and $h_all / max($n_sock, 0.0005) >= 5 else 1)" && echo "bench port: speed goal (>=5x) met" || echo "bench port: speed goal (>=5x) MISSED"
