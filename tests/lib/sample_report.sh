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

# The kernel log is the machine's and other tests write to it: the window starts when this node
# was set up, and a run that still caught another test's record (they carry "nrt" markers) is
# repeated after a pause.
T0=$(date +%s)
for try in 1 2 3 4 5; do
	nr diagnose --pod-ip 10.4.0.5 --port 8080 --since "$(($(date +%s) - T0 + 1))s" \
		>"$T_TMP/report.txt" 2>"$T_TMP/report.err"
	rc=$?
	grep -q 'nrt[-a-z0-9]*[0-9]' "$T_TMP/report.txt" || break
	sleep 5
	T0=$(date +%s)
done

# Host-specific bits become fixed placeholders of the same length (tables stay aligned):
# pod UIDs, veth names, pids, netns inodes, container IDs, host name, kernel, times.
{
	echo "uid ${POD_UID[web]} 5b0f3c2e-7d1a-4c59-9e8b-2f6a1d0c4b71"
	echo "uid ${POD_UID[api]} a41c9d27-3e6f-4b80-b1d5-9c7e2a6f0d13"
	echo "if ${POD_IF[web]} veth3f2a91c0d5e7b"
	echo "if ${POD_IF[api]} veth8c41d7e2a9f03"
	echo "host $(hostname) gke-pool-1-node-7x2k"
	echo "kernel $(uname -r) 6.1.0-27-cloud-amd64"
	for p in $(pgrep -f "socat TCP-LISTEN:8080") "${POD_PIDS[web]}" "${POD_PIDS[api]}"; do
		echo "pid $p 4711"
		echo "netns $(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null) 4026532"
	done
} >"$T_TMP/subst"
python3 - "$T_TMP/subst" "$T_TMP/report.txt" >"$T_TMP/sample.txt" <<'PY'
import re, sys
text = open(sys.argv[2]).read()
pairs, seen = [], {}
for line in open(sys.argv[1]):
    kind, orig, new = line.split()
    if not orig or orig in seen:
        continue
    if kind in ("pid", "netns"):  # same length, distinct per value: 4711, 4712 / 4026532101, ...
        n = sum(1 for k in seen.values() if k == kind)
        new = new + str(101 + n) if kind == "netns" else str(int(new) + n) * 3
        new = new[:len(orig)].rjust(len(orig), "4")
    elif kind == "if":
        new = new[:len(orig)].ljust(len(orig), "0")
    seen[orig] = kind
    pairs.append((orig, "\0%d\0" % len(pairs), new))
# Whole-word swaps through markers, so one placeholder is never rewritten by the next rule.
for orig, mark, new in sorted(pairs, key=lambda p: -len(p[0])):
    text = re.sub(r"(?<![0-9A-Za-z])" + re.escape(orig) + r"(?![0-9A-Za-z])", mark, text)
text = re.sub(r"\b[0-9a-f]{64}\b", "8d3c6f0a1b2e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c", text)
text = re.sub(r"\b[0-9a-f]{12}\b", "8d3c6f0a1b2e", text)
text = re.sub(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(Z|[+-]\d\d:?\d\d)?", "2026-01-01 10:00:00", text)
for orig, mark, new in pairs:
    text = text.replace(mark, new)
sys.stdout.write(re.sub(r"[ \t]+$", "", text, flags=re.M))
PY
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
