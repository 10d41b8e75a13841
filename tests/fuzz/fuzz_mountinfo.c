/* The mountinfo line reader that finds network namespaces held by bind mounts, on arbitrary
 * bytes: never reads past the given length, a path it returns fits and holds no NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "locate/locate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[LOCATE_PATH], small[16];
	unsigned long long ino;
	int rc;

	rc = locate_mountinfo_netns((const char *)data, size, path, sizeof path, &ino);
	if (rc < -1 || rc > 1)
		abort();
	if (rc == 1 && strlen(path) >= sizeof path)
		abort();
	rc = locate_mountinfo_netns((const char *)data, size, small, sizeof small, &ino);
	if (rc == 1 && strlen(small) >= sizeof small)
		abort();
	return 0;
}
