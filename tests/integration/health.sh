#!/usr/bin/env bash
# health: why a runtime loses containers, on real processes and cgroups. A parent that never
# reaps 200 children (zombies-accumulating, oracle `ps -eo stat,ppid`), a pod cgroup at its
# pids.max with refused forks (pids-near-limit, oracle: the v1 pids files), a real kernel OOM
# kill in a pod's memory cgroup (oom-killed, oracles: memory.oom_control and dmesg), a
# "containerd" started after a pod's processes (runtime-restarted) in a private PID namespace
# (so that other tests' runs never see it as the node's runtime), ps --state Z, and diagnose's
# runtime section naming the likely cause next to a stale listener. netrescue runs in the
# initial netns here: `ip netns exec` would hide the cgroup mounts.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
V1=()          # v1 cgroup dirs this test made, parents first
v1_make() { local d=$1 parts=() p
	while [ ! -d "$d" ]; do parts=("$d" "${parts[@]}"); d=$(dirname "$d"); done
	for p in "${parts[@]}"; do mkdir "$p" && V1+=("$p"); done; }
v1_cleanup() { local n c p
	for ((n = ${#V1[@]} - 1; n >= 0; n--)); do
		c=${V1[n]}
		for _ in $(seq 1 40); do
			while read -r p; do kill -9 "$p" 2>/dev/null; done <"$c/cgroup.procs"
			rmdir "$c" 2>/dev/null && break
			sleep 0.05
		done
	done; }
trap 'v1_cleanup; node_down' EXIT
sleep 2
T0=$(date +%s)
win() { echo "$(( $(date +%s) - T0 + 1 ))s"; }
health() { "$NR" --host-root "$HR" --json health --since "$(win)"; }
# The interpreter itself (python3 may be a shell shim that forks inside the limited cgroup).
PY=$(python3 -c 'import sys; print(sys.executable)')
PIDS_ROOT=/sys/fs/cgroup/pids
MEM_ROOT=/sys/fs/cgroup/memory

# --- zombies: a parent in a pod cgroup that never reaps 200 children ---
ZUID=$(new_uid); ZDIR=$(cg_dir "$ZUID" "$(new_cid)" cgroupfs)
cg_make "$ZDIR"
"$PY" -c '
import os, time
time.sleep(0.5)
for _ in range(200):
    if os.fork() == 0:
        os._exit(0)
time.sleep(60)' &
ZP=$!
T_PIDS+=("$ZP")
echo "$ZP" >"$ZDIR/cgroup.procs"
for _ in $(seq 1 100); do [ "$(ps -eo stat=,ppid= | awk -v p=$ZP '$1 ~ /^Z/ && $2 == p' | wc -l)" = 200 ] && break; sleep 0.05; done
ZN=$(ps -eo stat=,ppid= | awk -v p=$ZP '$1 ~ /^Z/ && $2 == p' | wc -l)
expect_eq "oracle: ps -eo stat sees 200 zombies of the parent" "$ZN" 200

# --- pids: a pod whose v1 pids.max (5) is reached, forks refused ---
PUID=$(new_uid); PCID=$(new_cid)
PPOD=$PIDS_ROOT/kubepods/burstable/pod$PUID
v1_make "$PPOD/$PCID"
echo 5 >"$PPOD/pids.max"
fork_past_limit 60 &
PP=$!
T_PIDS+=("$PP")
echo "$PP" >"$PPOD/$PCID/cgroup.procs"
# Wait until the limit is reached and the refused forks are counted (they follow the 4th child).
for _ in $(seq 1 100); do [ "$(cat "$PPOD/pids.current")" = 5 ] && cat "$PPOD/pids.events" "$PPOD/$PCID/pids.events" | grep -q '^max [1-9]' && break; sleep 0.05; done
expect_eq "oracle: pids.current at pids.max" "$(cat "$PPOD/pids.current")" 5
# v1 counts a refused fork in the forking task's cgroup (the container's), v2 at the limit's.
expect_match "oracle: pids.events counts refused forks" "^max [1-9]" "$(cat "$PPOD/pids.events" "$PPOD/$PCID/pids.events")"

# --- OOM: a bounded allocation (256 MiB) in a container memory cgroup limited to 64 MiB ---
OUID=$(new_uid); OCID=$(new_cid); OSID=$(new_cid)
OPOD=$MEM_ROOT/kubepods/burstable/pod$OUID
v1_make "$OPOD/$OCID"
v1_make "$OPOD/$OSID"
echo $((64 << 20)) >"$OPOD/$OCID/memory.limit_in_bytes"
sleep 60 &
T_PIDS+=($!)
echo $! >"$OPOD/$OSID/cgroup.procs"     # the pod's sandbox stays
"$PY" -c 'import time; time.sleep(0.5); b = bytearray(256 << 20)' &
OP=$!
echo "$OP" >"$OPOD/$OCID/cgroup.procs"
wait "$OP"
expect_eq "oracle: the allocation was killed (SIGKILL)" "$?" 137
expect_match "oracle: memory.oom_control counts the kill" "oom_kill 1" "$(cat "$OPOD/$OCID/memory.oom_control")"
expect_match "oracle: dmesg has the oom-kill record of the pod" "oom-kill:.*task_memcg=/kubepods/burstable/pod$OUID/$OCID" "$(dmesg | tail -200)"

# The kubelet's pod log directory names the OOM pod: health calls it default/oomer.
mkdir -p "$HR/var/log/pods/default_oomer_$OUID/app"

# --- health ---
expect_rc "health: exit 1 (pids-near-limit is a fail)" 1 health
J=$OUT
expect_json "health: common fields" '.tool == "netrescue" and .command == "health" and (.zombies | type == "number")' "$J"
expect_json "zombie parent named with 200 zombies" '.zombie_parents[] | select(.pid == '$ZP') | .zombies == 200 and .comm == "python3" and .pod_uid == "'$ZUID'"' "$J"
expect_json "the pod counts its 200 zombies" '.pods[] | select(.pod_uid == "'$ZUID'") | .zombies == 200' "$J"
expect_json "zombies-accumulating (warn) names the parent" '.findings[] | select(.id == "zombies-accumulating") | select(.subject == "pid '$ZP' (python3)") | .severity == "warn" and (.message | test("200 zombie"))' "$J"
expect_json "no pids controller for the zombie pod: unknown, no finding" '(.pods[] | select(.pod_uid == "'$ZUID'") | .pids_max == null) and ([.findings[] | select(.id == "pids-near-limit" and .subject == "pod '$ZUID'")] | length == 0)' "$J"
# v1: the refused forks of the pod are its own pids.events plus its containers'.
expect_json "pids as the cgroup files say" '.pods[] | select(.pod_uid == "'$PUID'") | .pids_current == 5 and .pids_max == 5 and .pids_events_max == '"$(cat "$PPOD/pids.events" "$PPOD/$PCID/pids.events" | awk '$1 == "max" {s += $2} END {print s}')" "$J"
expect_json "pids-near-limit (fail) for the pod" '.findings[] | select(.id == "pids-near-limit" and .subject == "pod '$PUID'") | .severity == "fail" and (.message | test("5 of pids.max 5"))' "$J"
expect_json "OOM record mapped to pod and container" '.oom_kills.records[] | select(.pod_uid == "'$OUID'") | .container_id == "'$OCID'" and .comm == "python3"' "$J"
expect_json "the pod's memory cgroups count one OOM kill" '.pods[] | select(.pod_uid == "'$OUID'") | .oom_kills == 1' "$J"
expect_json "oom-killed (warn) names the pod" '.findings[] | select(.id == "oom-killed" and .subject == "pod '$OUID'") | .severity == "warn" and (.message | test("python3"))' "$J"
expect_json "oom-killed: the message names the pod namespace/name, pod_uid its UID" '[.findings[] | select(.id == "oom-killed" and .subject == "pod '$OUID'")] | length >= 1 and all(.[]; .pod_uid == "'$OUID'" and (.message | test("of pod default/oomer")))' "$J"
expect_json "oom-killed from the kernel log: last_seen and age_seconds" '.findings[] | select(.id == "oom-killed" and .subject == "pod '$OUID'" and (.message | test("kernel OOM killer"))) | (.last_seen | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and (.age_seconds | type == "number")' "$J"
expect_json "node limits and PSI read" '(.pid_max == '"$(cat /proc/sys/kernel/pid_max)"') and (.tasks > 0) and (.pressure.memory.some_avg10 | type == "number")' "$J"
expect_rc "health text" 1 "$NR" --host-root "$HR" health --since "$(win)"
expect_match "text: the zombie parent" "zombie parent +pid $ZP \(python3\) pod $ZUID: 200 zombies" "$OUT"
expect_match "text: the OOM pod by namespace/name" "^pod default/oomer  procs" "$OUT"
expect_match "text: the OOM record's pod by namespace/name" "pid [0-9]+ \(python3\) pod default/oomer container" "$OUT"

# --- ps --state Z ---
expect_rc "ps --state Z" 0 "$NR" --host-root "$HR" --json ps --state Z
expect_eq "ps --state Z: the parent's zombies as ps -eo stat" "$(jq '[.processes[] | select(.state == "Z" and .ppid == '$ZP' and .parent_comm == "python3")] | length' <<<"$OUT")" "$ZN"
expect_json "ps --state Z: the parent listed as zombie_parent" '[.processes[] | select(.pid == '$ZP' and .zombie_parent)] | length == 1' "$OUT"
expect_json "ps --state Z: nothing else but zombies and their parents" 'all(.processes[]; .state == "Z" or .zombie_parent)' "$OUT"
expect_one_line_error "ps --state with a bad letter" 2 "state" "$NR" ps --state Q

# --- diagnose: runtime section, the cause next to a stale listener ---
node_cni ptp
pod_routed web 10.4.1.30
pod_proc web "$(new_cid)" --stale -- socat TCP-LISTEN:8089,reuseaddr,fork SYSTEM:'echo hi'
wait_listen "${POD_NS[web]}" 8089 || fail "stale server" "nothing listens on 8089"
"$NR" --host-root "$HR" --json diagnose --since "$(win)" >"$T_TMP/d" 2>/dev/null
D=$(cat "$T_TMP/d")
expect_json "diagnose: runtime check ran" '.checks.runtime.status == "ok" or .checks.runtime.status == "partial"' "$D"
expect_json "diagnose: runtime section has the likely cause" '.checks.runtime.likely_cause | test("zombies|pids|OOM|restarted")' "$D"
expect_json "diagnose: zombies, pids and OOM findings" '([.findings[].id] | index("zombies-accumulating") and index("pids-near-limit") and index("oom-killed")) != null' "$D"
expect_json "diagnose: the stale listener names its likely cause" '.findings[] | select(.id == "stale-listener" and (.message | test("8089"))) | .message | test("likely cause: ")' "$D"

# --- runtime restarts, in a private PID namespace (its own /proc) ---
RUID=$(new_uid); RDIR=$(cg_dir "$RUID" "$(new_cid)" cgroupfs)
cg_make "$RDIR"
cp /bin/sleep "$T_TMP/containerd"
runtime_case() { # order: "pod-first" or "runtime-first"
	unshare -pf --mount-proc bash -c '
		start_pod() { sleep 30 & echo $! >"$1/cgroup.procs"; }
		if [ "$3" = pod-first ]; then start_pod "$1"; sleep 1.6; "$2/containerd" 30 & sleep 0.2
		else "$2/containerd" 30 & sleep 1.6; start_pod "$1"; sleep 0.2; fi
		"$4" --host-root "$5" --json health --since 5s' _ "$RDIR" "$T_TMP" "$1" "$NR" "$HR"
}
OUT=$(runtime_case pod-first)
expect_json "runtime younger than the pod: runtime-restarted (warn)" '.findings[] | select(.id == "runtime-restarted") | .severity == "warn" and (.subject | startswith("containerd (pid")) and (.message | test("pod '$RUID'")) and .pod_uid == "'$RUID'"' "$OUT"
expect_json "the runtime is listed as a daemon" '[.runtimes[] | select(.comm == "containerd" and .kind == "daemon")] | length == 1' "$OUT"
OUT=$(runtime_case runtime-first)
expect_json "runtime older than the pod: no runtime-restarted" '([.findings[] | select(.id == "runtime-restarted")] | length == 0) and ([.runtimes[] | select(.comm == "containerd")] | length == 1)' "$OUT"
OUT=$(health)
expect_json "a containerd in another PID namespace is not the node's runtime" '[.runtimes[] | select(.comm == "containerd")] | length == 0' "$OUT"

kill -9 "$ZP" "$PP" 2>/dev/null
exit 0
