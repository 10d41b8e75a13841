/* Host interface -> pod, for capture (see capture_pods.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/capture_pods.h"
#include "locate/locate.h"
#include "proc/psview.h"

struct link_walk {
	struct cap_pods *m;
	int nsid[CAP_PODS_MAX];
};

static int on_link(const struct nl_link *l, void *arg)
{
	struct link_walk *w = arg;
	struct cap_pod *p;

	if (l->link_netnsid < 0 || w->m->n == CAP_PODS_MAX)
		return 1;
	p = &w->m->v[w->m->n];
	snprintf(p->ifname, sizeof p->ifname, "%s", l->name);
	p->netns = 0;
	p->desc[0] = 0;
	w->nsid[w->m->n++] = l->link_netnsid;
	return 1;
}

/* Names each interface whose peer netns a pod process lives in. */
static void name_pods(struct cap_pods *m, const struct ps_list *l)
{
	const struct ps_meta *mt;
	size_t i;
	int k;

	for (k = 0; k < m->n; k++) {
		for (i = 0; i < l->n && !m->v[k].desc[0]; i++) {
			if (!m->v[k].netns || l->v[i].p.netns != m->v[k].netns || !l->v[i].p.pod_uid[0])
				continue;
			mt = l->v[i].meta >= 0 ? &l->meta[l->v[i].meta] : NULL;
			if (mt && mt->pod_name[0])
				snprintf(m->v[k].desc, sizeof m->v[k].desc, "%.60s/%.60s", mt->pod_namespace, mt->pod_name);
			else
				snprintf(m->v[k].desc, sizeof m->v[k].desc, "pod %.60s", l->v[i].p.pod_uid);
		}
	}
}

void cap_pods_load(struct cap_pods *m, const char *host_root)
{
	struct locate_ctx *ctx = malloc(sizeof *ctx);
	struct link_walk *w = malloc(sizeof *w);
	struct ps_list l;
	struct nr_err e;
	int k, fd;

	m->n = 0;
	memset(&l, 0, sizeof l);
	if (!ctx || !w || locate_init(ctx, &e) < 0)
		goto out;
	w->m = m;
	if (nl_link_dump(&ctx->nl, on_link, w, &e) == 0) {
		for (k = 0; k < m->n; k++) {
			fd = locate_nsid_open(ctx, w->nsid[k], &m->v[k].netns, &e);
			if (fd >= 0)
				close(fd);
		}
		if (ps_collect(&l, host_root, NULL, &e) == 0)
			name_pods(m, &l);
		ps_free(&l);
	}
	locate_fini(ctx);
out:
	free(ctx);
	free(w);
}

const char *cap_pods_find(const struct cap_pods *m, const char *ifname)
{
	int k;

	for (k = 0; m && k < m->n; k++)
		if (!strcmp(m->v[k].ifname, ifname))
			return m->v[k].desc[0] ? m->v[k].desc : NULL;
	return NULL;
}
