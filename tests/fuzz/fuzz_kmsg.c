/* The kernel-log record parsers and the check matcher on arbitrary bytes: never read outside the input, always a
 * NUL-terminated text within its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg/kmsg.h"
#include "kmsg/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmsg_rec r;

	if (size > KMSG_READ_MAX)
		return 0;
	if (kmsg_parse((const char *)data, size, 0, &r) == 0) {
		if (r.text_len >= KMSG_TEXT_MAX || strlen(r.text) > r.text_len || r.dict_len >= KMSG_DICT_MAX)
			abort();
		(void)kmsg_match(r.text, r.text_len);
	}
	/* The matcher on raw bytes too: any text, any length, no NUL. */
	(void)kmsg_match((const char *)data, size);
	if (kmsg_parse_syslog((const char *)data, size, 0, &r) == 0) {
		if (r.text_len >= KMSG_TEXT_MAX || strlen(r.text) > r.text_len)
			abort();
	}
	return 0;
}
