#!/usr/bin/env bash
# port PORT [--kill]: listeners in every netns, stale verdict against containerd/kubelet state,
# --kill ends stale holders only. Oracle: `ss -H -ltnup` inside each netns.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

# A port of our own: other engineers' tests listen on this machine at the same time.
PORT=$((20000 + $$ % 20000))
EMPTY= DOCKER_ROOT=
cleanup_port() { node_down; [ -n "$EMPTY" ] && rm -rf "$EMPTY"; [ -n "$DOCKER_ROOT" ] && rm -rf "$DOCKER_ROOT"; }

node_up
trap cleanup_port EXIT
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2 "" cgroupfs
pod_routed b 10.4.1.2 "" systemd
pod_bridged c 10.4.0.3 "" systemd
pod_routed d 10.4.1.3 "" cgroupfs

CID_A=$(new_cid) CID_B=$(new_cid) CID_C=$(new_cid) CID_D=$(new_cid)
pod_proc a "$CID_A" --cname web -- socat TCP-LISTEN:$PORT,reuseaddr,fork /dev/null
PID_A=$LAST_PID
pod_proc b "$CID_B" --stale -- socat TCP6-LISTEN:$PORT,reuseaddr,fork /dev/null
PID_B=$LAST_PID
pod_proc c "$CID_C" --cname dns -- socat -u UDP-RECV:$PORT /dev/null
PID_C=$LAST_PID
# A stale holder with a hostile name: control bytes and invalid UTF-8 in its comm.
ODD=$'\x01ev\xffil\x1b[31m'
cp "$(command -v socat)" "${HR%/host}/$ODD"
pod_proc d "$CID_D" --stale -- "${HR%/host}/$ODD" TCP-LISTEN:$PORT,reuseaddr,fork /dev/null
PID_D=$LAST_PID
for p in a b d; do wait_listen "${POD_NS[$p]}" $PORT || fail "setup" "pod $p not listening"; done
for i in $(seq 1 50); do in_pod c ss -Hlun "sport = :$PORT" | grep -q . && break; sleep 0.05; done

# --- the oracle: ss in every pod netns ---
want=$(for p in a b c d; do
	in_pod "$p" ss -H -ltnup "sport = :$PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2
done | sort -un | tr '\n' ' ')

expect_rc "port finds a stale holder: exit 1" 1 nr --json port $PORT
J=$OUT
expect_json "port JSON common fields" '.tool == "netrescue" and .command == "port" and .port == '$PORT "$J"
got=$(jq -r '[.holders[].pid] | sort | unique | .[]' <<<"$J" | tr '\n' ' ')
expect_eq "holders match ss -ltnup in each netns" "$got" "$want"
expect_json "live holder in cgroupfs pod: not stale" \
	'.holders[] | select(.pid == '$PID_A') | .stale == false and .verdict == "live" and .container_id == "'$CID_A'" and .pod_uid == "'${POD_UID[a]}'" and .container_name == "web" and .pod_name == "a" and .pod_namespace == "default"' "$J"
expect_json "stale holder in systemd pod: stale" \
	'.holders[] | select(.pid == '$PID_B') | .stale == true and .verdict == "stale" and .container_id == "'$CID_B'" and .pod_uid == "'${POD_UID[b]}'" and (.stale_reason | test("not a running container"))' "$J"
expect_json "udp listener listed, live" '.holders[] | select(.pid == '$PID_C') | .stale == false and (.sockets[0] | startswith("udp"))' "$J"
expect_json "tcp6 socket shown as [::]:PORT" '.holders[] | select(.pid == '$PID_B') | .sockets | index("tcp6 [::]:'$PORT'") != null' "$J"
expect_json "holder netns matches readlink" '.holders[] | select(.pid == '$PID_A') | .netns == '"$(readlink /proc/$PID_A/ns/net | tr -dc 0-9)" "$J"
expect_json "hostile comm escaped in JSON" '.holders[] | select(.pid == '$PID_D') | .comm == "\u0001ev\\xffil\u001b[31m" and .stale == true' "$J"
expect_json "stale-listener findings (2) with the fix" \
	'[.findings[] | select(.id == "stale-listener" and .severity == "fail" and .fix == "netrescue port '$PORT' --kill")] | length == 2' "$J"
expect_json "runtime state known" '.runtime.known == true and (.runtime.sources | test("containerd"))' "$J"

expect_rc "human output: exit 1" 1 nr port $PORT
expect_match "human output names the stale verdict" "$PID_B .*stale" "$OUT"
expect_match "human output names the pod" "default/a" "$OUT"
expect_nomatch "no raw control bytes in human output" $'[\x01\x1b]' "$OUT"
expect_match "hostile comm shown escaped" '\\x01ev\\xffil\\x1b\[31m' "$OUT"

expect_rc "port --stale (every port): exit 1" 1 nr --json port --stale
# (Other tests' pods on this machine are unknown to our host root, so they may show up too.)
expect_json "--stale lists both stale holders, not the live ones" \
	"([.holders[].pid] | index($PID_B) != null and index($PID_D) != null and index($PID_A) == null and index($PID_C) == null)" "$OUT"

# --- a node with no runtime state: nothing is called stale, nothing killed ---
EMPTY=$(mktemp -d /tmp/nrempty.XXXXXX)
expect_rc "no runtime state: exit 0" 0 ip netns exec "$NODE" "$NR" --host-root "$EMPTY" --json port $PORT
expect_json "no runtime state: nothing stale" '[.holders[] | select(.stale)] | length == 0' "$OUT"
expect_json "no runtime state: verdict unknown for pod processes" '.holders[] | select(.pid == '$PID_B') | .verdict == "unknown"' "$OUT"
expect_json "no runtime state: says so" '.runtime.known == false and ([.findings[] | select(.id == "runtime-unknown")] | length == 1)' "$OUT"
expect_rc "no runtime state: --kill ends nothing" 0 ip netns exec "$NODE" "$NR" --host-root "$EMPTY" port $PORT --kill
expect_match "no runtime state: warning on stderr" "nothing is called stale" "$ERR"
kill -0 "$PID_B" 2>/dev/null && ok "no runtime state: stale holder untouched" || fail "no runtime state kill" "pid $PID_B gone"

# --- the kubelet forgot the pod (containerd still runs it): stale too ---
mv "$HR/var/lib/kubelet/pods/${POD_UID[a]}" "$HR/var/lib/kubelet/pods/gone"
expect_rc "pod unknown to the kubelet" 1 nr --json port $PORT
expect_json "pod unknown to the kubelet: stale" '.holders[] | select(.pid == '$PID_A') | .stale == true and (.stale_reason | test("unknown to the kubelet"))' "$OUT"
mv "$HR/var/lib/kubelet/pods/gone" "$HR/var/lib/kubelet/pods/${POD_UID[a]}"

# --- --pod-ip: only that pod's netns (contract amended by issue 13: the pod's own live server
# is port-listening (info); port-in-use needs evidence that a container of the pod fails to bind;
# nothing listening is port-not-listening) ---
expect_rc "--pod-ip: the pod's own live server: exit 0" 0 nr --json port $PORT --pod-ip "${POD_IP[c]}"
expect_json "--pod-ip: only the pod's holder" "[.holders[].pid] == [$PID_C]" "$OUT"
expect_json "--pod-ip: port-listening info, no port-in-use" '([.findings[] | select(.id == "port-listening" and .severity == "info")] | length == 1) and ([.findings[] | select(.id == "port-in-use")] | length == 0)' "$OUT"
LOGD=$HR/var/log/pods/default_c_${POD_UID[c]}/dns2
mkdir -p "$LOGD"
printf '2024-05-01T10:00:00Z stderr F listen udp :%s: bind: address already in use\n' $PORT >"$LOGD/0.log"
expect_rc "--pod-ip: another container fails to bind: exit 1" 1 nr --json port $PORT --pod-ip "${POD_IP[c]}"
expect_json "--pod-ip: port-in-use names both containers and the log" '[.findings[] | select(.id == "port-in-use" and .severity == "fail" and (.message | test("container dns.*container dns2.*address already in use")))] | length == 1' "$OUT"
rm -rf "$LOGD"
mkdir -p "$LOGD"
: >"$LOGD/0.log"; : >"$LOGD/1.log"; : >"$LOGD/2.log"
expect_rc "--pod-ip: another container restarting: exit 1" 1 nr --json port $PORT --pod-ip "${POD_IP[c]}"
expect_json "--pod-ip: port-in-use from restarts" '[.findings[] | select(.id == "port-in-use" and (.message | test("restarting \\(2 restarts")))] | length == 1' "$OUT"
rm -rf "$LOGD"
expect_rc "--pod-ip: stale holder in the pod: exit 1" 1 nr --json port $PORT --pod-ip "${POD_IP[b]}"
expect_json "--pod-ip: stale holder, no bind failure logged: stale-listener only, no port-in-use" '([.findings[] | select(.id == "stale-listener")] | length >= 1) and ([.findings[] | select(.id == "port-in-use")] | length == 0)' "$OUT"
# The pod's container logs the failed bind (as the kubelet writes it): now the holder is port-in-use.
LOGB=$HR/var/log/pods/default_b_${POD_UID[b]}/app
mkdir -p "$LOGB"
printf '2024-05-01T10:00:00Z stderr F listen tcp :%s: bind: address already in use\n' $PORT >"$LOGB/0.log"
expect_rc "--pod-ip: stale holder and a failed bind: exit 1" 1 nr --json port $PORT --pod-ip "${POD_IP[b]}"
expect_json "--pod-ip: stale holder is port-in-use with the kill fix" '[.findings[] | select(.id == "port-in-use" and .fix == "netrescue port '$PORT' --kill" and (.message | test("container app cannot bind it")))] | length == 1' "$OUT"
expect_json "--pod-ip: port-in-use and stale-listener name one pid" '[.findings[] | select(.id == "port-in-use" or .id == "stale-listener") | .message | capture("pid (?<p>[0-9]+)").p] | unique | length == 1' "$OUT"
rm -rf "${LOGB%/app}"
expect_rc "--pod-ip: nothing listens in that pod: exit 1" 1 nr --json port $((PORT + 2)) --pod-ip "${POD_IP[c]}"
expect_json "--pod-ip: free port, port-not-listening" '(.holders | length == 0) and ([.findings[] | select(.id == "port-not-listening" and .severity == "fail")] | length == 1) and ([.findings[] | select(.id == "port-in-use")] | length == 0)' "$OUT"
expect_eq "--pod-ip: ss agrees nothing listens" "$(in_pod c ss -Hlntu "sport = :$((PORT + 2))" | wc -l)" 0

# --- --kill ---
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }
expect_rc "--kill ends stale holders: exit 0" 0 nr --json port $PORT --kill
K=$OUT
expect_json "--kill reports SIGTERM for the stale holder" '.holders[] | select(.pid == '$PID_B') | .action == "sigterm"' "$K"
expect_json "--kill keeps the live holder" '.holders[] | select(.pid == '$PID_A') | .action == "kept"' "$K"
expect_json "--kill: no stale-listener finding left, ended ones reported" \
	'([.findings[] | select(.id == "stale-listener")] | length == 0) and ([.findings[] | select(.id == "stale-listener-ended")] | length == 2)' "$K"
gone "$PID_B" && ok "stale holder ended" || fail "stale holder ended" "pid $PID_B still running"
gone "$PID_D" && ok "hostile-named stale holder ended" || fail "hostile stale ended" "pid $PID_D still running"
kill -0 "$PID_A" 2>/dev/null && ok "live holder untouched" || fail "live holder" "pid $PID_A gone"
kill -0 "$PID_C" 2>/dev/null && ok "live udp holder untouched" || fail "live udp holder" "pid $PID_C gone"
expect_eq "ss: nothing listens in the stale pod any more" "$(in_pod b ss -Hltn "sport = :$PORT" | wc -l)" 0
expect_rc "second --kill finds nothing to kill: exit 0" 0 nr --json port $PORT --kill
expect_json "second --kill: no action taken" '[.holders[] | select(.action == "sigterm" or .action == "sigkill")] | length == 0' "$OUT"

# A stale holder that ignores SIGTERM is ended by SIGKILL after --wait.
pod_proc b "$(new_cid)" --stale -- python3 -c "
import signal, socket
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $PORT)); s.listen(); signal.pause()"
PID_E=$LAST_PID
wait_listen "${POD_NS[b]}" $PORT
expect_rc "--kill --wait 1s on a TERM-ignoring holder" 0 nr --json port $PORT --kill --wait 1s
expect_json "SIGKILL reported" '.holders[] | select(.pid == '$PID_E') | .action == "sigkill"' "$OUT"
gone "$PID_E" && ok "TERM-ignoring holder ended" || fail "sigkill" "pid $PID_E still running"

# --force ends a live holder too.
expect_rc "--kill --force ends a live holder" 0 nr --json port $PORT --kill --force --wait 2s
expect_json "--force: live holder signalled" '.holders[] | select(.pid == '$PID_A') | .action == "sigterm"' "$OUT"
gone "$PID_A" && ok "--force ended the live holder" || fail "--force" "pid $PID_A still running"

# --- Docker: the Engine API over var/run/docker.sock answers for containers (no containerd) ---
DK=$(mktemp -d /tmp/nrdocker.XXXXXX)
DOCKER_ROOT=$DK
mkdir -p "$DK/var/run" "$DK/var/lib/kubelet/pods/${POD_UID[c]}"
DPORT=$((PORT + 1)) DCID_LIVE=$(new_cid) DCID_STALE=$(new_cid)
cat >"$DK/dockerd.py" <<'PY'
import http.server, json, socketserver, sys
running = set(sys.argv[2].split(","))
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        code, body = 404, {"message": "page not found"}
        if self.path == "/_ping":
            code, body = 200, "OK"
        elif self.path.startswith("/containers/") and self.path.endswith("/json"):
            cid = self.path.split("/")[2]
            if cid in running:
                code, body = 200, {"Id": cid, "State": {"Running": True}, "Config": {"Labels": {
                    "io.kubernetes.pod.name": "dk", "io.kubernetes.pod.namespace": "default",
                    "io.kubernetes.container.name": "dkapp"}}}
            else:
                body = {"message": "No such container: " + cid}
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a): pass
    def address_string(self): return "unix"
socketserver.UnixStreamServer(sys.argv[1], H).serve_forever()
PY
python3 "$DK/dockerd.py" "$DK/var/run/docker.sock" "$DCID_LIVE" &
T_PIDS+=($!)
for i in $(seq 1 100); do [ -S "$DK/var/run/docker.sock" ] && break; sleep 0.05; done
dk_dir() { local u=${POD_UID[c]}; echo "$CG/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${u//-/_}.slice/docker-$1.scope"; }
spawn_in "${POD_NS[c]}" "$(dk_dir "$DCID_LIVE")" socat TCP-LISTEN:$DPORT,reuseaddr,fork /dev/null
DPID_LIVE=$LAST_PID
spawn_in "${POD_NS[c]}" "$(dk_dir "$DCID_STALE")" socat TCP6-LISTEN:$DPORT,reuseaddr,fork,ipv6only=1 /dev/null
DPID_STALE=$LAST_PID
for i in $(seq 1 100); do [ "$(in_pod c ss -Hltn "sport = :$DPORT" | wc -l)" = 2 ] && break; sleep 0.05; done
expect_rc "docker node: stale container found: exit 1" 1 ip netns exec "$NODE" "$NR" --host-root "$DK" --json port $DPORT
expect_json "docker node: runtime is the Docker API" '.runtime.known and (.runtime.sources | test("docker-api"))' "$OUT"
expect_json "docker node: running container is live, named from its labels" \
	".holders[] | select(.pid == $DPID_LIVE) | .verdict == \"live\" and .container_id == \"$DCID_LIVE\" and .container_name == \"dkapp\" and .pod_name == \"dk\"" "$OUT"
expect_json "docker node: unknown container is stale" \
	".holders[] | select(.pid == $DPID_STALE) | .stale and .container_id == \"$DCID_STALE\"" "$OUT"

# --- bad input ---
expect_one_line_error "port 0" 2 "not a port" "$NR" port 0
expect_one_line_error "port 65536" 2 "not a port" "$NR" port 65536
expect_one_line_error "port abc" 2 "not a port" "$NR" port abc
expect_one_line_error "port without PORT" 2 "needs a PORT" "$NR" port
expect_one_line_error "--force without --kill" 2 "only goes with --kill" "$NR" port 80 --force
expect_one_line_error "--pod-ip not an IP" 2 "not an IP" "$NR" port 80 --pod-ip 10.4.0
expect_one_line_error "--wait not a duration" 2 "not a duration" "$NR" port 80 --wait soon
expect_rc "help port" 0 "$NR" help port
expect_match "help explains --kill with an example" 'netrescue .*port 8080 --kill' "$OUT"
