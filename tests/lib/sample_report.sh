#!/usr/bin/env bash
# The README's sample report: a simulated node (tests/lib/node.sh, kubenet, cbr0) with two
# faults, and `netrescue diagnose` run on it as a user would. Needs root and dist/netrescue.
#   tests/lib/sample_report.sh            prints the normalised text report
#   tests/lib/sample_report.sh --update   also replaces the block between the README markers
#                                         <!-- sample-report:begin --> and <!-- sample-report:end -->
# The faults: pod default/web (10.4.0.5) has a stale process (its container is unknown to the
# runtime) holding port 8080 while the pod's app container logs "address already in use";
# pod default/api (10.4.1.2, routed) has MTU 1500 on a node whose uplink carries 1460.
# Normalised: host name, kernel, pids, netns inodes, pod UIDs, container IDs, veth names, dates
# and timings, so a refresh differs only where the report's format changed.
set -uo pipefail
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/node.sh"
[ "$(id -u)" = 0 ] || { echo "sample_report.sh: needs root (network namespaces)" >&2; exit 3; }

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged web 10.4.0.5
pod_routed api 10.4.1.2
in_pod web ping -c1 -W1 10.4.0.1 >/dev/null 2>&1
in_node ping -c1 -W1 10.4.1.2 >/dev/null 2>&1
pod_mtu api 1500
pod_proc web "$(new_cid)" --stale -- socat TCP-LISTEN:8080,reuseaddr,fork /dev/null
wait_listen "${POD_NS[web]}" 8080 || { echo "sample_report.sh: the stale holder does not listen" >&2; exit 3; }
printf '2026-01-01T10:00:00Z stderr F listen tcp :8080: bind: address already in use\n' \
	>"$HR/var/log/pods/default_web_${POD_UID[web]}/app/0.log"

# --since 1m: the kernel log is the machine's; older records belong to other tests.
nr diagnose --pod-ip 10.4.0.5 --port 8080 --since 1m >"$T_TMP/report.txt" 2>"$T_TMP/report.err"
rc=$?

# Host-specific bits become placeholders. The order matters: specific values first.
sub=()
add() { [ -n "$1" ] && sub+=(-e "s|$(printf '%s' "$1" | sed 's/[.[\*^$|]/\\&/g')|$2|g"); }
add "${POD_UID[web]}" "5b0f3c2e-7d1a-4c59-9e8b-2f6a1d0c4b71"
add "${POD_UID[api]}" "a41c9d27-3e6f-4b80-b1d5-9c7e2a6f0d13"
add "${POD_IF[web]}" "veth3f2a91c0"
add "${POD_IF[api]}" "veth8c41d7e2"
add "$(ip netns exec "$NODE" hostname)" "gke-pool-1-node-7x2k"
add "$(uname -r)" "6.1.0-27-cloud-amd64"
for p in $(pgrep -f "socat TCP-LISTEN:8080" ) "${POD_PIDS[web]}" "${POD_PIDS[api]}"; do
	add "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" "4026532$((RANDOM % 900 + 100))"
done
sed "${sub[@]}" "$T_TMP/report.txt" \
	| sed -E -e 's/\b[0-9a-f]{64}\b/0f4d2c1b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060504/g' \
		-e 's/\b[0-9a-f]{12}\b/0f4d2c1b9a8e/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9:]{4,5})?/2026-01-01 10:00:00/g' \
		-e 's/\b[0-9]+(\.[0-9]+)? ?ms\b/12 ms/g' >"$T_TMP/sample.txt"
cat "$T_TMP/sample.txt"
echo "(exit $rc)"

if [ "${1:-}" = --update ]; then
	README=$T_ROOT/README.md
	{
		sed '/<!-- sample-report:begin -->/q' "$README"
		echo '```'
		echo '$ sudo ./netrescue diagnose --pod-ip 10.4.0.5 --port 8080'
		cat "$T_TMP/sample.txt"
		echo '$ echo $?'
		echo "$rc"
		echo '```'
		sed -n '/<!-- sample-report:end -->/,$p' "$README"
	} >"$T_TMP/README.new" && mv "$T_TMP/README.new" "$README"
	echo "sample_report.sh: README.md updated" >&2
fi
