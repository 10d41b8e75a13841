/* DNS helpers shared by probe, dns and diagnose --probe. */
#include <stdio.h>
#include <string.h>

#include "checks/conntrack.h"
#include "checks/sysval.h"
#include "cli/pod_dns.h"
#include "dns/check.h"

/* CT_STAT_READ: /proc/net/stat/nf_conntrack is one line per CPU of ~17 hex columns. */
#define CT_STAT_READ 65536

int cli_ct_insert_failed(unsigned long long *v, void *arg)
{
	static char buf[CT_STAT_READ];
	static struct conntrack_report r;
	long n = sysval_slurp("/proc/net/stat/nf_conntrack", buf, sizeof buf);
	int i;

	(void)arg;
	if (n < 0)
		return -1;
	memset(&r, 0, sizeof r);
	if (conntrack_stat_parse(buf, (size_t)n, &r))
		return -1;
	for (i = 0; i < r.ncols; i++)
		if (!strcmp(r.col[i], "insert_failed")) {
			*v = r.sum[i];
			return 0;
		}
	return -1;
}

int cli_pod_resolve(int netns_fd, int pid, const char *from, const char *name,
		    struct nr_addr *out, struct nr_err *e)
{
	static struct dns_report r;
	static struct findings fs;
	struct dns_opts o;
	char subj[80];

	memset(&o, 0, sizeof o);
	snprintf(subj, sizeof subj, "pod %s", from);
	o.name = name;
	o.type = DNS_T_A;
	o.timeout_ms = 2000;
	o.pid = pid;
	o.netns_fd = netns_fd;
	o.subject = subj;
	findings_init(&fs);
	if (dns_check_run(&o, &r, &fs, e))
		return -1;
	if (dns_check_addr(&r, out))
		return nr_fail(e, NR_E_PROBE_RESOLVE, 0, "probe", "%s (from pod %s)", name, from);
	return 0;
}
