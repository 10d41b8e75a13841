#!/usr/bin/env bash
# Runs every tests/bench/*.sh. Each prints lines "bench NAME: ..." with ratios against the tool a user
# would run otherwise, measured in the same run. Results also go to build/bench-out/.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$ROOT/build/bench-out"
size=$(stat -c %s "$ROOT/dist/netrescue")
echo "bench binary: dist/netrescue $size bytes ($((size / 1024)) KiB), budget 1536 KiB"
for b in "$ROOT"/tests/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	[ -z "${1:-}" ] || [[ "$(basename "$b")" == *"$1"* ]] || continue
	echo "== $(basename "$b" .sh)"
	bash "$b" 2>&1 | tee "$ROOT/build/bench-out/$(basename "$b" .sh).txt"
done
