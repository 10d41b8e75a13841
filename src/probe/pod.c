/* From a located pod to its network namespace and the process that shows its files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/check.h"
#include "locate/locate.h"
#include "netns/netns.h"
#include "probe/probe.h"

/* 1 when pid sees a resolv.conf other than ours (its own mount namespace, as containers do). */
static int own_resolv(int pid)
{
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/root/etc/resolv.conf", pid);
	if (stat(path, &a))
		return 0;
	return stat("/etc/resolv.conf", &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

int probe_pod_open(const struct locate_report *r, int *pid, struct nr_err *e)
{
	char ip[64];
	unsigned long long ino = 0;
	int i, fd = -1, k;

	addr_str(&r->ip, ip, sizeof ip);
	if (!r->netns || !r->npids)
		return nr_fail(e, NR_E_PROBE_NOPOD, 0, "probe", "%s", ip);
	*pid = 0;
	for (i = 0; i < r->npids && fd < 0; i++) {
		k = netns_open_pid(r->pids[i], &ino, NULL);
		if (k < 0)
			continue;
		if (ino != r->netns) {
			close(k);
			continue;
		}
		fd = k;
	}
	if (fd < 0)
		return nr_fail(e, NR_E_PROBE_NONETNS, 0, "probe", "pod %s", ip);
	for (i = 0; i < r->npids && !*pid; i++)
		if (own_resolv(r->pids[i]))
			*pid = r->pids[i];
	if (!*pid)
		*pid = r->pids[0];
	return fd;
}

int probe_resolve(int netns_fd, int pid, const char *from, const char *name,
		  struct nr_addr *out, struct nr_err *e)
{
	/* The DNS check's report and findings (query buffers): one allocation per call. */
	struct resolve_work {
		struct dns_report r;
		struct findings fs;
	} *w = malloc(sizeof *w);
	struct dns_opts o;
	char subj[80];
	int rc = -1;

	if (!w)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "probe", NULL);
	memset(&o, 0, sizeof o);
	snprintf(subj, sizeof subj, "pod %s", from);
	o.name = name;
	o.type = DNS_T_A;
	o.timeout_ms = 2000;
	o.pid = pid;
	o.netns_fd = netns_fd;
	o.subject = subj;
	findings_init(&w->fs);
	if (dns_check_run(&o, &w->r, &w->fs, e) == 0) {
		rc = 0;
		if (dns_check_addr(&w->r, out))
			rc = nr_fail(e, NR_E_PROBE_RESOLVE, 0, "probe", "%s (from pod %s)", name, from);
	}
	free(w);
	return rc;
}
