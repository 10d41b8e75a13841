#!/usr/bin/env bash
# kmsg: records this test writes into the kernel log (root may write /dev/kmsg) are found,
# dated, and agree with dmesg. The kernel log is shared by every test on the machine: records
# carry a unique marker and every query is windowed with --since.
. "$(dirname "$0")/../lib/harness.sh"
trap t_harness_cleanup EXIT

M=nrt$$-kmsg-$RANDOM
T0=$(date +%s)
win() { echo "$(( $(date +%s) - T0 + 5 ))s"; }

echo "<4>$M first" >/dev/kmsg
echo "<6>$M second" >/dev/kmsg
printf '<3>%s odd\tbytes \xff end\n' "$M" >/dev/kmsg

# --- human form ---
expect_rc "kmsg --grep finds the records" 0 "$NR" kmsg --grep "$M" --since "$(win)"
expect_eq "three records, in order" "$(grep -c "$M" <<<"$OUT")" 3
expect_match "dated as [UTC time] text" "^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\] $M first$" "$OUT"
expect_match "non-printable bytes shown escaped" "$M odd\\\\x09bytes \\\\xff end" "$OUT"
t=$(head -1 <<<"$OUT" | sed 's/^\[\([^]]*\)\].*/\1/')
d=$(( $(date -u -d "$t" +%s) - $(date +%s) ))
[ "${d#-}" -le 5 ] && ok "record time within 5 s of date ($d s)" || fail "record time" "$t is $d s from now"

# --- JSON ---
expect_rc "kmsg --json" 0 "$NR" --json kmsg --grep "$M" --since "$(win)"
expect_json "common fields" '.tool == "netrescue" and .command == "kmsg" and .source == "/dev/kmsg"' "$OUT"
expect_json "three records" '.records | length == 3' "$OUT"
expect_json "record fields" '.records[0] | (.seq|type) == "number" and (.time|type) == "string" and (.monotonic_us|type) == "number" and .priority == "warning" and .level == 4 and .facility == "user" and .text == "'"$M"' first"' "$OUT"
expect_json "priorities as written" '[.records[].priority] == ["warning","info","err"]' "$OUT"
expect_json "sequence numbers increase" '[.records[].seq] as $s | $s == ($s|sort) and ($s|unique|length) == 3' "$OUT"
expect_json "odd bytes survive as text" '.records[2].text == "'"$M"' odd\tbytes \\xff end"' "$OUT"
tj=$(jq -r '.records[0].time' <<<"$OUT")
d=$(( $(date -u -d "$tj" +%s) - $(date +%s) ))
[ "${d#-}" -le 5 ] && ok "JSON time within 5 s of date" || fail "JSON time" "$tj is $d s from now"
# dmesg's own timestamp of the record is the monotonic one we report.
mono=$(jq -r '.records[0].monotonic_us' <<<"$OUT")
dm=$(dmesg | grep -F "$M first" | head -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
expect_eq "monotonic_us agrees with dmesg" "$(printf '%d.%06d' $((mono / 1000000)) $((mono % 1000000)))" "$dm"
seq=$(jq -r '.records[0].seq' <<<"$OUT")
kseq=$(timeout 5 dd if=/dev/kmsg iflag=nonblock bs=8192 2>/dev/null | tr -d '\0' | grep -a "$M first" | head -1 | cut -d, -f2)
expect_eq "seq agrees with /dev/kmsg" "$seq" "$kseq"

# --- no /dev/kmsg (a minimal container's /dev): the klogctl fallback reads the same records ---
expect_rc "klogctl fallback" 0 unshare -m sh -c 'mount -t tmpfs nrt-dev /dev && exec "$0" --json kmsg --grep "$1" --since "$2"' "$NR" "$M first" "$(win)"
expect_json "fallback named, record found with its priority" '.source == "klogctl" and (.records | length) == 1 and .records[0].priority == "warning" and .records[0].facility == "user" and .records[0].text == "'"$M"' first"' "$OUT"
expect_eq "fallback: same monotonic time" "$(jq .records[0].monotonic_us <<<"$OUT")" "$mono"

# --- filters ---
expect_rc "grep is case-sensitive" 0 "$NR" --json kmsg --grep "${M^^}" --since "$(win)"
expect_json "no match in another case" '.records | length == 0' "$OUT"
expect_rc "-i ignores case" 0 "$NR" --json kmsg -i --grep "${M^^} FIRST" --since "$(win)"
expect_json "-i matches" '.records | length == 1' "$OUT"
expect_rc "--level warning" 0 "$NR" --json kmsg --grep "$M" --level warning --since "$(win)"
expect_json "--level keeps warning and worse" '[.records[].priority] == ["warning","err"]' "$OUT"
expect_rc "--level 3" 0 "$NR" --json kmsg --grep "$M" -l 3 --since "$(win)"
expect_json "--level 3 keeps err" '[.records[].priority] == ["err"]' "$OUT"
expect_one_line_error "bad --level" 2 "bad --level" "$NR" kmsg --level loud
expect_rc "whole buffer without --since" 0 "$NR" --json kmsg --grep "$M second"
expect_json "found without a window" '(.records | length) == 1 and .since_seconds == null' "$OUT"
sleep 3
expect_rc "--since excludes older records" 0 "$NR" --json kmsg --grep "$M" --since 2s
expect_json "nothing in the last 2 s" '(.records | length) == 0 and .since_seconds == 2' "$OUT"
expect_rc "whole buffer reads everything" 0 "$NR" --json kmsg
n_nr=$(jq '.records | length' <<<"$OUT")
n_dm=$(dmesg | wc -l)
# dmesg and we read at slightly different moments; other tests may log in between.
[ $((n_nr - n_dm)) -le 50 ] && [ $((n_dm - n_nr)) -le 50 ] && ok "record count close to dmesg ($n_nr vs $n_dm)" \
	|| fail "record count" "netrescue $n_nr, dmesg $n_dm"

# --- bad input ---
expect_one_line_error "malformed --since" 2 "bad --since" "$NR" kmsg --since 5x
expect_one_line_error "zero --since" 2 "bad --since" "$NR" kmsg --since 0
expect_one_line_error "positional argument" 2 "takes no arguments" "$NR" kmsg foo
expect_rc "kmsg --help" 0 "$NR" kmsg --help
expect_match "help explains --since with an example" 'netrescue kmsg --grep' "$OUT"

# --- without root: kernel.dmesg_restrict refuses the log; one clear line, exit 3 ---
if [ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ]; then
	expect_one_line_error "not root" 3 "kernel log not readable" setpriv --reuid=65534 --regid=65534 --clear-groups "$NR" kmsg
	expect_eq "not root: nothing on stdout" "$OUT" ""
	expect_rc "not root, --json: exit 3" 3 setpriv --reuid=65534 --regid=65534 --clear-groups "$NR" --json kmsg
	expect_json "not root, --json: one error document, no half one" '.command == "kmsg" and .error.code == 3 and (.error.message | test("not readable")) and .records == null' "$OUT"
else
	ok "dmesg_restrict is 0 here: non-root case not applicable"
fi
