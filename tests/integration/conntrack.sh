#!/usr/bin/env bash
# conntrack: values agree with /proc; --fix raises nf_conntrack_max and keeps exactly one line
# in sysctl.conf however often it runs; read-only /proc/sys (child netns, read-only mount) gives
# exit 3 with sysctl.conf untouched; a table really filled in the simulated node is flagged;
# the neighbour-table check reads the kernel log. Global sysctls are restored on exit, and a
# lock keeps two runs of this test from fighting over them.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

CTDIR=/proc/sys/net/netfilter
MAXF=$CTDIR/nf_conntrack_max
if [ ! -e "$CTDIR/nf_conntrack_count" ]; then modprobe nf_conntrack 2>/dev/null; fi
if [ ! -e "$CTDIR/nf_conntrack_count" ]; then
	expect_rc "conntrack without nf_conntrack: exit 0" 0 "$NR" --json conntrack
	expect_json "says not loaded" '.loaded == false' "$OUT"
	exit 0
fi
exec 8>/tmp/netrescue-test-conntrack-global.lock
flock 8
ORIG_MAX=$(cat "$MAXF")
ct_cleanup() { echo "$ORIG_MAX" >"$MAXF"; }
node_up
trap 'ct_cleanup; node_down' EXIT
# The window starts at this test's start: records of earlier runs (3 s ago at least) stay out.
sleep 3
T0=$(date +%s)
win() { echo "$(( $(date +%s) - T0 + 1 ))s"; }
REC=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 32 ))
# The fix tests need a live max below the recommendation (restored on exit).
[ "$ORIG_MAX" -lt "$REC" ] || echo $((REC / 2)) >"$MAXF"
START_MAX=$(cat "$MAXF")

# Sum of one named column of /proc/net/stat/nf_conntrack (hex, one row per CPU) in a netns.
stat_sum() { # netns column
	ip netns exec "$1" bash -c 'exec </proc/net/stat/nf_conntrack
	read -r -a h; for i in "${!h[@]}"; do [ "${h[$i]}" = "$0" ] && c=$i; done; s=0
	while read -r -a r; do s=$((s + 16#${r[$c]})); done; echo $s' "$2"
}

# --- a healthy node: values as /proc says, no finding ---
expect_rc "healthy node: exit 0" 0 nr --json conntrack --since "$(win)"
J=$OUT
expect_json "common fields" '.tool == "netrescue" and .command == "conntrack" and .loaded == true and .legacy_ip_conntrack == false' "$J"
expect_eq "count agrees with /proc/sys" "$(jq .count <<<"$J")" "$(in_node cat $CTDIR/nf_conntrack_count)"
expect_eq "max agrees with /proc/sys" "$(jq .max <<<"$J")" "$(in_node cat $MAXF)"
expect_eq "buckets agree with /proc/sys" "$(jq .buckets <<<"$J")" "$(in_node cat $CTDIR/nf_conntrack_buckets)"
expect_eq "recommended_max = MemTotal/32" "$(jq .recommended_max <<<"$J")" "$REC"
expect_eq "drops = summed per-CPU drop" "$(jq .drops <<<"$J")" "$(stat_sum "$NODE" drop)"
expect_eq "insert_failed summed" "$(jq .insert_failed <<<"$J")" "$(stat_sum "$NODE" insert_failed)"
expect_eq "early_drop summed" "$(jq .early_drop <<<"$J")" "$(stat_sum "$NODE" early_drop)"
expect_eq "one stats row per CPU" "$(jq .cpus <<<"$J")" "$(($(wc -l </proc/net/stat/nf_conntrack) - 1))"
expect_json "no findings, no table-full evidence" '.findings == [] and .kernel_log.table_full_count == 0' "$J"
expect_json "nothing unreadable as root" '.unreadable == [] and .changes == []' "$J"
expect_json "NodeLocal DNSCache absent" '.nodelocaldns == false' "$J"
expect_rc "human form" 0 nr conntrack --since "$(win)"
expect_match "human form: count / max" "^conntrack +[0-9]+ / $(in_node cat $MAXF) entries" "$OUT"
expect_match "human form: recommendation" "recommended +max $REC " "$OUT"

# --- NodeLocal DNSCache: its dummy interface, or its address on another one ---
in_node ip link add nodelocaldns type bridge  # a dummy on GKE; this kernel has no dummy driver
in_node ip addr add 169.254.20.10/32 dev nodelocaldns
expect_rc "nodelocaldns present" 0 nr --json conntrack --since "$(win)"
expect_json "nodelocaldns interface seen" '.nodelocaldns == true and .nodelocaldns_evidence == "interface nodelocaldns"' "$OUT"
in_node ip link del nodelocaldns
in_node ip link add dnscache0 type bridge
in_node ip addr add 169.254.20.10/32 dev dnscache0
expect_rc "nodelocaldns address" 0 nr --json conntrack --since "$(win)"
expect_json "169.254.20.10 seen" '.nodelocaldns == true and .nodelocaldns_evidence == "169.254.20.10 on dnscache0"' "$OUT"
in_node ip link del dnscache0

# --- --fix where nf_conntrack_max is read-only: exit 3, nothing changed ---
printf 'kernel.panic = 10\nnet.netfilter.nf_conntrack_max = 131072\n' >"$HR/etc/sysctl.conf"
sum0=$(sha256sum <"$HR/etc/sysctl.conf")
if in_node sh -c "echo $START_MAX > $MAXF" 2>/dev/null; then
	ok "child netns can write nf_conntrack_max on this kernel: covered by the read-only mount case"
else
	expect_one_line_error "--fix in a child netns" 3 "read-only" nr conntrack --fix --since "$(win)"
	expect_eq "child netns: sysctl.conf untouched" "$(sha256sum <"$HR/etc/sysctl.conf")" "$sum0"
	expect_eq "child netns: live max unchanged" "$(cat "$MAXF")" "$START_MAX"
	expect_rc "--fix in a child netns, --json: exit 3" 3 nr --json conntrack --fix --since "$(win)"
	expect_json "JSON says why and changed nothing" '(.error.message | test("read-only")) and .changes == []' "$OUT"
fi
expect_one_line_error "--fix on a read-only /proc/sys" 3 "read-only" \
	unshare -m sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$0" --host-root "$1" conntrack --fix --since 5s' "$NR" "$HR"
expect_eq "read-only mount: sysctl.conf untouched" "$(sha256sum <"$HR/etc/sysctl.conf")" "$sum0"
expect_eq "read-only mount: live max unchanged" "$(cat "$MAXF")" "$START_MAX"
expect_one_line_error "--fix without root" 3 "permission denied" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NR" --host-root "$HR" conntrack --fix --since 5s
expect_eq "without root: sysctl.conf untouched" "$(sha256sum <"$HR/etc/sysctl.conf")" "$sum0"

# --- --fix in the initial netns: three runs, exactly one line, the right value ---
# NAME INITIAL-CONTENT ("" = no file) [EXPECTED-VALUE] [FIRST-RUN-CHANGES 1|0]
fix_case() {
	local name=$1 init=$2 d=$T_TMP/hr-${1// /_} i n others_before
	mkdir -p "$d/etc"
	[ -z "$init" ] || printf '%b' "$init" >"$d/etc/sysctl.conf"
	others_before=$(grep -v 'nf_conntrack_max' "$d/etc/sysctl.conf" 2>/dev/null | grep -v '^# raised by netrescue')
	for i in 1 2 3; do
		expect_rc "$name: --fix run $i" 0 "$NR" --host-root "$d" --json conntrack --fix --since 1s
		if [ "$i" = 1 ] && [ "${4:-1}" = 1 ]; then
			expect_json "$name: first run reports its change" '[.changes[].what] | index("sysctl.conf") != null' "$OUT"
		else
			expect_json "$name: run $i changes nothing" '.changes == []' "$OUT"
		fi
	done
	n=$(grep -cE '^[[:space:]]*-?net[./]netfilter[./]nf_conntrack_max' "$d/etc/sysctl.conf")
	expect_eq "$name: exactly one nf_conntrack_max line" "$n" 1
	expect_eq "$name: the line holds the value" "$(grep -E '^net\.netfilter\.nf_conntrack_max' "$d/etc/sysctl.conf")" "net.netfilter.nf_conntrack_max = ${3:-$REC}"
	expect_eq "$name: other lines kept" "$(grep -v 'nf_conntrack_max' "$d/etc/sysctl.conf" | grep -v '^# raised by netrescue')" "$others_before"
	[ -L "$d/etc/sysctl.conf" ] || [ -z "$(find "$d/etc" -name '*.netrescue.*')" ] && ok "$name: no temp file left" || fail "$name: temp file" "left behind"
}
mkdir -p "$T_TMP/hr-first/etc"
expect_rc "--fix raises the live max" 0 "$NR" --host-root "$T_TMP/hr-first" --json conntrack --fix --since 1s
expect_json "live change reported" '.changes[0].what == "nf_conntrack_max" and .changes[0].change == "'"$START_MAX -> $REC"'" and .max == '"$REC" "$OUT"
expect_eq "live max is the recommendation" "$(cat "$MAXF")" "$REC"
rm -rf "$T_TMP/hr-first"
echo "$START_MAX" >"$MAXF"
echo "$START_MAX" >"$MAXF"
fix_case "no sysctl.conf" ""
fix_case "no line" 'kernel.panic = 10\nvm.swappiness=1'
fix_case "existing lower line" '# tuned\nnet.netfilter.nf_conntrack_max=131072\nkernel.panic = 10\n'
fix_case "duplicates" 'net.netfilter.nf_conntrack_max = 1000\nkernel.panic = 10\n  net/netfilter/nf_conntrack_max=2000\n'
expect_eq "live max raised once, stays" "$(cat "$MAXF")" "$REC"
# never lower: a higher live value is kept and persisted as it is
echo $((REC + 4096)) >"$MAXF"
fix_case "higher live value" 'kernel.panic = 10\n' $((REC + 4096))
expect_eq "higher live value kept" "$(cat "$MAXF")" $((REC + 4096))
fix_case "higher line kept" "net.netfilter.nf_conntrack_max = $((REC + 9999))\\n" $((REC + 9999)) 0
echo "$START_MAX" >"$MAXF"
# mode and owner of the file it replaces are kept
mkdir -p "$T_TMP/hr-mode/etc"
echo 'kernel.panic = 10' >"$T_TMP/hr-mode/etc/sysctl.conf"
chmod 640 "$T_TMP/hr-mode/etc/sysctl.conf"
chown 65534:65534 "$T_TMP/hr-mode/etc/sysctl.conf"
expect_rc "--fix on a 0640 file owned by nobody" 0 "$NR" --host-root "$T_TMP/hr-mode" conntrack --fix --since 1s
expect_eq "mode and owner kept" "$(stat -c '%a %u %g' "$T_TMP/hr-mode/etc/sysctl.conf")" "640 65534 65534"
expect_match "human form reports the change" "^changed +sysctl.conf: .*line 3: net.netfilter.nf_conntrack_max = " "$OUT"
echo "$START_MAX" >"$MAXF"
# a planted symlink is not followed
mkdir -p "$T_TMP/hr-link/etc"
echo 'do not touch' >"$T_TMP/target"
ln -s "$T_TMP/target" "$T_TMP/hr-link/etc/sysctl.conf"
expect_one_line_error "symlinked sysctl.conf refused" 3 "sysctl.conf" "$NR" --host-root "$T_TMP/hr-link" conntrack --fix --since 1s
expect_eq "symlink target untouched" "$(cat "$T_TMP/target")" "do not touch"
expect_eq "symlink refused: live max unchanged" "$(cat "$MAXF")" "$START_MAX"
echo "$START_MAX" >"$MAXF"

# --- without root: each value it cannot read is named, nothing guessed ---
if [ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ]; then
	expect_rc "without root: exit 0" 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$NR" --json conntrack --since 5s
	expect_json "without root: kernel log named unreadable" '(.unreadable | map(test("^kernel log: permission denied")) | any) and .kernel_log.table_full_count == null and (.kernel_log.error | test("permission"))' "$OUT"
	expect_json "without root: readable values still read" '(.count|type) == "number" and (.max|type) == "number"' "$OUT"
else
	ok "dmesg_restrict is 0: the kernel log is readable without root here"
fi

# --- a table that really fills: near-full (warn), then drops (fail) ---
in_node nft 'add table inet nrt; add chain inet nrt out { type filter hook output priority 0; }; add rule inet nrt out ct state new counter'
for p in $(seq 20001 20012); do in_node bash -c "echo x >/dev/udp/10.128.0.1/$p" 2>/dev/null; done
c=$(in_node cat $CTDIR/nf_conntrack_count)
expect_eq "12 UDP flows tracked in the node" "$c" 12
echo 13 >"$MAXF"  # global: the node's 12 flows are now 92 % of it (restored at once)
expect_rc "near full: warn only, exit 0" 0 nr --json conntrack --since "$(win)"
J=$OUT
for p in $(seq 20013 20017); do in_node bash -c "echo x >/dev/udp/10.128.0.1/$p" 2>/dev/null; done
echo "$START_MAX" >"$MAXF"
expect_json "conntrack-near-full (warn) with the numbers" '.findings[] | select(.id == "conntrack-near-full") | .severity == "warn" and (.message | test("^12 of 13 entries")) and .fix == "netrescue conntrack --fix"' "$J"
expect_rc "packets dropped: fail, exit 1" 1 nr --json conntrack --since "$(win)"
expect_json "conntrack-table-full (fail)" '[.findings[] | select(.id == "conntrack-table-full" and .severity == "fail")] | length == 1' "$OUT"
expect_eq "drops agree with the per-CPU counters" "$(jq .drops <<<"$OUT")" "$(stat_sum "$NODE" drop)"
expect_json "drops counted" '.drops >= 1' "$OUT"
in_node nft delete table inet nrt

# --- kernel-log evidence, windowed ---
expect_rc "before any record: no table-full evidence in the initial netns" 0 "$NR" --json conntrack --since 2s
expect_json "window empty" '.kernel_log.table_full_count == 0' "$OUT"
echo "<4>nf_conntrack: table full, dropping packet" >/dev/kmsg
expect_rc "kernel log says table full: exit 1" 1 "$NR" --json conntrack --since 3s
J=$OUT
expect_json "evidence counted" '.kernel_log.table_full_count >= 1 and (.findings[] | select(.id == "conntrack-table-full") | .severity == "fail" and (.message | test("kernel log")))' "$J"
tl=$(jq -r .kernel_log.table_full_last <<<"$J")
d=$(( $(date -u -d "$tl" +%s) - $(date +%s) ))
[ "${d#-}" -le 5 ] && ok "evidence dated within 5 s of date" || fail "evidence time" "$tl is $d s from now"
expect_rc "human form names the evidence" 1 "$NR" conntrack --since 3s
expect_match "FAIL conntrack-table-full line" '^FAIL conntrack-table-full' "$OUT"
sleep 3
expect_rc "outside the window: exit 0" 0 "$NR" --json conntrack --since 2s
expect_json "outside the window: not counted" '.kernel_log.table_full_count == 0' "$OUT"
expect_one_line_error "malformed --since" 2 "bad --since" "$NR" conntrack --since 1x
expect_one_line_error "unknown option" 2 "unknown option" "$NR" conntrack --frobnicate

# --- neighbour table overflow ---
in_node ping -c1 -W2 10.128.0.1 >/dev/null
sleep 3
# exit 1 here: the node still counts the drops made above
expect_rc "neighbour count in the node" 1 nr --json conntrack --since 2s
expect_eq "neighbour count agrees with ip neigh" "$(jq .neighbour_table.ipv4_neighbours <<<"$OUT")" "$(ip -n "$NODE" -4 -j neigh show | jq length)"
expect_eq "IPv6 neighbour count agrees with ip -6 neigh" "$(jq .neighbour_table.ipv6_neighbours <<<"$OUT")" "$(ip -n "$NODE" -6 -j neigh show | jq length)"
echo "<4>neighbour: arp_cache: neighbor table overflow!" >/dev/kmsg
expect_rc "neighbour overflow: exit 1" 1 "$NR" --json conntrack --since 3s
J=$OUT
expect_json "neigh-table-overflow (fail)" '.findings[] | select(.id == "neigh-table-overflow") | .severity == "fail" and .subject == "arp_cache" and (.fix | test("net.ipv4.neigh.default.gc_thresh3="))' "$J"
for i in 1 2 3; do
	expect_eq "gc_thresh$i agrees with /proc/sys" "$(jq .neighbour_table.gc_thresh$i <<<"$J")" "$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh$i)"
done
for i in 1 2 3; do
	expect_eq "ipv6 gc_thresh$i agrees with /proc/sys" "$(jq .neighbour_table.ipv6_gc_thresh$i <<<"$J")" "$(cat /proc/sys/net/ipv6/neigh/default/gc_thresh$i)"
done
sleep 2
echo "<4>neighbour: ndisc_cache: neighbor table overflow!" >/dev/kmsg
expect_rc "IPv6 table overflow: exit 1" 1 "$NR" --json conntrack --since 1s
expect_json "IPv6 table named, IPv6 fix" '.findings[] | select(.id == "neigh-table-overflow") | .subject == "ndisc_cache" and (.fix | test("net.ipv6.neigh.default.gc_thresh3="))' "$OUT"
sleep 2
echo "<4>Neighbour table overflow." >/dev/kmsg
expect_rc "old kernels' wording" 1 "$NR" --json conntrack --since 1s
expect_json "old wording matched" '.neighbour_table.kernel_log.overflow_count == 1' "$OUT"
