# Assertions for integration tests. Source it; every check prints "ok - NAME" or
# "not ok - NAME: why", which tests/run.sh counts. Checks never exit the script.
#   NR      path of the binary under test
#   ok NAME / fail NAME WHY
#   expect_eq NAME ACTUAL EXPECTED
#   expect_rc NAME RC CMD...        runs CMD, compares its exit code; keeps stdout/stderr in
#                                   $OUT / $ERR for further checks
#   expect_match NAME REGEX TEXT    (grep -E)
#   expect_json NAME JQ-EXPR JSON   the jq expression must yield true
T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NR=${NR:-$T_ROOT/dist/netrescue}
T_FAILS=0

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1: $2"; T_FAILS=$((T_FAILS + 1)); }

expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

OUT= ERR= RC=
T_TMP=$(mktemp -d /tmp/nrtest.XXXXXX)
expect_rc() {
	local name=$1 want=$2
	shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
	if [ "$RC" == "$want" ]; then ok "$name"; else fail "$name" "exit $RC, want $want; stderr: $(head -c 400 "$T_TMP/err" | tr '\n' ' ')"; fi
}

expect_match() {
	if grep -qE -- "$2" <<<"$3"; then ok "$1"; else fail "$1" "no match for /$2/ in: $(head -c 400 <<<"$3" | tr '\n' ' ')"; fi
}

expect_nomatch() {
	if grep -qE -- "$2" <<<"$3"; then fail "$1" "unexpected /$2/ in: $(grep -E -- "$2" <<<"$3" | head -3 | tr '\n' ' ')"; else ok "$1"; fi
}

# Every output of the expression must be true (not only the last one), and there must be one.
expect_json() {
	local r
	r=$(jq -e "[$2] | length > 0 and all" <<<"$3" 2>&1)
	if [ $? -eq 0 ] && [ "$r" = true ]; then ok "$1"; else fail "$1" "jq '$2' gave '$(jq -c "[$2]" <<<"$3" 2>&1 | head -c 200)' on: $(head -c 300 <<<"$3" | tr '\n' ' ')"; fi
}

# One-line stderr check: exit code, a single line, and a word it must contain.
expect_one_line_error() { # NAME WANT_RC REGEX CMD...
	local name=$1 want=$2 re=$3
	shift 3
	expect_rc "$name: exit $want" "$want" "$@"
	local lines
	lines=$(printf '%s' "$ERR" | grep -c '' || true)
	if [ "$lines" == 1 ]; then ok "$name: one line"; else fail "$name: one line" "stderr had $lines lines: $ERR"; fi
	expect_match "$name: says why" "$re" "$ERR"
}

t_harness_cleanup() { rm -rf "$T_TMP"; }

# A process that tries 8 forks (children sleep SECS; a fork refused at pids.max is ignored), then
# sleeps SECS itself: it waits 0.5 s first so the caller can move it (exec: $! is python) into a
# pids cgroup. Run it with &.
fork_past_limit() { # secs
	exec python3 -c '
import os, sys, time
secs = int(sys.argv[1])
time.sleep(0.5)
for _ in range(8):
    try:
        if os.fork() == 0:
            time.sleep(secs); os._exit(0)
    except OSError:
        pass
time.sleep(secs)' "$1"
}
