/* --pod-ip, as every command that takes one reads it. */
#include "base/parse.h"
#include "cli/cli.h"
#include "locate/locate.h"

int cli_locate_pod(struct cli *c, const char *arg, struct locate_report *r)
{
	struct nr_addr ip;
	struct nr_err e;

	if (parse_ip(arg, &ip) < 0)
		return cli_usage(c, "--pod-ip: '%s' is not an IP address", arg);
	nr_err_clear(&e);
	if (locate_once(&ip, r, &e) < 0)
		return cli_fail(c, &e);
	return EXIT_OK;
}
