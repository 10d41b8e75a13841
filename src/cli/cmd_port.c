/* port PORT [--kill]: who listens on a port in any netns of the node, and is it stale. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "checks/port.h"
#include "cli/cli.h"
#include "locate/locate.h"
#include "report/findings.h"
#include "report/json.h"

/* DEFAULT_WAIT_S: kubelet's own default termination grace is 30 s; a process left behind by a
 * crashed runtime has nobody to drain for, so a few seconds is enough before SIGKILL. */
#define DEFAULT_WAIT_S 5
#define MAX_WAIT_S 300

enum { O_KILL = 1, O_FORCE, O_WAIT, O_STALE, O_PODIP };

/* The command's state: the report (every holder of every netns) and the findings; large, one
 * allocation. */
struct port_cmd {
	struct port_report rep;
	struct findings fs;
	struct locate_report loc;
};

/* The netns inode of the pod that has ip on this node (locate: route -> veth -> netns). */
static int netns_of_pod_ip(struct cli *c, const char *arg, struct locate_report *r, unsigned long long *ino)
{
	struct nr_err e;
	int rc;

	if ((rc = cli_locate_pod(c, arg, r)) != EXIT_OK)
		return rc;
	if (!r->netns) {
		nr_fail(&e, NR_E_NOENT, 0, "port", "pod IP %s: its network namespace was not found on this "
			"node (try 'netrescue locate %s')", arg, arg);
		return cli_fail(c, &e);
	}
	*ino = r->netns;
	return EXIT_OK;
}

/* kill: 0 no --kill, 1 --kill, 2 --kill --force. */
static int check(struct cli *c, struct port_cmd *pc, unsigned port, unsigned long long pod_netns,
		 const char *podip, int kill_, unsigned wait_ms)
{
	struct findings *fs = &pc->fs;
	struct nr_err e;
	struct jw w;

	findings_init(fs);
	nr_err_clear(&e);
	if (check_port_run(c->host_root, port, pod_netns, &pc->rep, fs, &e) < 0)
		return cli_fail(c, &e);
	if (!pc->rep.runtime_known)
		cli_warn(c, "no container runtime state under %s (containerd, Docker, CRI-O): nothing is called stale",
			 c->host_root);
	if (kill_)
		check_port_kill(&pc->rep, kill_ > 1, wait_ms, fs);
	findings_sort(fs);
	if (c->json) {
		cli_json_begin(c, &w, "port");
		if (podip)
			jw_kstr(&w, "pod_ip", podip);
		check_port_json(&w, &pc->rep);
		findings_json(&w, fs);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
	} else {
		check_port_text(stdout, &pc->rep);
		if (fs->n) {
			putchar('\n');
			findings_text(stdout, fs);
		}
	}
	return findings_exit(fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "kill", 0, CLI_ARG_NONE, O_KILL },
		{ "force", 0, CLI_ARG_NONE, O_FORCE },
		{ "wait", 0, CLI_ARG_REQUIRED, O_WAIT },
		{ "stale", 0, CLI_ARG_NONE, O_STALE },
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_PODIP },
		{ 0, 0, 0, 0 },
	};
	struct cli_parse p;
	struct port_cmd *pc;
	unsigned port = 0;
	unsigned long long wait_s = DEFAULT_WAIT_S, pod_netns = 0;
	const char *podip = NULL;
	int id, kill_ = 0, force = 0, stale = 0, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_KILL)
			kill_ = 1;
		else if (id == O_FORCE)
			force = 1;
		else if (id == O_STALE)
			stale = 1;
		else if (id == O_PODIP)
			podip = p.arg;
		else if (parse_duration(p.arg, &wait_s) < 0 || wait_s > MAX_WAIT_S)
			return cli_usage(c, "--wait: '%s' is not a duration of at most %ds", p.arg, MAX_WAIT_S);
	}
	if (p.npos > 1)
		return cli_usage(c, "takes one PORT (see 'netrescue help port')");
	if (p.npos == 1 && parse_port(p.pos[0], &port) < 0)
		return cli_usage(c, "'%s' is not a port (1-65535)", p.pos[0]);
	if (!p.npos && !stale)
		return cli_usage(c, "needs a PORT, or --stale for every port (see 'netrescue help port')");
	if (p.npos && stale)
		return cli_usage(c, "give a PORT or --stale, not both");
	if (force && !kill_)
		return cli_usage(c, "--force only goes with --kill");

	if (!(pc = calloc(1, sizeof *pc)))
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "port" });
	rc = EXIT_OK;
	if (podip)
		rc = netns_of_pod_ip(c, podip, &pc->loc, &pod_netns);
	if (rc == EXIT_OK)
		rc = check(c, pc, port, pod_netns, podip, kill_ ? 1 + force : 0, (unsigned)wait_s * 1000);
	free(pc);
	return rc;
}

const struct cli_cmd cmd_port = {
	"port", "port (PORT | --stale) [--pod-ip IP] [--kill [--force] [--wait S]]",
	"every listener on PORT in every netns, with pod, container and a stale verdict; --kill ends stale holders",
	"Lists every TCP listener and bound UDP socket on PORT in every network namespace of the node\n"
	"(the host's and each pod's), with pid, comm, netns, pod, container and a verdict:\n"
	"  stale    its container is not a running container of the runtime (no containerd task dir,\n"
	"           no running Docker/CRI-O container), or its pod is unknown to the kubelet: a process\n"
	"           left behind, typically making the new container fail with 'address already in use'\n"
	"  live     the runtime runs its container\n"
	"  host     not in a container (node daemon)\n"
	"  unknown  no runtime state could be read under --host-root: nothing is called stale\n"
	"Finding stale-listener (fail, exit 1) per stale holder.\n\n"
	"options:\n"
	"  --stale      instead of one PORT, every port held by a stale process\n"
	"  --pod-ip IP  only the netns of the pod that has IP: its own live server is\n"
	"               port-listening (info); nothing there is port-not-listening (fail: the cause\n"
	"               of \"connection refused\"); port-in-use (fail) when a stale process holds it,\n"
	"               or another container holds it while a container of the pod fails to bind\n"
	"               (its log under --host-root/var/log/pods says \"address already in use\", or\n"
	"               it is restarting)\n"
	"  --kill       SIGTERM each stale holder, wait, then SIGKILL; reports each; a second run\n"
	"               finds nothing left to end (exit 0)\n"
	"  --force      with --kill, also end holders that are not stale (live, host, unknown)\n"
	"  --wait S     how long to wait after SIGTERM before SIGKILL (default 5s, e.g. 10s, 1m)\n\n"
	"examples:\n"
	"  netrescue port 8080\n"
	"  netrescue --host-root /host port 8080 --kill\n"
	"  netrescue port 8080 --pod-ip 10.4.0.5\n"
	"  netrescue --json port --stale\n",
	run,
};
