#!/usr/bin/env bash
# CLI fuzz loop: random command lines over every command (options from each command's own
# help, values from a hostile vocabulary), run against dist/netrescue. Asserts for each run:
# no signal, exit code in {0,1,2,3}, and with --json exactly one JSON document on stdout.
# Nothing that changes the node is ever generated (--fix, --kill, --force, -w, --bundle,
# --upload and live capture are left out); every run has a time limit and a private cwd.
#   CLI_FUZZ_RUNS=N   number of command lines (default 200)
#   CLI_FUZZ_SECONDS=S  or: run for S seconds instead
#   CLI_FUZZ_SEED=N   reproduce a sequence
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
RUNS=${CLI_FUZZ_RUNS:-200}
SECS=${CLI_FUZZ_SECONDS:-0}
SEED=${CLI_FUZZ_SEED:-$$}
RANDOM=$SEED
command -v jq >/dev/null || { echo "not ok - cli fuzz: jq missing"; exit 1; }
[ -x "$NR" ] || { echo "not ok - cli fuzz: $NR missing"; exit 1; }
W=$(mktemp -d /tmp/nrclifuzz.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/hr/etc/cni/net.d" "$W/cwd"
printf 'x' >"$W/file"

# pause waits for SIGTERM by design (the DaemonSet's keep-alive): tests/integration/image.sh
# checks it; random argv would only wait for the timeout.
mapfile -t CMDS < <("$NR" --json help | jq -r '.commands[].name' | grep -vx pause)
# Options a command documents ("  --name", "  -x, --name"), minus those that change things.
declare -A OPTS
for c in "${CMDS[@]}"; do
	OPTS[$c]=$("$NR" --json help "$c" | jq -r '.help // ""' | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |
		tr -d ' ,' | grep -vxE -- '--(fix|kill|force|bundle|upload|capture|capture-dir|watch|inside|resumable)|-w|-H|-G|-C|-W|-i' | sort -u | tr '\n' ' ')
done
VALS=(0 1 -1 65535 65536 99999999999999999999 8080 10.4.0.5 ::1 fd00::1 1.2.3 256.1.1.1 '' ' ' -
	-- --json --host-root 1s 15m 2h 0s 1d1 default/web a/b/c cbr0 eth0 lo $'x\ny' $'\e[31m' $'\xff\xfe'
	"$(printf 'A%.0s' $(seq 1 300))" '%s%n' '../../etc/passwd' "$W/file" "$W/hr" /nonexistent
	'port 80' 'host 10.0.0.1' 'tcp[13] & 2 != 0' 'bogus filter ((' "https://127.0.0.1:1/x?X-Goog-Signature=abc")
pick() { local -n a=$1; printf '%s' "${a[RANDOM % ${#a[@]}]}"; }

fails=0 runs=0 t_end=$((SECONDS + SECS))
one() {
	local c args=() json=0 n i o opts rc out
	c=$(pick CMDS)
	# capture and upload only in forms that touch nothing: reading a file, or bad input.
	[ $((RANDOM % 4)) = 0 ] && { json=1; args+=(--json); }
	[ $((RANDOM % 5)) = 0 ] && args+=(--host-root "$W/hr")
	args+=("$c")
	case "$c" in
	capture) args+=(-r "$W/file") ;;
	upload) args+=("$W/file" "https://127.0.0.1:1/o?X-Goog-Signature=sig" --retries 0) ;;
	esac
	read -ra opts <<<"${OPTS[$c]}"
	n=$((RANDOM % 5))
	for ((i = 0; i < n; i++)); do
		if [ ${#opts[@]} -gt 0 ] && [ $((RANDOM % 3)) != 0 ]; then
			o=${opts[RANDOM % ${#opts[@]}]}
			args+=("$o")
			[ $((RANDOM % 2)) = 0 ] && args+=("$(pick VALS)")
		else
			args+=("$(pick VALS)")
		fi
	done
	(cd "$W/cwd" && timeout -s KILL 60 "$NR" "${args[@]}" </dev/null >"$W/out" 2>"$W/err"); rc=$?
	runs=$((runs + 1))
	out="$(printf '%q ' "${args[@]}")"
	case "$rc" in
	0|1|2|3) ;;
	*) echo "not ok - cli fuzz: exit $rc (signal or timeout) for: netrescue $out"; head -c 300 "$W/err"; fails=$((fails + 1)); return ;;
	esac
	if [ "$json" = 1 ] && [ "$(jq -s length <"$W/out" 2>/dev/null)" != 1 ]; then
		echo "not ok - cli fuzz: --json printed not exactly one document (exit $rc) for: netrescue $out"
		head -c 300 "$W/out"; echo
		fails=$((fails + 1))
	fi
	if grep -q $'\e' "$W/err"; then
		echo "not ok - cli fuzz: a raw ESC reached stderr for: netrescue $out"
		fails=$((fails + 1))
	fi
}
if [ "$SECS" -gt 0 ]; then
	while [ $SECONDS -lt $t_end ]; do one; done
else
	for ((k = 0; k < RUNS; k++)); do one; done
fi
[ "$fails" = 0 ] && echo "ok - cli fuzz: $runs command lines (seed $SEED): no signal, exits 0-3, one JSON document each"
[ "$fails" = 0 ]
