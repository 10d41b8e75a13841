#!/usr/bin/env bash
# The diagnose report read as a person reads it (issue 23, points 4-7 and routes.txt of 8): the
# kernel-log section lists only records a check matched (unrelated ones are counted and kept in
# the bundle), the neighbour table has its own section, "not examined" follows what ran (a
# SYN-dropping firewall is never hidden behind "nothing wrong found"), every capture path printed
# exists (directory or BUNDLE:capture/NAME), 0 packets on a pod whose traffic the node dropped
# is pod-no-traffic, --fix refusals are one "changes (--fix)" section, routes.txt reads as
# `ip route show table all`.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

# The kernel log is shared with parallel tests: unique markers, windows from our own start.
MARK=nrsect$$x$RANDOM
T0=$(date +%s)
win() { echo "$(($(date +%s) - T0 + 2))s"; }
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
# The text between "== NAME ==" and the next section.
section() { # name text
	awk -v h="== $1 ==" '$0 == h { on = 1; next } /^== .* ==$/ { on = 0 } on' <<<"$2"
}
# The "not examined" list of a text report.
notex() { awk '/^not examined/ { on = 1; next } on && /^$/ { on = 0 } on' <<<"$1"; }

AP=$((33000 + $$ % 1000))
node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged b1 10.4.0.2
pod_routed r1 10.4.1.2
in_pod b1 ping -c1 -W1 10.4.0.1 >/dev/null 2>&1
in_node ping -c1 -W1 10.4.1.2 >/dev/null 2>&1
pod_proc b1 "$(new_cid)" -- socat TCP-LISTEN:$AP,reuseaddr,fork SYSTEM:'echo ok'
wait_listen "${POD_NS[b1]}" $AP || fail "setup" "b1 does not listen on $AP"

# --- kernel log: matched records only, the rest counted and in the bundle --------------------
kmsg_write "$MARK-noise: unrelated driver chatter"
kmsg_write "$MARK-oops: RIP: 0010:some_register_dump+0x12/0x40"
kmsg_write "nf_conntrack: table full, dropping packet $MARK-ct"
B=$T_TMP/k.tgz
nr diagnose --since "$(win)" --bundle "$B" >"$T_TMP/k.txt" 2>"$T_TMP/k.err"
TXT=$(cat "$T_TMP/k.txt")
KS=$(section kmsg "$TXT")
expect_match "kmsg: the kernel-log section is there" 'matched a check' "$KS"
expect_nomatch "kmsg: unrelated records are not in the text report" "$MARK-(noise|oops)" "$TXT"
expect_match "kmsg: the matched record is listed with its check and age" "(just now|[0-9]+[smhd] ago) +conntrack +nf_conntrack: table full, dropping packet $MARK-ct" "$KS"
expect_match "kmsg: the rest is counted and pointed at in the bundle" "^[0-9]+ other records? in the window .*in the bundle's views/kmsg.txt" "$KS"
expect_match "kmsg: the bundle has every record (unrelated too)" "$MARK-noise" "$(tar -xzOf "$B" views/kmsg.txt 2>/dev/null)"
expect_match "kmsg: ... and the register dump" "$MARK-oops" "$(tar -xzOf "$B" views/kmsg.txt 2>/dev/null)"
expect_nomatch "kmsg: the bundle's report.txt has no unrelated record either" "$MARK-noise" "$(tar -xzOf "$B" report.txt 2>/dev/null)"
nr diagnose --since "$(win)" >"$T_TMP/k2.txt" 2>/dev/null
expect_match "kmsg: without --bundle the rest points at netrescue kmsg" 'other records? in the window .*netrescue kmsg' "$(cat "$T_TMP/k2.txt")"
nr --json diagnose --since "$(win)" >"$T_TMP/k.json" 2>/dev/null
DJ=$(cat "$T_TMP/k.json")
expect_json "kmsg JSON: lines are matched records only" 'all(.checks.kmsg.lines[]; .match != null and .check != null)' "$DJ"
expect_json "kmsg JSON: no unrelated line" "all(.checks.kmsg.lines[]; (.text | contains(\"$MARK-noise\")) | not)" "$DJ"
expect_json "kmsg JSON: the matched one, with its age" "any(.checks.kmsg.lines[]; (.text | contains(\"$MARK-ct\")) and .match == \"conntrack-table-full\" and .age_seconds >= 0)" "$DJ"
expect_json "kmsg JSON: the rest counted" '.checks.kmsg.unmatched >= 2 and .checks.kmsg.records == .checks.kmsg.matched + .checks.kmsg.unmatched' "$DJ"

# --- the neighbour table has its own section ------------------------------------------------
expect_match "neighbours: own section" '^== neighbours ==$' "$TXT"
expect_match "neighbours: gc_thresh shown there" 'gc_thresh1/2/3' "$(section neighbours "$TXT")"
expect_nomatch "neighbours: not inside the kmsg section" 'gc_thresh' "$KS"
expect_json "neighbours JSON: its own check" '.checks.neighbours.status == "ok" and (.checks.neighbours.ipv4_neighbours | type) == "number"' "$DJ"

# --- --fix refused: one section, the finding says it was tried -------------------------------
# A read-only /proc/sys in a private mount namespace: raising nf_conntrack_max must be refused.
ip netns exec "$NODE" unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec "$0" --host-root "$1" diagnose --fix --since "$2"' "$NR" "$HR" "$(win)" >"$T_TMP/fix.txt" 2>"$T_TMP/fix.err"
FX=$(cat "$T_TMP/fix.txt")
CH=$(awk '/^changes \(--fix\):/ { on = 1; next } on && /^$/ { on = 0 } on' <<<"$FX")
expect_eq "fix: one changes section" "$(grep -c '^changes (--fix):' <<<"$FX")" 1
expect_match "fix: the refusal is listed with why" '^  refused  raise nf_conntrack_max .*read-only' "$CH"
expect_nomatch "fix: no 'nothing to change' after a refusal" 'nothing to change|none needed|^  none' "$FX"
expect_nomatch "fix: no old split wording" 'changes made by --fix|not applied' "$FX"
CT=$(awk '/^FAIL conntrack-table-full/ { on = 1; print; next } on && /^     / { print; next } { on = 0 }' <<<"$FX")
expect_match "fix: the finding says the fix was tried and refused" 'tried this and was refused: .*read-only' "$CT"
expect_nomatch "fix: the refused fix is not proposed again" 'fix: netrescue conntrack --fix' "$CT"
expect_eq "fix: live nf_conntrack_max untouched" "$(ip netns exec "$NODE" cat /proc/sys/net/netfilter/nf_conntrack_max)" "$(cat /proc/sys/net/netfilter/nf_conntrack_max)"
ip netns exec "$NODE" unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
	exec "$0" --json --host-root "$1" diagnose --fix --since "$2"' "$NR" "$HR" "$(win)" >"$T_TMP/fix.json" 2>/dev/null
expect_json "fix JSON: fixes[] says refused, for which finding, why" 'any(.fixes[]; .result == "refused" and .finding == "conntrack-table-full" and (.why | test("read-only")))' "$(cat "$T_TMP/fix.json")"
expect_json "fix JSON: changes[] still names it" 'any(.changes[]; test("conntrack"))' "$(cat "$T_TMP/fix.json")"
# A fix that is made: cbr0 down, --fix sets it up (and says "changed").
in_node ip link set cbr0 down
nr diagnose --fix --since 1s >"$T_TMP/fix2.txt" 2>/dev/null
expect_match "fix: a change made is listed as changed" '^  changed  set bridge cbr0 up' "$(cat "$T_TMP/fix2.txt")"
expect_nomatch "fix: the bridges section does not repeat it" '^fixed: |nothing to change' "$(section bridges "$(cat "$T_TMP/fix2.txt")")"
in_node ip link set cbr0 up
in_pod b1 ping -c1 -W1 10.4.0.1 >/dev/null 2>&1
sleep 2 # later windows start after the records above
T0=$(date +%s)

# --- not examined follows what ran; a SYN-dropping firewall is not hidden ----------------------
in_node iptables -I FORWARD -p tcp --syn -d 10.4.0.2 -j DROP
in_node iptables -I OUTPUT -p tcp --syn -d 10.4.0.2 -j DROP
nr diagnose --since "$(win)" >"$T_TMP/n1.txt" 2>/dev/null
N1=$(cat "$T_TMP/n1.txt")
expect_match "not examined: the list is there" '^not examined' "$N1"
expect_match "not examined: rules not read without --pod-ip, and says so" '^  - netfilter rules.*no --pod-ip' "$(notex "$N1")"
expect_match "not examined: outside the node" 'cloud firewall rules' "$(notex "$N1")"
expect_nomatch "not examined: never a bare 'nothing wrong found'" '^verdict: OK: nothing wrong found$' "$(sed -n 2p <<<"$N1")"
expect_match "not examined: an OK verdict points at the list" '^verdict: (FAIL|WARN|OK: nothing wrong found in what was examined .*not examined)' "$(sed -n 2p <<<"$N1")"
( sleep 0.5; for i in $(seq 1 8); do in_node socat -T1 - TCP:10.4.0.2:$AP,connect-timeout=1 </dev/null >/dev/null 2>&1; sleep 0.1; done ) &
GEN=$!
CD=$T_TMP/caps
mkdir -p "$CD"
nr diagnose --since "$(win)" --pod-ip 10.4.0.2 --port $AP --capture 3 --capture-dir "$CD" >"$T_TMP/n2.txt" 2>/dev/null
wait "$GEN" 2>/dev/null
N2=$(cat "$T_TMP/n2.txt")
expect_nomatch "not examined: rules were read with --pod-ip" '^  - netfilter rules.*not looked at' "$(notex "$N2")"
expect_nomatch "not examined: the capture ran, so it is not listed" "^  - packets on the pods' interfaces" "$(notex "$N2")"
expect_match "not examined: without --capture it is" "^  - packets on the pods' interfaces: not looked at" "$(notex "$N1")"
expect_match "firewall: the SYN drop is named" '^FAIL (policy-drop|drops-netfilter) +pod 10\.4\.0\.2' "$N2"
expect_match "firewall: the rule itself is named" 'filter/(OUTPUT|FORWARD)' "$N2"
# 0 packets on the veth while the node dropped packets aimed at the pod.
expect_match "pod-no-traffic: the finding" '^FAIL pod-no-traffic +pod 10\.4\.0\.2: .*saw 0 packets' "$N2"
expect_match "capture: the directory and why" "^files in $CD: given with --capture-dir" "$(section capture "$N2")"
F=$(section capture "$N2" | sed -n 's/^  file //p' | head -1)
[ -n "$F" ] && [ -f "$F" ] && ok "capture: the printed file exists ($F)" || fail "capture: printed file" "'$F' does not exist"
in_node iptables -D FORWARD -p tcp --syn -d 10.4.0.2 -j DROP
in_node iptables -D OUTPUT -p tcp --syn -d 10.4.0.2 -j DROP

# Traffic that arrives: no pod-no-traffic, and the default directory is said and exists.
( sleep 0.5; for i in $(seq 1 8); do in_node socat -T1 - TCP:10.4.0.2:$AP,connect-timeout=1 </dev/null >/dev/null 2>&1; sleep 0.1; done ) &
GEN=$!
nr diagnose --since 1s --pod-ip 10.4.0.2 --port $AP --capture 2 >"$T_TMP/c1.txt" 2>/dev/null
wait "$GEN" 2>/dev/null
C1=$(cat "$T_TMP/c1.txt")
expect_nomatch "pod-no-traffic: not when packets arrived" 'pod-no-traffic' "$C1"
expect_match "capture: default directory named with why" '^files in /[^ ]*: the first writable, disk-backed one of /var/lib/toolbox' "$(section capture "$C1")"
F=$(section capture "$C1" | sed -n 's/^  file //p' | head -1)
[ -n "$F" ] && [ -s "$F" ] && ok "capture: the printed default-directory file exists" || fail "capture: default-directory file" "'$F' does not exist"
[ -n "$F" ] && rm -f "$F"
expect_rc "capture: help names the same candidates" 0 nr diagnose --help
expect_match "capture: help and behaviour agree" '/var/lib/toolbox, /mnt/stateful_partition, /var/tmp' "$OUT"

# With --bundle: BUNDLE:capture/NAME, and tar -tzf lists that name.
B2=$T_TMP/c.tgz
nr diagnose --since 1s --pod-ip 10.4.0.2 --capture 1 --bundle "$B2" >"$T_TMP/c2.txt" 2>/dev/null
C2=$(cat "$T_TMP/c2.txt")
F=$(section capture "$C2" | sed -n 's/^  file //p' | head -1)
expect_match "capture: printed as BUNDLE:capture/NAME" "^$B2:capture/pod-10\.4\.0\.2-.*\.pcap$" "$F"
expect_match "capture: that member is in the bundle" "^${F#"$B2":}$" "$(tar -tzf "$B2")"
expect_nomatch "capture: no temporary path printed" "\.capture\.[A-Za-z0-9]{6}/" "$C2"
expect_nomatch "capture: the bundle's report.txt names it the same way" "\.capture\.[A-Za-z0-9]{6}/" "$(tar -xzOf "$B2" report.txt)"
expect_json "capture JSON: files named in the bundle" "all(.checks.capture.captures[0].files[]; startswith(\"$B2:capture/\"))" "$(tar -xzOf "$B2" report.json)"

# --- routes.txt reads as ip route show table all ----------------------------------------------
tar -xzOf "$B2" views/routes.txt | sed 's/ *$//' | sort >"$T_TMP/r.mine"
in_node ip route show table all | sed 's/ *$//' | sort >"$T_TMP/r.ip"
if diff "$T_TMP/r.mine" "$T_TMP/r.ip" >"$T_TMP/r.diff"; then ok "routes.txt: the lines of ip route show table all"
else fail "routes.txt: the lines of ip route show table all" "$(head -c 600 "$T_TMP/r.diff" | tr '\n' '|')"; fi
expect_match "routes.txt: names, not numbers" '^local 10\.4\.0\.1 dev cbr0 table local proto kernel scope host src 10\.4\.0\.1$' "$(cat "$T_TMP/r.mine")"
expect_nomatch "routes.txt: no numeric type/scope/proto" 'type [0-9]|scope [0-9]|proto [0-9]' "$(cat "$T_TMP/r.mine")"
