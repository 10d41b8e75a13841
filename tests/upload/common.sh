# The set-up tests/integration/upload*.sh share (sourced after tests/lib/harness.sh): a netns
# $NS with loopback up, a private temp dir $W, peers listed in PIDS killed on exit, and the
# npm peers (s3rver, the AWS SDK, @google-cloud/storage, Azurite) installed once.
UP_DIR=$T_ROOT/tests/upload
NS=nrt$$-${UP_TAG:-up}
W=$(mktemp -d /tmp/nrupload.XXXXXX)
PIDS=()
up_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W"
	t_harness_cleanup
}
trap up_cleanup EXIT
trap 'exit 130' INT TERM
up_have() { [ -d "$UP_DIR/node_modules/s3rver" ] && [ -d "$UP_DIR/node_modules/@google-cloud/storage" ] && [ -d "$UP_DIR/node_modules/azurite" ]; }
if ! up_have; then
	# Tests may run side by side: one npm ci at a time.
	(cd "$UP_DIR" && flock /tmp/netrescue-upload-npm.lock sh -c '[ -d node_modules/s3rver ] && [ -d node_modules/@google-cloud/storage ] && [ -d node_modules/azurite ] || npm ci --no-audit --no-fund') \
		>"$W/npm.log" 2>&1 || { fail "npm ci" "$(tail -5 "$W/npm.log")"; exit 1; }
fi
ip netns add "$NS"
ip -n "$NS" link set lo up
inns() { ip netns exec "$NS" "$@"; }
# serve DIR MODE ARGS...: a peers.js server in the netns, its output in DIR.out.
serve() {
	local d=$1
	shift
	mkdir -p "$d"
	inns node "$UP_DIR/peers.js" "$@" --dir "$d" >"$d.out" 2>&1 &
	PIDS+=($!)
}
wait_file() { local i; for i in $(seq 1 150); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
