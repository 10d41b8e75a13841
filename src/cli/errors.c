/* The one table that turns error codes into words and exit codes. Modules add their codes to
 * base/err.h and a row here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct errdef {
	int code;
	int exit;
	const char *text;
};

static const struct errdef table[] = {
	{ NR_E_USAGE, EXIT_USAGE, "invalid argument" },
	{ NR_E_NOMEM, EXIT_CANNOT, "out of memory" },
	{ NR_E_SYS, EXIT_CANNOT, "system call failed" },
	{ NR_E_PERM, EXIT_CANNOT, "permission denied (run as root: netrescue needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_SYS_PTRACE)" },
	{ NR_E_NOENT, EXIT_CANNOT, "not found" },
	{ NR_E_NOIF, EXIT_CANNOT, "no such interface" },
	{ NR_E_PARSE, EXIT_CANNOT, "malformed data" },
	{ NR_E_TOOBIG, EXIT_CANNOT, "does not fit in netrescue's bounded buffer" },
	{ NR_E_EXISTS, EXIT_CANNOT, "already exists (use --force to overwrite)" },
	{ NR_E_UNSUPPORTED, EXIT_CANNOT, "not supported by this kernel or node" },
	/* netlink */
	/* proc */
	/* capture */
	/* tls */
	/* http */
	/* upload */
	/* checks */
};

static const struct errdef *lookup(int code)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

int cli_err_exit(const struct nr_err *e)
{
	const struct errdef *d = lookup(e->code);

	return d ? d->exit : EXIT_CANNOT;
}

void cli_err_text(const struct nr_err *e, char *buf, size_t cap)
{
	const struct errdef *d = lookup(e->code);
	size_t n = 0;

#define ADD(...) do { if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); } while (0)
	buf[0] = 0;
	if (e->module)
		ADD("%s: ", e->module);
	if (e->ctx[0])
		ADD("%s: ", e->ctx);
	ADD("%s", d ? d->text : "failed");
	/* errno adds facts only where the code does not already say them. */
	if (e->sys && e->code != NR_E_PERM && e->code != NR_E_NOIF)
		ADD(" (%s)", strerror(e->sys));
#undef ADD
}

int cli_fail(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];

	(void)c;
	cli_err_text(e, msg, sizeof msg);
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
