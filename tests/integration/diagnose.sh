#!/usr/bin/env bash
# diagnose on a simulated node: a healthy node, one fault at a time (each must give its finding
# ID and no other fail), all faults at once, --fix, the bundle (tar, tshark, jq) and its upload
# (no signature anywhere), partial failure without root, and bad input.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

# --- helpers only this test needs ------------------------------------------------------------
SCN_T0=$(date +%s)
# The kernel log is global and shared with other tests: every run looks only at the window
# since its own scenario began (whole seconds, so one second of slack).
# A scenario starts 3 s after whatever the test before us wrote to the kernel log, so its
# window (which has up to 2 s of slack) never reaches back to those records.
scenario() { [ -n "${SCN:-}" ] || sleep 3; SCN_T0=$(date +%s); SCN=$1; }
since() { echo "$(($(date +%s) - SCN_T0 + 1))s"; }
# Writes a kernel-log record and waits until it is there: /dev/kmsg writes are rate-limited
# machine-wide (kernel.printk_devkmsg=ratelimit), so a write can be dropped; retry it.
kmsg_write() { # text
	local i n0 n
	n0=$(dmesg | grep -c -F "$1")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "<4>$1" >/dev/kmsg
		n=$(dmesg | grep -c -F "$1")
		[ "$n" -gt "$n0" ] && return 0
		sleep 1
	done
	fail "$SCN: kernel log" "could not write '$1' to /dev/kmsg"
}
# Runs diagnose --json in the node; the document lands in DJ.
dj() { # want_rc args...
	local want=$1
	shift
	nr --json diagnose --since "$(since)" "$@" >"$T_TMP/dj.out" 2>"$T_TMP/dj.err"
	RC=$?
	DJ=$(cat "$T_TMP/dj.out")
	expect_json "$SCN: one valid JSON document" '.tool == "netrescue" and .command == "diagnose"' "$DJ"
	# The exit code follows the findings (1 iff any fail); this test's own faults give $want
	# (other tests' stale pods on this machine may add fails of their own: see fails()).
	expect_eq "$SCN: diagnose $* exit code follows the findings" "$RC" \
		"$(jq '[.findings[] | select(.severity == "fail")] | if length > 0 then 1 else 0 end' <<<"$DJ" 2>/dev/null)"
	if [ "$want" = 1 ]; then expect_eq "$SCN: exit 1" "$RC" 1; fi
}
# Exit 0, or 1 only because of other tests' stale pods.
rc_ok() { [ "$RC" = 0 ] || { [ "$RC" = 1 ] && [ -z "$(fails)" ]; }; }
# /proc is the machine's: other tests' pods (unknown to our kubelet dir, so "stale" to us) show
# up in the all-netns port scans. Only holders in this test's own namespaces count.
MINE=
mine_netns() {
	local p
	MINE=$(for p in "${POD_PIDS[@]}"; do stat -L -c %i "/proc/$p/ns/net"; done | jq -R . | jq -sc .)
}
fails() {
	jq -r --argjson mine "${MINE:-[]}" '[.findings[] | select(.severity == "fail")
		| select(.id != "stale-listener" or
			 (.message as $m | any($mine[]; . as $n | $m | contains("netns " + $n + " "))))
		| .id] | unique | join(",")' <<<"$DJ" 2>/dev/null
}
expect_fails() { expect_eq "$SCN: fail findings are exactly [$1]" "$(fails)" "$1"; }
expect_finding() { # id severity
	expect_json "$SCN: finding $1 ($2)" "any(.findings[]; .id == \"$1\" and .severity == \"$2\")" "$DJ"
}

# Ports of our own: other tests on this machine run `port N --kill`, and to them our pods look
# stale (their kubelet dir does not know them), so common ports like 8080 would get killed.
AP=$((31000 + $$ % 1000))
SP=$((AP + 1000))
node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged b1 10.4.0.2
pod_bridged b2 10.4.0.3 "" systemd
pod_bridged b3 10.4.0.4
pod_routed r1 10.4.1.2
pod_routed r2 10.4.1.3 "" systemd
# Pods speak once so the bridge learns their MACs and the node its neighbours.
for p in b1 b2 b3; do in_pod "$p" ping -c1 -W1 10.4.0.1 >/dev/null 2>&1; done
for p in r1 r2; do in_node ping -c1 -W1 "${POD_IP[$p]}" >/dev/null 2>&1; done
pod_proc b1 "$(new_cid)" -- socat TCP-LISTEN:$AP,reuseaddr,fork SYSTEM:'echo ok'
wait_listen "${POD_NS[b1]}" $AP || fail "setup" "b1 does not listen on $AP"
mine_netns

# --- healthy ----------------------------------------------------------------------------------
scenario healthy
dj 0 --pod-ip 10.4.0.2 --pod-ip 10.4.1.2
expect_fails ""
expect_json "healthy: node facts" '.node.hostname != null and .node.kernel != null and .node.uplink == "eth0" and .node.uplink_mtu == 1460' "$DJ"
expect_json "healthy: CNI detected" '.node.cni == "kubenet"' "$DJ"
expect_json "healthy: every check has a status" '[.checks[] | .status] | length == 16' "$DJ"
expect_json "healthy: links agree with ip -j" "[.checks.links.links[] | .name] | sort == $(in_node ip -j link | jq -c '[.[].ifname] | sort')" "$DJ"
expect_json "healthy: pod located on its veth" ".checks.pods.pods[0].host_interface == \"${POD_IF[b1]}\"" "$DJ"
expect_json "healthy: routed pod located" ".checks.pods.pods[1].host_interface == \"${POD_IF[r1]}\"" "$DJ"
expect_json "healthy: pod netns is the pause process's" ".checks.pods.pods[0].netns == $(stat -L -c %i /proc/${POD_PIDS[b1]}/ns/net)" "$DJ"
expect_json "healthy: pod neighbour seen" '.checks.pods.pods[0].neighbours | length >= 1' "$DJ"
expect_json "healthy: findings carry the contract fields" 'all(.findings[]; has("id") and has("severity") and has("subject") and has("message") and has("fix"))' "$DJ"
nr diagnose --since "$(since)" --pod-ip 10.4.0.2 >"$T_TMP/txt" 2>&1
RC=$?
OUT=$(cat "$T_TMP/txt")
rc_ok && ok "healthy: text report exit $RC" || fail "healthy: text report" "exit $RC"
expect_match "healthy: text starts with the node line" '^node .*kernel .*CNI kubenet.*uplink eth0' "$(head -1 <<<"$OUT")"
expect_match "healthy: verdict line" '^verdict: (OK|WARN|FAIL)' "$(sed -n 2p <<<"$OUT")"

# --- bridge down --------------------------------------------------------------------------------
scenario bridge-down
in_node ip link set cbr0 down
dj 1
expect_fails "bridge-down"
expect_json "bridge-down: fix command given" 'any(.findings[]; .id == "bridge-down" and (.fix | test("bridge cbr0 --fix")))' "$DJ"
expect_eq "bridge-down: nothing changed without --fix" "$(in_node ip -j link show cbr0 | jq -r '.[0].flags | index("UP") != null')" false
scenario bridge-fix
dj 0 --fix
expect_json "bridge-fix: the change is reported" 'any(.changes[]; test("cbr0"))' "$DJ"
expect_eq "bridge-fix: cbr0 is up" "$(in_node ip -j link show cbr0 | jq -r '.[0].flags | index("UP") != null')" true
dj 0 --fix
expect_json "bridge-fix: second run changes nothing" '[.changes[] | select(test("cbr0"))] | length == 0' "$DJ"
in_node ip link set cbr0 up
for p in b1 b2 b3; do in_pod "$p" ping -c1 -W1 10.4.0.1 >/dev/null 2>&1; done

# --- pod MAC not learned ----------------------------------------------------------------------
scenario mac-not-learned
hv=${POD_IF[b2]}
mac=$(in_pod b2 ip -j link show eth0 | jq -r '.[0].address')
in_node ip link set "$hv" type bridge_slave learning off
in_node bridge fdb del "$mac" dev "$hv" master 2>/dev/null
in_node ip neigh flush dev cbr0
dj 0 --pod-ip 10.4.0.3
expect_fails ""
expect_finding pod-mac-not-learned warn
in_node ip link set "$hv" type bridge_slave learning on
in_pod b2 ping -c1 -W1 10.4.0.1 >/dev/null 2>&1

# --- pod veth down ------------------------------------------------------------------------------
scenario link-down
in_node ip link set "${POD_IF[b3]}" down
dj 1 --pod-ip 10.4.0.4
expect_fails "link-down"
in_node ip link set "${POD_IF[b3]}" up
in_pod b3 ping -c1 -W1 10.4.0.1 >/dev/null 2>&1

# --- pod IP without route -----------------------------------------------------------------------
scenario route-missing
in_node ip route del 10.4.1.2/32
dj 1 --pod-ip 10.4.1.2
expect_fails "route-missing"
in_node ip route add 10.4.1.2/32 dev "${POD_IF[r1]}" scope link

# --- pod MTU above the uplink's -----------------------------------------------------------------
scenario mtu-mismatch
in_node ip link set "${POD_IF[r2]}" mtu 1500
in_pod r2 ip link set eth0 mtu 1500
dj 1 --pod-ip 10.4.1.3
expect_fails "mtu-mismatch"
expect_json "mtu-mismatch: evidence names 1500 and 1460" 'any(.findings[]; .id == "mtu-mismatch" and (.message | test("1500")) and (.message | test("1460")))' "$DJ"
in_pod r2 ip link set eth0 mtu 1460
in_node ip link set "${POD_IF[r2]}" mtu 1460

# --- a stale listener on the asked port -------------------------------------------------------
scenario stale-listener
pod_proc b3 "$(new_cid)" --stale -- socat TCP-LISTEN:$SP,reuseaddr,fork /dev/null
STALE=$LAST_PID
wait_listen "${POD_NS[b3]}" $SP || fail "stale-listener: setup" "not listening"
dj 1 --port $SP
expect_fails "stale-listener"
expect_json "stale-listener: names the pid" "any(.findings[]; .id == \"stale-listener\" and (.message | test(\"$STALE\")))" "$DJ"
expect_eq "stale-listener: diagnose kills nothing, even with --fix" "$(nr diagnose --fix --since 1s --port $SP >/dev/null 2>&1; kill -0 "$STALE" 2>/dev/null && echo alive)" alive
kill "$STALE" 2>/dev/null

# --- conntrack table full in the kernel log -------------------------------------------------
scenario conntrack-table-full
kmsg_write 'nf_conntrack: table full, dropping packet'
dj 1
expect_fails "conntrack-table-full"
expect_json "conntrack-table-full: kernel-log evidence counted" '.checks.kmsg.conntrack_table_full >= 1' "$DJ"
# In the node's netns nf_conntrack_max is read-only (only the initial netns may set it):
# --fix must say it could not, and change nothing anywhere.
ctmax=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
dj 1 --fix
expect_json "conntrack-table-full: --fix reports the fix it could not make" 'any(.changes[]; test("conntrack"))' "$DJ"
expect_eq "conntrack-table-full: global nf_conntrack_max untouched" "$(cat /proc/sys/net/netfilter/nf_conntrack_max)" "$ctmax"
expect_eq "conntrack-table-full: sysctl.conf untouched" "$(cat "$HR/etc/sysctl.conf")" ""

# --- everything at once -----------------------------------------------------------------------
scenario all-at-once
pod_proc b3 "$(new_cid)" --stale -- socat TCP-LISTEN:$SP,reuseaddr,fork /dev/null
STALE=$LAST_PID
wait_listen "${POD_NS[b3]}" $SP
in_node ip link set cbr0 down
in_node ip link set "${POD_IF[b3]}" down
in_node ip route del 10.4.1.2/32
in_node ip link set "${POD_IF[r2]}" mtu 1500
in_pod r2 ip link set eth0 mtu 1500
kmsg_write 'nf_conntrack: table full, dropping packet'
dj 1 --pod-ip 10.4.1.2 --pod-ip 10.4.0.4 --port $SP
for id in bridge-down link-down route-missing mtu-mismatch conntrack-table-full stale-listener; do
	expect_json "all-at-once: $id" "any(.findings[]; .id == \"$id\" and .severity == \"fail\")" "$DJ"
done
expect_json "all-at-once: every finding has a scope" 'all(.findings[]; .scope == "asked" or .scope == "node")' "$DJ"
expect_json "all-at-once: findings about what was asked first, then worst first" '[.findings[] | [(if .scope == "asked" then 0 else 1 end), -({"fail":2,"warn":1,"info":0}[.severity])]] | . == sort' "$DJ"
expect_json "all-at-once: the stale holder of the asked port is about what was asked" 'any(.findings[]; .id == "stale-listener" and .scope == "asked")' "$DJ"
expect_json "all-at-once: the MTU of a pod nobody asked about is elsewhere on the node" 'any(.findings[]; .id == "mtu-mismatch" and .subject == "'"${POD_IF[r2]}"'" and .scope == "node")' "$DJ"
expect_rc "all-at-once: text report" 1 nr diagnose --since "$(since)" --pod-ip 10.4.1.2 --port $SP
expect_match "all-at-once: verdict FAIL" '^verdict: FAIL: [0-9]+ problems' "$(sed -n 2p <<<"$OUT")"
expect_match "all-at-once: fix lines" '^     fix: ' "$OUT"
kill "$STALE" 2>/dev/null
in_node ip link set cbr0 up
in_node ip link set "${POD_IF[b3]}" up
in_node ip route add 10.4.1.2/32 dev "${POD_IF[r1]}" scope link
in_pod r2 ip link set eth0 mtu 1460
in_node ip link set "${POD_IF[r2]}" mtu 1460
sleep 2 # the next windows start after the records written above

# --- the bundle: capture, tar, tshark, jq -------------------------------------------------
scenario bundle
B=$T_TMP/nr-bundle.tgz
( sleep 0.5; for i in $(seq 1 8); do in_node socat -T1 - TCP:10.4.0.2:$AP,connect-timeout=1 </dev/null >/dev/null 2>&1; sleep 0.1; done ) &
GEN=$!
# The app itself holds $AP in the asked pod's netns: its own live server is port-listening
# (info), not a fault (contract amended by issue 13; the first release said port-in-use).
nr --json diagnose --since "$(since)" --pod-ip 10.4.0.2 --port $AP --capture 3 --bundle "$B" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
OUT=$(cat "$T_TMP/out")
DJ=$OUT
rc_ok && ok "bundle: diagnose --capture --bundle runs (exit $RC)" || fail "bundle: diagnose --capture --bundle runs" "exit $RC: $(head -c 300 "$T_TMP/err")"
expect_fails ""
expect_finding port-listening info
wait "$GEN" 2>/dev/null
expect_json "bundle: stdout names the bundle" ".bundle.path == \"$B\" and .bundle.written == true and .bundle.bytes > 0" "$DJ"
X=$T_TMP/unpacked
mkdir -p "$X"
expect_rc "bundle: unpacks with tar xzf" 0 tar -xzf "$B" -C "$X"
expect_rc "bundle: report.json parses with jq" 0 jq -e '.command == "diagnose" and (.findings | type) == "array"' "$X/report.json"
expect_match "bundle: report.txt holds the verdict" '^verdict: ' "$(cat "$X/report.txt")"
for v in links routes neighbours fdb conntrack kmsg processes; do
	[ -s "$X/views/$v.txt" ] && ok "bundle: views/$v.txt" || fail "bundle: views/$v.txt" "missing or empty"
done
expect_match "bundle: routes view has the pod route (as ip route prints it)" "^10\.4\.1\.2 dev ${POD_IF[r1]} scope link$" "$(cat "$X/views/routes.txt")"
expect_match "bundle: processes view has the pause process" "^${POD_PIDS[b1]}	" "$(cat "$X/views/processes.txt")"
pns=$(stat -L -c %i "/proc/${POD_PIDS[b1]}/ns/net")
expect_match "bundle: sockets of the pod netns show the listener" ":$(printf %04X "$AP") " "$(cat "$X/views/sockets/netns-$pns.txt" 2>/dev/null)"
pc=$(ls "$X"/capture/*.pcap 2>/dev/null | head -1)
[ -n "$pc" ] && ok "bundle: a capture file" || fail "bundle: capture file" "none in $(ls -R "$X" | tr '\n' ' ')"
if [ -n "$pc" ]; then
	n=$(tshark -r "$pc" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && ok "bundle: tshark reads $n packets" || fail "bundle: tshark" "no packets"
	expect_eq "bundle: packet count matches the report" "$n" "$(jq '[.checks.capture.captures[0].packets_captured][0]' "$X/report.json")"
	expect_eq "bundle: only the pod's traffic" "$(tshark -r "$pc" -Y 'not ip.addr == 10.4.0.2' 2>/dev/null | wc -l)" 0
fi
expect_eq "bundle: capture temp files removed" "$(ls -d "$B".capture.* 2>/dev/null | wc -l)" 0
expect_eq "bundle: is mode 0600" "$(stat -c %a "$B")" 600
expect_one_line_error "bundle: never overwritten" 3 'exists' nr diagnose --bundle "$B"
ln -s "$T_TMP/elsewhere" "$T_TMP/link.tgz"
expect_rc "bundle: symlink not followed even with --force" 3 nr diagnose --since 1s --force --bundle "$T_TMP/link.tgz"
[ ! -e "$T_TMP/elsewhere" ] && ok "bundle: symlink target untouched" || fail "bundle: symlink" "target written"
nr --json diagnose --since 1s --force --bundle "$B" >"$T_TMP/f.out" 2>/dev/null
expect_json "bundle: --force replaces a regular file" '.bundle.written == true' "$(cat "$T_TMP/f.out")"

# --- upload: the bundle goes up byte for byte, no signature anywhere -------------------------
scenario upload
U=$T_TMP/up
mkdir -p "$U"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$U/key.pem" -out "$U/cert.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1
cat >"$U/srv.py" <<'EOF'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get('Content-Length', 0)); d = b''
        while len(d) < n: d += self.rfile.read(n - len(d))
        open(sys.argv[2], 'wb').write(d)
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[3], sys.argv[4])
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
EOF
PORT=18443
in_node python3 "$U/srv.py" "$PORT" "$U/got.tgz" "$U/cert.pem" "$U/key.pem" &
SRV=$!
T_PIDS+=("$SRV")
for i in $(seq 1 50); do in_node ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done
SECRET=c0ffee5ec4e7516a7a7e
URL="https://localhost:$PORT/bucket/nr.tgz?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=x%40y.iam.gserviceaccount.com%2F20260101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20990101T000000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=$SECRET"
B2=$T_TMP/up.tgz
# Exit 0 here, or 1 if other tests' stale pods show up: the upload itself is what is checked.
nr --json diagnose --since "$(since)" --bundle "$B2" --upload "$URL" \
	--ca-file "$U/cert.pem" --resolve "localhost:$PORT:127.0.0.1" >"$T_TMP/u.out" 2>"$T_TMP/u.err"
RC=$?
OUT=$(cat "$T_TMP/u.out")
ERR=$(cat "$T_TMP/u.err")
DJ=$OUT
rc_ok && ok "upload: diagnose --bundle --upload exit $RC" || fail "upload: diagnose --bundle --upload" "exit $RC: $ERR; fails: $(fails)"
expect_json "upload: result in the document" '.upload.done == true and .upload.http_status == 200' "$OUT"
expect_rc "upload: the server got the bundle byte for byte" 0 cmp "$B2" "$U/got.tgz"
expect_nomatch "upload: no signature on stdout" "$SECRET" "$OUT"
expect_nomatch "upload: no signature on stderr" "$SECRET" "$ERR"
expect_nomatch "upload: no signature in the bundle" "$SECRET" "$(tar -xzOf "$B2")"
nr --json diagnose --since 1s --upload "$URL" --ca-file "$U/cert.pem" --resolve "localhost:$PORT:127.0.0.1" >"$T_TMP/u.out" 2>/dev/null
expect_json "upload: report alone without --bundle" '.upload.done == true and .bundle == null' "$(cat "$T_TMP/u.out")"
expect_rc "upload: what arrived is the report" 0 jq -e '.command == "diagnose"' "$U/got.tgz"
expect_one_line_error "upload: untrusted certificate" 3 '' \
	nr diagnose --since 1s --upload "$URL" --resolve "localhost:$PORT:127.0.0.1"
kill "$SRV" 2>/dev/null

# --- without root: partial, and says what it could not see ----------------------------------
scenario not-root
chmod 755 "${HR%/host}" # mktemp made it 0700: let the unprivileged user read the node files
expect_rc "not-root: still reports (exit 0 or 1, not 3)" 0 bash -c "ip netns exec '$NODE' setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all '$NR' --json --host-root '$HR' diagnose --since 5s --pod-ip 10.4.0.2 >'$T_TMP/nr.json' 2>'$T_TMP/nr.err'; r=\$?; [ \$r -le 1 ]"
DJ=$(cat "$T_TMP/nr.json")
expect_json "not-root: capabilities named" '.node.capabilities_missing | index("CAP_NET_ADMIN") != null and index("CAP_SYS_PTRACE") != null' "$DJ"
expect_json "not-root: says what it could not see" '.could_not_check | length >= 1' "$DJ"
expect_match "not-root: warning on stderr" 'CAP_NET_ADMIN' "$(cat "$T_TMP/nr.err")"
chmod 700 "${HR%/host}"

# --- bad input ----------------------------------------------------------------------------
expect_one_line_error "bad --pod-ip" 2 "not an IP" nr diagnose --pod-ip 10.4.0.300
expect_one_line_error "bad --port" 2 "not a port" nr diagnose --port 0
expect_one_line_error "bad --capture" 2 "seconds" nr diagnose --pod-ip 10.4.0.2 --capture abc
expect_one_line_error "--capture without --pod-ip" 2 "needs --pod-ip" nr diagnose --capture 2
expect_one_line_error "bad --since" 2 "duration" nr diagnose --since yesterday
expect_one_line_error "bad --upload URL" 2 "" nr diagnose --upload ftp://x/y
expect_one_line_error "stray argument" 2 "unexpected argument" nr diagnose 10.4.0.2
expect_rc "diagnose --help" 0 nr diagnose --help
expect_match "help explains every option" '--pod-ip.*' "$OUT"
for o in --port --capture --capture-dir --since --bundle --force --upload -H --ca-file --fix; do
	expect_match "help mentions $o" "$o" "$OUT"
done
