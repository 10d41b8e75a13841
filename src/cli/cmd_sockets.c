/* sockets (--pid PID | --pod-ip IP) [--listen]: the sockets of one netns with their owners. */
#include <stdio.h>
#include <stdlib.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "locate/locate.h"
#include "report/json.h"
#include "sockets/sockets.h"

enum { O_PID = 1, O_PODIP, O_LISTEN, O_TCP, O_UDP, O_PROCNET };

/* The pid of a process in the netns of the pod that has ip (locate: route -> veth -> netns). */
static int pid_of_pod_ip(struct cli *c, const char *arg, int *pid)
{
	struct locate_report *r = calloc(1, sizeof *r); /* a pod's pids and containers: not on the stack */
	struct nr_err e;
	int rc;

	if (!r)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "sockets" });
	if ((rc = cli_locate_pod(c, arg, r)) == EXIT_OK && r->npids < 1) {
		nr_fail(&e, NR_E_NOENT, 0, "sockets", "pod IP %s: no process found in its network namespace "
			"(is it a pod on this node? try 'netrescue locate %s')", arg, arg);
		rc = cli_fail(c, &e);
	}
	if (rc == EXIT_OK)
		*pid = r->pids[0];
	free(r);
	return rc;
}

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "pid", 'p', CLI_ARG_REQUIRED, O_PID },
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_PODIP },
		{ "listen", 'l', CLI_ARG_NONE, O_LISTEN },
		{ "tcp", 't', CLI_ARG_NONE, O_TCP },
		{ "udp", 'u', CLI_ARG_NONE, O_UDP },
		{ "proc-net", 0, CLI_ARG_NONE, O_PROCNET },
		{ 0, 0, 0, 0 },
	};
	struct cli_parse p;
	struct sock_view v;
	struct nr_err e;
	struct jw w;
	unsigned long long pidv = 0;
	const char *podip = NULL;
	unsigned flags = 0;
	int id, pid = 0, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_PID && parse_uint(p.arg, 1, 4194304, &pidv) < 0)
			return cli_usage(c, "--pid: '%s' is not a process id", p.arg);
		if (id == O_PODIP)
			podip = p.arg;
		flags |= id == O_LISTEN ? SOCK_F_LISTEN : id == O_TCP ? SOCK_F_TCP : id == O_UDP ? SOCK_F_UDP :
			 id == O_PROCNET ? SOCK_F_NO_DIAG : 0;
	}
	if (p.npos)
		return cli_usage(c, "unexpected argument '%s' (use --pid PID or --pod-ip IP)", p.pos[0]);
	if (!pidv == !podip)
		return cli_usage(c, "needs exactly one of --pid PID or --pod-ip IP");
	pid = (int)pidv;
	if (podip && (rc = pid_of_pod_ip(c, podip, &pid)) != EXIT_OK)
		return rc;
	nr_err_clear(&e);
	if (sock_view_collect(&v, pid, flags, &e) < 0) {
		sock_view_free(&v);
		return cli_fail(c, &e);
	}
	rc = EXIT_OK;
	if (c->json) {
		cli_json_begin(c, &w, "sockets");
		if (podip)
			jw_kstr(&w, "pod_ip", podip);
		sock_view_json(&w, &v);
		if (cli_json_end(c, &w))
			rc = EXIT_CANNOT;
	} else {
		sock_view_text(stdout, &v);
	}
	sock_view_free(&v);
	return rc;
}

const struct cli_cmd cmd_sockets = {
	"sockets", "sockets (--pid PID | --pod-ip IP) [--listen] [--tcp] [--udp] [--proc-net]",
	"TCP/UDP sockets of one network namespace with their owning processes",
	"The TCP and UDP sockets (IPv4 and IPv6) of the network namespace of a process or a pod,\n"
	"read with sock_diag from inside that namespace (else /proc/PID/net/tcp...), each with the\n"
	"processes holding it (from /proc/*/fd). Replaces 'nsenter -t PID --net netstat -anp'.\n\n"
	"options:\n"
	"  -p, --pid PID     the netns of process PID (e.g. a pod's pause process, see 'netrescue ps')\n"
	"  --pod-ip IP       the netns of the pod that has IP on this node (found like 'locate')\n"
	"  -l, --listen      only listening TCP sockets and bound, unconnected UDP sockets\n"
	"  -t, --tcp         only TCP;  -u, --udp  only UDP (both by default)\n"
	"  --proc-net        read /proc/PID/net/{tcp,tcp6,udp,udp6} instead of asking sock_diag (the\n"
	"                    automatic fallback when inet_diag is missing; same output)\n\n"
	"examples:\n"
	"  netrescue sockets --pod-ip 10.4.0.5 --listen\n"
	"  netrescue --json sockets --pid 4242 -t\n",
	run,
};
