/* The window: attach (BPF program, else perf rings), snapshot the counters, wait, read what
 * the kernel counted, aggregate by reason -> location and reason -> flow, map flows to pods. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "drops/private.h"

/* RING_PAGES: 1 MiB per CPU: ~16k samples between two reads (every 100 ms). */
#define RING_PAGES 256
/* POLL_MS: how often the perf rings are read while waiting. */
#define POLL_MS 100

struct drops_watch {
	struct drops_opts o;
	struct drops_report *r;
	struct trace_format fmt;
	int have_fmt;
	struct trace_drop_layout lay;
	struct trace_bpf bpf;
	int bpf_on;
	struct trace_perf perf;
	int perf_on;
	struct drops_snap before, after;
	struct timespec t0;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* --- aggregation ---------------------------------------------------------------------------- */

static struct drops_reason *reason_of(struct drops_report *r, const struct trace_format *f, unsigned code)
{
	struct drops_reason *d;
	const char *name;
	int i;

	for (i = 0; i < r->nreasons; i++)
		if (r->r[i].code == code)
			return &r->r[i];
	if (r->nreasons >= DROPS_REASONS_MAX)
		return NULL;
	d = &r->r[r->nreasons++];
	memset(d, 0, sizeof *d);
	d->code = code;
	name = trace_sym_name(f, code);
	if (name)
		snprintf(d->name, sizeof d->name, "%s", name);
	else
		snprintf(d->name, sizeof d->name, "reason %u", code);
	return d;
}

static void add_loc(struct drops_reason *d, unsigned long long addr, unsigned long long n)
{
	int i;

	for (i = 0; i < d->nlocs; i++)
		if (d->locs[i].addr == addr) {
			d->locs[i].count += n;
			return;
		}
	if (d->nlocs >= DROPS_LOCS_MAX) {
		d->locs_other += n;
		return;
	}
	d->locs[d->nlocs].addr = addr;
	d->locs[d->nlocs++].count = n;
}

static int same_flow(const struct drops_flow *a, const struct drops_flow *b)
{
	return a->src.family == b->src.family && !memcmp(a->src.a, b->src.a, 16) && !memcmp(a->dst.a, b->dst.a, 16) &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport && !strcmp(a->ifname, b->ifname);
}

/* Keeps the busiest flows: a new one replaces the smallest kept when it is bigger. */
static void add_flow(struct drops_reason *d, const struct drops_flow *fl)
{
	int i, min = 0;

	for (i = 0; i < d->nflows; i++) {
		if (same_flow(&d->flows[i], fl)) {
			d->flows[i].count += fl->count;
			return;
		}
		if (d->flows[i].count < d->flows[min].count)
			min = i;
	}
	if (d->nflows < DROPS_FLOWS_MAX) {
		d->flows[d->nflows++] = *fl;
		return;
	}
	if (d->flows[min].count >= fl->count) {
		d->flows_other += fl->count;
		return;
	}
	d->flows_other += d->flows[min].count;
	d->flows[min] = *fl;
}

static int has_ports(unsigned proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/* The flow of a key; 0 when the key has no IP addresses. */
static int key_flow(const struct trace_drop_key *k, struct drops_flow *fl)
{
	memset(fl, 0, sizeof *fl);
	if (k->ethproto == 0x0800)
		fl->src.family = fl->dst.family = AF_INET;
	else if (k->ethproto == 0x86dd)
		fl->src.family = fl->dst.family = AF_INET6;
	else
		return 0;
	memcpy(fl->src.a, k->src, fl->src.family == AF_INET ? 4 : 16);
	memcpy(fl->dst.a, k->dst, fl->dst.family == AF_INET ? 4 : 16);
	fl->proto = k->l4proto;
	if (has_ports(fl->proto)) {
		fl->sport = ntohs(k->sport);
		fl->dport = ntohs(k->dport);
	}
	memcpy(fl->ifname, k->ifname, sizeof fl->ifname - 1);
	return 1;
}

static int is_pod(const struct drops_report *r, const struct nr_addr *a)
{
	int i;

	for (i = 0; i < r->npods; i++)
		if (r->pods[i].family == a->family && !memcmp(r->pods[i].a, a->a, a->family == AF_INET ? 4 : 16))
			return 1;
	return 0;
}

static void add_key(struct drops_report *r, const struct trace_format *f, const struct trace_drop_key *k,
		    unsigned long long n)
{
	struct drops_reason *d;
	struct drops_flow fl;
	int ip = r->flows && key_flow(k, &fl);

	/* With flows, asked pods filter: the rest of the node's drops are only counted. */
	if (r->flows && r->npods && (!ip || (!is_pod(r, &fl.src) && !is_pod(r, &fl.dst)))) {
		r->other_traffic += n;
		return;
	}
	d = reason_of(r, f, k->reason);
	if (!d) {
		r->reasons_other += n;
		return;
	}
	r->total += n;
	d->count += n;
	add_loc(d, k->location, n);
	if (ip) {
		fl.count = n;
		add_flow(d, &fl);
	}
}

struct walk_arg {
	struct drops_report *r;
	const struct trace_format *f;
	const struct trace_drop_layout *l;
};

static int key_cb(const struct trace_drop_key *k, unsigned long long n, void *arg)
{
	struct walk_arg *a = arg;

	add_key(a->r, a->f, k, n);
	return 1;
}

/* A raw perf sample: the fields at the format file's offsets. */
static int sample_cb(const unsigned char *raw, size_t len, void *arg)
{
	struct walk_arg *a = arg;
	struct trace_drop_key k;

	if (len < a->l->off_location + 8 || len < a->l->off_reason + 4 || len < a->l->off_protocol + 2)
		return 1;
	memset(&k, 0, sizeof k);
	memcpy(&k.location, raw + a->l->off_location, 8);
	memcpy(&k.reason, raw + a->l->off_reason, 4);
	memcpy(&k.ethproto, raw + a->l->off_protocol, 2);
	add_key(a->r, a->f, &k, 1);
	return 1;
}

/* --- attaching ------------------------------------------------------------------------------ */

static void why(char *buf, const char *what, const struct nr_err *e)
{
	char t[DROPS_WHY];

	nr_err_text(e, t, sizeof t);
	snprintf(buf, DROPS_WHY, "%s: %.250s", what, t);
}

/* The tracepoint's fields: read from its format file, sizes checked. */
static int layout(struct drops_watch *w, struct nr_err *e)
{
	const struct trace_field *skb = trace_field(&w->fmt, "skbaddr"), *loc = trace_field(&w->fmt, "location"),
				 *proto = trace_field(&w->fmt, "protocol"), *reason = trace_field(&w->fmt, "reason");

	if (!skb || !loc || !proto || !reason || skb->size != 8 || loc->size != 8 || proto->size != 2 ||
	    reason->size != 4)
		return nr_fail(e, NR_E_TRACE_NOEVENT, 0, "trace", "skb:kfree_skb with a reason field (Linux 5.17+)");
	w->lay.off_skb = skb->offset;
	w->lay.off_location = loc->offset;
	w->lay.off_protocol = proto->offset;
	w->lay.off_reason = reason->offset;
	return 0;
}

static void attach(struct drops_watch *w)
{
	struct drops_report *r = w->r;
	struct nr_err e;

	nr_err_clear(&e);
	if (trace_event_load("skb", "kfree_skb", &w->fmt, &e) < 0 || layout(w, &e) < 0) {
		why(r->unwatched, "kernel drops not watched", &e);
		r->method = "none";
		return;
	}
	w->have_fmt = 1;
	if (trace_btf_skb_offs_kernel(&w->lay.skb, &e) == 0)
		w->lay.flows = 1;
	else
		why(r->noflows, "flows not read", &e);
	/* Without BTF the program could only be a perf-event tracepoint program, which on 6.18
	 * missed drops on CPUs other than its event's: perf rings count every drop instead. */
	if (!w->o.no_bpf && w->lay.flows) {
		if (trace_drop_attach(&w->bpf, w->fmt.id, &w->lay, DROPS_KEYS, &e) == 0) {
			w->bpf_on = 1;
			r->method = "bpf";
			r->flows = w->lay.flows;
			return;
		}
		why(r->noflows, "flows not read", &e);
	} else if (w->o.no_bpf) {
		snprintf(r->noflows, sizeof r->noflows, "flows not read: BPF not used (perf rings)");
	}
	if (trace_perf_open(&w->perf, w->fmt.id, RING_PAGES, &e) == 0) {
		w->perf_on = 1;
		r->method = "perf";
		return;
	}
	why(r->unwatched, "kernel drops not watched", &e);
	r->method = "none";
}

struct drops_watch *drops_begin(const struct drops_opts *o, struct drops_report *r)
{
	struct drops_watch *w = calloc(1, sizeof *w); /* large (two snapshots): drops_end frees it */

	memset(r, 0, sizeof *r);
	r->npods = o->npods;
	memcpy(r->pods, o->pods, sizeof r->pods);
	if (!w) {
		snprintf(r->unwatched, sizeof r->unwatched, "out of memory");
		r->method = "none";
		return NULL;
	}
	w->o = *o;
	w->r = r;
	drops_snap_take(o, &w->before);
	attach(w);
	r->start_us = wall_us();
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	return w;
}

static double since(const struct timespec *t0)
{
	return mono_s() - ((double)t0->tv_sec + (double)t0->tv_nsec / 1e9);
}

void drops_wait(struct drops_watch *w, unsigned secs, volatile sig_atomic_t *stop)
{
	struct walk_arg a;
	double left;
	struct nr_err e;

	if (!w)
		return;
	a = (struct walk_arg){ w->r, &w->fmt, &w->lay };
	while ((left = (double)secs - since(&w->t0)) > 0 && !(stop && *stop)) {
		int ms = left * 1000 < POLL_MS ? (int)(left * 1000) + 1 : POLL_MS;

		if (w->perf_on)
			trace_perf_poll(&w->perf, ms, sample_cb, &a, &e);
		else
			poll(NULL, 0, ms);
	}
}

static int cmp_reason(const void *a, const void *b)
{
	const struct drops_reason *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : (int)x->code - (int)y->code;
}

static int cmp_loc(const void *a, const void *b)
{
	const struct drops_loc *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static int cmp_flow(const void *a, const void *b)
{
	const struct drops_flow *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

void drops_end(struct drops_watch *w, struct drops_report *r)
{
	struct walk_arg a;
	struct nr_err e;
	int i;

	if (!w)
		return;
	a = (struct walk_arg){ r, &w->fmt, &w->lay };
	r->seconds = since(&w->t0);
	r->end_us = wall_us();
	if (w->perf_on) {
		trace_perf_poll(&w->perf, 0, sample_cb, &a, &e);
		r->lost = w->perf.lost;
		trace_perf_close(&w->perf);
	}
	if (w->bpf_on) {
		/* Detach first so the counts stop at the window's end, then read the maps: the
		 * map fds stay open until trace_drop_detach. */
		trace_drop_stop(&w->bpf);
		if (trace_drop_walk(&w->bpf, key_cb, &a, &r->lost, &e) < 0)
			why(r->unwatched, "the drop map could not be read", &e);
		trace_drop_detach(&w->bpf);
	}
	drops_snap_take(&w->o, &w->after);
	drops_snap_delta(&w->before, &w->after, r);
	qsort(r->r, (size_t)r->nreasons, sizeof r->r[0], cmp_reason);
	for (i = 0; i < r->nreasons; i++) {
		qsort(r->r[i].locs, (size_t)r->r[i].nlocs, sizeof r->r[i].locs[0], cmp_loc);
		qsort(r->r[i].flows, (size_t)r->r[i].nflows, sizeof r->r[i].flows[0], cmp_flow);
	}
	drops_symbolize(r);
	if (r->flows)
		drops_map_pods(r, w->o.host_root, w->o.lc);
	free(w);
}
