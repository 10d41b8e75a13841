/* TCP and UDP sockets (IPv4 and IPv6) of one network namespace, as `ss -tuan` shows them, and
 * the processes that hold them. Sockets come from sock_diag (inet_diag) asked from inside the
 * namespace; when that fails (no inet_diag/udp_diag module), from /proc/PID/net/{tcp,tcp6,udp,
 * udp6} of a process in it. Owners come from /proc/PID/fd of the namespace's processes. */
#ifndef NR_SOCKETS_SOCKETS_H
#define NR_SOCKETS_SOCKETS_H
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"

struct sock_entry {
	int family;              /* AF_INET or AF_INET6 */
	int proto;               /* IPPROTO_TCP or IPPROTO_UDP */
	int state;               /* the kernel's TCP state number (UDP: 7 unconnected, 1 connected) */
	struct nr_addr local, remote;
	unsigned lport, rport;
	unsigned long long inode;/* 0 for TIME-WAIT and other orphans */
	unsigned uid;
};

/* What to list (bits). */
enum {
	SOCK_F_TCP = 1 << 0,
	SOCK_F_UDP = 1 << 1,
	SOCK_F_LISTEN = 1 << 2,  /* only TCP LISTEN and unconnected UDP */
	SOCK_F_NO_DIAG = 1 << 3, /* skip sock_diag: read /proc/PID/net (tests, and the fallback) */
};

/* "LISTEN", "ESTAB", "UNCONN", ... as ss names them. */
const char *sock_state_name(const struct sock_entry *s);
/* "tcp", "udp" (with "6" for IPv6 when v6 is set). */
const char *sock_proto_name(const struct sock_entry *s, int v6);
/* A TCP listener or a bound, unconnected UDP socket. */
int sock_is_listener(const struct sock_entry *s);

/* Walks the sockets of the network namespace of pid (0: netrescue's own). cb: <0 error, 0 stop,
 * >0 go on. Returns 0; or -1 with e filled: NR_E_PROC_NOPID (pid gone), NR_E_PROC_NONETNS (cannot
 * enter: not root), NR_E_PROC_SOCKDIAG (neither source could be read). *used_diag (may be NULL)
 * says whether sock_diag answered (1) or /proc/PID/net was read (0). */
int sock_walk_netns(int pid, unsigned flags, int (*cb)(const struct sock_entry *s, void *arg),
		    void *arg, int *used_diag, struct nr_err *e);

/* Parses /proc/net/{tcp,tcp6,udp,udp6} text (len bytes, need not be NUL-terminated); family
 * and proto say which file it was. Malformed lines are skipped. Returns the number of entries
 * passed to cb, or cb's negative value. Exposed for tests and fuzzing. */
int sock_parse_proc_net(const char *buf, size_t len, int family, int proto,
			int (*cb)(const struct sock_entry *s, void *arg), void *arg);

/* --- owners: socket inode -> pids ---------------------------------------------------------- */
struct sock_owner {
	unsigned long long inode;
	int pid;
};

/* A caller-owned table (cap entries). Entries that do not fit are counted in dropped. */
struct sock_owners {
	struct sock_owner *v;
	size_t n, cap;
	size_t dropped;
};

void sock_owners_init(struct sock_owners *o, struct sock_owner *buf, size_t cap);
/* Adds the socket fds of every process whose network namespace is netns (0: every process),
 * then sorts the table. Returns 0 or -1. */
int sock_owners_collect(struct sock_owners *o, unsigned long long netns, struct nr_err *e);
/* Adds the socket fds of one process (unsorted: call sock_owners_sort after adding). */
void sock_owners_add_pid(struct sock_owners *o, int pid);
void sock_owners_sort(struct sock_owners *o);
/* Writes up to max pids holding inode (ascending, distinct) to pids; returns how many were found
 * in total (may exceed max). */
size_t sock_owners_find(const struct sock_owners *o, unsigned long long inode, int *pids, size_t max);

/* --- the view: one netns's sockets with their owners (sockets command, diagnose) ------------ */
/* SOCK_ROW_PIDS: pids kept per socket (a forking server shares its listener with workers). */
#define SOCK_ROW_PIDS 8

struct sock_row {
	struct sock_entry s;
	int npids;                 /* holders found (may exceed SOCK_ROW_PIDS; the rest unnamed) */
	int pids[SOCK_ROW_PIDS];
};

struct sock_view {
	int pid;                   /* the process whose netns was read */
	unsigned long long netns;
	int used_diag;             /* 1 sock_diag, 0 /proc/PID/net */
	size_t n, cap;
	struct sock_row *v;        /* the result: one growing allocation */
	int oom;
};

/* Collects the sockets of pid's netns (flags as sock_walk_netns) with owners. Allocates the
 * rows and a temporary owner table; sock_view_free releases. 0 or -1. */
int sock_view_collect(struct sock_view *v, int pid, unsigned flags, struct nr_err *e);
void sock_view_free(struct sock_view *v);
struct jw;
/* "netns", "pid", "source" and "sockets": [{"proto","state","local","remote","pids","owners",
 * "inode","uid"}] into the current JSON object. */
void sock_view_json(struct jw *w, const struct sock_view *v);
/* Netid State Local Peer Process, like `ss -tuanp`. */
void sock_view_text(FILE *f, const struct sock_view *v);

#endif
