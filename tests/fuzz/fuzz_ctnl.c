/* The ctnetlink message parser and the NodePort range parsers on arbitrary bytes: bounded,
 * no crash, and every flow it gives has consistent fields. Corpus: a recorded dump. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/flows.h"
#include "checks/portrange.h"
#include "ctnl/ctnl.h"

static struct flows_report r;

static int each(const struct ctnl_flow *f, void *arg)
{
	(void)arg;
	if ((f->orig.src.family && f->orig.src.family != 2 && f->orig.src.family != 10) ||
	    f->tcp_state > 255 || (f->unreplied && f->has_status && (f->status & 2)))
		abort();
	flows_add(&r, f, -1);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nr_err e;
	unsigned lo, hi;

	if (size > 65536)
		return 0;
	memset(&r, 0, sizeof r);
	(void)ctnl_parse_buf(data, size, each, NULL, &e);
	flows_finish(&r, NULL);
	if (r.n > FLOWS_KEEP || r.ngroups > FLOWS_GROUPS)
		abort();
	if (size > 4) {
		struct ctnl_flow fl;
		(void)ctnl_flow_parse(data, size, &fl);
	}
	if (portrange_parse_range((const char *)data, size, &lo, &hi) == 0 && lo > hi)
		abort();
	if (portrange_unreserved((const char *)data, size, 30000, 32767) > 2768)
		abort();
	return 0;
}
