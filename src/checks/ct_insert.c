/* insert_failed from /proc/net/stat/nf_conntrack, with the conntrack check's parser. */
#include <stdlib.h>
#include <string.h>

#include "checks/conntrack.h"
#include "checks/ct_insert.h"
#include "checks/sysval.h"

/* CT_STAT_READ: one line per CPU of ~17 hex columns; 64 KiB covers hundreds of CPUs. */
#define CT_STAT_READ 65536

/* The stat file and its parse (~100 KiB): one allocation per call (twice per DNS check). */
struct ct_work {
	char buf[CT_STAT_READ];
	struct conntrack_report r;
};

int check_ct_insert_failed(unsigned long long *v, void *arg)
{
	struct ct_work *w = malloc(sizeof *w);
	long n = w ? sysval_slurp("/proc/net/stat/nf_conntrack", w->buf, sizeof w->buf) : -1;
	int i, rc = -1;

	(void)arg;
	if (n < 0) {
		free(w);
		return -1;
	}
	memset(&w->r, 0, sizeof w->r);
	if (conntrack_stat_parse(w->buf, (size_t)n, &w->r) == 0)
		for (i = 0; i < w->r.ncols && rc < 0; i++)
			if (!strcmp(w->r.col[i], "insert_failed")) {
				*v = w->r.sum[i];
				rc = 0;
			}
	free(w);
	return rc;
}
