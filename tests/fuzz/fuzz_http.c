/* The HTTP response parser on arbitrary bytes, fed whole and split at a point the input
 * chooses: never reads or writes out of bounds, and both feedings agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static struct http_resp a, b;

static int run(struct http_resp *r, const char *d, size_t n, size_t step, int no_body)
{
	size_t i = 0, k;
	long c;

	http_resp_init(r, no_body);
	while (i < n && r->state != HTTP_DONE) {
		k = n - i > step ? step : n - i;
		c = http_resp_feed(r, d + i, k, NULL);
		if (c < 0)
			return -1;
		if ((size_t)c > k)
			abort();
		i += (size_t)c;
	}
	if (r->state != HTTP_DONE)
		http_resp_eof(r, NULL);
	return r->state == HTTP_DONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step;
	int ra, rb, nb;

	if (size < 2 || size > 65536)
		return 0;
	step = 1 + data[0] % 101;
	nb = data[1] & 1;
	ra = run(&a, (const char *)data + 2, size - 2, size, nb);
	rb = run(&b, (const char *)data + 2, size - 2, step, nb);
	if (ra != rb || (ra == 1 && (a.status != b.status || a.body_len != b.body_len ||
				     memcmp(a.body, b.body, a.body_len) || strcmp(a.goog_hash, b.goog_hash) ||
				     a.range_end != b.range_end)))
		abort();
	if (a.body_len > HTTP_BODY_KEEP || strlen(a.location) >= sizeof a.location)
		abort();
	return 0;
}
