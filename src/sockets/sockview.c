/* The sockets view: rows of one netns with owning pids (and their comm on output). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/proc.h"
#include "report/json.h"
#include "report/table.h"
#include "sockets/sockets.h"

#define MOD "sockets"

/* OWNERS_FIRST/OWNERS_LAST: socket fds remembered at once; a netns with 50,000 sockets fits the
 * first size; the table doubles (re-reading the fds) when a host netns holds more. */
#define OWNERS_FIRST (1u << 16)
#define OWNERS_LAST (1u << 22)
#define ROWS_FIRST 256

static int add_row(const struct sock_entry *s, void *arg)
{
	struct sock_view *v = arg;
	struct sock_row *nv;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : ROWS_FIRST;

		nv = realloc(v->v, cap * sizeof *nv);
		if (!nv) {
			v->oom = 1;
			return -1;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].s = *s;
	v->v[v->n].npids = 0;
	v->n++;
	return 1;
}

static int row_cmp(const void *a, const void *b)
{
	const struct sock_entry *x = &((const struct sock_row *)a)->s, *y = &((const struct sock_row *)b)->s;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((x->state == 10) != (y->state == 10)) /* listeners first, as one reads a server */
		return x->state == 10 ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	return (x->rport > y->rport) - (x->rport < y->rport);
}

static int owners(struct sock_view *v, struct nr_err *e)
{
	struct sock_owners o;
	struct sock_owner *buf = NULL;
	size_t cap, i;

	for (cap = OWNERS_FIRST; cap <= OWNERS_LAST; cap *= 2) {
		free(buf);
		buf = malloc(cap * sizeof *buf);
		if (!buf)
			return nr_fail(e, NR_E_NOMEM, 0, MOD, "socket owners");
		sock_owners_init(&o, buf, cap);
		if (sock_owners_collect(&o, v->netns, e) < 0) {
			free(buf);
			return -1;
		}
		if (!o.dropped)
			break;
	}
	for (i = 0; i < v->n; i++) {
		struct sock_row *r = &v->v[i];
		r->npids = (int)sock_owners_find(&o, r->s.inode, r->pids, SOCK_ROW_PIDS);
	}
	free(buf);
	return 0;
}

int sock_view_collect(struct sock_view *v, int pid, unsigned flags, struct nr_err *e)
{
	memset(v, 0, sizeof *v);
	v->pid = pid;
	v->netns = proc_netns_of(pid > 0 ? pid : getpid());
	if (sock_walk_netns(pid, flags, add_row, v, &v->used_diag, e) < 0) {
		if (v->oom)
			nr_fail(e, NR_E_NOMEM, 0, MOD, "socket list");
		return -1;
	}
	if (v->n > 1)
		qsort(v->v, v->n, sizeof v->v[0], row_cmp);
	return v->netns ? owners(v, e) : 0;
}

void sock_view_free(struct sock_view *v)
{
	free(v->v);
	memset(v, 0, sizeof *v);
}

/* The last few pids' comms, for one output call: rows of one server repeat its pid. */
struct comm_cache {
	struct { int pid; char comm[PROC_COMM_MAX]; } e[16];
	unsigned next;
};

static const char *comm_of(struct comm_cache *c, int pid)
{
	struct proc_info p;
	unsigned i;

	for (i = 0; i < c->next && i < 16; i++)
		if (c->e[i].pid == pid)
			return c->e[i].comm;
	i = c->next++ % 16;
	if (c->next > 32)
		c->next -= 16; /* keeps "all 16 slots filled" without wrapping the counter */
	c->e[i].pid = pid;
	if (proc_read(pid, 0, &p, NULL) == 0)
		memcpy(c->e[i].comm, p.comm, sizeof p.comm);
	else
		c->e[i].comm[0] = 0;
	return c->e[i].comm;
}

void sock_view_json(struct jw *w, const struct sock_view *v)
{
	struct comm_cache cc = { .next = 0 };
	char a[64];
	size_t i;
	int j, k;

	jw_kuint(w, "netns", v->netns);
	if (v->pid > 0)
		jw_kint(w, "pid", v->pid);
	jw_kstr(w, "source", v->used_diag ? "sock_diag" : "proc");
	jw_key(w, "sockets");
	jw_arr(w);
	for (i = 0; i < v->n; i++) {
		const struct sock_row *r = &v->v[i];

		k = r->npids < SOCK_ROW_PIDS ? r->npids : SOCK_ROW_PIDS;
		jw_obj(w);
		jw_kstr(w, "proto", sock_proto_name(&r->s, 0));
		jw_kstr(w, "family", r->s.family == AF_INET6 ? "ipv6" : "ipv4");
		jw_kstr(w, "state", sock_state_name(&r->s));
		jw_kstr(w, "local", addr_port_str(&r->s.local, r->s.lport, a, sizeof a));
		jw_kstr(w, "remote", addr_port_str(&r->s.remote, r->s.rport, a, sizeof a));
		jw_key(w, "pids");
		jw_arr(w);
		for (j = 0; j < k; j++)
			jw_int(w, r->pids[j]);
		jw_arr_end(w);
		jw_key(w, "owners");
		jw_arr(w);
		for (j = 0; j < k; j++) {
			jw_obj(w);
			jw_kint(w, "pid", r->pids[j]);
			jw_kstr(w, "comm", comm_of(&cc, r->pids[j]));
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_kuint(w, "inode", r->s.inode);
		jw_kuint(w, "uid", r->s.uid);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void sock_view_text(FILE *f, const struct sock_view *v)
{
	static const char *const hdr[] = { "NETID", "STATE", "LOCAL", "PEER", "PROCESS" };
	struct comm_cache cc = { .next = 0 };
	char l[64], r[64], procs[SOCK_ROW_PIDS * 40 + 16];
	struct tbl t;
	size_t i, n;
	int j, k;

	tbl_init(&t, 5, hdr);
	for (i = 0; i < v->n; i++) {
		const struct sock_row *row = &v->v[i];
		const char *cells[5];

		k = row->npids < SOCK_ROW_PIDS ? row->npids : SOCK_ROW_PIDS;
		procs[0] = 0;
		for (j = 0, n = 0; j < k && n < sizeof procs; j++)
			n += (size_t)snprintf(procs + n, sizeof procs - n, "%s%s,pid=%d", j ? " " : "",
					      comm_of(&cc, row->pids[j]), row->pids[j]);
		cells[0] = sock_proto_name(&row->s, 0);
		cells[1] = sock_state_name(&row->s);
		cells[2] = addr_port_str(&row->s.local, row->s.lport, l, sizeof l);
		if (row->s.rport) {
			cells[3] = addr_port_str(&row->s.remote, row->s.rport, r, sizeof r);
		} else { /* no peer: "0.0.0.0:*" as ss writes it */
			char ip[48];

			snprintf(r, sizeof r, row->s.family == AF_INET6 ? "[%s]:*" : "%s:*",
				 addr_str(&row->s.remote, ip, sizeof ip));
			cells[3] = r;
		}
		cells[4] = procs[0] ? procs : NULL;
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}
