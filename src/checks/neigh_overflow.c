#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/neighbour.h>
#include <sys/socket.h>

#include "checks/neigh_overflow.h"
#include "report/words.h"
#include "kmsg/match.h"
#include "netlink/netlink.h"

/* NEIGH_ARP_BUF: /proc/net/arp is ~80 bytes a line; gc_thresh3 defaults to 1024 entries and
 * big nodes raise it: 1 MiB holds ~13,000 lines. */
#define NEIGH_ARP_BUF (1024 * 1024)

static const char *const thresh_path[3] = {
	"/proc/sys/net/ipv4/neigh/default/gc_thresh1",
	"/proc/sys/net/ipv4/neigh/default/gc_thresh2",
	"/proc/sys/net/ipv4/neigh/default/gc_thresh3",
};

static const char *const thresh6_path[3] = {
	"/proc/sys/net/ipv6/neigh/default/gc_thresh1",
	"/proc/sys/net/ipv6/neigh/default/gc_thresh2",
	"/proc/sys/net/ipv6/neigh/default/gc_thresh3",
};

/* Counted as `ip -6 neigh` and /proc/net/arp count: NOARP entries (multicast) left out. */
static int count_cb(const struct nl_neigh *n, void *arg)
{
	if (!(n->state & NUD_NOARP))
		((struct sysval *)arg)->v++;
	return 1;
}

/* given: the caller's route socket; NULL: one of its own (its 32 KiB buffer on the heap). */
static void ndisc_count(struct nl *given, struct sysval *v)
{
	struct nl *own = given ? NULL : malloc(sizeof *own), *nl;
	struct nr_err e;

	memset(v, 0, sizeof *v);
	nr_err_clear(&e);
	if (!given && !own) {
		v->err = ENOMEM;
		return;
	}
	if (!(nl = nl_use(given, own, &e))) {
		v->err = e.sys ? e.sys : EIO;
		free(own);
		return;
	}
	if (nl_neigh_dump(nl, AF_INET6, count_cb, v, &e) < 0)
		v->err = e.sys ? e.sys : EIO;
	else
		v->ok = 1;
	nl_done(nl, own);
	free(own);
}

/* The whole of /proc/net/arp in one read: 1 MiB, one allocation per run. */
static void arp_count(struct sysval *v)
{
	char *buf = malloc(NEIGH_ARP_BUF);
	long n = buf ? sysval_slurp("/proc/net/arp", buf, NEIGH_ARP_BUF) : (errno = ENOMEM, -1);
	long i, lines = 0;

	memset(v, 0, sizeof *v);
	if (n < 0) {
		v->err = errno;
		free(buf);
		return;
	}
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	free(buf);
	v->ok = 1;
	v->v = lines > 0 ? (unsigned long long)lines - 1 : 0; /* minus the header */
}

int check_neigh_overflow_run(struct nl *nl, unsigned long long since_secs, struct neigh_overflow_report *r,
			     struct findings *fs, struct nr_err *e)
{
	/* Kernels >= 4.x print "neighbour: arp_cache: neighbor table overflow!", older ones
	 * "Neighbour table overflow."; both spellings are matched, case ignored. */
	static const char *const needles[] = { "neighbour table overflow", "neighbor table overflow", NULL };
	char fix[256], when[32], times[32], span[32];
	const struct sysval *t, *cnt;
	struct finding *f;
	const char *fam;
	struct nr_err ke;
	int i;

	(void)e;
	memset(r, 0, sizeof *r);
	r->since_secs = since_secs ? since_secs : NEIGH_DEFAULT_SINCE;
	for (i = 0; i < 3; i++) {
		sysval_read(thresh_path[i], &r->thresh[i]);
		sysval_read(thresh6_path[i], &r->thresh6[i]);
	}
	arp_count(&r->count);
	ndisc_count(nl, &r->count6);
	nr_err_clear(&ke);
	if (kmsg_find(needles, r->since_secs, &r->overflow, &ke) == 0)
		r->klog_ok = 1;
	else
		snprintf(r->klog_err, sizeof r->klog_err, "%s", ke.code == NR_E_KMSG_PERM ?
			 "permission denied (kernel.dmesg_restrict: run as root)" :
			 ke.sys ? strerror(ke.sys) : "cannot read it");
	if (!r->overflow.count)
		return 0;
	/* "neighbour: ndisc_cache: neighbor table overflow!" is IPv6's table; arp_cache IPv4's. */
	r->ipv6 = strstr(r->overflow.last_text, "ndisc_cache") != NULL;
	t = r->ipv6 ? r->thresh6 : r->thresh;
	fam = r->ipv6 ? "ipv6" : "ipv4";
	cnt = r->ipv6 ? &r->count6 : &r->count;
	fix[0] = 0;
	if (t[0].ok && t[1].ok && t[2].ok)
		snprintf(fix, sizeof fix, "sysctl -w net.%s.neigh.default.gc_thresh1=%llu "
			 "net.%s.neigh.default.gc_thresh2=%llu net.%s.neigh.default.gc_thresh3=%llu",
			 fam, t[0].v * 2, fam, t[1].v * 2, fam, t[2].v * 2);
	f = findings_add(fs, "neigh-table-overflow", SEV_FAIL, r->ipv6 ? "ndisc_cache" : "arp_cache", fix[0] ? fix : NULL,
		     "kernel log: 'neighbour table overflow' %s in the last %s, last at %s; "
		     "%s gc_thresh1/2/3 %s%llu/%llu/%llu, %s%llu %s neighbours now",
		     words_count(r->overflow.count, times, sizeof times), words_span(r->since_secs, span, sizeof span),
		     kmsg_time_str(r->overflow.last_wall_us, when, sizeof when), fam,
		     t[2].ok ? "" : "(unreadable) ", t[0].v, t[1].v, t[2].v,
		     cnt->ok ? "" : "(unreadable) ", cnt->v, r->ipv6 ? "IPv6" : "IPv4");
	if (f)
		f->last_seen_us = r->overflow.last_wall_us;
	finding_advice(f, "persist the gc_thresh values in /etc/sysctl.conf (or a file under /etc/sysctl.d) so a "
		       "reboot keeps them");
	return 0;
}

void check_neigh_overflow_json(struct jw *w, const struct neigh_overflow_report *r)
{
	sysval_json(w, "gc_thresh1", &r->thresh[0]);
	sysval_json(w, "gc_thresh2", &r->thresh[1]);
	sysval_json(w, "gc_thresh3", &r->thresh[2]);
	sysval_json(w, "ipv4_neighbours", &r->count);
	sysval_json(w, "ipv6_gc_thresh1", &r->thresh6[0]);
	sysval_json(w, "ipv6_gc_thresh2", &r->thresh6[1]);
	sysval_json(w, "ipv6_gc_thresh3", &r->thresh6[2]);
	sysval_json(w, "ipv6_neighbours", &r->count6);
	kmsg_match_json(w, "overflow", r->since_secs, r->klog_ok, &r->overflow, r->klog_err);
}

void check_neigh_overflow_text(FILE *f, const struct neigh_overflow_report *r)
{
	char a[48], b[48], c[48], d[48], t[32], span[32], age[32];
	long long now = kmsg_now_us();

	fprintf(f, "neighbours     %s IPv4, gc_thresh1/2/3 %s/%s/%s\n", sysval_str(&r->count, d, sizeof d),
		sysval_str(&r->thresh[0], a, sizeof a), sysval_str(&r->thresh[1], b, sizeof b), sysval_str(&r->thresh[2], c, sizeof c));
	fprintf(f, "neighbours     %s IPv6, gc_thresh1/2/3 %s/%s/%s\n", sysval_str(&r->count6, d, sizeof d),
		sysval_str(&r->thresh6[0], a, sizeof a), sysval_str(&r->thresh6[1], b, sizeof b), sysval_str(&r->thresh6[2], c, sizeof c));
	kmsg_span_str(r->since_secs, span, sizeof span);
	if (!r->klog_ok)
		fprintf(f, "kernel log     ? (%s)\n", r->klog_err);
	else if (r->overflow.count)
		fprintf(f, "kernel log     'neighbour table overflow' %s in the last %s, last %s (%s)\n",
			words_count(r->overflow.count, d, sizeof d), span, kmsg_age_str(r->overflow.last_wall_us, now, age, sizeof age),
			kmsg_time_str(r->overflow.last_wall_us, t, sizeof t));
	else
		fprintf(f, "kernel log     no 'neighbour table overflow' in the last %s\n", span);
}
