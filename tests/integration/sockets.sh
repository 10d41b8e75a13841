#!/usr/bin/env bash
# sockets (--pid PID | --pod-ip IP) [--listen]: one netns's TCP/UDP sockets with owners, against
# `ss -H -tuanp` run inside the same netns.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/node.sh"

node_up
node_cni kubenet
node_bridge cbr0 10.4.0.1/24
pod_bridged a 10.4.0.2 "" cgroupfs
pod_routed b 10.4.1.2 "" systemd
P1=7101 P2=7102 P3=7103
pod_proc a "$(new_cid)" -- socat TCP-LISTEN:$P1,reuseaddr,fork /dev/null
pod_proc a "$(new_cid)" -- socat TCP6-LISTEN:$P2,reuseaddr,fork EXEC:'sleep 1000'
pod_proc a "$(new_cid)" -- socat -u UDP-RECV:$P3 /dev/null
# An owner with a hostile name (control bytes, invalid UTF-8).
ODD=$'\x03so\xc3cat\x1b'
cp "$(command -v socat)" "${HR%/host}/$ODD"
P4=7104
pod_proc a "$(new_cid)" -- "${HR%/host}/$ODD" TCP-LISTEN:$P4,reuseaddr,fork /dev/null
wait_listen "${POD_NS[a]}" $P1
wait_listen "${POD_NS[a]}" $P2
wait_listen "${POD_NS[a]}" $P4
# An established connection inside the pod (both ends), over IPv6 loopback.
pod_proc a "$(new_cid)" -- socat -u EXEC:'sleep 1000' TCP6:[::1]:$P2
pod_proc b "$(new_cid)" -- socat TCP-LISTEN:$P1,reuseaddr,fork /dev/null
wait_listen "${POD_NS[b]}" $P1
for i in $(seq 1 50); do [ "$(in_pod a ss -Htn state established | wc -l)" -ge 2 ] && break; sleep 0.05; done

# proto state lport rport pid, one line per (socket, pid); ss prints "*" for port 0.
norm_ss() {
	awk '{ split($5, l, ":"); split($6, r, ":"); lp = l[length(l)]; rp = r[length(r)]; if (rp == "*") rp = 0;
	       s = $0; while (match(s, /pid=[0-9]+/)) { print $1, $2, lp, rp, substr(s, RSTART + 4, RLENGTH - 4); s = substr(s, RSTART + RLENGTH) } }' | sort -u
}
norm_nr() {
	jq -r '.sockets[] | . as $s | (.pids[] // 0) | "\($s.proto) \($s.state) \($s.local | sub(".*:"; "")) \($s.remote | sub(".*:"; "")) \(.)"' | sort -u
}

PAUSE_A=${POD_PIDS[a]}
expect_rc "sockets --pid (pause of pod a)" 0 nr --json sockets --pid "$PAUSE_A"
J=$OUT
expect_json "sockets JSON: netns of the pod, via sock_diag" ".command == \"sockets\" and .netns == $(readlink /proc/$PAUSE_A/ns/net | tr -dc 0-9) and .source == \"sock_diag\"" "$J"
expect_eq "all sockets and owners match ss -tuanp in the pod netns" "$(norm_nr <<<"$J")" "$(in_pod a ss -H -tuanp | norm_ss)"
expect_json "tcp6 listener written [::]:PORT" ".sockets[] | select(.state == \"LISTEN\" and .local == \"[::]:$P2\") | .proto == \"tcp\" and .family == \"ipv6\"" "$J"
expect_json "established pair present (both ends)" '[.sockets[] | select(.state == "ESTAB")] | length >= 2' "$J"
expect_json "owners carry comm" '[.sockets[].owners[].comm] | index("socat") != null' "$J"

expect_json "hostile owner comm escaped in JSON" ".sockets[] | select(.local == \"0.0.0.0:$P4\") | .owners[0].comm == \"\\u0003so\\\\xc3cat\\u001b\"" "$J"
expect_rc "sockets --listen" 0 nr --json sockets --pid "$PAUSE_A" --listen
expect_eq "--listen matches ss -ltunp" "$(norm_nr <<<"$OUT")" "$(in_pod a ss -H -ltunp | norm_ss)"
expect_rc "sockets -l -t" 0 nr --json sockets --pid "$PAUSE_A" -l -t
expect_json "-t: TCP only" '([.sockets[] | select(.proto != "tcp")] | length == 0) and (.sockets | length == 3)' "$OUT"

expect_rc "sockets --proc-net (the fallback)" 0 nr --json sockets --pid "$PAUSE_A" --proc-net
expect_json "--proc-net says its source" '.source == "proc"' "$OUT"
expect_eq "--proc-net gives what sock_diag gives" "$(norm_nr <<<"$OUT")" "$(norm_nr <<<"$J")"

expect_rc "sockets human" 0 nr sockets --pid "$PAUSE_A"
expect_match "human: ss-like columns" '^NETID +STATE +LOCAL +PEER +PROCESS' "$OUT"
expect_match "human: listener with its process" "LISTEN +0\.0\.0\.0:$P1 .*socat,pid=[0-9]+" "$OUT"
expect_match "human: peer of a listener as ss writes it" "LISTEN +0\.0\.0\.0:$P1 +0\.0\.0\.0:\*" "$OUT"
expect_nomatch "human: no raw control bytes" $'[\x01-\x08\x1b]' "$OUT"
expect_match "human: hostile owner as \\xNN" '\\x03so\\xc3cat\\x1b,pid=' "$OUT"

# --- by pod IP (bridged and routed wiring) ---
expect_rc "sockets --pod-ip (bridged pod)" 0 nr --json sockets --pod-ip "${POD_IP[a]}"
expect_eq "--pod-ip gives the pod's sockets" "$(norm_nr <<<"$OUT")" "$(norm_nr <<<"$J")"
expect_rc "sockets --pod-ip (routed pod)" 0 nr --json sockets --pod-ip "${POD_IP[b]}" --listen
expect_eq "--pod-ip routed pod matches ss" "$(norm_nr <<<"$OUT")" "$(in_pod b ss -H -ltunp | norm_ss)"

# --- bad input ---
expect_one_line_error "nonexistent pid" 3 "no such process" "$NR" sockets --pid 4194000
expect_one_line_error "pid not a number" 2 "not a process id" "$NR" sockets --pid abc
expect_one_line_error "neither --pid nor --pod-ip" 2 "exactly one of" "$NR" sockets
expect_one_line_error "both --pid and --pod-ip" 2 "exactly one of" "$NR" sockets --pid 1 --pod-ip 10.4.0.2
expect_one_line_error "bad pod IP" 2 "not an IP" "$NR" sockets --pod-ip 10.4.0.300
expect_one_line_error "pod IP on no pod" 3 "10\.4\.0\.99" nr sockets --pod-ip 10.4.0.99
