#!/usr/bin/env bash
# probe: from inside a pod of the simulated node to servers in namespaces this test creates.
# Behind the node's uplink the VPC namespace holds 10.129.0.10 (nginx :8080, a closed :7001, a
# silently dropped :7002, openssl s_server :8443 with a good certificate and :8444 with an
# expired one) and dnsmasq at 10.129.0.53 (the pod's own nameserver via its resolv.conf).
# Past a router whose link back to the VPC has MTU 1400, server S (10.131.0.2) runs nginx and
# s_server: first with ICMP "fragmentation needed" dropped by the routers (the black hole:
# TCP connects, the TLS flight and large HTTP replies never arrive), then with ICMP allowed
# (the path MTU is found, no black hole). Oracles in the same pod netns: curl, openssl
# s_client, ping -M do, tracepath.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni ptp
pod_routed a 10.4.1.2
A=10.4.1.2
SRV=10.129.0.10
ip netns exec "$VPC" sysctl -qw net.ipv4.ip_forward=1
ip -n "$VPC" addr add $SRV/32 dev lo
ip -n "$VPC" addr add 10.129.0.53/32 dev lo

# --- certificates: a CA, good.test, and good.test expired ---
C=$T_TMP/pki
mkdir -p "$C/new" && : >"$C/index.txt" && echo 1000 >"$C/serial"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 3 -subj /CN=nrtest-ca 2>/dev/null
for n in good exp; do
	openssl req -newkey rsa:2048 -nodes -keyout "$C/$n.key" -out "$C/$n.csr" -subj /CN=good.test \
		-addext subjectAltName=DNS:good.test 2>/dev/null
done
cat >"$C/ca.cnf" <<-CNF
[ca]
default_ca = d
[d]
database = $C/index.txt
new_certs_dir = $C/new
serial = $C/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = copy
[p]
commonName = supplied
CNF
openssl ca -batch -config "$C/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca.key" -in "$C/good.csr" -out "$C/good.pem" -days 2 -notext 2>/dev/null
openssl ca -batch -config "$C/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca.key" -in "$C/exp.csr" -out "$C/exp.pem" \
	-startdate 20200101000000Z -enddate 20200201000000Z -notext 2>/dev/null
[ -s "$C/good.pem" ] && [ -s "$C/exp.pem" ] || fail "test setup" "certificates not made"

# --- servers in the VPC ---
W=$T_TMP/www
mkdir -p "$W/html"
echo hello >"$W/html/index.html"
head -c 300000 /dev/urandom >"$W/html/big"
nginx_conf() { # listen-address
	cat <<-NG
	daemon off; master_process off; pid $W/nginx-$1.pid; error_log $W/error-$1.log;
	events { worker_connections 64; }
	http { access_log off; client_body_temp_path $W; proxy_temp_path $W; fastcgi_temp_path $W;
	       uwsgi_temp_path $W; scgi_temp_path $W;
	       server { listen $1:8080; root $W/html; } }
	NG
}
nginx_conf $SRV >"$W/vpc.conf"
bg_in "$VPC" nginx -c "$W/vpc.conf"
bg_in "$VPC" openssl s_server -accept $SRV:8443 -cert "$C/good.pem" -key "$C/good.key" -cert_chain "$C/ca.pem" -www -quiet
bg_in "$VPC" openssl s_server -accept $SRV:8444 -cert "$C/exp.pem" -key "$C/exp.key" -www -quiet
ip netns exec "$VPC" nft add table inet nrtest
ip netns exec "$VPC" nft add chain inet nrtest in '{ type filter hook input priority 0; }'
ip netns exec "$VPC" nft add rule inet nrtest in tcp dport 7002 drop
printf 'nameserver 10.129.0.53\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n' >"$T_TMP/resolv.conf"
bg_in "$VPC" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.129.0.53 --user=root --pid-file= --local=/test/ --local=/cluster.local/ \
	--host-record=web.test,$SRV
pod_resolv a "$T_TMP/resolv.conf" || fail "test setup" "pod resolv.conf not in place"
wait_listen "$VPC" 8080; wait_listen "$VPC" 8443; wait_listen "$VPC" 8444
for i in $(seq 1 50); do ip netns exec "$VPC" ss -Hlun 'sport = :53' | grep -q . && break; sleep 0.1; done

# --- TCP: ok, refused, timeout ---
expect_rc "tcp ok: exit 0" 0 nr --json probe --from $A $SRV:8080 --count 2
J=$OUT
expect_json "tcp ok: contract fields" '.tool == "netrescue" and .command == "probe" and .from.ip == "10.4.1.2" and (.from.netns | type) == "number" and .target == "10.129.0.10:8080" and .tcp.ok == true and .tcp.error == null and (.tcp.ms | type) == "number" and .findings == []' "$J"
expect_json "tcp ok: two attempts, each timed" '(.attempts | length) == 2 and all(.attempts[]; .ok and .ms >= 0)' "$J"
expect_eq "oracle: curl from the pod reaches it" "$(in_pod a curl -s -m 5 -o /dev/null -w '%{http_code}' http://$SRV:8080/)" 200

expect_rc "tcp refused: exit 1" 1 nr --json probe --from $A $SRV:7001 --count 1
expect_json "tcp refused: tcp-refused finding" '.tcp.ok == false and .tcp.error == "refused" and any(.findings[]; .id == "tcp-refused" and .severity == "fail")' "$OUT"
in_pod a curl -s -m 5 http://$SRV:7001/ >/dev/null 2>&1
expect_eq "oracle: curl says refused too (exit 7)" "$?" 7

expect_rc "tcp timeout: exit 1" 1 nr --json probe --from $A $SRV:7002 --count 1 --timeout 1
expect_json "tcp timeout: tcp-timeout finding" '.tcp.error == "timeout" and .tcp.ms >= 900 and any(.findings[]; .id == "tcp-timeout")' "$OUT"
in_pod a curl -s -m 2 http://$SRV:7002/ >/dev/null 2>&1
expect_eq "oracle: curl times out too (exit 28)" "$?" 28

expect_rc "text output" 1 nr probe --from $A $SRV:7001 --count 1
expect_match "text: names the refusal" 'refused' "$OUT"

# --- HTTP ---
expect_rc "http: exit 0" 0 nr --json probe --from $A $SRV:8080 --http /big --count 1
expect_json "http: status, first byte, whole reply" '.http.status == 200 and (.http.status_line | startswith("HTTP/1.1 200")) and .http.complete == true and .http.bytes > 300000 and (.http.ms | type) == "number"' "$OUT"
expect_rc "http 404 is a status, not a failure" 0 nr --json probe --from $A $SRV:8080 --http /nope --count 1
expect_json "http 404" '.http.status == 404 and .http.error == null' "$OUT"

# --- TLS: verified, wrong name, expired, insecure ---
expect_rc "tls ok: exit 0" 0 nr --json probe --from $A $SRV:8443 --tls good.test --ca-file "$C/ca.pem" --count 1
J=$OUT
expect_json "tls ok: version, cipher, certificate" '.tls.ok == true and .tls.version == "TLSv1.2" and (.tls.cipher | test("ECDHE")) and .tls.subject == "CN=good.test" and .tls.issuer == "CN=nrtest-ca" and (.tls.not_after | test("^20[0-9][0-9]-")) and .tls.error == null' "$J"
expect_match "oracle: openssl s_client verifies the same server" 'Verify return code: 0' \
	"$(in_pod a openssl s_client -connect $SRV:8443 -servername good.test -CAfile "$C/ca.pem" -verify_hostname good.test </dev/null 2>/dev/null)"
expect_rc "tls + http over it" 0 nr --json probe --from $A $SRV:8443 --tls good.test --ca-file "$C/ca.pem" --http / --count 1
expect_json "tls + http: status 200" '.tls.ok and .http.status == 200' "$OUT"
expect_rc "tls wrong name: exit 1" 1 nr --json probe --from $A $SRV:8443 --tls wrong.test --ca-file "$C/ca.pem" --count 1
expect_json "tls wrong name: tls-handshake-failed says name" '.tcp.ok and .tls.ok == false and (.tls.error | test("name")) and .tls.subject == "CN=good.test" and any(.findings[]; .id == "tls-handshake-failed")' "$OUT"
expect_match "oracle: s_client with wrong.test fails verification" 'Verify return code: 62' \
	"$(in_pod a openssl s_client -connect $SRV:8443 -servername wrong.test -CAfile "$C/ca.pem" -verify_hostname wrong.test </dev/null 2>/dev/null)"
expect_rc "tls untrusted (no --ca-file): exit 1" 1 nr --json probe --from $A $SRV:8443 --tls good.test --count 1
expect_json "tls untrusted: says not trusted" '(.tls.error | test("not trusted"))' "$OUT"
expect_rc "tls expired: exit 1" 1 nr --json probe --from $A $SRV:8444 --tls good.test --ca-file "$C/ca.pem" --count 1
expect_json "tls expired: says expired, shows not_after" '(.tls.error | test("expired")) and .tls.not_after == "2020-02-01T00:00:00Z"' "$OUT"
expect_match "oracle: s_client sees the expired certificate" 'Verify return code: 10' \
	"$(in_pod a openssl s_client -connect $SRV:8444 -servername good.test -CAfile "$C/ca.pem" </dev/null 2>/dev/null)"
expect_rc "tls expired --insecure: exit 0" 0 nr --json probe --from $A $SRV:8444 --tls good.test --insecure --count 1
expect_json "tls --insecure: handshake completes" '.tls.ok == true and .tls.not_after == "2020-02-01T00:00:00Z" and (.tls.stage | test("NOT verified"))' "$OUT"

# --- a name, resolved through the pod's own resolv.conf and nameserver ---
expect_rc "name target: exit 0" 0 nr --json probe --from $A web.test:8080 --count 1
expect_json "name target: resolved by the pod's DNS" '.address == "10.129.0.10" and .target == "web.test:8080" and .tcp.ok' "$OUT"

# --- bad input ---
expect_one_line_error "pod IP not on this node" 3 'pod|locate' nr probe --from 10.4.1.99 $SRV:8080
expect_one_line_error "unresolvable target" 3 'resolve' nr probe --from $A nosuch.test:8080
expect_one_line_error "port 0" 2 'port' nr probe --from $A $SRV:0
expect_one_line_error "port 65536" 2 'port' nr probe --from $A $SRV:65536
expect_one_line_error "bad pod IP" 2 'IP' nr probe --from 10.4.1 $SRV:80
expect_rc "json error document" 2 nr --json probe --from $A $SRV:0
expect_json "json error: one document" '.command == "probe" and (.error.message | test("port"))' "$OUT"

# --- the path-MTU black hole: VPC -(1400)- router R -(1500)- server S ---
R=$T_ID-rtr
S=$T_ID-srv
netns_new "$R"
netns_new "$S"
ip -n "$VPC" link add vr0 mtu 1400 type veth peer name rv0 mtu 1400 netns "$R"
ip -n "$R" link add rs0 type veth peer name sr0 netns "$S"
ip -n "$VPC" addr add 10.130.0.1/30 dev vr0
ip -n "$R" addr add 10.130.0.2/30 dev rv0
ip -n "$R" addr add 10.131.0.1/24 dev rs0
ip -n "$S" addr add 10.131.0.2/24 dev sr0
for l in "$VPC vr0" "$R rv0" "$R rs0" "$S sr0"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$VPC" route add 10.131.0.0/24 via 10.130.0.2
ip -n "$R" route add default via 10.130.0.1
ip -n "$S" route add default via 10.131.0.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
nginx_conf 10.131.0.2 >"$W/s.conf"
bg_in "$S" nginx -c "$W/s.conf"
bg_in "$S" openssl s_server -accept 10.131.0.2:8443 -cert "$C/good.pem" -key "$C/good.key" -cert_chain "$C/ca.pem" -www -quiet
wait_listen "$S" 8080; wait_listen "$S" 8443
for ns in "$VPC" "$R"; do
	ip netns exec "$ns" nft add table ip nrpmtu
	ip netns exec "$ns" nft add chain ip nrpmtu out '{ type filter hook output priority 0; }'
	ip netns exec "$ns" nft add rule ip nrpmtu out icmp type destination-unreachable icmp code frag-needed drop
done

expect_rc "black hole: tcp connects" 0 nr --json probe --from $A 10.131.0.2:8443 --count 1
expect_rc "black hole: tls fails, exit 1" 1 nr --json probe --from $A 10.131.0.2:8443 --tls good.test --ca-file "$C/ca.pem" --count 1 --timeout 2
expect_json "black hole: no ServerHello after N s" '.tcp.ok and .tls.ok == false and .tls.bytes_received == 0 and (.tls.stage | test("no ServerHello after 2")) and any(.findings[]; .id == "tls-handshake-failed")' "$OUT"
expect_rc "black hole: http stalls, exit 1" 1 nr --json probe --from $A 10.131.0.2:8080 --http /big --count 1 --timeout 2
expect_json "black hole: http-incomplete" '.http.complete == false and any(.findings[]; .id == "http-incomplete")' "$OUT"
expect_json "black hole: its fix is the real path-MTU probe, no placeholder" '.findings[] | select(.id == "http-incomplete") | .fix == "netrescue probe --from '"$A"' 10.131.0.2:8080 --mtu"' "$OUT"
expect_rc "black hole: http stalls (text)" 1 nr probe --from $A 10.131.0.2:8080 --http /big --count 1 --timeout 2
if sh -n -c "$(sed -n 's/^     fix: //p' <<<"$OUT")"; then ok "black hole: the fix line passes sh -n"; else fail "black hole: sh -n" "$OUT"; fi
in_pod a curl -s -m 3 -o /dev/null http://10.131.0.2:8080/big
expect_eq "oracle: curl stalls too (exit 28)" "$?" 28
expect_rc "black hole: --mtu, exit 1" 1 nr --json probe --from $A 10.131.0.2:8080 --mtu --count 1 --timeout 1
J=$OUT
expect_json "black hole: pmtu-blackhole at 1400" '.path_mtu.mtu == 1400 and .path_mtu.largest_ok == 1400 and .path_mtu.smallest_lost == 1401 and .path_mtu.icmp_seen == false and .path_mtu.pod_mtu == 1460 and .path_mtu.node_mtu == 1460' "$J"
expect_json "black hole: finding with both sizes" 'any(.findings[]; .id == "pmtu-blackhole" and .severity == "fail" and (.message | test("1400")) and (.message | test("1401")))' "$J"
expect_json "black hole: pmtu-blackhole: prose is advice, no fix line" '.findings[] | select(.id == "pmtu-blackhole") | .fix == null and (.advice | test("lower the pod MTU to 1400"))' "$J"
in_pod a ping -n -c 1 -W 1 -M do -s 1372 10.131.0.2 >/dev/null 2>&1
expect_eq "oracle: ping -M do 1400 bytes passes" "$?" 0
in_pod a ping -n -c 1 -W 1 -M do -s 1373 10.131.0.2 >/dev/null 2>&1
expect_eq "oracle: ping -M do 1401 bytes vanishes" "$?" 1

# Where S does not answer ping, UDP probes (port unreachable from S = arrived) do the search.
ip netns exec "$S" nft add table ip noping
ip netns exec "$S" nft add chain ip noping in '{ type filter hook input priority 0; }'
ip netns exec "$S" nft add rule ip noping in icmp type echo-request drop
expect_rc "black hole, no ping: --mtu over UDP, exit 1" 1 nr --json probe --from $A 10.131.0.2:8080 --mtu --count 1 --timeout 1
expect_json "black hole, no ping: UDP finds it too" '.path_mtu.method == "udp" and .path_mtu.largest_ok == 1400 and .path_mtu.smallest_lost == 1401 and .path_mtu.icmp_seen == false and any(.findings[]; .id == "pmtu-blackhole")' "$OUT"

# --- diagnose --probe: a black-holed path and a refused port of a name, from the pod ---
expect_rc "diagnose --probe: exit 1" 1 nr --json diagnose --pod-ip $A --probe 10.131.0.2:8080 --probe web.test:7001 --since 1m
J=$OUT
expect_json "diagnose --probe: both probes ran" '.checks.probe.status == "ok" and (.checks.probe.probes | length) == 2 and all(.checks.probe.probes[]; .from == "10.4.1.2")' "$J"
expect_json "diagnose --probe: pmtu-blackhole and tcp-refused among the findings" 'any(.findings[]; .id == "pmtu-blackhole") and any(.findings[]; .id == "tcp-refused" and (.subject | test("web.test:7001")))' "$J"
expect_json "diagnose --probe: the name went through the pod's DNS" '.checks.probe.probes[1].resolved_by_pod_dns == true and .checks.probe.probes[1].address == "10.129.0.10"' "$J"
expect_rc "diagnose --probe without --pod-ip: usage" 2 nr diagnose --probe 10.131.0.2:8080
expect_rc "diagnose --probe bad port: usage" 2 nr diagnose --pod-ip $A --probe 10.131.0.2:0

# --- the same router sending ICMP: found, not a black hole ---
for ns in "$VPC" "$R"; do ip netns exec "$ns" nft delete table ip nrpmtu; done
ip -n "$S" route flush cache
in_pod a ip route flush cache
expect_rc "icmp allowed, no ping: --mtu over UDP, exit 0" 0 nr --json probe --from $A 10.131.0.2:8080 --mtu --count 1 --timeout 1
expect_json "icmp allowed, no ping: UDP sees frag-needed" '.path_mtu.method == "udp" and .path_mtu.mtu == 1400 and .path_mtu.icmp_seen == true' "$OUT"
ip netns exec "$S" nft delete table ip noping
ip -n "$S" route flush cache
in_pod a ip route flush cache
expect_rc "icmp allowed: --mtu exit 0" 0 nr --json probe --from $A 10.131.0.2:8080 --mtu --count 1 --timeout 1
J=$OUT
expect_json "icmp allowed: path MTU 1400 from frag-needed" '.path_mtu.method == "icmp" and .path_mtu.mtu == 1400 and .path_mtu.icmp_seen == true and .path_mtu.icmp_mtu == 1400' "$J"
expect_json "icmp allowed: no pmtu-blackhole" '[.findings[] | select(.id == "pmtu-blackhole")] == []' "$J"
expect_match "oracle: tracepath finds pmtu 1400" 'pmtu 1400' "$(in_pod a tracepath -n -m 6 10.131.0.2 2>&1)"
expect_rc "icmp allowed: tls works" 0 nr --json probe --from $A 10.131.0.2:8443 --tls good.test --ca-file "$C/ca.pem" --http / --count 1 --timeout 3
expect_json "icmp allowed: tls ok, http 200" '.tls.ok and .http.status == 200' "$OUT"

# --- the pod's netns gone: one line ---
kill -9 "${POD_PIDS[a]}" "$LAST_PID" 2>/dev/null
for p in "${T_PIDS[@]}"; do
	[ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$(ip netns exec "${POD_NS[a]}" readlink /proc/self/ns/net)" ] && kill -9 "$p" 2>/dev/null
done
sleep 0.3
expect_rc "pod gone: exit 3" 3 nr probe --from $A $SRV:8080
expect_eq "pod gone: one line" "$(printf '%s' "$ERR" | grep -c '')" 1
exit $((T_FAILS > 0))
