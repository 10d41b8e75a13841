#!/usr/bin/env bash
# dns: a pod's own resolv.conf (a container with its own mount namespace), read through
# /proc/PID/root, search/ndots applied as glibc does, every nameserver asked over UDP (A+AAAA
# in parallel from one socket) and TCP from inside the pod. Nameservers live in the test's VPC
# namespace: dnsmasq (real answers and NXDOMAIN) at 10.129.0.53 and at 169.254.20.10 (as
# NodeLocal DNSCache), a server answering SERVFAIL, one never answering, one dropping the
# second of two queries from one socket. Oracle: dig in the same pod (nsenter -m -n: its
# resolv.conf too).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni ptp
ip -n "$VPC" addr add 10.129.0.53/32 dev lo
ip -n "$VPC" addr add 169.254.20.10/32 dev lo
for n in 54 55 56; do ip -n "$VPC" addr add 10.129.0.$n/32 dev lo; done
bg_in "$VPC" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.129.0.53 --listen-address=169.254.20.10 --user=root --pid-file= --local=/#/ \
	--host-record=web.default.svc.cluster.local,10.9.9.9,fd00::9 \
	--srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80
PY=$(dirname "$0")/../lib/dns_server.py
bg_in "$VPC" python3 "$PY" servfail 10.129.0.54
bg_in "$VPC" python3 "$PY" silent 10.129.0.55
bg_in "$VPC" python3 "$PY" pairdrop 10.129.0.56
for i in $(seq 1 50); do [ "$(ip netns exec "$VPC" ss -Hlun 'sport = :53' | wc -l)" -ge 5 ] && break; sleep 0.1; done

declare -A CPID
mkpod() { # name ip nameserver
	pod_routed "$1" "$2"
	printf 'nameserver %s\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n' "$3" >"$T_TMP/resolv-$1.conf"
	pod_resolv "$1" "$T_TMP/resolv-$1.conf" || fail "setup: $1" "resolv.conf not in place"
	CPID[$1]=$LAST_PID
}
mkpod good 10.4.1.2 10.129.0.53
mkpod local 10.4.1.3 169.254.20.10
mkpod sfail 10.4.1.4 10.129.0.54
mkpod silent 10.4.1.5 10.129.0.55
mkpod pair 10.4.1.6 10.129.0.56
pdig() { local p=$1; shift; nsenter -t "${CPID[$p]}" -m -n dig +tries=1 +time=2 "$@" 2>/dev/null; }

# --- a name through the search list ---
expect_rc "search list: exit 0" 0 nr --json dns --from 10.4.1.2 web
J=$OUT
expect_json "contract fields" '.tool == "netrescue" and .command == "dns" and .from.ip == "10.4.1.2" and .resolv_conf.nameservers == ["10.129.0.53"] and .resolv_conf.search == ["default.svc.cluster.local","svc.cluster.local","cluster.local"] and .resolv_conf.ndots == 5 and .findings == []' "$J"
expect_json "candidates as glibc orders them (ndots 5: search first)" '.candidates == ["web.default.svc.cluster.local","web.svc.cluster.local","web.cluster.local","web"]' "$J"
expect_json "A and AAAA in parallel over UDP" '[.queries[] | select(.transport == "udp" and .parallel)] | length == 2 and (map(.type) | sort) == ["A","AAAA"] and all(.rcode == "NOERROR" and (.ms | type) == "number")' "$J"
expect_json "answers" 'any(.queries[]; .type == "A" and .answers[0].data == "10.9.9.9") and any(.queries[]; .type == "AAAA" and .answers[0].data == "fd00::9")' "$J"
expect_json "also over TCP" 'any(.queries[]; .transport == "tcp" and .rcode == "NOERROR" and .answers[0].data == "10.9.9.9")' "$J"
expect_json "kube-dns kind, resolved name" '.nameservers[0].kind == "kube-dns" and .nameservers[0].resolved_as == "web.default.svc.cluster.local" and .nameservers[0].tcp_ok' "$J"
expect_eq "oracle: dig +search in the pod agrees" "$(pdig good +search +short web)" "10.9.9.9"
expect_rc "text output" 0 nr dns --from 10.4.1.2 web
expect_match "text: table with the answer" 'web.default.svc.cluster.local +A +NOERROR .*10.9.9.9' "$OUT"

expect_rc "name with enough dots is tried as is first" 0 nr --json dns --from 10.4.1.2 web.default.svc.cluster.local.
expect_json "trailing dot: only the name" '.candidates == ["web.default.svc.cluster.local."]' "$OUT"

expect_rc "SRV" 0 nr --json dns --from 10.4.1.2 _http._tcp.web --type SRV
expect_json "SRV answer" 'any(.queries[]; .type == "SRV" and .answers[0].data == "0 0 80 web.default.svc.cluster.local")' "$OUT"
expect_match "oracle: dig SRV" '0 0 80 web.default.svc.cluster.local' "$(pdig good +short SRV _http._tcp.web.default.svc.cluster.local)"
expect_rc "PTR of an IP" 0 nr --json dns --from 10.4.1.2 10.9.9.9 --type PTR
expect_json "PTR answer" '.name == "9.9.9.10.in-addr.arpa" and any(.queries[]; .answers[0].data == "web.default.svc.cluster.local")' "$OUT"

# --- NXDOMAIN after the whole search list ---
expect_rc "nxdomain: exit 0 (warn)" 0 nr --json dns --from 10.4.1.2 nosuch
J=$OUT
expect_json "nxdomain: every candidate tried, dns-nxdomain" '([.queries[] | select(.transport == "udp" and .type == "A")] | length) == 4 and all(.queries[] | select(.transport == "udp"); .rcode == "NXDOMAIN") and any(.findings[]; .id == "dns-nxdomain" and .severity == "warn")' "$J"
expect_match "oracle: dig says NXDOMAIN" 'status: NXDOMAIN' "$(pdig good +search nosuch)"

# --- NodeLocal DNSCache ---
expect_rc "nodelocal: exit 0" 0 nr --json dns --from 10.4.1.3 web
expect_json "nodelocal kind" '.nameservers[0].server == "169.254.20.10" and .nameservers[0].kind == "nodelocal-dnscache"' "$OUT"

# --- SERVFAIL ---
expect_rc "servfail: exit 1" 1 nr --json dns --from 10.4.1.4 web
expect_json "servfail: dns-servfail" 'any(.findings[]; .id == "dns-servfail" and .severity == "fail") and any(.queries[]; .rcode == "SERVFAIL")' "$OUT"
expect_match "oracle: dig says SERVFAIL" 'status: SERVFAIL' "$(pdig sfail web.default.svc.cluster.local)"

# --- never answers ---
expect_rc "silent: exit 1" 1 nr --json dns --from 10.4.1.5 web --timeout 1
expect_json "silent: dns-timeout" 'any(.findings[]; .id == "dns-timeout" and .severity == "fail") and any(.queries[]; .transport == "udp" and .timeout)' "$OUT"
expect_match "oracle: dig times out" 'timed out|no servers could be reached' "$(pdig silent web.default.svc.cluster.local)"

# --- the second of a parallel pair dropped ---
expect_rc "parallel loss: exit 1" 1 nr --json dns --from 10.4.1.6 web
J=$OUT
expect_json "parallel loss: finding" 'any(.findings[]; .id == "dns-parallel-loss" and .severity == "fail" and (.message | test("insert_failed")))' "$J"
expect_json "parallel loss: pair half lost, sequential both answered" '([.queries[] | select(.parallel and .timeout)] | length) == 1 and ([.queries[] | select(.sequential and .rcode == "NOERROR")] | length) == 2 and (.nameservers[0].insert_failed_delta | type) == "number"' "$J"
expect_eq "oracle: dig A alone is answered" "$(pdig pair +short A web.default.svc.cluster.local)" "10.9.9.9"
expect_eq "oracle: dig AAAA alone is answered" "$(pdig pair +short AAAA web.default.svc.cluster.local)" "fd00::9"

# --- bad input ---
expect_one_line_error "bad type" 2 'type' nr dns --from 10.4.1.2 web --type MX
expect_one_line_error "no --from" 2 'from' nr dns web
expect_one_line_error "pod not on this node" 3 'pod|locate' nr dns --from 10.4.1.99 web
expect_one_line_error "bad name" 2 'name' nr dns --from 10.4.1.2 'a..b'
expect_rc "json error document" 2 nr --json dns --from 10.4.1.2 web --type MX
expect_json "json error: one document" '.command == "dns" and (.error.message | test("type"))' "$OUT"
exit $((T_FAILS > 0))
