#!/usr/bin/env bash
# Hardening (issue 15): never claim "nothing" when it could not look, never hang on a node
# file or a slow peer, one JSON document always, fixes that paste safely, paths inside
# --host-root. Each numbered block is the regression test of that item of the issue.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

PORT=$((20000 + $$ % 20000))
PORT2=$((PORT + 1))
DOCKPID= OUTSIDE= CT_OLD=
CT_MAX=/proc/sys/net/netfilter/nf_conntrack_max
cleanup_h() {
	[ -n "$DOCKPID" ] && kill "$DOCKPID" 2>/dev/null
	[ -n "$CT_OLD" ] && echo "$CT_OLD" >"$CT_MAX"
	[ -n "$OUTSIDE" ] && rm -rf "$OUTSIDE"
	node_down
}
node_up
trap cleanup_h EXIT
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2
pod_routed b 10.4.1.2
CID_A=$(new_cid)
pod_proc a "$CID_A" --stale -- socat TCP-LISTEN:$PORT,reuseaddr,fork /dev/null
PID_A=$LAST_PID
wait_listen "${POD_NS[a]}" $PORT || fail "setup" "pod a not listening"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
unpriv() { ip netns exec "$NODE" "${NOBODY[@]}" "$NR" --host-root "$HR" "$@"; }
# seconds taken by CMD (exit code in RC)
timed() { local t0=$SECONDS; "$@" >"$T_TMP/out" 2>"$T_TMP/err"; RC=$?; TOOK=$((SECONDS - t0)); }

# --- 3. without privileges: say what could not be read, exit 3, never "nothing" -----------
expect_rc "3: unprivileged port: exit 3, not 'nothing listens'" 3 unpriv port $PORT
expect_match "3: names EACCES and the capability" "EACCES.*|CAP_SYS_PTRACE" "$ERR"
expect_match "3: says namespaces could not be read" "could not be read" "$ERR"
expect_rc "3: unprivileged port --kill: exit 3" 3 unpriv port $PORT --kill
if kill -0 "$PID_A" 2>/dev/null; then ok "3: --kill without privileges killed nothing"; else fail "3: --kill without privileges killed nothing" "pid $PID_A gone"; fi
expect_rc "3: unprivileged --json port --stale: exit 3" 3 unpriv --json port --stale
expect_json "3: one document naming EACCES" '.error.code == 3 and .error.errno_name == "EACCES" and (.error.message | test("CAP_SYS_PTRACE"))' "$OUT"
expect_rc "3: unprivileged locate of a pod: exit 3" 3 unpriv locate 10.4.0.2
expect_match "3: locate says it could not read" "could not be read|EACCES|EPERM" "$ERR"
for c in "sockets --pod-ip 10.4.0.2" "port $PORT --pod-ip 10.4.0.2"; do
	# shellcheck disable=SC2086
	expect_rc "3: unprivileged $c: exit 3" 3 unpriv $c
	expect_nomatch "3: $c does not blame a missing pod" "not found on this node|no process found|is it a pod" "$ERR"
	expect_match "3: $c names the refusal" "EACCES|EPERM|could not be read" "$ERR"
done

# --- 4. node files that would block: FIFOs are refused at once, slow peers cut off ---------
CID_F=$(new_cid)
pod_proc a "$CID_F" -- sleep 600
TASK=$HR/run/containerd/io.containerd.runtime.v2.task/k8s.io/$CID_F
rm -f "$TASK/config.json" && mkfifo "$TASK/config.json"
timed timeout 30 ip netns exec "$NODE" "$NR" --host-root "$HR" ps
expect_eq "4: containerd config.json as a FIFO: ps finishes (exit 0)" "$RC" 0
[ "$TOOK" -lt 10 ] && ok "4: ...within 10 s ($TOOK s)" || fail "4: ...within 10 s" "took $TOOK s"
mkfifo "$HR/etc/cni/net.d/00-fifo.conf"
timed timeout 30 ip netns exec "$NODE" "$NR" --host-root "$HR" --json links
expect_eq "4: CNI config as a FIFO: links finishes (exit 0)" "$RC" 0
rm -f "$HR/etc/cni/net.d/00-fifo.conf"
CID_D=$(new_cid)
mkdir -p "$HR/var/lib/docker/containers/$CID_D" && mkfifo "$HR/var/lib/docker/containers/$CID_D/config.v2.json"
pod_proc b "$CID_D" --stale -- socat TCP-LISTEN:$PORT2,reuseaddr,fork /dev/null
wait_listen "${POD_NS[b]}" $PORT2 || fail "setup" "pod b not listening"
timed timeout 30 ip netns exec "$NODE" "$NR" --host-root "$HR" port --stale
expect_eq "4: Docker config.v2.json as a FIFO: port --stale finishes (exit 1, stale found)" "$RC" 1
mkdir -p "$T_TMP/hr-fifo/etc" && mkfifo "$T_TMP/hr-fifo/etc/sysctl.conf"
if [ -e "$CT_MAX" ]; then
	timed timeout 30 "$NR" --host-root "$T_TMP/hr-fifo" conntrack --fix --since 1s
	expect_eq "4: sysctl.conf as a FIFO: conntrack --fix refuses it (exit 3)" "$RC" 3
	expect_match "4: ...saying it is not a regular file" "not a regular file" "$(cat "$T_TMP/err")"
fi
mkfifo "$T_TMP/bundle.fifo"
timed timeout 60 ip netns exec "$NODE" "$NR" --host-root "$HR" diagnose --bundle "$T_TMP/bundle.fifo" --force
expect_eq "4: --bundle to a FIFO with --force: exit 3, no hang" "$RC" 3
expect_match "4: ...not a regular file" "not a regular file" "$(cat "$T_TMP/err")"

# A Docker socket behind var/run -> /run (absolute, inside the host root: item 10), fast
# first, then trickling one byte a second (item 4: one deadline per request).
mkdir -p "$HR/run" && rm -rf "$HR/var/run" && ln -s /run "$HR/var/run"
echo fast >"$T_TMP/dockmode"
python3 - "$HR/run/docker.sock" "$T_TMP/dockmode" <<'EOF' &
import socket, sys, threading, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(16)
def serve(c):
    try:
        c.recv(4096)
        resp = b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"State":{"Running":false}}'
        if open(sys.argv[2]).read().strip() == 'slow':
            for b in resp:
                c.send(bytes([b])); time.sleep(1)
        else:
            c.sendall(resp)
    except Exception:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
DOCKPID=$!
for _ in $(seq 1 50); do [ -S "$HR/run/docker.sock" ] && break; sleep 0.1; done
expect_rc "10: Docker socket behind an absolute var/run symlink: port runs" 1 nr --json port $PORT
expect_json "10: ...and the Docker API was found inside the host root" '.runtime.sources | test("docker-api")' "$OUT"
echo slow >"$T_TMP/dockmode"
timed timeout 60 ip netns exec "$NODE" "$NR" --host-root "$HR" port $PORT
[ "$TOOK" -lt 15 ] && ok "4: a Docker socket trickling a byte a second is cut off ($TOOK s)" || fail "4: trickling Docker socket cut off" "took $TOOK s (rc $RC)"
kill "$DOCKPID" 2>/dev/null; wait "$DOCKPID" 2>/dev/null; DOCKPID=
rm -f "$HR/run/docker.sock"

# --- 10. CNI config symlinks resolve inside the host root, never outside ------------------
OUTSIDE=$(mktemp -d /tmp/nrout.XXXXXX)
echo '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico"}]}' >"$OUTSIDE/10-calico.conflist"
mkdir -p "$T_TMP/hr10/etc/cni/net.d" "$T_TMP/hr10/cni-real" "$T_TMP/hr11/etc/cni/net.d"
cp "$OUTSIDE/10-calico.conflist" "$T_TMP/hr10/cni-real/"
ln -s /cni-real/10-calico.conflist "$T_TMP/hr10/etc/cni/net.d/10-calico.conflist"
ln -s "$OUTSIDE/10-calico.conflist" "$T_TMP/hr11/etc/cni/net.d/10-calico.conflist"
expect_rc "10: absolute CNI symlink inside the host root" 0 ip netns exec "$NODE" "$NR" --host-root "$T_TMP/hr10" --json links
expect_json "10: ...is followed inside it (calico)" '.cni.name == "calico"' "$OUT"
expect_rc "10: CNI symlink to a file outside the host root" 0 ip netns exec "$NODE" "$NR" --host-root "$T_TMP/hr11" --json links
expect_json "10: ...is not read (not calico)" '.cni.name != "calico"' "$OUT"

# --- 5. closed standard descriptors are not reused ------------------------------------------
expect_rc "5: locate - with stdin closed: no hang, exit 0" 0 timeout 20 bash -c 'exec 0<&-; exec "$@"' _ "$NR" locate -
expect_rc "5: an error with stderr closed: exit 3, no crash" 3 timeout 20 bash -c 'exec 2>&-; exec "$@"' _ "$NR" links nosuch0
expect_rc "5: stdout closed: exit 0" 0 timeout 20 bash -c 'exec 1>&-; exec "$@"' _ "$NR" version

# --- 6. no silent cap on listeners per netns: 12,000 in one pod ---------------------------
CID_M=$(new_cid) CID_N=$(new_cid)
pod_proc b "$CID_M" --stale -- python3 -c '
import socket, resource, time, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (13000, 13000))
ss = []
for p in range(40000, 52000):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(1); ss.append(s)
open(sys.argv[1], "w").write("ready")
time.sleep(600)' "$T_TMP/many.ready"
PID_M=$LAST_PID
for _ in $(seq 1 200); do [ -s "$T_TMP/many.ready" ] && break; sleep 0.1; done
pod_proc b "$CID_N" --stale -- socat TCP-LISTEN:53001,reuseaddr,fork /dev/null
PID_N=$LAST_PID
wait_listen "${POD_NS[b]}" 53001 || fail "setup" "pod b 53001 not listening"
n=$(in_pod b ss -Hltn | wc -l)
expect_rc "6: port --stale with $n listeners in one netns" 1 nr --json port --stale
expect_json "6: the 12,000-listener process is a stale holder" '[.holders[] | select(.pid == '$PID_M' and .stale)] | length == 1' "$OUT"
expect_json "6: the lone listener beside it is not dropped" '[.holders[] | select(.pid == '$PID_N' and .stale)] | length == 1' "$OUT"
kill "$PID_M" "$PID_N" 2>/dev/null

# --- 7. write failures on stdout -----------------------------------------------------------
expect_rc "7: version > /dev/full: exit 3" 3 sh -c 'exec "$0" version >/dev/full' "$NR"
expect_match "7: ...says stdout could not be written" "stdout.*ENOSPC" "$ERR"
expect_rc "7: --json links > /dev/full: exit 3" 3 sh -c 'exec "$0" --json links >/dev/full' "$NR"
expect_match "7: ...says so" "cannot write the output to stdout" "$ERR"

# --- 8. --json: exactly one document on every usage and exit-3 error -------------------------
one_doc() { # NAME WANT_RC JQ ARGS...
	local name=$1 want=$2 jqx=$3
	shift 3
	expect_rc "8: $name: exit $want" "$want" "$NR" "$@"
	if [ "$(jq -s length <<<"$OUT" 2>/dev/null)" = 1 ]; then ok "8: $name: one document"; else fail "8: $name: one document" "stdout: $(head -c 300 <<<"$OUT")"; fi
	expect_json "8: $name: error fields" "$jqx" "$OUT"
}
for c in $("$NR" --json help | jq -r '.commands[].name'); do
	one_doc "$c --no-such-option" 2 '.tool == "netrescue" and .command == "'"$c"'" and .error.code == 2 and (.error.message | test("no-such-option"))' --json "$c" --no-such-option
done
one_doc "no command" 2 '.error.code == 2 and .command == null' --json
one_doc "unknown command" 2 '.error.code == 2' --json frobnicate
one_doc "unknown global option" 2 '.error.code == 2' --json --frob links
one_doc "--host-root not a dir" 2 '.error.code == 2' --json --host-root /nonexistent links
one_doc "links nosuch (exit 3)" 3 '.error.code == 3 and (.error.message | test("no such interface"))' --json links nosuch0
one_doc "sockets --pid of no process (exit 3)" 3 '.error.code == 3' --json sockets --pid 4194000
one_doc "help COMMAND" 0 '.command == "help" and .name == "port" and (.help | test("--kill"))' --json help port

# --- 9. fix commands paste safely: a bridge named x$(id) with an odd byte -------------------
BADBR=$'x$(id)\xff'
ip -n "$NODE" link add "$BADBR" type bridge
BRIDGE=$BADBR BRIDGE_GW=10.6.0.1
pod_bridged q 10.6.0.2
ip -n "$NODE" link set "$BADBR" down
expect_rc "9: a down bridge with a hostile name: exit 1" 1 nr --json bridge
fixes=$(jq -r '.findings[] | select(.fix != null) | .fix' <<<"$OUT")
expect_match "9: some fix names the bridge, quoted" "bridge .*x\\$\\(id\\)" "$fixes"
while IFS= read -r f; do
	[ -n "$f" ] || continue
	# Pasted into bash, each word comes back as itself; nothing runs.
	got=$(bash -c "set -- $f; printf '%s\n' \"\$@\"" 2>&1)
	expect_nomatch "9: '$f' runs no code when pasted" "uid=" "$got"
	case "$f" in *bridge*)
		w=$(bash -c "set -- $f; printf '%s' \"\$3\"" | od -An -tx1 | tr -d ' \n')
		expect_eq "9: the pasted name is the bridge's exact bytes" "$w" "$(printf '%s' "$BADBR" | od -An -tx1 | tr -d ' \n')" ;;
	esac
done <<<"$fixes"

# --- 11. conntrack --fix checks sysctl.conf before the live value ------------------------------
if [ -w "$CT_MAX" ]; then
	REC=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 32 ))
	CT_OLD=$(cat "$CT_MAX")
	LOW=$((REC - 4096))
	echo "$LOW" >"$CT_MAX"
	mkdir -p "$T_TMP/hr-ro/etc" && printf 'kernel.panic = 10\n' >"$T_TMP/hr-ro/etc/sysctl.conf"
	expect_rc "11: read-only sysctl.conf (ro bind mount): exit 3" 3 unshare -m sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$0" --host-root "$2" conntrack --fix --since 1s' \
		"$NR" "$T_TMP/hr-ro/etc/sysctl.conf" "$T_TMP/hr-ro"
	expect_eq "11: ...and the live value was not changed" "$(cat "$CT_MAX")" "$LOW"
	expect_rc "11: sysctl.conf that is a mount point (rename would fail): exit 3" 3 unshare -m sh -c \
		'mount --bind "$1" "$1" && exec "$0" --host-root "$2" conntrack --fix --since 1s' \
		"$NR" "$T_TMP/hr-ro/etc/sysctl.conf" "$T_TMP/hr-ro"
	expect_eq "11: ...live value still not changed" "$(cat "$CT_MAX")" "$LOW"
	expect_eq "11: ...sysctl.conf untouched" "$(cat "$T_TMP/hr-ro/etc/sysctl.conf")" "kernel.panic = 10"
	echo "$CT_OLD" >"$CT_MAX"; CT_OLD=
fi

# --- 12/13. argv bytes escaped in messages; empty and extra arguments are usage errors -------
expect_one_line_error "12: newline and ESC in an argument are escaped" 3 'x0ay.x1b' "$NR" links $'x\ny\e[31m'
expect_nomatch "12: no raw ESC on stderr" $'\e' "$ERR"
expect_one_line_error "13: diagnose --bundle ''" 2 "bundle" "$NR" diagnose --bundle ''
expect_one_line_error "13: help version extra" 2 "at most one" "$NR" help version extra

# --- 14. ps reads only what it needs: 20,000 pod log dirs -----------------------------------
mkdir -p "$T_TMP/hr14/var/log/pods" "$T_TMP/hr14/var/lib/kubelet/pods"
(cd "$T_TMP/hr14/var/log/pods" && seq 1 20000 | awk '{printf "ns%d_pod%d_%08x-0000-0000-0000-%012x\n", $1 % 50, $1, $1, $1}' | xargs mkdir)
(cd "$T_TMP/hr14/var/lib/kubelet/pods" && seq 1 20000 | awk '{printf "%08x-0000-0000-0000-%012x\n", $1, $1}' | xargs mkdir)
timed timeout 60 "$NR" --host-root "$T_TMP/hr14" ps
[ "$RC" = 0 ] && [ "$TOOK" -lt 5 ] && ok "14: ps with 20,000 pod dirs in $TOOK s" || fail "14: ps with 20,000 pod dirs" "rc $RC, $TOOK s"
timed timeout 60 "$NR" --host-root "$T_TMP/hr14" ps --pod ns7/pod7
[ "$RC" = 0 ] && [ "$TOOK" -lt 5 ] && ok "14: ps --pod NS/NAME with 20,000 pods in $TOOK s" || fail "14: ps --pod with 20,000 pods" "rc $RC, $TOOK s"
timed timeout 60 "$NR" --host-root "$T_TMP/hr14" ps --pod nosuchpod
[ "$RC" = 3 ] && [ "$TOOK" -lt 5 ] && ok "14: ps --pod with no match: closest in $TOOK s" || fail "14: ps --pod no match" "rc $RC, $TOOK s"

# --- CLI fuzz loop, a short bounded run (the long one is in ./build.sh fuzz) ----------------
CLI_FUZZ_RUNS=${CLI_FUZZ_RUNS:-40} bash "$T_ROOT/tests/fuzz/cli.sh"

[ "$T_FAILS" = 0 ]
