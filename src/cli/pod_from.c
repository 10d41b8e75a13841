/* --from POD_IP for probe and dns, and the error document of --json (CONTRACT.md: one
 * document also on errors). */
#include <stdarg.h>
#include <stdio.h>

#include "base/parse.h"
#include "cli/pod_from.h"
#include "probe/probe.h"

int cli_fail_doc(struct cli *c, const struct nr_err *e)
{
	/* With --json, cli_finish prints the one error document. */
	return cli_fail(c, e);
}

int cli_usage_doc(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cli_usage(c, "%s", msg);
}

int cli_pod_from(struct cli *c, const char *from, struct locate_report *lr, int *fd, int *pid)
{
	struct nr_addr ip;
	struct nr_err e;

	if (parse_ip(from, &ip))
		return cli_usage_doc(c, "--from: '%s' is not an IP address", from);
	nr_err_clear(&e);
	if (locate_once(&ip, lr, &e))
		return cli_fail_doc(c, &e);
	*fd = probe_pod_open(lr, pid, &e);
	return *fd < 0 ? cli_fail_doc(c, &e) : EXIT_OK;
}

void cli_from_doc(struct cli *c, struct jw *w, const char *from, const struct locate_report *lr)
{
	cli_json_begin(c, w, c->cmd ? c->cmd->name : "netrescue");
	jw_key(w, "from");
	jw_obj(w);
	jw_kstr(w, "ip", from);
	jw_kuint(w, "netns", lr->netns);
	jw_kstr(w, "pod_uid", lr->pod_uid[0] ? lr->pod_uid : NULL);
	jw_obj_end(w);
}
