/* health: why the runtime may lose containers: zombies, PID limits, OOM kills, runtime restarts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/parse.h"
#include "checks/health.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

/* Ctrl-C during --watch ends the watch early; the report still comes. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* What one health run owns, allocated once by run(): 256 pods and 128 runtimes are too big
 * for a comfortable stack. */
struct state {
	struct health_report r;
	struct findings fs;
};

static int run_in(struct cli *c, struct state *s, int argc, char **argv)
{
	enum { O_SINCE = 1, O_WATCH };
	static const struct cli_opt opts[] = {
		{ "since", 0, CLI_ARG_REQUIRED, O_SINCE },
		{ "watch", 0, CLI_ARG_REQUIRED, O_WATCH },
		{ 0, 0, 0, 0 },
	};
	unsigned long long watch = 0;
	struct health_report *r = &s->r;
	struct findings *fs = &s->fs;
	struct health_opts o = { 0 };
	struct cli_parse p;
	struct nr_err e;
	struct jw w;
	int id;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_WATCH) {
			if (parse_uint(p.arg, 1, HEALTH_WATCH_MAX, &watch) < 0)
				return cli_usage(c, "--watch '%s' is not a number of seconds (1-%d)", p.arg, HEALTH_WATCH_MAX);
			continue;
		}
		if (parse_duration(p.arg, &o.since_secs) < 0 || !o.since_secs)
			return cli_usage(c, "bad --since '%s' (a duration: 90s, 15m, 2h, 1d)", p.arg);
	}
	if (p.npos)
		return cli_usage(c, "takes no arguments");
	o.host_root = c->host_root;
	findings_init(fs);
	nr_err_clear(&e);
	if (check_health_run(&o, r, fs, &e) < 0) {
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
	if (watch) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		check_health_watch(r, (unsigned)watch, &stop_flag, fs);
	}
	findings_sort(fs);
	if (c->json) {
		cli_json_begin(c, &w, "health");
		check_health_json(&w, r);
		findings_json(&w, fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		check_health_text(stdout, r);
		findings_text(stdout, fs);
	}
	return findings_exit(fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	struct state *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "health" });
	rc = run_in(c, s, argc, argv);
	free(s);
	return rc;
}

const struct cli_cmd cmd_health = {
	"health", "health [--since DURATION] [--watch SECONDS]",
	"why the runtime may lose containers: zombies, PID limits, OOM kills, runtime restarts",
	"Zombie processes per parent (the process that does not reap them), pod and PID namespace;\n"
	"each pod cgroup's pids.current / pids.max / pids.events (v2 or the v1 pids controller)\n"
	"and OOM-kill counters; kernel.pid_max and threads-max against the node's tasks; PSI\n"
	"(/proc/pressure); kernel-log OOM kills mapped to pod and container; start times of\n"
	"containerd/dockerd/crio (in this PID namespace) against the pods' oldest processes, and\n"
	"their crashes in the kernel log (segfault, general protection, OOM kill) followed by a\n"
	"restart; the shims (containerd-shim, conmon) with their pods, and pod processes whose shim\n"
	"is gone (orphans, judged only where a shim runs in the PID namespace).\n"
	"Findings: zombies-accumulating (warn, one parent holds >= 100 zombies, or >= 100 spread\n"
	"over parents in one PID namespace, or a pod's zombies grew during --watch), pids-near-limit\n"
	"(fail, >= 90 %), oom-killed (warn), runtime-restarted (warn: the runtime is younger than a\n"
	"pod's processes, how a container becomes stale). What cannot be read is unknown, never a\n"
	"finding.\n\n"
	"options:\n"
	"  --since DURATION   kernel-log window for OOM kills and runtime crashes (default 1d)\n"
	"  --watch SECONDS    recount each pod's zombies after SECONDS (1-3600): growth is\n"
	"                     zombies-accumulating\n\n"
	"examples:\n"
	"  netrescue health\n"
	"  netrescue --json health | jq '.zombie_parents'\n"
	"  netrescue health --watch 30\n",
	run,
};
