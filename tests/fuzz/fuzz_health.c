/* The health check's parsers of kernel-log OOM records and /proc/PID/stat on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_oom o;
	unsigned long long start;
	char st;

	if (size > 4096)
		return 0;
	if (health_parse_oom((const char *)data, size, &o) == 1 &&
	    (strlen(o.comm) >= sizeof o.comm || strlen(o.memcg) >= sizeof o.memcg || strlen(o.pod_uid) >= sizeof o.pod_uid))
		abort();
	(void)health_parse_stat((const char *)data, size, &start, &st);
	return 0;
}
