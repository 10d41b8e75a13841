#!/usr/bin/env bash
# The product's own documentation stays true: every finding ID the code can report is in the
# catalog (`netrescue help findings`), every catalog ID is in the contract's list or in README's
# list of additions, README's findings table is the catalog, `help findings ID`/`help contract`
# work (text and one JSON document), and README points at nothing a user does not have.
# Adding a finding ID: one row in src/report/catalog.c, then tests/lib/findings_table.sh --update
# (and name the ID under README's "What netrescue adds to the contract").
. "$(dirname "$0")/../lib/harness.sh"
cd "$T_ROOT" || exit 1
README=$T_ROOT/README.md

# --- the IDs the code reports -------------------------------------------------------------------
# findings_add(fs, "id", ...) with the ID as a literal (also across lines); calls that pass the ID
# in a variable live in files listed here, with the pattern that finds their IDs' literals.
declare -A INDIRECT=([src/drops/findings.c]='"drops-[a-z0-9-]+"')
code_ids() {
	local f
	perl -0777 -ne 'while (/\bfindings_add\(\s*[^,()]+,\s*"([a-z0-9-]+)"/g) { print "$1\n" }' \
		$(grep -rl 'findings_add(' src --include='*.c')
	for f in "${!INDIRECT[@]}"; do grep -oE "${INDIRECT[$f]}" "$f" | tr -d '"'; done
}
CODE_IDS=$(code_ids | sort -u)
# Every call with a non-literal ID must be in a file INDIRECT knows.
unknown=$(perl -0777 -ne 'while (/\bfindings_add\(\s*[^,()]+,\s*([^",\s][^,]*),/g) { print "$ARGV: $1\n" }' \
	$(grep -rl 'findings_add(' src --include='*.c' | grep -v '^src/report/findings\.c$') \
	| while IFS=: read -r f rest; do [ -n "${INDIRECT[$f]:-}" ] || echo "$f:$rest"; done)
expect_eq "every findings_add with an ID in a variable is in a file the test reads IDs from" "$unknown" ""
n=$(wc -l <<<"$CODE_IDS")
[ "$n" -ge 40 ] && ok "found $n finding IDs in src/" || fail "finding IDs in src/" "only $n found: the grep is broken"

# --- the catalog ----------------------------------------------------------------------------------
expect_rc "help findings --json: exit 0" 0 "$NR" --json help findings
CAT=$OUT
expect_json "help findings --json: one document with findings[{id, severities, checks, meaning, action}]" \
	'.tool == "netrescue" and .command == "help" and (.findings | length > 0) and
	 all(.findings[]; (.id | test("^[a-z0-9]+(-[a-z0-9]+)+$")) and (.severities | length > 0) and
	     all(.severities[]; . == "fail" or . == "warn" or . == "info") and (.checks | length > 0) and
	     (.meaning | length > 20) and (.action | length > 5))' "$CAT"
CAT_IDS=$(jq -r '.findings[].id' <<<"$CAT" | sort)
expect_eq "catalog IDs are unique" "$(uniq -d <<<"$CAT_IDS")" ""
expect_eq "every finding ID in src/ is in the catalog" "$(comm -23 <(echo "$CODE_IDS") <(echo "$CAT_IDS") | paste -sd' ')" ""
expect_eq "every catalog ID is reported somewhere in src/" "$(comm -13 <(echo "$CODE_IDS") <(echo "$CAT_IDS") | paste -sd' ')" ""
# Every command a row names exists.
cmds=$("$NR" --json help | jq -r '.commands[].name' | sort)
expect_eq "catalog rows name only real commands" \
	"$(jq -r '.findings[].checks[]' <<<"$CAT" | sort -u | comm -23 - <(echo "$cmds") | paste -sd' ')" ""
expect_json "no '|' in catalog text (the README table is made from it)" \
	'all(.findings[]; (.meaning + .action) | test("[|]") | not)' "$CAT"

# --- the contract's list and README's additions ------------------------------------------------
CONTRACT=
for c in "$T_ROOT/../shared/design/CONTRACT.md" "$T_ROOT/../../shared/design/CONTRACT.md" /work/shared/design/CONTRACT.md; do
	[ -f "$c" ] && { CONTRACT=$c; break; }
done
# The IDs in the first cell of each row of the contract's "Finding IDs" table.
CONTRACT_IDS=
[ -n "$CONTRACT" ] && CONTRACT_IDS=$(sed -n '/^## Finding IDs/,/^## /p' "$CONTRACT" | grep '^| `' \
	| cut -d'|' -f2 | grep -oE '`[a-z0-9-]+`' | tr -d '`' | sort -u)
ADDED_IDS=$(sed -n '/^## What netrescue adds to the contract/,/^## /p' "$README" | grep -oE '`[a-z0-9]+(-[a-z0-9]+)+`' | tr -d '`' | sort -u)
if [ -n "$CONTRACT" ]; then
	expect_eq "every contract finding ID is in the catalog" "$(comm -23 <(echo "$CONTRACT_IDS") <(echo "$CAT_IDS") | paste -sd' ')" ""
	expect_eq "every catalog ID is in the contract or in README's additions" \
		"$(comm -23 <(echo "$CAT_IDS") <(sort -u <(echo "$CONTRACT_IDS") <(echo "$ADDED_IDS")) | paste -sd' ')" ""
else
	ok "CONTRACT.md not on this machine: the contract comparison is skipped"
fi

# --- README's findings table ---------------------------------------------------------------------
want=$(NR=$NR tests/lib/findings_table.sh)
have=$(sed -n '/<!-- findings:begin -->/,/<!-- findings:end -->/p' "$README" | sed '1d;$d')
if [ "$have" == "$want" ]; then ok "README's findings table is 'netrescue help findings'"
else fail "README's findings table is 'netrescue help findings'" "differs (run tests/lib/findings_table.sh --update): $(diff <(echo "$want") <(echo "$have") | head -5 | tr '\n' ' ')"; fi

# --- help findings / help contract as a user runs them -----------------------------------------
expect_rc "help findings: exit 0" 0 "$NR" help findings
missing=$(for id in $CAT_IDS; do grep -q "^$id (" <<<"$OUT" || echo "$id"; done | paste -sd' ')
expect_eq "help findings: one entry per ID" "$missing" ""
expect_match "help findings: says what fail/warn/info mean" 'fail: .*warn: .*info: ' "$(tr '\n' ' ' <<<"$OUT")"
expect_rc "help findings mtu-mismatch: exit 0" 0 "$NR" help findings mtu-mismatch
expect_match "help findings mtu-mismatch: that entry only" '^mtu-mismatch \(fail\), reported by: diagnose mtu$' "$(head -1 <<<"$OUT")"
expect_eq "help findings mtu-mismatch: one entry" "$(grep -c 'reported by:' <<<"$OUT")" 1
expect_match "help findings mtu-mismatch: what to do" 'what to do: ' "$OUT"
expect_rc "help findings ID --json" 0 "$NR" --json help findings drops-other
expect_json "help findings ID --json: one element, severities split" \
	'(.findings | length == 1) and .findings[0].id == "drops-other" and .findings[0].severities == ["warn", "info"]' "$OUT"
expect_rc "help findings NOPE: exit 2" 2 "$NR" help findings no-such-id
expect_match "help findings NOPE: one line naming it" "unknown finding ID 'no-such-id'" "$ERR"
expect_rc "help findings NOPE --json: exit 2" 2 "$NR" --json help findings no-such-id
expect_json "help findings NOPE --json: one document with error" '.error.code == 2 and (.error.message | test("no-such-id"))' "$OUT"
expect_rc "help findings A B: exit 2" 2 "$NR" help findings bridge-down link-down
expect_rc "help contract: exit 0" 0 "$NR" help contract
for w in '^  0  done' '^  1  a check found' '^  2  usage error' '^  3  could not do' '"tool": "netrescue"' \
	'"error": \{"code"' 'errno_name' 'never renamed' '"severity"' 'netrescue help findings'; do
	expect_match "help contract: names $w" "$w" "$OUT"
done
# Every command is named in the contract.
missing=$(for c in $cmds; do grep -qw -- "$c" <<<"$OUT" || echo "$c"; done | paste -sd' ')
expect_eq "help contract: names every command" "$missing" ""
expect_rc "help contract --json" 0 "$NR" --json help contract
expect_json "help contract --json: one document, the text" '.command == "help" and .topic == "contract" and (.help | test("EXIT CODES"))' "$OUT"
expect_rc "help overview names help findings and help contract" 0 "$NR" help
expect_match "help overview: help findings" "help findings" "$OUT"
expect_match "help overview: help contract" "help contract" "$OUT"

# --- diagnose --watch: one option, and what it counts, in help and README ----------------------
expect_rc "help diagnose: exit 0" 0 "$NR" help diagnose
expect_eq "help diagnose: --watch described once" "$(grep -c '^  --watch ' <<<"$OUT")" 1
expect_match "help diagnose: --watch recounts zombies (zombies-accumulating)" \
	'zombies-accumulating' "$(sed -n '/^  --watch /,/^  --[a-z]/p' <<<"$OUT")"
expect_match "README: diagnose --watch recounts zombies" \
	'--watch S` lengthens the watch window: .*zombies' "$(sed -n '/^`--watch S`/,/^$/p' "$README" | tr '\n' ' ')"

# --- README is a user's manual ------------------------------------------------------------------
expect_nomatch "README does not send users to CONTRACT.md (they do not have it)" 'CONTRACT\.md' "$(cat "$README")"
missing=$(for c in $cmds; do grep -q "netrescue $c\b" "$README" || echo "$c"; done | paste -sd' ')
expect_eq "README shows every command in use (netrescue CMD)" "$missing" ""
for h in '^## Copy it to the node' '^## Run it' '^## Reading the report' '^## Commands' '^## Findings' \
	'^## What netrescue does not check' '^## Building from source' '^## The contract' '^## Layout'; do
	expect_match "README has section $h" "$h" "$(cat "$README")"
done
expect_match "README has a sample report made by tests/lib/sample_report.sh" \
	'<!-- sample-report:begin -->' "$(cat "$README")"
expect_eq "README: no line appears twice (a bad merge)" \
	"$(sed '/^## Layout/,/^## /d;/^## How the code is laid out/,/^## /d;/sample-report:begin/,/sample-report:end/d' "$README" \
		| grep -vE '^\s*$|^```|^\|---|^<!--|^    ' | sort | uniq -d | head -3)" ""
exit 0
