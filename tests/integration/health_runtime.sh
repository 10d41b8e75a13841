#!/usr/bin/env bash
# health: why the runtime lost a container, on real processes, cgroups and kernel-log records.
# The whole test runs in a private PID and mount namespace (it re-executes itself under
# `unshare -pf --mount-proc`): its fake runtimes are invisible to other tests, and every process
# it starts dies with it. Fake containerd / containerd-shim processes are python3 renamed with
# prctl(PR_SET_NAME), so /proc/PID/comm reads as the real ones.
#   - orphans are "unknown" while no shim runs in the PID namespace (never a false claim);
#   - a shim with its pod's children; another shim killed: its pod processes are orphans
#     (oracle: ps -o ppid says 1);
#   - a "containerd" segfaults (a real kernel line, oracle dmesg), another starts after it and
#     after the pods' processes: runtime_crashes and runtime-restarted;
#   - a pod's zombies grow during `health --watch 3` (oracle: ps -eo stat,ppid) and during
#     `diagnose --watch 3`; 120 zombies spread over 4 parents in one nested PID namespace;
#   - a v1 pids cgroup in systemd naming whose refused forks are counted in the container's
#     pids.events: summed (oracle: the cgroup files);
#   - the stale listener of the orphaned pod names its cause (its shim is gone).
if [ -z "${NR_IN_PIDNS:-}" ]; then
	exec unshare -pf --kill-child --mount-proc env NR_IN_PIDNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/harness.sh"

UNI=/sys/fs/cgroup/unified
PIDS_ROOT=/sys/fs/cgroup/pids
CGS=()          # cgroup dirs this test made, parents first
cg_make() { local d=$1 parts=() p
	while [ ! -d "$d" ]; do parts=("$d" "${parts[@]}"); d=$(dirname "$d"); done
	for p in "${parts[@]}"; do mkdir "$p" && CGS+=("$p"); done; }
cleanup() { local n c
	# We are PID 1 of this namespace: -1 is every other process of it, and nothing outside.
	kill -9 -1 2>/dev/null
	for ((n = ${#CGS[@]} - 1; n >= 0; n--)); do
		c=${CGS[n]}
		for _ in $(seq 1 40); do rmdir "$c" 2>/dev/null && break; sleep 0.05; done
	done
	rm -rf "${HR%/host}"
	t_harness_cleanup; }
trap cleanup EXIT
[ "$$" = 1 ] || { fail "private PID namespace" "pid $$, not 1"; exit 1; }
[ -d "$PIDS_ROOT" ] || { fail "v1 pids hierarchy" "$PIDS_ROOT missing"; exit 1; }

new_uid() { cat /proc/sys/kernel/random/uuid; }
new_cid() { head -c 32 /dev/urandom | sha256sum | cut -c1-64; }
PY=$(python3 -c 'import sys; print(sys.executable)')
HR=$(mktemp -d /tmp/nrhost.XXXXXX)/host
mkdir -p "$HR"/{run/containerd/io.containerd.runtime.v2.task/k8s.io,var/lib/kubelet/pods,var/log/pods}
pod_dirs() { mkdir -p "$HR/var/lib/kubelet/pods/$2" "$HR/var/log/pods/default_$1_$2"; }
T0=$(date +%s)
win() { echo "$(( $(date +%s) - T0 + 1 ))s"; }
health() { "$NR" --host-root "$HR" --json health --since "$(win)" "$@"; }
zcount() { ps -eo stat=,ppid= | awk -v p="$1" '$1 ~ /^Z/ && $2 == p' | wc -l; }

# A fake process: python renamed NAME; its extra arguments stay in its command line (as a
# shim's -namespace/-id do); KIDS="CGDIR CMD...;..." are forked into their cgroup first.
cat >"$T_TMP/fake.py" <<'EOF'
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
for kid in filter(None, os.environ.get("KIDS", "").split(";")):
    cg, *cmd = kid.split()
    if os.fork() == 0:
        with open(cg + "/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        os.execvp(cmd[0], cmd)
if os.environ.get("SEGV"):
    ctypes.string_at(0)
time.sleep(300)
EOF
fake() { "$PY" "$T_TMP/fake.py" "$@" </dev/null >/dev/null 2>&1 & FAKE=$!; }
kids_of() { ps -eo pid=,ppid= | awk -v p="$1" '$2 == p {print $1}' | sort -n | tr '\n' ' '; }
wait_kids() { for _ in $(seq 1 100); do [ "$(kids_of "$1" | wc -w)" = "$2" ] && return 0; sleep 0.05; done; return 1; }

# --- a pod process reparented to init while no shim runs: unknown, not an orphan ---
YUID=$(new_uid); YDIR=$UNI/kubepods/burstable/pod$YUID/$(new_cid)
cg_make "$YDIR"; pod_dirs lost "$YUID"
sh -c "echo \$\$ >$YDIR/cgroup.procs; sleep 300 & exit 0"
for _ in $(seq 1 100); do YP=$(cat "$YDIR/cgroup.procs" | head -1); [ -n "$YP" ] && break; sleep 0.05; done
expect_eq "oracle: ps says the pod process's parent is init" "$(ps -o ppid= -p "$YP" | tr -d ' ')" 1
expect_rc "health without shims" 0 health
expect_json "no shim here: orphans unknown, none claimed" '.orphans.judged == false and .orphans.count == null and (.orphans.unknown | test("no containerd-shim")) and (.orphans.processes | length == 0)' "$OUT"

# --- shims: web's shim dies (its pause and socat become orphans), xtra's shim lives ---
WUID=$(new_uid); WSID=$(new_cid); WCID=$(new_cid)
WPOD=$UNI/kubepods/burstable/pod$WUID
cg_make "$WPOD/$WSID"; cg_make "$WPOD/$WCID"; pod_dirs web "$WUID"
KIDS="$WPOD/$WSID sleep 300;$WPOD/$WCID unshare -n socat TCP-LISTEN:8091,reuseaddr,fork SYSTEM:true" \
	fake containerd-shim -namespace k8s.io -id "$WSID" -address /run/containerd/containerd.sock
WSHIM=$FAKE
XUID=$(new_uid); XSID=$(new_cid)
cg_make "$UNI/kubepods/besteffort/pod$XUID/$XSID"; pod_dirs xtra "$XUID"
KIDS="$UNI/kubepods/besteffort/pod$XUID/$XSID sleep 300" \
	fake containerd-shim -namespace k8s.io -id "$XSID" -address /run/containerd/containerd.sock
XSHIM=$FAKE
wait_kids "$WSHIM" 2 || fail "web shim children" "have: $(kids_of "$WSHIM")"
wait_kids "$XSHIM" 1 || fail "xtra shim child" "have: $(kids_of "$XSHIM")"
WKIDS=$(kids_of "$WSHIM"); XKID=$(kids_of "$XSHIM")
expect_eq "oracle: the shims' comm" "$(cat /proc/$WSHIM/comm /proc/$XSHIM/comm | sort -u)" containerd-shim
expect_rc "health with two shims" 0 health
expect_json "a shim matched to its pod" '.runtimes[] | select(.pid == '$XSHIM') | .kind == "shim" and .comm == "containerd-shim" and .namespace == "k8s.io" and .id == "'$XSID'" and .pod_uid == "'$XUID'" and .children == 1 and .younger_than_container == false' "$OUT"
expect_json "web's shim has its two children" '.runtimes[] | select(.pid == '$WSHIM') | .pod_uid == "'$WUID'" and .children == 2' "$OUT"
expect_json "judged with shims: only the init-parented process is an orphan" '.orphans.judged == true and .orphans.count == 1 and ([.orphans.processes[].pid] == ['$YP'])' "$OUT"
kill -9 "$WSHIM"; wait "$WSHIM" 2>/dev/null
for p in $WKIDS; do
	for _ in $(seq 1 100); do [ "$(ps -o ppid= -p "$p" | tr -d ' ')" = 1 ] && break; sleep 0.05; done
	expect_eq "oracle: ps says $p was reparented to init" "$(ps -o ppid= -p "$p" | tr -d ' ')" 1
done
expect_rc "health after a shim died" 0 health
expect_json "the dead shim's pod processes are orphans" '.orphans.judged == true and .orphans.count == 3 and ([.orphans.processes[] | select(.pod_uid == "'$WUID'") | .pid] | sort) == ([ '"$(echo $WKIDS | tr ' ' ',')"' ] | sort) and ([.runtimes[] | select(.pid == '$WSHIM')] | length == 0)' "$OUT"

# --- a runtime crash (real segfault line) and restart after the pods' processes ---
sleep 1.2
SEGV=1 "$PY" "$T_TMP/fake.py" containerd >/dev/null 2>&1
expect_eq "oracle: the fake containerd died of SIGSEGV" "$?" 139
CRASH=$(dmesg | grep -E '(^|\] )containerd\[[0-9]+\]: segfault at 0 ' | tail -1)
CPID=$(sed -E 's/.*containerd\[([0-9]+)\]: segfault.*/\1/' <<<"$CRASH")
expect_match "oracle: dmesg has the crash" "containerd\[$CPID\]: segfault at 0" "$CRASH"
sleep 0.1
fake containerd --config /etc/containerd/config.toml
CD=$FAKE
for _ in $(seq 1 100); do [ "$(cat /proc/$CD/comm 2>/dev/null)" = containerd ] && break; sleep 0.05; done
expect_rc "health after the restart" 0 health
expect_json "runtime_crashes counts the segfault followed by a restart" '.runtime_crashes.count >= 1 and (.runtime_crashes.last | type == "string") and any(.runtime_crashes.records[]; .pid == '"${CPID:-0}"' and .comm == "containerd" and .what == "segfault")' "$OUT"
expect_json "runtime-restarted for the new containerd" '.findings[] | select(.id == "runtime-restarted" and .subject == "containerd (pid '$CD')") | .severity == "warn"' "$OUT"
expect_json "the daemon has no shim fields" '.runtimes[] | select(.pid == '$CD') | .kind == "daemon" and .id == null and .children == null' "$OUT"

# --- zombies: growth during health --watch 3 ---
ZUID=$(new_uid); ZDIR=$UNI/kubepods/burstable/pod$ZUID/$(new_cid)
cg_make "$ZDIR"; pod_dirs zomb "$ZUID"
mkfifo "$T_TMP/zfifo"
"$PY" -c '
import os, sys, time
def zombies(n):
    for _ in range(n):
        if os.fork() == 0:
            os._exit(0)
zombies(20)
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip() == "run":   # one every 20 ms until told to stop (bounded: 60 s)
            for _ in range(3000):
                if os.path.exists(sys.argv[2]):
                    break
                zombies(1); time.sleep(0.02)
        else:
            zombies(int(line))
time.sleep(300)' "$T_TMP/zfifo" "$T_TMP/zstop" &
ZP=$!
echo "$ZP" >"$ZDIR/cgroup.procs"
exec 7>"$T_TMP/zfifo"
for _ in $(seq 1 100); do [ "$(zcount $ZP)" = 20 ] && break; sleep 0.05; done
expect_eq "oracle: ps sees 20 zombies of the parent" "$(zcount $ZP)" 20
"$NR" --host-root "$HR" --json health --since "$(win)" --watch 3 >"$T_TMP/hw" &
HP=$!
# The first count is done once it sleeps in the watch.
for _ in $(seq 1 200); do grep -q nanosleep "/proc/$HP/wchan" 2>/dev/null && break; sleep 0.05; done
echo 30 >&7
for _ in $(seq 1 100); do [ "$(zcount $ZP)" = 50 ] && break; sleep 0.05; done
expect_eq "oracle: ps sees 50 zombies after the growth" "$(zcount $ZP)" 50
wait "$HP"
J=$(cat "$T_TMP/hw")
expect_json "health --watch: watch_seconds" '.watch_seconds == 3' "$J"
expect_json "health --watch: the pod's zombies before and after" '.pods[] | select(.pod_uid == "'$ZUID'") | .zombies == 20 and .zombies_after_watch == 50 and .zombie_parent_after_watch.pid == '$ZP' and .zombie_parent_after_watch.zombies == 50 and .zombie_parent_after_watch.comm == "'"$(cat /proc/$ZP/comm)"'" and .pod == "default/zomb"' "$J"
expect_json "health --watch: zombies-accumulating for the growing pod" '.findings[] | select(.id == "zombies-accumulating" and .subject == "pod '$ZUID'") | .severity == "warn" and (.message | test("default/zomb: zombies grew from 20 to 50 during the 3 s watch"))' "$J"
expect_json "health --watch: no growth, no finding for the other pods" '[.findings[] | select(.id == "zombies-accumulating" and .subject == "pod '$XUID'")] | length == 0' "$J"
expect_json "zombies per PID namespace" '.zombie_pid_namespaces[] | select(.pid_namespace == '"$(stat -Lc %i /proc/$ZP/ns/pid)"') | .zombies == 20 and .pod_uid == "'$ZUID'"' "$J"
expect_one_line_error "health --watch 0" 2 "watch" "$NR" health --watch 0
expect_one_line_error "health --watch 3601" 2 "3600" "$NR" health --watch 3601

# --- zombies spread over 4 parents (30 each) in one nested PID namespace of a pod ---
SUID=$(new_uid); SDIR=$UNI/kubepods/burstable/pod$SUID/$(new_cid)
cg_make "$SDIR"; pod_dirs spread "$SUID"
unshare -pf "$PY" -c '
import os, sys, time
with open(sys.argv[1] + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
for _ in range(4):
    if os.fork() == 0:
        for _ in range(30):
            if os.fork() == 0:
                os._exit(0)
        time.sleep(300)
        os._exit(0)
time.sleep(300)' "$SDIR" &
for _ in $(seq 1 100); do
	SPARENTS=$(ps -eo stat=,ppid= | awk '$1 ~ /^Z/ {print $2}' | sort | uniq -c | awk '$1 == 30 {print $2}')
	[ "$(wc -w <<<"$SPARENTS")" = 4 ] && break; sleep 0.05
done
expect_eq "oracle: ps sees 4 parents of 30 zombies each" "$(wc -w <<<"$SPARENTS")" 4
SNS=$(stat -Lc %i "/proc/$(head -1 <<<"$SPARENTS")/ns/pid")
expect_rc "health with spread zombies" 0 health
expect_json "the nested PID namespace counts 120 zombies of the pod" '.zombie_pid_namespaces[] | select(.pid_namespace == '$SNS') | .zombies == 120 and .pod_uid == "'$SUID'" and .parents == 4' "$OUT"
expect_json "zombies-accumulating: spread over parents, said so" '.findings[] | select(.id == "zombies-accumulating" and .subject == "pid namespace '$SNS'") | .message | test("120 zombies .*default/spread.*spread over 4 parents")' "$OUT"
expect_json "no parent holds 100: no per-parent finding" '[.findings[] | select(.id == "zombies-accumulating" and (.subject | startswith("pid ")) and (.subject | startswith("pid namespace") | not))] | length == 0' "$OUT"

# --- v1 pids, systemd naming: refused forks counted in the container scope, summed ---
PUID=$(new_uid); PCID=$(new_cid)
PPOD=$PIDS_ROOT/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${PUID//-/_}.slice
cg_make "$PPOD/cri-containerd-$PCID.scope"
echo 5 >"$PPOD/pids.max"
fork_past_limit 300 &
PP=$!
echo "$PP" >"$PPOD/cri-containerd-$PCID.scope/cgroup.procs"
for _ in $(seq 1 100); do grep -q '^max [1-9]' "$PPOD/cri-containerd-$PCID.scope/pids.events" && break; sleep 0.05; done
HITS=$(( $(awk '$1 == "max" {print $2}' "$PPOD/pids.events") + $(awk '$1 == "max" {print $2}' "$PPOD/cri-containerd-$PCID.scope/pids.events") ))
expect_match "oracle: the container scope's pids.events counts refused forks" "^max [1-9]" "$(cat "$PPOD/cri-containerd-$PCID.scope/pids.events")"
expect_rc "health with a v1 pids limit" 1 health
expect_json "pids.events summed over the pod and its container (v1, systemd naming)" '.pods[] | select(.pod_uid == "'$PUID'") | .pids_current == 5 and .pids_max == 5 and .pids_events_max == '$HITS' and (.cgroup | endswith("pod'"${PUID//-/_}"'.slice"))' "$OUT"

# --- diagnose --watch: zombie growth, and the stale listener's cause ---
for _ in $(seq 1 100); do nsenter -t "$(echo $WKIDS | cut -d' ' -f2)" -n ss -Hltn 'sport = :8091' 2>/dev/null | grep -q . && break; sleep 0.05; done
echo run >&7
"$NR" --host-root "$HR" --json diagnose --since "$(win)" --watch 3 >"$T_TMP/d" 2>/dev/null
touch "$T_TMP/zstop"
D=$(cat "$T_TMP/d")
expect_json "diagnose --watch: the growing pod's zombies recounted" '.checks.runtime.watch_seconds == 3 and (.checks.runtime.pods[] | select(.pod_uid == "'$ZUID'") | .zombies_after_watch >= .zombies + 10)' "$D"
expect_json "diagnose --watch: zombies-accumulating for it" '.findings[] | select(.id == "zombies-accumulating" and .pod_uid == "'$ZUID'") | .message | test("during the 3 s watch")' "$D"
expect_json "diagnose: the orphaned socat is a stale listener whose cause is its lost shim" '.findings[] | select(.id == "stale-listener" and (.message | test("8091"))) | .message | test("likely cause: its shim is gone")' "$D"
expect_json "diagnose: stale_listener_causes names the pod" '.checks.runtime.stale_listener_causes[] | select(.port == 8091) | .pod == "default/web" and .pod_uid == "'$WUID'" and (.likely_cause | test("shim is gone"))' "$D"
expect_json "diagnose: runtime crashes and orphans in the runtime check" '(.checks.runtime.runtime_crashes.count >= 1) and (.checks.runtime.orphans.count >= 3)' "$D"
exec 7>&-
exit 0
