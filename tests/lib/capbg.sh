# Background netrescue captures for the capture tests. Source after node.sh; needs $D (output
# directory) and the array BG (pids the test's trap kills).
# cap_bg TAG ARGS...: starts `netrescue capture ARGS` in the node, output in $D/TAG.out|err;
# sets CPID; returns once it says "listening on" (the capture is really open).
cap_bg() {
	local tag=$1 i
	shift
	ip netns exec "$NODE" "$NR" --host-root "$HR" capture "$@" >"$D/$tag.out" 2>"$D/$tag.err" &
	CPID=$!
	BG+=("$CPID")
	for i in $(seq 1 100); do
		grep -q 'listening on' "$D/$tag.err" 2>/dev/null && return 0
		kill -0 "$CPID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
