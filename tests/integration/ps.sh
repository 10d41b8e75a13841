#!/usr/bin/env bash
# ps [--pod UID|NS/NAME] [--tree]: processes with netns, pod and container, against `ps` and the
# kernel's own view (/proc/PID/ns/net, cgroup.procs) on a simulated node.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

CHURN=
cleanup_ps() { [ -n "$CHURN" ] && kill "$CHURN" 2>/dev/null; wait "$CHURN" 2>/dev/null; node_down; }
node_up
trap cleanup_ps EXIT
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2 "" cgroupfs
pod_routed b 10.4.1.2 "" systemd
CID_A=$(new_cid) CID_B=$(new_cid)
# (the child starts once the harness has moved its parent into the container cgroup)
pod_proc a "$CID_A" --cname app -- bash -c 'sleep 0.5; sleep 1000 & wait'
SH_A=$LAST_PID
pod_proc b "$CID_B" --cname side -- sleep 1000
PID_B=$LAST_PID
# Hostile names: control bytes and invalid UTF-8 in comm, a newline in the args.
ODD=$'\x02x\xfe\x1b[1m'
cp /bin/bash "${HR%/host}/$ODD"
pod_proc b "$(new_cid)" -- "${HR%/host}/$ODD" -c 'sleep 1000; :' $'line1\nline2'
PID_ODD=$LAST_PID
for i in $(seq 1 100); do SLEEP_A=$(pgrep -P "$SH_A" -f "sleep 1000") && break; sleep 0.05; done
PAUSE_A=${POD_PIDS[a]} PAUSE_B=${POD_PIDS[b]}

ps -e --no-headers -o pid | tr -d " " | sort >"$T_TMP/before"
expect_rc "ps --json" 0 nr --json ps
J=$OUT
ps -e --no-headers -o pid | tr -d " " | sort >"$T_TMP/after"
expect_json "ps JSON common fields" '.tool == "netrescue" and .command == "ps" and (.processes | length) > 5' "$J"
# --- oracle: ps. Other tests run meanwhile, so only processes alive before and after count. ---
comm -12 "$T_TMP/before" "$T_TMP/after" >"$T_TMP/stable"
jq -r '.processes[].pid' <<<"$J" | sort >"$T_TMP/nr"
missing=$(comm -23 "$T_TMP/stable" "$T_TMP/nr" | wc -l)
expect_eq "every process alive before and after is listed ($(wc -l <"$T_TMP/stable") of ps -e)" "$missing" 0
for p in $PAUSE_A $PAUSE_B $SH_A $SLEEP_A $PID_B; do
	read -r pp cm < <(ps -o ppid=,comm= -p "$p")
	expect_json "pid $p: ppid and comm match ps" ".processes[] | select(.pid == $p) | .ppid == $pp and .comm == \"$cm\"" "$J"
	expect_json "pid $p: netns matches /proc/$p/ns/net" ".processes[] | select(.pid == $p) | .netns == $(readlink /proc/$p/ns/net | tr -dc 0-9)" "$J"
done
expect_json "cgroupfs pod: pause has pod UID and sandbox ID" \
	".processes[] | select(.pid == $PAUSE_A) | .pod_uid == \"${POD_UID[a]}\" and .container_id == \"${POD_SANDBOX[a]}\" and .pod_name == \"a\" and .pod_namespace == \"default\"" "$J"
expect_json "cgroupfs pod: container process has container ID and name" \
	".processes[] | select(.pid == $SLEEP_A) | .container_id == \"$CID_A\" and .container_name == \"app\" and .pod_uid == \"${POD_UID[a]}\"" "$J"
expect_json "systemd pod: UID with dashes, container from cri-containerd scope" \
	".processes[] | select(.pid == $PID_B) | .pod_uid == \"${POD_UID[b]}\" and .container_id == \"$CID_B\" and .container_name == \"side\" and (.cgroup | test(\"cri-containerd-\"))" "$J"
expect_json "host processes have no pod" ".processes[] | select(.pid == $$) | .pod_uid == null and .container_id == null" "$J"
expect_json "hostile comm escaped, not raw" ".processes[] | select(.pid == $PID_ODD) | .comm == \"\\u0002x\\\\xfe\\u001b[1m\"" "$J"
expect_json "newline in args escaped" ".processes[] | select(.pid == $PID_ODD) | (.args | test(\"line1\\nline2\"))" "$J"

expect_rc "ps human" 0 nr ps
expect_nomatch "human: no raw control bytes" $'[\x01-\x08\x1b]' "$OUT"
expect_match "human: hostile comm as \\xNN" '\\x02x\\xfe\\x1b\[1m' "$OUT"
expect_match "human: newline in args escaped on the process's own line" 'line1\\x0aline2' "$(grep -E "^$PID_ODD " <<<"$OUT")"
expect_match "human: pod named namespace/name" "default/a" "$OUT"

# --- --pod ---
want_a=$(for d in $(find "$CG/kubepods/burstable/pod${POD_UID[a]}" -name cgroup.procs); do cat "$d"; done | sort -n | tr '\n' ' ')
for sel in "${POD_UID[a]}" default/a a; do
	expect_rc "--pod $sel" 0 nr --json ps --pod "$sel"
	expect_eq "--pod $sel: exactly the pod's cgroup.procs" "$(jq -r '.processes[].pid' <<<"$OUT" | sort -n | tr '\n' ' ')" "$want_a"
done
expect_rc "--pod UID of the systemd pod" 0 nr --json ps --pod "${POD_UID[b]}"
u=${POD_UID[b]}
want_b=$(for d in $(find "$CG/kubepods.slice" -path "*pod${u//-/_}.slice*" -name cgroup.procs); do cat "$d"; done | sort -n | tr '\n' ' ')
expect_eq "--pod systemd pod: exactly its cgroup.procs" "$(jq -r '.processes[].pid' <<<"$OUT" | sort -n | tr '\n' ' ')" "$want_b"
expect_one_line_error "--pod that matches nothing" 3 "no pod.*closest: .*default/(a|b)" nr ps --pod default/aa
expect_one_line_error "--pod unknown UID" 3 "matches no pod" nr ps --pod 00000000-0000-0000-0000-000000000000
expect_one_line_error "--pod empty" 2 "needs a pod" nr ps --pod ''
expect_one_line_error "ps with a stray argument" 2 "unexpected argument" nr ps foo

# --- --tree ---
expect_rc "--tree" 0 nr --json ps --pod default/a --tree
T=$OUT
expect_json "--tree: child right after its parent, one level deeper" \
	"(.processes | map(.pid) | index($SLEEP_A)) == (.processes | map(.pid) | index($SH_A)) + 1 and (.processes[] | select(.pid == $SLEEP_A) | .depth) == (.processes[] | select(.pid == $SH_A) | .depth) + 1" "$T"
expect_rc "--tree human" 0 nr ps --tree
expect_match "--tree human: child indented" "  sleep +sleep 1000" "$(grep -E "^$SLEEP_A " <<<"$OUT")"

# --- processes exiting mid-walk ---
( while :; do for i in 1 2 3 4 5 6 7 8; do /bin/true & done; wait; done ) &
CHURN=$!
bad=0
for i in $(seq 1 25); do
	ip netns exec "$NODE" "$NR" --host-root "$HR" --json ps >"$T_TMP/churn" 2>"$T_TMP/churn.err" || bad=$((bad + 1))
	jq -e '.processes | length > 0' "$T_TMP/churn" >/dev/null 2>&1 || bad=$((bad + 1))
	[ -s "$T_TMP/churn.err" ] && bad=$((bad + 1))
done
kill "$CHURN"; wait "$CHURN" 2>/dev/null; CHURN=
expect_eq "25 walks while processes come and go: all exit 0, valid JSON, silent" "$bad" 0
