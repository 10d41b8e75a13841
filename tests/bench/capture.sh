#!/usr/bin/env bash
# bench capture: one bounded UDP flood between two namespaces made here, captured at the same
# time, on the same interface, by `tcpdump -w` (its defaults: 2 MiB ring, 1 s timeout) and by
# `netrescue capture -w` (defaults). Prints packets captured vs sent, kernel drops, CPU seconds
# per million packets and peak RSS of each, and the ratios.
#   BENCH_PACKETS (default 2000000) small frames (BENCH_PAYLOAD bytes, default 18: 60-byte
#   frames), then BENCH_BIG_PACKETS (default 300000) 1442-byte frames.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=$ROOT/dist/netrescue
ID=nrb$$
A=$ID-a B=$ID-b
TMP=$(mktemp -d /tmp/nrbench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for c in tcpdump gcc /usr/bin/time jq; do
	command -v "$c" >/dev/null || { echo "bench capture: skipped: $c missing (apt-get install tcpdump gcc time jq)"; exit 0; }
done

# A flooder that sends exactly N datagrams as fast as one core can (sendmmsg, 256 at a time).
cat >"$TMP/flood.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
	long n = atol(argv[2]), sent = 0;
	int pay = atoi(argv[3]), s = socket(AF_INET, SOCK_DGRAM, 0), k, i;
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(9) };
	static char buf[1500];
	struct mmsghdr m[256];
	struct iovec v = { buf, (size_t)pay };
	inet_pton(AF_INET, argv[1], &d.sin_addr);
	memset(m, 0, sizeof m);
	for (i = 0; i < 256; i++) {
		m[i].msg_hdr.msg_name = &d;
		m[i].msg_hdr.msg_namelen = sizeof d;
		m[i].msg_hdr.msg_iov = &v;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < n) {
		k = sendmmsg(s, m, n - sent < 256 ? (unsigned)(n - sent) : 256, 0);
		if (k > 0)
			sent += k;
	}
	return 0;
}
EOF
gcc -O2 -o "$TMP/flood" "$TMP/flood.c" || { echo "bench capture: flooder does not compile"; exit 1; }

ip netns add "$A" && ip netns add "$B"
ip -n "$A" link add eth0 type veth peer name eth0 netns "$B"
ip -n "$A" addr add 10.77.0.1/24 dev eth0
ip -n "$B" addr add 10.77.0.2/24 dev eth0
ip -n "$A" link set eth0 up && ip -n "$B" link set eth0 up
ip -n "$A" link set lo up && ip -n "$B" link set lo up
# The flood goes to 10.77.0.3, which nobody owns, through a static neighbour entry holding B's
# MAC: B receives every frame and drops it at the IP layer (no forwarding), so the sender's core
# is spent on sending, not on answering with ICMP.
ip -n "$A" neigh add 10.77.0.3 lladdr "$(ip -n "$B" -j link show eth0 | jq -r '.[0].address')" dev eth0
FILTER="udp and dst port 9"

# Returns the pid of the process `time` runs (ip netns exec execs it, so it is time's child).
child_of() { local i c; for i in $(seq 1 100); do c=$(ps -o pid= --ppid "$1" | tr -d ' '); [ -n "$c" ] && { echo "$c"; return; }; sleep 0.02; done; }

count() { local s; s=$(stat -c %s "$1"); echo $(( (s - 24) / (16 + FRAME) )); }
cpu() { awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.3f", u + s}' "$1"; }
rss() { awk -F': ' '/Maximum resident/ {print $2}' "$1"; }
one() { # packets payload
	local N=$1 PAY=$2 FRAME=$((14 + 20 + 8 + $2)) TT NT TD NP start end td_cap nr_cap td_drop nr_drop td_cpu nr_cpu td_rss nr_rss rate i
	rm -f "$TMP"/*.pcap "$TMP"/*.err "$TMP"/*.time "$TMP/nr.json"
	/usr/bin/time -v -o "$TMP/td.time" ip netns exec "$B" tcpdump -Z root -i eth0 -w "$TMP/td.pcap" "$FILTER" 2>"$TMP/td.err" &
	TT=$!; PIDS+=("$TT")
	/usr/bin/time -v -o "$TMP/nr.time" ip netns exec "$B" "$NR" --json capture -i eth0 -w "$TMP/nr.pcap" "$FILTER" >"$TMP/nr.json" 2>"$TMP/nr.err" &
	NT=$!; PIDS+=("$NT")
	for i in $(seq 1 200); do
		grep -q 'listening on' "$TMP/td.err" 2>/dev/null && grep -q 'listening on' "$TMP/nr.err" 2>/dev/null && break
		sleep 0.05
	done
	TD=$(child_of "$TT"); NP=$(child_of "$NT")

	start=$(date +%s.%N)
	ip netns exec "$A" "$TMP/flood" 10.77.0.3 "$N" "$PAY"
	end=$(date +%s.%N)
	sleep 1.5 # both drain (tcpdump's timeout is 1 s)
	kill -INT "$TD" "$NP"
	wait "$TT" "$NT" 2>/dev/null

	td_cap=$(count "$TMP/td.pcap"); nr_cap=$(count "$TMP/nr.pcap")
	td_drop=$(grep -o '[0-9]* packets dropped by kernel' "$TMP/td.err" | grep -o '^[0-9]*')
	nr_drop=$(jq .packets_dropped "$TMP/nr.json")
	td_cpu=$(cpu "$TMP/td.time"); nr_cpu=$(cpu "$TMP/nr.time")
	td_rss=$(rss "$TMP/td.time"); nr_rss=$(rss "$TMP/nr.time")
	rate=$(awk -v n="$N" -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", n / (b - a)}')
	pm() { awk -v c="$1" -v n="$2" 'BEGIN {printf "%.3f", n ? c / n * 1e6 : 0}'; }
	echo "bench capture: flood of $N UDP packets ($FRAME-byte frames) at ~$rate pkt/s, both capturing at once"
	printf 'bench capture: %-10s captured %8s/%s  kernel drops %8s  CPU %6ss (%s s/Mpkt)  peak RSS %s KiB\n' \
		tcpdump "$td_cap" "$N" "${td_drop:-?}" "$td_cpu" "$(pm "$td_cpu" "$td_cap")" "$td_rss"
	printf 'bench capture: %-10s captured %8s/%s  kernel drops %8s  CPU %6ss (%s s/Mpkt)  peak RSS %s KiB\n' \
		netrescue "$nr_cap" "$N" "$nr_drop" "$nr_cpu" "$(pm "$nr_cpu" "$nr_cap")" "$nr_rss"
	awk -v a="$nr_cap" -v b="$td_cap" -v c="$(pm "$nr_cpu" "$nr_cap")" -v d="$(pm "$td_cpu" "$td_cap")" -v r="$nr_rss" -v s="$td_rss" \
		'BEGIN {printf "bench capture: ratios netrescue/tcpdump: captured %.3f, CPU per packet %.2f, peak RSS %.2f\n", b ? a / b : 0, d ? c / d : 0, s ? r / s : 0}'
}

# Small frames: packet rate; big frames: byte rate, where tcpdump's 2 MiB ring overflows.
one "${BENCH_PACKETS:-2000000}" "${BENCH_PAYLOAD:-18}"
one "${BENCH_BIG_PACKETS:-300000}" 1400
