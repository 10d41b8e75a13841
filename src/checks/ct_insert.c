/* insert_failed from /proc/net/stat/nf_conntrack, with the conntrack check's parser. */
#include <string.h>

#include "checks/conntrack.h"
#include "checks/ct_insert.h"
#include "checks/sysval.h"

/* CT_STAT_READ: one line per CPU of ~17 hex columns; 64 KiB covers hundreds of CPUs. */
#define CT_STAT_READ 65536

int check_ct_insert_failed(unsigned long long *v, void *arg)
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
