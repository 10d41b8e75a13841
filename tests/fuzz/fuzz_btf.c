/* The BTF reader on arbitrary bytes: every type record is checked against its section, member
 * searches through (possibly cyclic) anonymous members end, and nothing is read outside. */
#include <stdint.h>
#include <stdlib.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_skb_offs o;
	struct nr_err e;

	if (size > (1u << 20))
		return 0;
	if (trace_btf_skb_offs(data, size, &o, &e) == 0 && (o.head >= (1u << 29) || o.dev_name >= (1u << 29)))
		abort();
	return 0;
}
