/* The health check's parsers of kernel-log OOM records and runtime crash lines, shim command
 * lines and /proc/PID/stat on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/health.h"
#include "proc/shim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_oom o;
	struct health_crash c;
	char id[SHIM_ID_MAX], ns[SHIM_NS_MAX];
	unsigned long long start;
	char st;

	if (size > 4096)
		return 0;
	if (health_parse_oom((const char *)data, size, &o) == 1 &&
	    (strlen(o.comm) >= sizeof o.comm || strlen(o.memcg) >= sizeof o.memcg || strlen(o.pod_uid) >= sizeof o.pod_uid))
		abort();
	if (health_parse_crash((const char *)data, size, &c) == 1 &&
	    (strlen(c.comm) >= sizeof c.comm || strlen(c.what) >= sizeof c.what))
		abort();
	shim_parse_args((const char *)data, size, id, sizeof id, ns, sizeof ns);
	if (strlen(id) >= sizeof id || strlen(ns) >= sizeof ns)
		abort();
	(void)health_parse_stat((const char *)data, size, &start, &st);
	return 0;
}
