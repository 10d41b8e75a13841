#!/usr/bin/env bash
# rules and service on a big node: kube-proxy's iptables layout for 10,000 Services (~80,000
# iptables rules with the endpoint chains; iptables-restore, nf_tables backend, and
# iptables-legacy-restore into a second netns). Against what an operator runs by hand:
# `iptables-save -c | grep` for the pod / the Service. Wall time (best of 3) and peak RSS.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
SVCS=${SVCS:-10000}
. "$ROOT/tests/lib/kube_rules.sh"
P=nrbr$$
W=$(mktemp -d /tmp/nrbench.XXXXXX)
[ -x /usr/bin/time ] || { echo "bench rules: needs /usr/bin/time (apt package time)"; exit 1; }
cleanup() { ip netns del "$P-nft" 2>/dev/null; ip netns del "$P-leg" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

kube_rules "$SVCS" >"$W/rules"
ip netns add "$P-nft" && ip netns add "$P-leg"
t0=$(date +%s.%N)
ip netns exec "$P-nft" iptables-restore <"$W/rules" || { echo "bench rules: iptables-restore failed"; exit 1; }
t1=$(date +%s.%N)
ip netns exec "$P-leg" iptables-legacy-restore <"$W/rules" || { echo "bench rules: iptables-legacy-restore failed"; exit 1; }
n=$(ip netns exec "$P-nft" iptables-save | grep -c -- '^-A ')
echo "bench rules: $SVCS Services, $n iptables rules (iptables-restore took $(python3 -c "print(round($t1-$t0,1))")s)"

# best WALL RSS over 3 runs of: ns cmd...
measure() {
	local ns=$1 best=999999 rss=0 i w r
	shift
	for i in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$W/t" ip netns exec "$ns" bash -c "$*" >/dev/null 2>&1
		read -r w r <"$W/t"
		best=$(python3 -c "print(min($best, $w))")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	echo "$best $rss"
}

SVC=10.96.15.138 POD=10.4.15.138
for mode in nft:iptables-save leg:iptables-legacy-save; do
	ns=$P-${mode%%:*} save=${mode#*:}
	read -r ow orss < <(measure "$ns" "$NR rules --pod-ip $POD --port 8080")
	read -r sw srss < <(measure "$ns" "$save -c | grep -- $POD")
	echo "bench rules ${mode%%:*}: rules --pod-ip ${ow}s ${orss} KiB vs $save -c | grep ${sw}s ${srss} KiB: $(python3 -c "print(round($sw/max($ow,0.001),1))")x faster"
	read -r ow orss < <(measure "$ns" "$NR service $SVC:80")
	read -r sw srss < <(measure "$ns" "$save -c | grep -- 'svc3887:'")
	echo "bench rules ${mode%%:*}: service IP:PORT ${ow}s ${orss} KiB vs $save -c | grep ${sw}s ${srss} KiB: $(python3 -c "print(round($sw/max($ow,0.001),1))")x faster"
	read -r ow orss < <(measure "$ns" "$NR rules")
	echo "bench rules ${mode%%:*}: whole ruleset (rules) ${ow}s ${orss} KiB"
	[ "$orss" -lt 32768 ] || echo "bench rules ${mode%%:*}: WARNING peak RSS ${orss} KiB >= 32 MiB"
done
