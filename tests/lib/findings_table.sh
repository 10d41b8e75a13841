#!/usr/bin/env bash
# The README's findings table, made from `netrescue --json help findings` (src/report/catalog.c).
#   tests/lib/findings_table.sh            prints the markdown table
#   tests/lib/findings_table.sh --update   also replaces the block between the README markers
#                                          <!-- findings:begin --> and <!-- findings:end -->
# tests/integration/docs.sh fails when README's table and the binary's catalog differ.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
table() {
	echo '| id | severity | reported by | what it means | what to do |'
	echo '|---|---|---|---|---|'
	"$NR" --json help findings | jq -r '.findings[] |
		"| `\(.id)` | \(.severities | join("/")) | \(.checks | join(", ")) | \(.meaning) | \(.action) |"'
}
table >"${TMPDIR:-/tmp}/findings_table.$$" || { rm -f "${TMPDIR:-/tmp}/findings_table.$$"; exit 3; }
if [ "${1:-}" = --update ]; then
	README=$ROOT/README.md
	{
		sed '/<!-- findings:begin -->/q' "$README"
		cat "${TMPDIR:-/tmp}/findings_table.$$"
		sed -n '/<!-- findings:end -->/,$p' "$README"
	} >"$README.new.$$" && mv "$README.new.$$" "$README"
else
	cat "${TMPDIR:-/tmp}/findings_table.$$"
fi
rm -f "${TMPDIR:-/tmp}/findings_table.$$"
