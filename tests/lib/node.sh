# A simulated Kubernetes node made of real kernel objects. Source it after harness.sh.
#
#   node_up                      the node: netns $NODE with uplink eth0 (MTU 1460, 10.128.0.2/20,
#                                default route via 10.128.0.1) into netns $VPC (the "VPC router");
#                                fake node filesystem at $HR (use as --host-root); cleanup trap.
#   node_cni kubenet|ptp|calico|cilium|flannel|weave   writes $HR/etc/cni/net.d/
#   node_bridge [NAME] [CIDR]    pod bridge (default cbr0, 10.4.0.1/24), up
#   pod_bridged NAME IP [UID] [cgroupfs|systemd]   pod netns on the bridge via a veth (kubenet)
#   pod_routed  NAME IP [UID] [cgroupfs|systemd]   pod netns on a routed veth + /32 route (GKE ptp)
#         both start the pod's sandbox ("pause") process in its netns and kubepods cgroup and
#         write its containerd task dir, kubelet pod dir and /var/log/pods dir.
#   pod_proc NAME CID [--stale] [--cname C] -- CMD...
#                                runs CMD in pod NAME's netns, in a container cgroup CID; writes a
#                                containerd task dir for it unless --stale (the runtime forgot it).
#                                Sets LAST_PID.
#   nr ARGS...                   runs netrescue inside the node: --host-root $HR, in $NODE
#   in_node CMD... / in_pod NAME CMD...
# Pod facts: POD_NS[name] POD_IF[name] (host side) POD_IP[name] POD_UID[name] POD_PIDS[name]
# Everything is removed on exit, also on failure or signal (trap), and node_down can be called
# early. Names are unique per test process ($T_ID), so tests may run side by side.
T_ID=nrt$$
NODE=$T_ID-node
VPC=$T_ID-vpc
CG=/sys/fs/cgroup/unified
HR=
declare -A POD_NS POD_IF POD_IP POD_UID POD_DRV POD_PIDS
T_PIDS=()
T_CGROUPS=()
T_NETNS=()
T_NODE_UP=0

node_down() {
	local p c n
	[ "$T_NODE_UP" = 1 ] || { t_harness_cleanup; return 0; }
	T_NODE_UP=0
	for p in "${T_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ((n = ${#T_CGROUPS[@]} - 1; n >= 0; n--)); do
		c=${T_CGROUPS[n]}
		[ -d "$c" ] || continue
		# Any process still inside (a test's own child) goes up to the root first. A killed
		# process that is not our child may still be exiting: the cgroup stays busy until it
		# is gone, so try again for a while.
		for _ in $(seq 1 40); do
			while read -r p; do echo "$p" >"$CG/cgroup.procs" 2>/dev/null; done <"$c/cgroup.procs"
			rmdir "$c" 2>/dev/null && break
			sleep 0.05
		done
	done
	# Shared parents go once no test uses them any more.
	for c in kubepods/burstable kubepods/besteffort kubepods \
		kubepods.slice/kubepods-burstable.slice kubepods.slice/kubepods-besteffort.slice kubepods.slice; do
		rmdir "$CG/$c" 2>/dev/null
	done
	for n in "${T_NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	[ -n "$HR" ] && rm -rf "${HR%/host}"
	t_harness_cleanup
}

node_up() {
	trap node_down EXIT
	trap 'exit 130' INT TERM
	T_NODE_UP=1
	HR=$(mktemp -d /tmp/nrhost.XXXXXX)/host
	mkdir -p "$HR"/{etc/cni/net.d,run/containerd/io.containerd.runtime.v2.task/k8s.io,var/lib/kubelet/pods,var/log/pods}
	: >"$HR/etc/sysctl.conf"
	cp /bin/sleep "${HR%/host}/pause"
	ip netns add "$NODE" && T_NETNS+=("$NODE")
	ip netns add "$VPC" && T_NETNS+=("$VPC")
	ip -n "$NODE" link set lo up
	ip -n "$VPC" link set lo up
	ip -n "$NODE" link add eth0 mtu 1460 type veth peer name vpc0 mtu 1460 netns "$VPC"
	ip -n "$NODE" addr add 10.128.0.2/20 dev eth0
	ip -n "$VPC" addr add 10.128.0.1/20 dev vpc0
	ip -n "$NODE" link set eth0 up
	ip -n "$VPC" link set vpc0 up
	ip -n "$NODE" route add default via 10.128.0.1 dev eth0
	# The VPC routes the node's pod range back to it, as GCP does for alias IP ranges.
	ip -n "$VPC" route add 10.4.0.0/16 via 10.128.0.2
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
}

node_cni() {
	local d=$HR/etc/cni/net.d
	case "$1" in
	kubenet) cat >"$d/10-kubenet.conf" <<-'EOF' ;;
	{"cniVersion":"0.3.1","name":"kubenet","type":"bridge","bridge":"cbr0","mtu":1460,"isGateway":true,
	 "ipam":{"type":"host-local","subnet":"10.4.0.0/24"}}
	EOF
	ptp) cat >"$d/10-gke-ptp.conflist" <<-'EOF' ;;
	{"cniVersion":"0.3.1","name":"gke-pod-network","plugins":[{"type":"ptp","mtu":1460,
	 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.4.1.0/24"}]]}},{"type":"portmap"}]}
	EOF
	calico) echo '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico","mtu":1440}]}' >"$d/10-calico.conflist" ;;
	cilium) echo '{"cniVersion":"0.3.1","name":"cilium","plugins":[{"type":"cilium-cni"}]}' >"$d/05-cilium.conflist" ;;
	flannel) echo '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true}}]}' >"$d/10-flannel.conflist" ;;
	weave) echo '{"cniVersion":"0.3.0","name":"weave","plugins":[{"name":"weave","type":"weave-net"}]}' >"$d/10-weave.conflist" ;;
	*) echo "node_cni: unknown $1" >&2; return 1 ;;
	esac
}

node_bridge() {
	local br=${1:-cbr0} cidr=${2:-10.4.0.1/24}
	ip -n "$NODE" link add "$br" type bridge
	ip -n "$NODE" link set "$br" mtu 1460
	ip -n "$NODE" addr add "$cidr" dev "$br"
	ip -n "$NODE" link set "$br" up
	BRIDGE=$br
	BRIDGE_GW=${cidr%/*}
}

new_uid() { cat /proc/sys/kernel/random/uuid; }
new_cid() { head -c 32 /dev/urandom | sha256sum | cut -c1-64; }
short_hash() { printf '%s' "$1" | sha256sum | cut -c1-8; }

# The cgroup directory of a container, in the driver's naming.
cg_dir() { # uid cid driver
	local uid=$1 cid=$2
	if [ "$3" = systemd ]; then
		echo "$CG/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice/cri-containerd-$cid.scope"
	else
		echo "$CG/kubepods/burstable/pod$uid/$cid"
	fi
}

cg_make() { # dir: mkdir -p, remembering each level this test created
	local d=$1 parts=() p
	while [ "$d" != "$CG" ] && [ ! -d "$d" ]; do parts=("$d" "${parts[@]}"); d=$(dirname "$d"); done
	for p in "${parts[@]}"; do mkdir "$p" 2>/dev/null && T_CGROUPS+=("$p"); done
	return 0
}

# containerd's task dir for a container (what `crictl ps` would know).
task_dir() { # cid uid podname type cname sandbox pid
	local d=$HR/run/containerd/io.containerd.runtime.v2.task/k8s.io/$1
	mkdir -p "$d"
	cat >"$d/config.json" <<-EOF
	{"ociVersion":"1.1.0","process":{"args":["/pause"]},"annotations":{
	 "io.kubernetes.cri.container-type":"$4","io.kubernetes.cri.container-name":"$5",
	 "io.kubernetes.cri.sandbox-id":"$6","io.kubernetes.cri.sandbox-name":"$3",
	 "io.kubernetes.cri.sandbox-namespace":"default","io.kubernetes.cri.sandbox-uid":"$2"}}
	EOF
	echo "$7" >"$d/init.pid"
}

# Starts CMD in netns NS inside cgroup DIR; sets LAST_PID.
spawn_in() { # ns cgdir cmd...
	local ns=$1 dir=$2
	shift 2
	cg_make "$dir"
	ip netns exec "$ns" "$@" </dev/null >/dev/null 2>&1 &
	LAST_PID=$!
	echo "$LAST_PID" >"$dir/cgroup.procs"
	T_PIDS+=("$LAST_PID")
}

pod_common() { # name ip uid driver
	local name=$1 uid=${3:-$(new_uid)} drv=${4:-cgroupfs} sid
	POD_UID[$name]=$uid
	POD_DRV[$name]=$drv
	POD_IP[$name]=$2
	mkdir -p "$HR/var/lib/kubelet/pods/$uid/volumes" "$HR/var/log/pods/default_${name}_$uid/app"
	sid=$(new_cid)
	POD_SANDBOX[$name]=$sid
	spawn_in "${POD_NS[$name]}" "$(cg_dir "$uid" "$sid" "$drv")" "${HR%/host}/pause" infinity
	POD_PIDS[$name]=$LAST_PID
	task_dir "$sid" "$uid" "$name" sandbox "" "$sid" "$LAST_PID"
}
declare -A POD_SANDBOX

pod_netns() { # name -> creates the pod netns
	POD_NS[$1]=$T_ID-p-$1
	ip netns add "${POD_NS[$1]}" && T_NETNS+=("${POD_NS[$1]}")
	ip -n "${POD_NS[$1]}" link set lo up
}

pod_bridged() { # name ip [uid] [driver]
	local name=$1 ip=$2 hv
	hv=veth$(short_hash "$T_ID$name")
	pod_netns "$name"
	ip -n "$NODE" link add "$hv" mtu 1460 type veth peer name eth0 mtu 1460 netns "${POD_NS[$name]}"
	ip -n "$NODE" link set "$hv" master "$BRIDGE" up
	ip -n "${POD_NS[$name]}" addr add "$ip/24" dev eth0
	ip -n "${POD_NS[$name]}" link set eth0 up
	ip -n "${POD_NS[$name]}" route add default via "$BRIDGE_GW"
	POD_IF[$name]=$hv
	pod_common "$name" "$ip" "${3:-}" "${4:-}"
}

pod_routed() { # name ip [uid] [driver]
	local name=$1 ip=$2 hv
	hv=gke$(short_hash "$T_ID$name")
	pod_netns "$name"
	ip -n "$NODE" link add "$hv" mtu 1460 type veth peer name eth0 mtu 1460 netns "${POD_NS[$name]}"
	ip -n "$NODE" link set "$hv" up
	ip netns exec "$NODE" sysctl -qw "net.ipv4.conf.$hv.proxy_arp=1"
	ip -n "$NODE" route add "$ip/32" dev "$hv" scope link
	ip -n "${POD_NS[$name]}" addr add "$ip/32" dev eth0
	ip -n "${POD_NS[$name]}" link set eth0 up
	ip -n "${POD_NS[$name]}" route add 169.254.1.1 dev eth0 scope link
	ip -n "${POD_NS[$name]}" route add default via 169.254.1.1 dev eth0
	POD_IF[$name]=$hv
	pod_common "$name" "$ip" "${3:-}" "${4:-}"
}

pod_proc() { # name cid [--stale] [--cname C] -- cmd...
	local name=$1 cid=$2 stale=0 cname=app
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case "$1" in --stale) stale=1 ;; --cname) cname=$2; shift ;; esac
		shift
	done
	shift
	spawn_in "${POD_NS[$name]}" "$(cg_dir "${POD_UID[$name]}" "$cid" "${POD_DRV[$name]}")" "$@"
	[ "$stale" = 1 ] || task_dir "$cid" "${POD_UID[$name]}" "$name" container "$cname" "${POD_SANDBOX[$name]}" "$LAST_PID"
}

nr() { ip netns exec "$NODE" "$NR" --host-root "$HR" "$@"; }
in_node() { ip netns exec "$NODE" "$@"; }
in_pod() { local n=$1; shift; ip netns exec "${POD_NS[$n]}" "$@"; }

# Waits until a TCP port listens in a netns (processes start asynchronously).
wait_listen() { # ns port
	local i
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# --- helpers for probe/dns tests (servers in namespaces the test creates) ---
# netns_new NAME: a namespace of the test's own, lo up, removed at cleanup.
netns_new() { ip netns add "$1" && T_NETNS+=("$1") && ip -n "$1" link set lo up; }
# bg_in NS CMD...: runs CMD in netns NS in the background, killed at cleanup; sets LAST_PID.
bg_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" </dev/null >/dev/null 2>&1 &
	LAST_PID=$!
	T_PIDS+=("$LAST_PID")
}
# pod_resolv NAME FILE: a container process of pod NAME with a mount namespace of its own in
# which FILE is /etc/resolv.conf (what the kubelet's bind mount gives each container); the
# mount goes with the process. Sets LAST_PID.
pod_resolv() {
	pod_proc "$1" "$(new_cid)" --cname dnsclient -- unshare -m --propagation private \
		sh -c "mount --bind '$2' /etc/resolv.conf && exec sleep infinity"
	local i
	for i in $(seq 1 100); do
		[ "$(readlink "/proc/$LAST_PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
			grep -q nameserver "/proc/$LAST_PID/root/etc/resolv.conf" 2>/dev/null &&
			cmp -s "$2" "/proc/$LAST_PID/root/etc/resolv.conf" && return 0
		sleep 0.05
	done
	return 1
}

# --- node shapes as the real CNIs build them (issue 13) --------------------------------------
#   node_cilium [ROUTER] [CIDR] [vxlan]  GKE Dataplane V2 / Cilium: the veth pair cilium_host /
#                                cilium_net, ROUTER/32 (default 10.4.2.1) on cilium_host, the pod
#                                CIDR (10.4.2.0/24) "via ROUTER dev cilium_host src ROUTER" and no
#                                per-pod route; with vxlan also cilium_vxlan (flow-based, 8472) and
#                                a remote node's CIDR 10.4.9.0/24 via cilium_host.
#   pod_cilium NAME IP [UID]     a pod on an lxc<hash> veth with no address and no route on the node
#                                (eBPF delivers); inside IP/32, ROUTER dev eth0 scope link, default
#                                via ROUTER.
#   node_calico [BLOCK] [vxlan]  Calico's IPAM block (10.4.3.0/26) as a blackhole route (proto bird);
#                                with vxlan also vxlan.calico (VNI 4096, 4789, MTU 1410) with a remote
#                                block via its tunnel address onlink, its neighbour and FDB entries.
#   pod_calico NAME IP [UID]     a pod on a cali<hash> veth (MAC ee:ee:ee:ee:ee:ee, proxy_arp) with a
#                                /32 route; inside IP/32 and the 169.254.1.1 gateway.
#   node_flannel                 Flannel VXLAN: flannel.1 (VNI 1, 8472, nolearning, MTU 1410,
#                                10.4.0.0/32), the cni0 bridge (10.4.0.1/24, MTU 1410), a remote node's
#                                subnet 10.4.1.0/24 via 10.4.1.0 onlink with its neighbour and FDB
#                                entry (dst 10.128.0.3). Pods: pod_bridged then pod_mtu NAME 1410.
#   pod_mtu NAME MTU             both ends of a pod's veth.
#   sandbox_orphan NAME [PATH]   ends every process of pod NAME: only its netns bind mount is left
#                                (as the CNI's /run/netns/cni-* after the sandbox died); with PATH
#                                (e.g. var/run/netns/cni-x) it is also bind-mounted at $HR/PATH and
#                                the sandbox's containerd config.json names /PATH as its netns.
# REMOTE_VTEP_MAC: the MAC of the remote node's VTEP the overlay helpers install.
REMOTE_VTEP_MAC=66:0a:0b:0c:0d:0e
T_MOUNTS=()
CILIUM_ROUTER=

node_cilium() {
	local r=${1:-10.4.2.1} cidr=${2:-10.4.2.0/24}
	CILIUM_ROUTER=$r
	ip -n "$NODE" link add cilium_host mtu 1460 type veth peer name cilium_net mtu 1460
	ip -n "$NODE" link set cilium_net up
	ip -n "$NODE" link set cilium_host up
	ip -n "$NODE" addr add "$r/32" dev cilium_host
	ip -n "$NODE" route add "$r" dev cilium_host scope link
	ip -n "$NODE" route add "$cidr" via "$r" dev cilium_host src "$r"
	if [ "${3:-}" = vxlan ]; then
		ip -n "$NODE" link add cilium_vxlan mtu 1500 type vxlan external dstport 8472
		ip -n "$NODE" link set cilium_vxlan up
		ip -n "$NODE" route add 10.4.9.0/24 via "$r" dev cilium_host src "$r" mtu 1410
	fi
}

pod_cilium() { # name ip [uid]
	local name=$1 ip=$2 hv
	hv=lxc$(short_hash "$T_ID$name")
	pod_netns "$name"
	ip -n "$NODE" link add "$hv" mtu 1460 type veth peer name eth0 mtu 1460 netns "${POD_NS[$name]}"
	ip -n "$NODE" link set "$hv" up
	ip -n "${POD_NS[$name]}" addr add "$ip/32" dev eth0
	ip -n "${POD_NS[$name]}" link set eth0 up
	ip -n "${POD_NS[$name]}" route add "$CILIUM_ROUTER" dev eth0 scope link
	# In tunnel mode cilium-cni keeps the device MTU and lowers the routes' MTU instead.
	if ip -n "$NODE" link show cilium_vxlan >/dev/null 2>&1; then
		ip -n "${POD_NS[$name]}" route add default via "$CILIUM_ROUTER" dev eth0 mtu 1410
	else
		ip -n "${POD_NS[$name]}" route add default via "$CILIUM_ROUTER" dev eth0
	fi
	POD_IF[$name]=$hv
	pod_common "$name" "$ip" "${3:-}"
}

node_calico() {
	local block=${1:-10.4.3.0/26}
	ip -n "$NODE" route add blackhole "$block" proto 12
	if [ "${2:-}" = vxlan ]; then
		ip -n "$NODE" link add vxlan.calico mtu 1410 type vxlan id 4096 dstport 4789 local 10.128.0.2 dev eth0 nolearning
		ip -n "$NODE" addr add "${block%/*}/32" dev vxlan.calico
		ip -n "$NODE" link set vxlan.calico up
		ip -n "$NODE" neigh add 10.4.9.0 lladdr "$REMOTE_VTEP_MAC" dev vxlan.calico nud permanent
		ip netns exec "$NODE" bridge fdb add "$REMOTE_VTEP_MAC" dev vxlan.calico dst 10.128.0.3 self permanent
		ip -n "$NODE" route add 10.4.9.0/26 via 10.4.9.0 dev vxlan.calico onlink
	fi
}

pod_calico() { # name ip [uid]
	# Wired as GKE ptp is (a /32 per pod, the 169.254.1.1 gateway inside); only the veth's
	# name and Calico's fixed MAC differ. A link going down takes its route with it: re-add.
	local name=$1 ip=$2 hv
	pod_routed "$name" "$ip" "${3:-}"
	hv=cali$(short_hash "$T_ID$name")
	ip -n "$NODE" link set "${POD_IF[$name]}" down
	ip -n "$NODE" link set "${POD_IF[$name]}" name "$hv" address ee:ee:ee:ee:ee:ee
	ip -n "$NODE" link set "$hv" up
	ip -n "$NODE" route add "$ip/32" dev "$hv" scope link
	POD_IF[$name]=$hv
}

node_flannel() {
	ip -n "$NODE" link add flannel.1 mtu 1410 type vxlan id 1 dstport 8472 local 10.128.0.2 dev eth0 nolearning
	ip -n "$NODE" addr add 10.4.0.0/32 dev flannel.1
	ip -n "$NODE" link set flannel.1 up
	ip -n "$NODE" neigh add 10.4.1.0 lladdr "$REMOTE_VTEP_MAC" dev flannel.1 nud permanent
	ip netns exec "$NODE" bridge fdb add "$REMOTE_VTEP_MAC" dev flannel.1 dst 10.128.0.3 self permanent
	ip -n "$NODE" route add 10.4.1.0/24 via 10.4.1.0 dev flannel.1 onlink
	node_bridge cni0 10.4.0.1/24
	ip -n "$NODE" link set cni0 mtu 1410
}

pod_mtu() { # name mtu
	ip -n "$NODE" link set "${POD_IF[$1]}" mtu "$2"
	ip -n "${POD_NS[$1]}" link set eth0 mtu "$2"
}

node_umounts() {
	local m
	for m in "${T_MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	T_MOUNTS=()
}

sandbox_orphan() { # name [path under $HR]
	local name=$1 p i
	for p in $(ip netns pids "${POD_NS[$name]}"); do kill -9 "$p" 2>/dev/null; done
	for i in $(seq 1 100); do
		[ -z "$(ip netns pids "${POD_NS[$name]}")" ] && break
		sleep 0.05
	done
	POD_PIDS[$name]=
	if [ -n "${2:-}" ]; then
		mkdir -p "$(dirname "$HR/$2")"
		: >"$HR/$2"
		mount --bind "/run/netns/${POD_NS[$name]}" "$HR/$2" && T_MOUNTS+=("$HR/$2")
		# containerd's sandbox config names its netns by that path, as the CRI plugin writes it.
		sed -i "s|{\"ociVersion\":\"1.1.0\",|&\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/$2\"}]},|" \
			"$HR/run/containerd/io.containerd.runtime.v2.task/k8s.io/${POD_SANDBOX[$name]}/config.json"
		# Bind mounts go before the host tree is removed.
		trap 'node_umounts; node_down' EXIT
	fi
}

# shape_fails JSON: the fail finding IDs of a check's document that belong to this test. The
# machine's /proc is shared: other tests' pods look stale to our host root (stale-listener) and
# their kernel-log records land in our window; those count only when they name our namespaces.
shape_fails() {
	local mine
	mine=$(for p in "${POD_PIDS[@]}"; do [ -n "$p" ] && stat -L -c %i "/proc/$p/ns/net" 2>/dev/null; done | jq -R . | jq -sc .)
	jq -r --argjson mine "${mine:-[]}" '[.findings[] | select(.severity == "fail")
		| select(.id != "conntrack-table-full" and .id != "neigh-table-overflow")
		| select(.id != "stale-listener" or
			 (.message as $m | any($mine[]; . as $n | $m | contains("netns " + $n + " "))))
		| .id] | unique | join(",")' <<<"$1" 2>/dev/null
}
# shape_diag NAME WANT_FAILS ARGS...: diagnose --json in the node; its document lands in DJ. The
# exit code must follow the findings, and this test's own fail findings must be exactly
# WANT_FAILS ("" on a healthy shape: exit 0, or 1 only because of other tests' pods).
shape_diag() {
	local name=$1 want=$2
	shift 2
	nr --json diagnose --since 2s "$@" >"$T_TMP/dj.out" 2>"$T_TMP/dj.err"
	RC=$?
	DJ=$(cat "$T_TMP/dj.out")
	expect_json "$name: one JSON document" '.tool == "netrescue" and .command == "diagnose"' "$DJ"
	expect_eq "$name: exit code follows the findings" "$RC" \
		"$(jq '[.findings[] | select(.severity == "fail")] | if length > 0 then 1 else 0 end' <<<"$DJ" 2>/dev/null)"
	expect_eq "$name: fail findings are exactly [$want]" "$(shape_fails "$DJ")" "$want"
	if [ -n "$want" ]; then expect_eq "$name: exit 1" "$RC" 1; fi
}
