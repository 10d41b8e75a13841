#!/usr/bin/env bash
# The findings of a diagnose report read as a person reads them (issue 23, points 1-3 and 8):
# what was asked about (--pod-ip, --port) comes first, then the rest of the node, worst first in
# each; an old kernel-log record that nothing confirms now is a warning that says how old it is;
# one stale process is one finding ("one fault, also reported as: port-in-use"); every fix line
# is a command that `sh -n` accepts and that, run in the simulated node, mends it (checked with
# ip -j and ss); prose is on an "advice:" line naming what sets the MTU; counts and spans are
# words ("once", "3h"), pods are namespace/name, with pod_uid in JSON.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

MARK=nrfind$$x$RANDOM
# /dev/kmsg writes are rate-limited machine-wide: retry until the record is there.
kmsg_write() { # text
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "<4>$1" >/dev/kmsg
		dmesg | grep -qF "$1" && return 0
		sleep 1
	done
	fail "kernel log" "could not write '$1' to /dev/kmsg"
}
# The findings part of a text report: from the first "findings" header to the next section.
findings_part() { awk '/^findings/ { on = 1 } on && /^(changes|not examined|checks:)/ { on = 0 } on' <<<"$1"; }
group() { # "asked"|"node" text
	if [ "$1" = asked ]; then awk '/^findings about what was asked/ { on = 1; next } /^findings elsewhere/ { on = 0 } on' <<<"$2"
	else awk '/^findings elsewhere on the node/ { on = 1; next } /^$/ { on = 0 } on' <<<"$2"; fi
}
# One finding's block: its first line and the indented lines under it.
block() { # id text
	awk -v id="$1" '$2 == id && /^(FAIL|WARN|INFO) / { on = 1; print; next } on && /^     / { print; next } { on = 0 }' <<<"$2"
}
# The report seen two hours later: a time namespace moves CLOCK_MONOTONIC on, so every
# kernel-log record (stamped on the kernel's monotonic clock) reads 2 h older than it is.
later() { unshare -T --monotonic 7200 ip netns exec "$NODE" "$NR" --host-root "$HR" "$@"; }

AP=$((34000 + $$ % 1000))
node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged web 10.4.0.5
pod_routed api 10.4.1.2
in_pod web ping -c1 -W1 10.4.0.1 >/dev/null 2>&1
in_node ping -c1 -W1 10.4.1.2 >/dev/null 2>&1
pod_mtu api 1500
pod_proc web "$(new_cid)" --stale -- socat TCP-LISTEN:$AP,reuseaddr,fork /dev/null
STALE=$LAST_PID
wait_listen "${POD_NS[web]}" $AP || fail "setup" "the stale holder does not listen on $AP"
printf '2026-01-01T10:00:00Z stderr F listen tcp :%s: bind: address already in use\n' $AP \
	>"$HR/var/log/pods/default_web_${POD_UID[web]}/app/0.log"
kmsg_write "nf_conntrack: table full, dropping packet $MARK"

unshare -T --monotonic 1 true 2>/dev/null || { echo "ok - skipped: no time namespaces (unshare -T)"; exit 0; }
later diagnose --since 3h --pod-ip 10.4.0.5 --port $AP >"$T_TMP/r.txt" 2>"$T_TMP/r.err"
RC=$?
TXT=$(cat "$T_TMP/r.txt")
FP=$(findings_part "$TXT")
ASK=$(group asked "$FP")
NODEF=$(group node "$FP")
expect_eq "exit 1 (the stale holder fails)" "$RC" 1

# --- 1. relevance order ----------------------------------------------------------------------
a=$(grep -n '^findings about what was asked (--pod-ip, --port), worst first:$' <<<"$TXT" | cut -d: -f1)
b=$(grep -n '^findings elsewhere on the node, worst first:$' <<<"$TXT" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && ok "order: asked group, then the node's" \
	|| fail "order: asked group, then the node's" "asked at '${a:-none}', node at '${b:-none}'"
expect_match "order: the stale holder of the asked port leads" "^FAIL stale-listener  port $AP: pid $STALE " "$(sed -n 1p <<<"$ASK")"
expect_match "order: the other pod's MTU is elsewhere on the node" "^FAIL mtu-mismatch  ${POD_IF[api]}: " "$NODEF"
expect_nomatch "order: nothing about the node among the asked" 'mtu-mismatch|conntrack-table-full' "$ASK"
CT=$(block conntrack-table-full "$NODEF")
# (Other tests write 'table full' records too, at any moment: the newest may be a second short of 2 h.)
expect_match "age: an old 'table full' nothing confirms is a warning, and says why" "^WARN conntrack-table-full  conntrack: .*(once|twice|[0-9]+ times) in the last 3h.*a warning, not a failure: last seen [12]h ago and no conntrack drop" "$CT"
expect_match "age: last seen, in words" '^     last seen [12]h ago \(' "$CT"
expect_match "verdict: the warning is counted as one" '^verdict: FAIL: [0-9]+ problems? and [0-9]+ warnings?' "$(sed -n 2p <<<"$TXT")"

# --- 2. one fault, one finding ------------------------------------------------------------------
expect_eq "one fault: one finding names pid $STALE" "$(grep -cE "^(FAIL|WARN|INFO) .*pid $STALE " <<<"$FP")" 1
expect_nomatch "one fault: no separate port-in-use" '^(FAIL|WARN) port-in-use' "$FP"
expect_match "one fault: also reported as port-in-use" '^     one fault, also reported as: port-in-use$' "$(block stale-listener "$ASK")"

# --- 3. fix lines paste; advice apart ---------------------------------------------------------
FIXES=$(sed -n 's/^     fix: //p' <<<"$FP")
[ -n "$FIXES" ] && ok "fix: there are fix lines" || fail "fix: there are fix lines" "none in: $FP"
while IFS= read -r line; do
	sh -n -c "$line" 2>/dev/null && ok "fix: sh -n accepts: $line" || fail "fix: sh -n" "$line"
done <<<"$FIXES"
expect_nomatch "fix: no prose, no placeholder in a fix line" '^     fix: .*(; and |POD_IP|TARGET| in the CNI config)' "$FP"
MTU=$(block mtu-mismatch "$NODEF")
expect_match "advice: says what sets the MTU under kubenet" '^     advice: .*kubenet has no CNI config to edit.*--network-plugin-mtu=1460' "$MTU"
# Run the fix lines of the two faults as printed, in the node (netrescue on PATH as a user has it).
mkdir -p "$T_TMP/bin"
printf '#!/bin/sh\nexec "%s" --host-root "%s" "$@"\n' "$NR" "$HR" >"$T_TMP/bin/netrescue"
chmod +x "$T_TMP/bin/netrescue"
MF=$(sed -n 's/^     fix: //p' <<<"$MTU")
SF=$(sed -n 's/^     fix: //p' <<<"$(block stale-listener "$ASK")")
expect_eq "fix: the stale holder's fix" "$SF" "netrescue port $AP --kill"
in_node env PATH="$T_TMP/bin:$PATH" sh -ec "$MF" >/dev/null 2>&1 && ok "fix: the MTU lines ran" || fail "fix: the MTU lines ran" "$MF"
in_node env PATH="$T_TMP/bin:$PATH" sh -ec "$SF" >/dev/null 2>&1 && ok "fix: the port line ran" || fail "fix: the port line ran" "$SF"
expect_eq "fix: host side of api now 1460 (ip -j)" "$(in_node ip -j link show "${POD_IF[api]}" | jq '.[0].mtu')" 1460
expect_eq "fix: pod side of api now 1460 (ip -j)" "$(ip -n "${POD_NS[api]}" -j link show eth0 | jq '.[0].mtu')" 1460
for i in $(seq 1 40); do kill -0 "$STALE" 2>/dev/null || break; sleep 0.1; done
expect_eq "fix: nothing listens on $AP in the pod any more (ss)" "$(in_pod web ss -Hltn "sport = :$AP" | wc -l)" 0

# --- 8. wording and naming ------------------------------------------------------------------
expect_nomatch "words: never '1 times'" '\b1 times\b' "$TXT"
expect_nomatch "words: never a span in thousands of seconds" '\b[0-9]{4,}s\b' "$TXT"
expect_match "names: the stale holder's pod is namespace/name" "pid $STALE .* of default/web: " "$FP"
expect_match "names: the MTU finding names the pod namespace/name" "pod default/api: host side ${POD_IF[api]}" "$MTU"
expect_nomatch "names: no pod UID in the findings" "${POD_UID[api]}|${POD_UID[web]}" "$FP"
expect_match "names: the mtu table's POD column" "^${POD_IF[api]} +pod +1500 +eth0 +1500 +default/api$" "$(awk '/^== mtu ==$/ { on = 1; next } /^== / { on = 0 } on' <<<"$TXT")"
expect_match "names: the pods table's POD column" "^10\.4\.0\.5 .* default/web " "$(awk '/^== pods ==$/ { on = 1; next } /^== / { on = 0 } on' <<<"$TXT")"

# --- the same in JSON -------------------------------------------------------------------------
in_node ip link set "${POD_IF[api]}" mtu 1500
in_pod api ip link set eth0 mtu 1500
pod_proc web "$(new_cid)" --stale -- socat TCP-LISTEN:$AP,reuseaddr,fork /dev/null
STALE=$LAST_PID
wait_listen "${POD_NS[web]}" $AP || fail "setup" "the second stale holder does not listen on $AP"
later --json diagnose --since 3h --pod-ip 10.4.0.5 --port $AP >"$T_TMP/r.json" 2>/dev/null
J=$(cat "$T_TMP/r.json")
expect_json "JSON: scope on every finding, asked first" '[.findings[] | if .scope == "asked" then 0 else 1 end] | . == sort' "$J"
# (Stale listeners of parallel tests' pods are on this machine too: only port $AP is ours.)
expect_json "JSON: one stale finding with also[]" "[.findings[] | select(.id == \"stale-listener\" and .subject == \"port $AP\")] | length == 1 and .[0].also == [\"port-in-use\"] and .[0].scope == \"asked\"" "$J"
expect_json "JSON: no port-in-use of its own" '[.findings[] | select(.id == "port-in-use")] | length == 0' "$J"
expect_json "JSON: pod_uid per finding" ".findings[] | select(.id == \"stale-listener\" and .subject == \"port $AP\") | .pod_uid == \"${POD_UID[web]}\"" "$J"
expect_json "JSON: the MTU finding: pod_uid, advice, fix of commands" ".findings[] | select(.id == \"mtu-mismatch\") | .pod_uid == \"${POD_UID[api]}\" and (.advice | test(\"network-plugin-mtu\")) and (.fix | split(\"\\n\") | length == 2) and .scope == \"node\"" "$J"
expect_json "JSON: last_seen and age_seconds on the kernel-log finding" '.findings[] | select(.id == "conntrack-table-full") | .severity == "warn" and (.last_seen | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and .age_seconds >= 7200' "$J"
expect_json "JSON: no fix_status without --fix" 'all(.findings[]; has("fix_status") | not)' "$J"
expect_json "JSON: the pod is named" '.checks.pods.pods[0].pod == "default/web"' "$J"
# --fix with a read-only /proc/sys (a private mount namespace): conntrack's fix is refused,
# the others were not attempted, and each finding says which.
ip netns exec "$NODE" unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec unshare -T --monotonic 7200 "$0" --json --host-root "$1" diagnose --fix --since 3h --pod-ip 10.4.0.5 --port "$2"' \
	"$NR" "$HR" "$AP" >"$T_TMP/f.json" 2>/dev/null
F=$(cat "$T_TMP/f.json")
expect_json "JSON --fix: every finding has fix_status" 'all(.findings[]; .fix_status == "applied" or .fix_status == "refused" or .fix_status == "not attempted")' "$F"
expect_json "JSON --fix: not attempted, and why" ".findings[] | select(.id == \"stale-listener\" and .subject == \"port $AP\") | .fix_status == \"not attempted\" and (.fix_reason | length > 0)" "$F"
expect_json "JSON --fix: a refusal carries its reason" '[.findings[] | select(.fix_status == "refused")] | all(.fix_reason | length > 0)' "$F"
kill "$STALE" 2>/dev/null
in_node ip link set "${POD_IF[api]}" mtu 1460
in_pod api ip link set eth0 mtu 1460

# Nothing asked: one plain list.
later diagnose --since 3h >"$T_TMP/n.txt" 2>/dev/null
expect_match "nothing asked: one plain list" '^findings, worst first:$' "$(cat "$T_TMP/n.txt")"
expect_nomatch "nothing asked: no groups" '^findings (about|elsewhere)' "$(cat "$T_TMP/n.txt")"
