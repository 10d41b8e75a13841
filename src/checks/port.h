/* The port check: every listener on a port in every network namespace of the node, who holds
 * it (pid, comm, pod, container) and whether the holder is stale: its container is not a
 * running container of the runtime, or its pod is unknown to the kubelet (the old process left
 * behind by a crashed runtime that makes the new container fail with "bind: Address already
 * in use"). Also the all-ports stale-listener scan diagnose runs, and --kill.
 *
 * Findings: stale-listener (fail); when a pod netns is asked for: port-listening (info: its
 * own live server), port-not-listening (fail: nothing holds the port there), port-in-use (fail:
 * a stale holder, or another container's holder while one of the pod's containers fails to
 * bind, by its log under host_root/var/log/pods or its restarts);
 * runtime-unknown (warn: no runtime state, nothing judged), stale-listener-ended (info, --kill). */
#ifndef NR_CHECKS_PORT_H
#define NR_CHECKS_PORT_H
#include <stdio.h>

#include "base/err.h"
#include "proc/proc.h"
#include "report/findings.h"
#include "report/json.h"
#include "runtime/runtime.h"

/* PORT_HOLDERS_MAX: a port has one holder per netns in practice; a node has <= 256 pods. */
#define PORT_HOLDERS_MAX 256
/* PORT_SOCKS_PER_HOLDER: IPv4 + IPv6, TCP + UDP. */
#define PORT_SOCKS_PER_HOLDER 4
/* PORT_ADDR_MAX: "udp6 [ffff:...:ffff]:65535". */
#define PORT_ADDR_MAX 64
/* PORT_NAME_MAX: pod and container names shown (Kubernetes names are DNS labels, <= 63, but
 * pod names may be subdomains up to 253). */
#define PORT_NAME_MAX 256

enum port_verdict { PORT_HOST = 0, PORT_LIVE, PORT_STALE, PORT_UNKNOWN };
enum port_action { PORT_ACT_NONE = 0, PORT_ACT_KEPT, PORT_ACT_TERM, PORT_ACT_KILL, PORT_ACT_GONE,
		   PORT_ACT_FAILED };

struct port_holder {
	int pid, ppid;
	char comm[PROC_COMM_MAX];        /* raw */
	char args[PROC_ARGS_MAX];        /* raw */
	unsigned long long netns;
	char pod_uid[PROC_UID_MAX];
	char container_id[PROC_CID_MAX];
	char pod_name[PORT_NAME_MAX];
	char pod_namespace[PORT_NAME_MAX];
	char container_name[PORT_NAME_MAX];
	int nsocks;
	char socks[PORT_SOCKS_PER_HOLDER][PORT_ADDR_MAX]; /* "tcp 0.0.0.0:8080" */
	unsigned port;                   /* the port it holds (the first, in an all-ports scan) */
	enum port_verdict verdict;
	char why[192];                   /* why stale */
	enum port_action action;         /* what --kill did */
	char action_note[128];
};

struct port_report {
	unsigned port;                   /* 0: every port (the stale-listener scan) */
	unsigned long long pod_netns;    /* 0: every netns */
	int runtime_known;               /* some runtime state could be read */
	char sources[128];               /* rt_sources() */
	int netns_scanned;
	int sockdiag_fallbacks;          /* netns read from /proc/PID/net instead of sock_diag */
	int n;
	int dropped;                     /* holders beyond PORT_HOLDERS_MAX */
	struct port_holder h[PORT_HOLDERS_MAX];
	int killed;                      /* holders ended by check_port_kill */
	int kill_run;                    /* check_port_kill ran */
};

/* Finds the holders of port (0: every listener of a stale process) in every netns, or only in
 * pod_netns (an inode, 0 = all), judges each against the runtime state under host_root, and
 * adds findings to fs (may be NULL). r is caller-owned (large: keep it static or on the heap).
 * Returns 0, or -1 with e filled when /proc cannot be read. */
int check_port_run(const char *host_root, unsigned port, unsigned long long pod_netns,
		   struct port_report *r, struct findings *fs, struct nr_err *e);

/* --kill: SIGTERM to each stale holder (every holder when force), waits up to wait_ms for it to
 * exit, then SIGKILL; records each outcome in the holder (action). Non-stale holders without
 * force are kept (PORT_ACT_KEPT). Returns the number of processes ended. pid 1 and netrescue
 * itself are never signalled. Rewrites the stale-listener findings in fs for ended holders. */
int check_port_kill(struct port_report *r, int force, unsigned wait_ms, struct findings *fs);

/* "port", "holders", "runtime" keys into the current JSON object (not findings). */
void check_port_json(struct jw *w, const struct port_report *r);
/* A table of holders (ip -br style). */
void check_port_text(FILE *f, const struct port_report *r);
const char *port_verdict_name(enum port_verdict v);

#endif
