/* /proc/PID/cgroup parsing on arbitrary bytes: never reads outside the input, always leaves
 * NUL-terminated fields of the documented shapes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_cgroup cg;
	size_t n;
	int r;

	r = proc_parse_cgroup((const char *)data, size, &cg);
	if (r < -1 || r > 1)
		abort();
	if (memchr(cg.path, 0, sizeof cg.path) == NULL || memchr(cg.pod_uid, 0, sizeof cg.pod_uid) == NULL ||
	    memchr(cg.container_id, 0, sizeof cg.container_id) == NULL)
		abort();
	n = strlen(cg.pod_uid);
	if (n && n != 32 && n != 36)
		abort();
	if (strchr(cg.pod_uid, '_') || (cg.container_id[0] && strlen(cg.container_id) != 64))
		abort();
	if (r == 1 && !cg.pod_uid[0] && !cg.container_id[0])
		abort();
	proc_parse_cgroup_path((const char *)data, size, &cg);
	return 0;
}
