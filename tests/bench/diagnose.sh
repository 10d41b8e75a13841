#!/usr/bin/env bash
# diagnose on a node with 110 pods, 5,000 processes and 50,000 sockets, against gathering the
# same facts by hand in the same run: ip (links, addresses, routes, neighbours, FDB, route get
# per asked pod), ps, ss -tuan in every netns plus one pass over /proc/*/fd for the owners
# (ss -p per netns rescans every fd of every process: minutes on this node), cat of the conntrack counters and CNI
# config, dmesg | grep. Prints wall-time ratio and peak RSS of each. Goal: < 1 s, < 32 MiB.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/node.sh"
PODS=${BENCH_PODS:-110}
PROCS=${BENCH_PROCS:-5000}
SOCKS=${BENCH_SOCKS:-50000}
RUNS=${BENCH_RUNS:-3}

# Everything this bench starts lives in its pods' container cgroups (cgroup.kill ends each) or
# is one of the socket holders below; node_down removes the rest.
HOLDERS=()
bench_down() {
	local c p
	exec 2>/dev/null # bash's "Killed" notices for the jobs ended here
	for p in "${HOLDERS[@]}"; do kill -9 "$p" 2>/dev/null; done
	# Only this bench's container cgroups (pod<UID>/<CID>, *.scope): never a shared parent.
	for c in "${T_CGROUPS[@]}"; do
		[[ "$c" =~ /pod[0-9a-f-]{36}/[0-9a-f]{64}$ || "$c" =~ \.scope$ ]] || continue
		[ -f "$c/cgroup.kill" ] && echo 1 >"$c/cgroup.kill"
	done
	sleep 0.2
	node_down
}
node_up
trap bench_down EXIT

t0=$(date +%s)
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
half=$((PODS / 2))
for i in $(seq 1 "$half"); do pod_bridged "b$i" "10.4.0.$((i + 1))"; done
for i in $(seq 1 $((PODS - half))); do pod_routed "r$i" "10.4.1.$((i + 1))"; done
# Processes: each pod gets a container whose shell forks sleepers (the pause processes count).
per=$(((PROCS - PODS) / PODS))
for n in "${!POD_NS[@]}"; do
	pod_proc "$n" "$(new_cid)" -- bash -c "for i in \$(seq $per); do sleep 3600 & done; wait"
done
# Sockets: a few holder processes, each entering pod netns (setns through ctypes) and opening
# TCP listeners and bound UDP sockets there; the sockets stay in the netns they were made in.
cat >"$T_TMP/socks.py" <<'EOF'
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
per = int(sys.argv[1]); keep = []
for ns in sys.argv[2:]:
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0: sys.exit('setns failed')
    os.close(fd)
    for i in range(per):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if i % 2 == 0 else socket.SOCK_DGRAM)
        s.bind(('0.0.0.0', 20000 + i))
        if i % 2 == 0: s.listen(4)
        keep.append(s)
sys.stdout.write('ready\n'); sys.stdout.flush()
time.sleep(3600)
EOF
nslist=("${POD_NS[@]}")
sper=$((SOCKS / PODS))
for ((k = 0; k < ${#nslist[@]}; k += 11)); do
	python3 "$T_TMP/socks.py" "$sper" "${nslist[@]:k:11}" >"$T_TMP/ready.$k" &
	HOLDERS+=($!)
done
for ((k = 0; k < ${#nslist[@]}; k += 11)); do
	for i in $(seq 1 200); do grep -q ready "$T_TMP/ready.$k" 2>/dev/null && break; sleep 0.1; done
done
nproc=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
nsock=0
for ns in "${nslist[@]}"; do nsock=$((nsock + $(ip netns exec "$ns" ss -Htuan | wc -l))); done
echo "bench diagnose: node up in $(($(date +%s) - t0)) s: $PODS pods, $nproc processes on the machine, $nsock sockets in pod netns"

ASK=(10.4.0.2 10.4.1.2)
# The by-hand gathering of the same facts, as an operator would script it.
cat >"$T_TMP/byhand.sh" <<EOF
ip -j -d link show; ip -j address show; ip -j route show table all; ip -j neigh show; bridge -j fdb show
for a in ${ASK[*]}; do ip -j route get \$a; done
ps -eo pid,ppid,stat,wchan,netns,comm,args,cgroup
for p in \$(ps -eo netns=,pid= | sort -u -k1,1 | awk '{print \$2}'); do nsenter -t \$p --net ss -tuan; done
find /proc/[0-9]*/fd -lname 'socket:*' -printf '%p %l\\n' 2>/dev/null
cat /proc/sys/net/netfilter/nf_conntrack_count /proc/sys/net/netfilter/nf_conntrack_max /proc/net/stat/nf_conntrack
dmesg | grep -E 'table full|neighbour table overflow'
cat $HR/etc/cni/net.d/*
EOF

measure() { # label cmd... -> "SECONDS RSS_KIB"
	local best=999999 rss=0 s e r
	for r in $(seq 1 "$RUNS"); do
		s=$(date +%s.%N)
		/usr/bin/time -v -o "$T_TMP/time.txt" "$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		best=$(python3 -c "print(min($best, $e - $s))")
		r=$(awk -F': ' '/Maximum resident/ {print $2}' "$T_TMP/time.txt")
		[ "${r:-0}" -gt "$rss" ] && rss=$r
	done
	echo "$best $rss"
}
read -r nt nr_rss < <(measure ip netns exec "$NODE" "$NR" --host-root "$HR" diagnose --since 1h --pod-ip 10.4.0.2 --pod-ip 10.4.1.2 --port 20000)
read -r ht h_rss < <(RUNS=1 measure ip netns exec "$NODE" bash "$T_TMP/byhand.sh")
echo "bench diagnose: netrescue diagnose ${nt} s (best of $RUNS), peak RSS $((nr_rss / 1024)) MiB"
echo "bench diagnose: per check: $(ip netns exec "$NODE" "$NR" --json --host-root "$HR" diagnose --since 1h --pod-ip 10.4.0.2 --pod-ip 10.4.1.2 --port 20000 | jq -r '[.checks | to_entries[] | "\(.key) \(.value.ms) ms"] | join(", ")')"
echo "bench diagnose: by hand (ip, ps, nsenter+ss per netns, cat, dmesg|grep) ${ht} s (one run), peak RSS (largest process) $((h_rss / 1024)) MiB"
echo "bench diagnose: ratio by-hand/netrescue $(python3 -c "print(round($ht / $nt, 1))")x; goal < 1 s and < 32 MiB: $(python3 -c "print('met' if $nt < 1 and $nr_rss < 32768 else 'NOT met')")"
read -r bt b_rss < <(RUNS=1 measure ip netns exec "$NODE" "$NR" --host-root "$HR" diagnose --since 1h --pod-ip 10.4.0.2 --port 20000 --force --bundle "$T_TMP/b.tgz")
echo "bench diagnose: with --bundle ${bt} s, peak RSS $((b_rss / 1024)) MiB, bundle $(($(stat -c %s "$T_TMP/b.tgz") / 1024)) KiB"
