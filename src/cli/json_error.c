/* The error document of --json (CONTRACT.md: one document also on errors). */
#include <stdarg.h>
#include <stdio.h>

#include "cli/json_error.h"
#include "report/json.h"

static void doc(struct cli *c, const char *msg)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_begin_doc(&w, c->cmd ? c->cmd->name : "netrescue");
	jw_key(&w, "error");
	jw_obj(&w);
	jw_kstr(&w, "message", msg);
	jw_obj_end(&w);
	jw_end(&w);
}

int cli_fail_doc(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];

	if (c->json) {
		nr_err_text(e, msg, sizeof msg);
		doc(c, msg);
	}
	return cli_fail(c, e);
}

int cli_usage_doc(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->json)
		doc(c, msg);
	return cli_usage(c, "%s", msg);
}
