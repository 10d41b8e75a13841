/* Find a pod from its IP the way every GKE wiring does it: route lookup (RTM_GETROUTE) to the
 * host interface; on a bridge (kubenet cbr0) neighbour entry -> MAC -> FDB port; on routed
 * wirings (gke*, veth*, cali*, lxc*: a /32 per pod) the route's device. Then the host veth's
 * peer netns (IFLA_LINK_NETNSID -> RTM_GETNSID against the netns of processes), cross-checked
 * from the pod side (its interface's iflink == host ifindex); the pids in that netns; pod UID
 * and container IDs from cgroups. Findings: route-missing, link-down. */
#ifndef NR_LOCATE_LOCATE_H
#define NR_LOCATE_LOCATE_H
#include <stdio.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/parse.h"
#include "netlink/netlink.h"
#include "netns/netns.h"
#include "report/findings.h"
#include "report/json.h"
#include "report/table.h"

/* LOCATE_MAX_PIDS: a pod's processes (pause + containers + their children). */
#define LOCATE_MAX_PIDS 256
/* LOCATE_MAX_CONTAINERS: containers per pod (sandbox, app, sidecars, init leftovers). */
#define LOCATE_MAX_CONTAINERS 32
/* LOCATE_CID: a containerd/docker container ID is 64 hex digits (PROC_CID_MAX's room). */
#define LOCATE_CID 72
/* LOCATE_UID: a pod UID is a 36-byte UUID; static pods use a 32-hex config hash. */
#define LOCATE_UID 64

/* LOCATE_CILIUM: GKE Dataplane V2 / Cilium: the pod CIDR is routed via the router IP on
 * cilium_host and eBPF on the pod's lxc* veth delivers (no per-pod route). */
enum locate_wiring { LOCATE_NONE = 0, LOCATE_ROUTED, LOCATE_BRIDGED, LOCATE_LOCAL, LOCATE_CILIUM };
/* LOCATE_PATH: a netns bind mount's path (/run/netns/cni-<uuid>, under --host-root). */
#define LOCATE_PATH 512

struct locate_container {
	char id[LOCATE_CID];
	int npids;
	int pids[LOCATE_MAX_PIDS];
};

struct locate_report {
	struct nr_addr ip;
	enum locate_wiring wiring;
	char route_dev[NL_IFNAMSIZ];  /* device the route lookup chose ("" when none) */
	int route_default;            /* the lookup fell to a default route */
	char bridge[NL_IFNAMSIZ];     /* bridged: the bridge */
	int has_mac;
	unsigned char mac[6];         /* bridged: the pod's MAC from the neighbour table */
	char host_if[NL_IFNAMSIZ];    /* the host-side interface of the pod ("" = not found) */
	int ifindex;                  /* its ifindex, 0 = not found */
	unsigned host_flags;          /* its IFF_* flags */
	int peer_ifindex;             /* IFLA_LINK of the host veth */
	unsigned long long netns;     /* the pod's netns inode, 0 = unknown */
	int crosscheck;               /* 1 pod side iflink == ifindex, 0 mismatch, -1 not done */
	char pod_if[NL_IFNAMSIZ];     /* the pod-side interface name ("eth0") */
	int pod_has_ip;               /* 1 the pod side holds ip, 0 it does not, -1 not read */
	int npids, pids_dropped;
	int pids[LOCATE_MAX_PIDS];
	char pod_uid[LOCATE_UID];     /* "" = unknown (JSON null) */
	int sandbox_empty;            /* the netns is held only by a bind mount (no process) */
	char netns_path[LOCATE_PATH]; /* that bind mount ("" when a process holds the netns) */
	char sandbox_pod[520];        /* "namespace/name" (two names <= 256) of the dead sandbox's pod, from
					  the runtime's task whose netns is that mount ("" unknown) */
	int not_here;                 /* the route stays on the node but no pod here holds ip */
	int ncontainers;
	struct locate_container containers[LOCATE_MAX_CONTAINERS];
};

/* What locate keeps between lookups (several IPs, diagnose): the route socket and the
 * namespaces of all processes with the nsid this netns gives each. Large: allocate once. */
/* LOCATE_PROCS: processes on a node, all read in one /proc walk (a busy node has a few
 * thousand; more are counted in pairs_dropped and their pods' pid lists may be short). */
#define LOCATE_PROCS 32768

/* LOCATE_MNTS: network namespaces held by bind mounts (one per pod sandbox under
 * /run/netns, plus `ip netns` helpers); more are counted in mnt_dropped. */
#define LOCATE_MNTS 1024
/* LOCATE_VETHS: the node's veths into other namespaces (256 pods, with room). */
#define LOCATE_VETHS 1024
/* LOCATE_ADDRS: pod-side addresses indexed (IPv4 + IPv6 per pod, a few per netns). */
#define LOCATE_ADDRS 4096
/* LOCATE_SCRATCH: a sandbox's config.json (a few KiB; the namespaces come early). */
#define LOCATE_SCRATCH 65536

struct locate_mnt {
	unsigned long long ino;
	int nsid;                     /* as seen from the node, -1 none */
	int has_proc;                 /* a process lives in it too */
	char path[LOCATE_PATH];
};

/* A pod-side address behind one of the node's veths (the index of every pod, built once). */
struct locate_podaddr {
	struct nr_addr ip;
	int host_ifindex;             /* the node-side veth */
	int nsid;                     /* the pod netns as the node names it */
};

struct locate_ctx {
	struct nl nl;
	struct nl podnl;              /* inside one pod netns at a time (opened, used, closed) */
	const char *host_root;        /* where /run/netns and /var/run/netns are; NULL = "/" */
	int ns_ready;
	struct netns_list ns;
	int nsid[NETNS_MAX];          /* nsid of ns.ns[i] as seen from here, -1 none */
	int npairs, pairs_dropped;
	struct netns_pid pairs[LOCATE_PROCS]; /* (netns, pid) of every process, by netns */
	int nmnt, mnt_dropped;
	struct locate_mnt mnt[LOCATE_MNTS];
	int index_ready;
	int nveth, veth_dropped;
	struct nl_link veth[LOCATE_VETHS];
	int naddr, addr_dropped;
	struct locate_podaddr addr[LOCATE_ADDRS];
	char scratch[LOCATE_SCRATCH];   /* one file at a time: a mountinfo line, a task's config.json */
};

/* Opens the context in this thread's (the node's) netns. 0 or -1. */
int locate_init(struct locate_ctx *c, struct nr_err *e);
void locate_fini(struct locate_ctx *c);
/* Opens the netns this one calls nsid (a veth's IFLA_LINK_NETNSID); *ino (may be NULL) gets
 * its inode. Returns the fd (the caller closes it), or -1: NR_E_NL_NONETNS when no process
 * lives in that namespace (or it is gone). Used by the bridge check too. */
int locate_nsid_open(struct locate_ctx *c, int nsid, unsigned long long *ino, struct nr_err *e);
/* The bind mount that holds netns ino when no process does (NULL when none, or when a process
 * lives in it). Valid after a lookup (the namespaces are read once per context). */
const char *locate_mount_only(struct locate_ctx *c, unsigned long long ino);
/* 1 when netns ino holds a process of a pod (a kubepods cgroup), or is a pod sandbox held only
 * by a bind mount (the CNI's cni-<uuid>, or one a containerd sandbox task names); 0 otherwise
 * (docker, libvirt, `ip netns add` and test namespaces). */
int locate_netns_is_pod(struct locate_ctx *c, unsigned long long ino);
/* Reads a node file into buf (its end when tail and it is larger): only a regular file, opened
 * without following a symlink and without blocking (a FIFO planted there must not hang us).
 * Bytes read, or -1. Used for runtime configs and pod logs under --host-root. */
ssize_t locate_read_regular(const char *path, char *buf, size_t cap, int tail);
/* One mountinfo line (len bytes, no NUL needed): 1 with the mount point (octal escapes
 * undone) in path and the inode in *ino when it is a network namespace (nsfs, "net:[INO]"),
 * 0 when it is another mount, -1 when the line is malformed or the path does not fit. */
int locate_mountinfo_netns(const char *line, size_t len, char *path, size_t cap,
			   unsigned long long *ino);
/* Locates ip; route-missing / link-down go to fs (may be NULL). Returns 0 even when the pod
 * is not found (that is a finding), -1 when the lookup itself failed. */
int locate_run(struct locate_ctx *c, const struct nr_addr *ip, struct locate_report *r,
	       struct findings *fs, struct nr_err *e);
/* Internal to the locate module (podnet.c): reads the bind-mounted namespaces into c, and
 * builds the index of every pod-side address behind the node's veths. 0 or -1. */
int locate_mounts_read(struct locate_ctx *c, struct nr_err *e);
int locate_index_build(struct locate_ctx *c, struct nr_err *e);
/* The pod whose sandbox held r->netns_path (containerd's task config names its netns path):
 * fills r->pod_uid and r->sandbox_pod when found. */
void locate_sandbox_owner(struct locate_ctx *c, struct locate_report *r);
/* The pod that holds ip (bridge > 0: behind a port of that bridge): its node-side veth into
 * host. 0 found, 1 none. */
int locate_index_find(struct locate_ctx *c, const struct nr_addr *ip, int bridge,
		      struct nl_link *host, struct nr_err *e);
/* One lookup with a context of its own (the commands that take --pod-ip): init, run with
 * no findings, fini. 0 or -1, as locate_run. Not reentrant (the context is static). */
int locate_once(const struct nr_addr *ip, struct locate_report *r, struct nr_err *e);
/* The contract's members "ip", "host_interface", "ifindex", "netns", "pids", "pod_uid",
 * "containers" (+ "wiring", "bridge", "mac", "route_dev", "pod_interface", "crosscheck")
 * written into the current JSON object. */
void locate_json(struct jw *w, const struct locate_report *r);
/* One `ip -br` style line with a header: IP HOST_IF STATE WIRING NETNS PIDS POD_UID CONTAINERS. */
void locate_text(FILE *f, const struct locate_report *r);
/* The same for many pods in one aligned table: begin, add each, then tbl_print(t, f). */
void locate_text_begin(struct tbl *t);
void locate_text_add(struct tbl *t, const struct locate_report *r);
const char *locate_wiring_name(enum locate_wiring w);

#endif
