/* Names from a container's config.json / Docker API answer (bytes a compromised or corrupt node
 * may hold): no read outside the input, every field NUL-terminated within its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rt_container c;

	memset(&c, 0, sizeof c);
	rt_names_from_json((const char *)data, size, &c);
	if (!memchr(c.name, 0, sizeof c.name) || !memchr(c.pod_name, 0, sizeof c.pod_name) ||
	    !memchr(c.pod_namespace, 0, sizeof c.pod_namespace) || !memchr(c.pod_uid, 0, sizeof c.pod_uid) ||
	    !memchr(c.type, 0, sizeof c.type))
		abort();
	return 0;
}
