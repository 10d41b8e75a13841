#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c with clang's libFuzzer (+ASan/UBSan) against the modules and
# runs each for FUZZ_SECONDS (default 60; `./build.sh test` uses 5) on its corpus in
# tests/fuzz/corpus/NAME/ (new inputs found go to build/fuzz/NAME-new/, not into the repo).
# Then tests/fuzz/cli.sh fuzzes the command line of dist/netrescue for as long (NAME "cli": only it).
#   ./build.sh fuzz [SECONDS] [NAME]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/build/fuzz
SECS=${1:-${FUZZ_SECONDS:-60}}
ONLY=${2:-}
mkdir -p "$B/obj"
command -v clang >/dev/null || { echo "not ok - fuzz: clang is not installed"; exit 1; }
CF="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -I$ROOT/src -I$ROOT/build/gen"
objs=()
for s in $(cd "$ROOT" && find src -name '*.c' ! -path src/cli/main.c | sort); do
	o=$B/obj/$(echo "$s" | tr / _).o
	if [ ! -f "$o" ] || [ "$ROOT/$s" -nt "$o" ]; then
		clang $CF -c -o "$o" "$ROOT/$s" 2>"$B/build.log" || { echo "not ok - fuzz: $s does not compile"; cat "$B/build.log"; exit 1; }
	fi
	objs+=("$o")
done
rm -f "$B/libnr.a"; ar rcs "$B/libnr.a" "${objs[@]}"
rc=0
for t in "$ROOT"/tests/fuzz/fuzz_*.c; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .c)
	[ -z "$ONLY" ] || [ "$n" = "$ONLY" ] || [ "$n" = "fuzz_$ONLY" ] || continue
	if ! clang $CF -fsanitize=fuzzer -o "$B/$n" "$t" "$B/libnr.a" -lpcap -lbearssl -lm 2>"$B/$n.build.log"; then
		echo "not ok - $n: does not compile"; cat "$B/$n.build.log"; rc=1; continue
	fi
	corpus=$ROOT/tests/fuzz/corpus/${n#fuzz_}
	mkdir -p "$corpus" "$B/${n#fuzz_}-new"
	if "$B/$n" -max_total_time="$SECS" -timeout=10 -artifact_prefix="$B/$n-" -rss_limit_mb=2048 -print_final_stats=1 \
		"$B/${n#fuzz_}-new" "$corpus" >"$B/$n.log" 2>&1; then
		echo "ok - $n: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$B/$n.log" | grep -o '[0-9]*$') runs in ${SECS}s, no crash"
	else
		echo "not ok - $n: crashed, see $B/$n.log"; grep -A15 'ERROR' "$B/$n.log" | head -30; rc=1
	fi
done
# The command line itself: random argv over every command against dist/netrescue.
if [ -z "$ONLY" ] || [ "$ONLY" = cli ]; then
	CLI_FUZZ_SECONDS=$SECS bash "$ROOT/tests/fuzz/cli.sh" || rc=1
fi
exit $rc
