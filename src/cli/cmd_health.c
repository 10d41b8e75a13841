/* health: why the runtime may lose containers: zombies, PID limits, OOM kills, runtime restarts. */
#include <stdio.h>

#include "base/parse.h"
#include "checks/health.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_SINCE = 1 };
	static const struct cli_opt opts[] = {
		{ "since", 0, CLI_ARG_REQUIRED, O_SINCE },
		{ 0, 0, 0, 0 },
	};
	/* static: 256 pods and 128 runtimes, too big for a comfortable stack. */
	static struct health_report r;
	static struct findings fs;
	struct health_opts o = { 0 };
	struct cli_parse p;
	struct nr_err e;
	struct jw w;
	int id;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (parse_duration(p.arg, &o.since_secs) < 0 || !o.since_secs)
			return cli_usage(c, "bad --since '%s' (a duration: 90s, 15m, 2h, 1d)", p.arg);
	}
	if (p.npos)
		return cli_usage(c, "takes no arguments");
	findings_init(&fs);
	nr_err_clear(&e);
	if (check_health_run(&o, &r, &fs, &e) < 0) {
		if (c->json) {
			char msg[NR_ERR_CTX + 512];
			nr_err_text(&e, msg, sizeof msg);
			cli_json_begin(c, &w, "health");
			jw_key(&w, "error");
			jw_obj(&w);
			jw_kstr(&w, "message", msg);
			jw_obj_end(&w);
			jw_end(&w);
		}
		return cli_fail(c, &e);
	}
	findings_sort(&fs);
	if (c->json) {
		cli_json_begin(c, &w, "health");
		check_health_json(&w, &r);
		findings_json(&w, &fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		check_health_text(stdout, &r);
		findings_text(stdout, &fs);
	}
	return findings_exit(&fs);
}

const struct cli_cmd cmd_health = {
	"health", "health [--since DURATION]",
	"why the runtime may lose containers: zombies, PID limits, OOM kills, runtime restarts",
	"Zombie processes per parent (the process that does not reap them), pod and PID namespace;\n"
	"each pod cgroup's pids.current / pids.max / pids.events (v2 or the v1 pids controller)\n"
	"and OOM-kill counters; kernel.pid_max and threads-max against the node's tasks; PSI\n"
	"(/proc/pressure); kernel-log OOM kills mapped to pod and container; start times of\n"
	"containerd/dockerd/crio (in this PID namespace) against the pods' oldest processes.\n"
	"Findings: zombies-accumulating (warn, one parent holds >= 100 zombies), pids-near-limit\n"
	"(fail, >= 90 %), oom-killed (warn), runtime-restarted (warn: the runtime is younger than a\n"
	"pod's processes, how a container becomes stale). What cannot be read is unknown, never a\n"
	"finding.\n\n"
	"options:\n"
	"  --since DURATION   kernel-log window for OOM kills (default 1d)\n\n"
	"examples:\n"
	"  netrescue health\n"
	"  netrescue --json health | jq '.zombie_parents'\n",
	run,
};
