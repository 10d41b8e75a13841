/* Where errors become one stderr line and an exit code (the words are base/errtext.c's). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_err_exit(const struct nr_err *e)
{
	return nr_err_is_usage(e->code) ? EXIT_USAGE : EXIT_CANNOT;
}

int cli_fail(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];

	(void)c;
	nr_err_text(e, msg, sizeof msg);
	fprintf(stderr, "netrescue: %s\n", msg);
	return cli_err_exit(e);
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("netrescue: ", stderr);
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

void cli_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("netrescue: ", stderr);
	if (c && c->cmd)
		fprintf(stderr, "%s: ", c->cmd->name);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
