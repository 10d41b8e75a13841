/* The finding catalog (see catalog.h). One row per ID, one line per row, so adding an ID is a
 * one-line change: { id, severities, commands, meaning, what to do }. Keep rows sorted by
 * topic; never rename or drop a row (scripts match on IDs). No '|' in the text (the README
 * table is made from it). */
#include <string.h>

#include "report/catalog.h"

const struct catalog_entry catalog[] = {
	/* pod wiring: bridge, links, routes, the pod itself */
	{ "bridge-down", "fail", "diagnose bridge locate", "A pod bridge (cbr0, cni0, or one that carries a pod's veth) exists but is not up: every pod on it is cut off from the node and from each other, and the kernel drops the routes to them.", "Run the fix (netrescue bridge NAME --fix sets it up; so does diagnose --fix), then look for what took it down (netrescue kmsg --since 1h)." },
	{ "link-down", "fail", "diagnose bridge locate", "A pod's host-side interface (its veth) is administratively down, or up without carrier because the pod-side end is down.", "Run the fix (ip link set VETH up); when the pod side is down, restart the pod." },
	{ "pod-mac-not-learned", "warn", "diagnose bridge", "A pod on a bridge has no FDB entry and no neighbour entry on the node: it has not sent a frame the bridge saw (idle pod, or its interface is not really on the bridge).", "Send traffic from the pod, then run netrescue neigh again; if it stays unlearned, check the pod's interface and the bridge port." },
	{ "route-missing", "fail", "diagnose locate", "No route on the node leads to the asked pod IP: traffic for it leaves through the default route instead of reaching the pod.", "Check the CNI (its log and config under /etc/cni/net.d); recreating the pod makes the CNI add the route again." },
	{ "pod-not-found", "fail", "diagnose locate", "A route keeps the pod IP on this node (on cbr0, cilium_host, ...), but no pod network namespace here holds it: the pod runs on another node, or is gone.", "Find where the pod runs (kubectl get pod -o wide); a leftover IP allocation points at the CNI's IPAM state." },
	{ "pod-sandbox-empty", "warn", "diagnose locate", "A pod's network namespace is held only by a bind mount (such as /run/netns/cni-...): no process is left in it, the sandbox died.", "The kubelet must recreate the sandbox: check the runtime (crictl pods, its log) and the kubelet log." },
	{ "mtu-mismatch", "fail", "diagnose mtu", "A pod interface (or pod bridge, or overlay device) has an MTU larger than the uplink minus the overlay overhead carries: full-size packets are dropped or fragmented, small requests work and large replies hang.", "Run the fix lines (they lower the MTU of the running pod, both sides), then do what the advice line says so new pods get it too: it names the CNI config file this node uses, or under kubenet the kubelet's --network-plugin-mtu." },
	/* conntrack and the kernel's tables */
	{ "conntrack-near-full", "warn", "diagnose conntrack", "The conntrack table holds at least 90 % of nf_conntrack_max entries: new connections will soon be dropped.", "Raise the limit (netrescue conntrack --fix sets MemTotal(KiB)/32 and persists it) or find what opens so many flows (netrescue flows)." },
	{ "conntrack-table-full", "fail/warn", "diagnose conntrack", "The kernel log says 'nf_conntrack: table full, dropping packet', or the per-CPU drop counters count packets dropped because the table was full: new connections fail at random. diagnose reports a record last seen over 1 h ago as a warning when nothing read now confirms it (no drop or failed insert counted, the table not near full), and says so.", "Raise nf_conntrack_max (netrescue conntrack --fix), then find what fills the table (netrescue flows)." },
	{ "conntrack-insert-failed", "info", "diagnose conntrack", "Conntrack inserts failed (since boot): racing UDP flows from one socket, the usual cause of 5 s DNS timeouts.", "If pods see DNS delays, run netrescue dns --from POD_IP NAME; NodeLocal DNSCache or single-request-reopen in resolv.conf avoids the race." },
	{ "conntrack-unreplied", "warn", "diagnose flows", "Flows of an asked pod sit in conntrack without a reply: packets are dropped on the way (network policy, firewall, routing) or nothing answers.", "List them (netrescue flows --pod-ip IP), then look at the rules (netrescue rules --pod-ip IP) and drops (netrescue drops --pod-ip IP)." },
	{ "nodeport-range-conflict", "warn", "diagnose conntrack", "The ephemeral port range overlaps the NodePort range (30000-32767) without ip_local_reserved_ports: a local or masqueraded connection can take a NodePort's port.", "Run the fix (sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767) and persist it in sysctl.conf." },
	{ "neigh-table-overflow", "fail/warn", "diagnose conntrack", "The kernel log says 'neighbour table overflow': the ARP/NDP table is full, so new neighbours (pods, next hops) cannot be resolved. diagnose reports a record last seen over 1 h ago as a warning when the neighbours counted now are below gc_thresh3.", "Raise net.ipv4.neigh.default.gc_thresh1/2/3 (IPv6: net.ipv6) to above the number of neighbours (the fix line, when there is one, has values) and persist them." },
	/* ports and stale processes */
	{ "stale-listener", "fail", "diagnose port", "A process listens in a pod network namespace but its container is unknown to the container runtime: a leftover of a crashed or restarted runtime that holds the pod's port. When a container of the asked pod fails to bind that port, diagnose reports one finding for the pid (also reported as: port-in-use).", "Run the fix (netrescue port PORT --kill): it ends only stale holders, never a live container's process." },
	{ "stale-listener-ended", "info", "port", "port --kill ended a stale holder of the port.", "Nothing: the port is free for the pod's container; check that it now starts." },
	{ "port-in-use", "fail", "diagnose port", "The asked port is held in the asked pod's netns by a process other than the one that needs it (a stale process, or another container), and a container of that pod fails to bind it (its log says 'address already in use', or it keeps restarting).", "End the holder (the fix line: netrescue port PORT --kill, for a stale one) or fix the container that took the port." },
	{ "port-listening", "info", "diagnose port", "The asked port is held by a live container of the asked pod: the pod's own server listens, so the port is not the fault.", "Nothing on the node side; look at the path to the pod (rules, drops, capture) and at the application." },
	{ "port-not-listening", "fail", "diagnose port", "Nothing listens on the asked port in the asked pod's netns: connections are refused (the cause of 'connection refused').", "Check the container (its log under /var/log/pods, kubectl logs, its restarts) and the port it is configured to listen on." },
	{ "runtime-unknown", "warn", "diagnose port", "No container runtime state could be read under the host root (containerd task dirs, Docker, CRI-O), so no listener is called stale.", "Pass --host-root /host under kubectl debug, or run as root on the node so the runtime's state is readable." },
	/* process health */
	{ "zombies-accumulating", "warn", "diagnose health", "A pod or PID namespace holds many zombie processes that their parent never reaps: they use PIDs until the pod's pids.max or the node's pid_max is reached.", "Fix or restart the parent process (use an init such as tini in the image)." },
	{ "pids-near-limit", "fail", "diagnose health", "pids.current is at 90 % or more of pids.max for a pod, or the node nears kernel.pid_max or threads-max: forks are (or soon will be) refused.", "Find what spawns the processes (netrescue ps --pod NS/NAME --tree); raise the pod's PID limit only if it is right." },
	{ "oom-killed", "warn", "diagnose health", "The kernel OOM killer ended a process of a pod's container (the kernel log or the memory cgroup's counters say so): the container hit its memory limit.", "Raise resources.limits.memory or fix the leak." },
	{ "runtime-restarted", "warn", "diagnose health", "The container runtime (containerd, dockerd, a shim) started after the pod's processes: it restarted and may have lost track of containers it started before, which is how a container becomes stale.", "Check the runtime's log (journalctl -u containerd) and look for stale listeners (netrescue port --stale)." },
	/* drops seen by the kernel during the watch window */
	{ "drops-netfilter", "fail/warn", "diagnose drops", "The kernel dropped a pod's packets in netfilter (a firewall or network policy rule) during the watch window. Warn when the drops could not be tied to a pod.", "Find the rule (netrescue rules --pod-ip IP; diagnose names it as policy-drop) and fix the policy or firewall." },
	{ "drops-no-socket", "warn", "diagnose drops", "Packets to a pod reached no socket: nothing listens on that port.", "Check that the pod's server listens on the port the clients use (netrescue sockets --pod-ip IP --listen)." },
	{ "drops-listen-overflow", "warn", "diagnose drops", "A listener's accept queue overflowed: the server accepts connections more slowly than they arrive.", "Make the server accept faster or raise its listen backlog (and net.core.somaxconn)." },
	{ "drops-rp-filter", "fail/warn", "diagnose drops", "Reverse-path filtering dropped a pod's packets: they arrived on an interface the reply would not leave by (asymmetric routing).", "Fix the routing, or set net.ipv4.conf.IFACE.rp_filter=2 (loose) on that interface." },
	{ "drops-neigh", "fail/warn", "diagnose drops", "Packets were dropped because a next hop could not be resolved (ARP/NDP failed or the neighbour table is full).", "Check the next hop (netrescue neigh) and the neighbour table limits (neigh-table-overflow)." },
	{ "drops-mtu", "fail/warn", "diagnose drops", "Packets were dropped as too big for the path.", "Check MTUs (netrescue mtu) and path MTU from the pod (netrescue probe --from POD_IP TARGET --mtu)." },
	{ "drops-other", "warn/info", "diagnose drops", "Any other kernel drop reason that touched an asked pod, named by the kernel's reason (info for NOT_SPECIFIED).", "Read the reason and code location in the message; netrescue drops --pod-ip IP shows the flows." },
	{ "pod-no-traffic", "fail", "diagnose capture", "The capture on an asked pod's host interface saw no packet while, in the same window, the drop watch saw packets to that pod dropped or a DROP/REJECT rule for it counted packets: traffic was sent and never reached the pod's veth.", "Follow the cause findings beside it (policy-drop, drops-netfilter): they name the rule or drop reason and carry the fix." },
	{ "policy-drop", "fail", "diagnose", "A DROP or REJECT rule (network policy or firewall) matches an asked pod's traffic and its counters rose during the watch window; names backend, table, chain, position and comment.", "Fix the network policy or firewall rule named in the message (netrescue rules --pod-ip IP shows it in order)." },
	/* Services */
	{ "service-no-endpoints", "fail", "service", "A Service has no ready endpoints: kube-proxy rejects connections to it (its 'has no endpoints' REJECT rule, or an empty service map).", "Check the Service's pods' readiness and selector (kubectl get endpointslices -l kubernetes.io/service-name=NAME)." },
	{ "service-endpoint-down", "fail", "service", "A Service endpoint on this node is not listening on its target port: connections through the Service that land on it are refused.", "Check that pod (netrescue port PORT --pod-ip IP, its log) and the Service's targetPort." },
	/* probes from inside a pod */
	{ "tcp-refused", "fail", "diagnose probe", "A probe's TCP connect was refused (RST): nothing listens on that port there, or a firewall rejects.", "Check the target's listener and any REJECT rule on the way." },
	{ "tcp-timeout", "fail", "diagnose probe", "A probe's TCP connect went unanswered (or failed otherwise): a drop on the way (network policy, firewall, routing) or a silent host.", "Look for drops and rules (netrescue drops --pod-ip IP, netrescue rules --pod-ip IP) and the route out of the node." },
	{ "tls-handshake-failed", "fail", "diagnose probe", "TCP connected but the TLS handshake failed (no ServerHello, a bad certificate, ...): the message names the stage and cause.", "When nothing came back at all, suspect the path MTU (netrescue probe --from POD_IP TARGET --mtu); else fix the certificate or server." },
	{ "http-incomplete", "fail", "diagnose probe", "The HTTP reply stalled or was cut short.", "Suspect the path MTU (netrescue probe --from POD_IP TARGET --mtu) or a proxy on the way." },
	{ "pmtu-blackhole", "fail", "diagnose probe", "Small packets pass but packets above N bytes vanish with no ICMP 'fragmentation needed': large replies (TLS certificates, downloads) hang.", "Do what the advice line says: lower the pod MTU to the path MTU (the CNI config's mtu; under kubenet the kubelet's --network-plugin-mtu), or let ICMP type 3 code 4 through the path." },
	{ "pmtu-reduced", "info", "diagnose probe", "A router on the path says 'fragmentation needed' with a smaller MTU, so path-MTU discovery works.", "Nothing; lower the pod MTU only if the extra round trips matter." },
	/* DNS from inside a pod */
	{ "dns-timeout", "fail", "diagnose dns", "A nameserver in the pod's resolv.conf did not answer in time.", "Check kube-dns / NodeLocal DNSCache pods and the path to them (the fix line lists them)." },
	{ "dns-servfail", "fail", "diagnose dns", "A nameserver answered SERVFAIL or REFUSED: it cannot reach its upstream or the zone is broken.", "Read the DNS server's log (kubectl -n kube-system logs -l k8s-app=kube-dns)." },
	{ "dns-nxdomain", "warn", "diagnose dns", "The name does not exist after the pod's whole search list.", "Check the name, its namespace, and the pod's search list and ndots." },
	{ "dns-parallel-loss", "fail", "diagnose dns", "Of an A and AAAA query pair sent together from one socket, one was lost while the same queries one at a time both came back: the conntrack insert race of parallel UDP queries.", "Use NodeLocal DNSCache, or 'options single-request-reopen' in the pod's dnsConfig." },
	{ "dns-tcp-failed", "warn", "diagnose dns", "A nameserver answers over UDP but not over TCP: truncated (large) replies will fail.", "Allow TCP port 53 to the nameserver (network policy, firewall)." },
};

const int catalog_n = (int)(sizeof catalog / sizeof catalog[0]);

const struct catalog_entry *catalog_find(const char *id)
{
	int i;

	for (i = 0; i < catalog_n; i++)
		if (!strcmp(catalog[i].id, id))
			return &catalog[i];
	return NULL;
}
