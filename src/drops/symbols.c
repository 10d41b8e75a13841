/* Names for what the kernel reports as numbers: drop locations through /proc/kallsyms (the
 * nearest symbol at or below each address, one pass over the file), and flow addresses through
 * locate (pod on this node?) and the runtime's files (its namespace/name). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drops/private.h"
#include "locate/locate.h"
#include "runtime/runtime.h"

/* ADDRS_MAX: distinct locations symbolized (DROPS_REASONS_MAX x DROPS_LOCS_MAX). */
#define ADDRS_MAX (DROPS_REASONS_MAX * DROPS_LOCS_MAX)
/* KALLSYMS_CHUNK: /proc/kallsyms is read in pieces (it is ~10 MiB on a big kernel). */
#define KALLSYMS_CHUNK 65536
/* PODADDRS_MAX: distinct flow addresses looked up as pods. */
#define PODADDRS_MAX 64

/* "ffffffff8123 t name\t[mod]" -> address, name and module. 0 or -1. */
static int ksym_line(const char *p, size_t n, unsigned long long *addr, const char **name, size_t *nlen,
		     const char **mod, size_t *mlen)
{
	size_t i = 0;
	int d;

	*addr = 0;
	for (; i < n && (d = hex_digit((unsigned char)p[i])) >= 0 && i < 16; i++)
		*addr = *addr << 4 | (unsigned)d;
	if (!i || i + 3 > n || p[i] != ' ' || p[i + 2] != ' ')
		return -1;
	i += 3;
	*name = p + i;
	while (i < n && p[i] != '\t' && p[i] != ' ')
		i++;
	*nlen = (size_t)(p + i - *name);
	*mod = NULL;
	*mlen = 0;
	while (i < n && (p[i] == '\t' || p[i] == ' '))
		i++;
	if (i < n && p[i] == '[') {
		*mod = p + i;
		*mlen = n - i;
	}
	return *nlen ? 0 : -1;
}

int drops_kallsyms(const char *text, size_t len, const unsigned long long *addrs, int n,
		   char (*out)[DROPS_SYM])
{
	unsigned long long best[ADDRS_MAX]; /* the symbol address out[i] names */
	const char *p = text, *end = text + len, *nl, *name, *mod;
	unsigned long long a;
	size_t nlen, mlen;
	int i, found = 0;

	if (n > ADDRS_MAX)
		n = ADDRS_MAX;
	for (i = 0; i < n; i++) {
		out[i][0] = 0;
		best[i] = 0;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (ksym_line(p, (size_t)(nl - p), &a, &name, &nlen, &mod, &mlen) < 0 || !a)
			continue;
		for (i = 0; i < n; i++) {
			if (addrs[i] < a || (out[i][0] && best[i] >= a))
				continue;
			best[i] = a;
			if (mod)
				snprintf(out[i], DROPS_SYM, "%.*s+0x%llx %.*s", (int)nlen, name, addrs[i] - a, (int)mlen, mod);
			else
				snprintf(out[i], DROPS_SYM, "%.*s+0x%llx", (int)nlen, name, addrs[i] - a);
		}
		if (nl == end)
			break;
	}
	for (i = 0; i < n; i++)
		found += out[i][0] != 0;
	return found;
}

/* Reads /proc/kallsyms (whole: it is only text) into *buf; its length, 0 when unreadable. */
static size_t kallsyms_read(char **buf)
{
	size_t len = 0, cap = 0;
	ssize_t got;
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);

	*buf = NULL;
	if (fd < 0)
		return 0;
	for (;;) {
		if (cap - len < KALLSYMS_CHUNK) {
			char *nb = realloc(*buf, cap + 4 * KALLSYMS_CHUNK);
			if (!nb)
				break;
			*buf = nb;
			cap += 4 * KALLSYMS_CHUNK;
		}
		got = read(fd, *buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	return len;
}

/* The addresses looked up and the names found: one allocation per report. */
struct sym_work {
	unsigned long long addrs[ADDRS_MAX];
	char names[ADDRS_MAX][DROPS_SYM];
};

/* Symbolizes every location of r from /proc/kallsyms ("0x..." when it does not tell). */
void drops_symbolize(struct drops_report *r)
{
	struct sym_work *w = malloc(sizeof *w);
	char *buf = NULL;
	size_t len;
	int i, j, n = 0, k;

	r->kallsyms_ok = 0;
	for (i = 0; w && i < r->nreasons; i++)
		for (j = 0; j < r->r[i].nlocs && n < ADDRS_MAX; j++)
			w->addrs[n++] = r->r[i].locs[j].addr;
	if (n && (len = kallsyms_read(&buf)) > 0)
		/* With kernel.kptr_restrict every address reads as 0: nothing is found. */
		r->kallsyms_ok = drops_kallsyms(buf, len, w->addrs, n, w->names) > 0;
	free(buf);
	for (k = 0, i = 0; i < r->nreasons; i++)
		for (j = 0; j < r->r[i].nlocs && k < ADDRS_MAX; j++, k++) {
			struct drops_loc *l = &r->r[i].locs[j];
			if (r->kallsyms_ok && w->names[k][0])
				snprintf(l->symbol, sizeof l->symbol, "%s", w->names[k]);
			else
				snprintf(l->symbol, sizeof l->symbol, "0x%llx", l->addr);
		}
	free(w);
}

/* --- pods ------------------------------------------------------------------------------------ */

struct podaddr {
	struct nr_addr a;
	char pod[DROPS_POD];     /* "" not a pod here */
};

static int same_addr(const struct nr_addr *x, const struct nr_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

/* drops_map_pods's working state (a locate report is ~35 KiB): one allocation per call. */
struct map_work {
	struct locate_report loc;
	struct rt rt;
	int n;
	struct podaddr pa[PODADDRS_MAX];
};

static void lookup(struct locate_ctx *lc, struct map_work *w, struct podaddr *p)
{
	struct locate_report *loc = &w->loc;
	struct rt_pod pod;
	struct nr_err e;

	p->pod[0] = 0;
	if (locate_run(lc, &p->a, loc, NULL, &e) < 0 || !loc->ifindex ||
	    (loc->wiring != LOCATE_ROUTED && loc->wiring != LOCATE_BRIDGED))
		return;
	if (loc->pod_uid[0] && rt_pod_by_uid(&w->rt, loc->pod_uid, &pod) == 0 && pod.name[0])
		snprintf(p->pod, sizeof p->pod, "%.60s/%.60s", pod.namespace_, pod.name);
	else if (loc->pod_uid[0])
		snprintf(p->pod, sizeof p->pod, "%s", loc->pod_uid);
	else
		snprintf(p->pod, sizeof p->pod, "pod on %s", loc->host_if);
}

static struct podaddr *find(struct podaddr *pa, int n, const struct nr_addr *a)
{
	int i;

	for (i = 0; i < n; i++)
		if (same_addr(&pa[i].a, a))
			return &pa[i];
	return NULL;
}

/* Every distinct flow address, each looked up once; lc: the caller's or one of its own. */
static void lookup_all(struct drops_report *r, const char *host_root, struct locate_ctx *given,
		       struct map_work *w)
{
	struct locate_ctx *lc = given ? given : malloc(sizeof *lc); /* every netns and process */
	struct nr_err e;
	int i, j;

	w->n = 0;
	for (i = 0; i < r->nreasons; i++)
		for (j = 0; j < r->r[i].nflows; j++) {
			struct drops_flow *f = &r->r[i].flows[j];
			if (w->n < PODADDRS_MAX && !find(w->pa, w->n, &f->src))
				w->pa[w->n++].a = f->src;
			if (w->n < PODADDRS_MAX && !find(w->pa, w->n, &f->dst))
				w->pa[w->n++].a = f->dst;
		}
	if (!lc || !w->n || (!given && locate_init(lc, &e) < 0)) {
		w->n = 0;
		if (!given)
			free(lc);
		return;
	}
	rt_open(&w->rt, host_root ? host_root : "/");
	for (i = 0; i < w->n; i++)
		lookup(lc, w, &w->pa[i]);
	rt_close(&w->rt);
	if (!given) {
		locate_fini(lc);
		free(lc);
	}
}

void drops_map_pods(struct drops_report *r, const char *host_root, struct locate_ctx *lc)
{
	struct map_work *w = malloc(sizeof *w);
	struct podaddr *s, *d;
	int i, j;

	if (!w)
		return; /* flows stay unnamed */
	lookup_all(r, host_root, lc, w);
	for (i = 0; i < r->nreasons && w->n; i++)
		for (j = 0; j < r->r[i].nflows; j++) {
			struct drops_flow *f = &r->r[i].flows[j];
			d = find(w->pa, w->n, &f->dst);
			s = find(w->pa, w->n, &f->src);
			if (d && d->pod[0]) {
				snprintf(f->pod, sizeof f->pod, "%s", d->pod);
				addr_str(&f->dst, f->pod_ip, sizeof f->pod_ip);
			} else if (s && s->pod[0]) {
				snprintf(f->pod, sizeof f->pod, "%s", s->pod);
				addr_str(&f->src, f->pod_ip, sizeof f->pod_ip);
			}
		}
	free(w);
}
