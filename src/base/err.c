#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

int nr_fail(struct nr_err *e, int code, int sys, const char *module, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	e->sys = sys;
	e->module = module;
	e->ctx[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->ctx, sizeof e->ctx, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void nr_err_clear(struct nr_err *e)
{
	memset(e, 0, sizeof *e);
}
