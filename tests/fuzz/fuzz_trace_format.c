/* The tracepoint format-file parser on arbitrary bytes: never reads outside the input, keeps
 * every table within its bounds, and every name NUL-terminated inside its field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace_format f;
	struct nr_err e;
	int i;

	if (size > TRACE_FMT_MAX)
		return 0;
	if (trace_format_parse((const char *)data, size, &f, &e) == 0) {
		if (f.nfields < 1 || f.nfields > TRACE_FIELDS_MAX || f.nsyms > TRACE_SYMS_MAX)
			abort();
		for (i = 0; i < f.nfields; i++)
			if (strnlen(f.f[i].name, TRACE_FIELD_NAME) >= TRACE_FIELD_NAME)
				abort();
		for (i = 0; i < f.nsyms; i++)
			if (strnlen(f.syms[i].name, TRACE_SYM_NAME) >= TRACE_SYM_NAME)
				abort();
	}
	return 0;
}
