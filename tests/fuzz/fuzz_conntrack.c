/* /proc/net/stat/nf_conntrack parsing and the sysctl.conf rewrite of conntrack --fix, on
 * arbitrary bytes: bounded, and the rewrite always leaves exactly one setting line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/conntrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conntrack_report r;
	static char out[8192], out2[8192];
	const char *key = "net.netfilter.nf_conntrack_max";
	int ch, line, i;
	long n, m;

	if (size > 4096)
		return 0;
	memset(&r, 0, sizeof r);
	if (conntrack_stat_parse((const char *)data, size, &r) == 0) {
		if (r.ncols > CT_STAT_COLS || r.ncpu < 0)
			abort();
		for (i = 0; i < r.ncols; i++)
			if (strlen(r.col[i]) >= sizeof r.col[0])
				abort();
	}
	n = conntrack_conf_edit((const char *)data, size, key, 771377, out, sizeof out, &ch, &line);
	if (n < 0)
		return 0;
	/* Idempotent: a second run on its own output changes nothing. */
	m = conntrack_conf_edit(out, (size_t)n, key, 771377, out2, sizeof out2, &ch, &line);
	if (m != n || ch || memcmp(out, out2, (size_t)n))
		abort();
	return 0;
}
