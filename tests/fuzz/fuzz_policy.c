/* POST-policy JSON and the JSON tokenizer under it, on arbitrary bytes: no overflow, tokens
 * within the input, every string either unescapes or is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontok.h"
#include "upload/upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct upload_policy pp;
	struct jt_tok t[64];
	char out[128];
	int n, i;

	n = jt_parse((const char *)data, size, t, 64);
	for (i = 0; i < n; i++) {
		if (t[i].start > size || t[i].end > size || t[i].start > t[i].end)
			abort();
		if (t[i].type == JT_STRING)
			jt_str((const char *)data, t, i, out, sizeof out);
		if (jt_skip(t, n, i) <= i)
			abort();
	}
	if (n > 0)
		jt_get((const char *)data, t, n, 0, "url");
	upload_policy_parse((const char *)data, size, &pp, NULL);
	return 0;
}
