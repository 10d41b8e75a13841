/* drops [--pod-ip IP]... [--duration S]: where packets die during a window. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "drops/drops.h"
#include "locate/locate.h"
#include "report/findings.h"
#include "report/json.h"

enum { O_POD = 1, O_DURATION, O_PERF };

/* DURATION_MAX: an hour; longer watches are a monitoring agent's job. */
#define DURATION_MAX 3600
#define DURATION_DEFAULT 10

/* A signal handler can reach only static storage: the flag stays file-scope. */
static volatile sig_atomic_t stop_flag;

/* The command's state: options, the report and the findings; large, one allocation. */
struct drops_cmd {
	struct drops_opts o;
	struct drops_report r;
	struct findings fs;
	struct locate_report loc;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Each --pod-ip must be a pod on this node: its netns process gives the pod's own counters. */
static int locate_pods(struct cli *c, struct drops_opts *o, struct locate_report *r)
{
	struct nr_err e;
	char ip[46];
	int i;

	for (i = 0; i < o->npods; i++) {
		addr_str(&o->pods[i], ip, sizeof ip);
		nr_err_clear(&e);
		if (locate_once(&o->pods[i], r, &e) < 0)
			return cli_fail(c, &e);
		if (!r->ifindex || (r->wiring != LOCATE_ROUTED && r->wiring != LOCATE_BRIDGED)) {
			nr_fail(&e, NR_E_DROPS_NOPOD, 0, "drops", "%s", ip);
			return cli_fail(c, &e);
		}
		o->pod_pids[i] = r->npids ? r->pids[0] : 0;
	}
	return EXIT_OK;
}

static int parse(struct cli *c, int argc, char **argv, struct drops_opts *o)
{
	static const struct cli_opt opts[] = {
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_POD },
		{ "duration", 'd', CLI_ARG_REQUIRED, O_DURATION },
		{ "perf", 0, CLI_ARG_NONE, O_PERF },
		{ 0, 0, 0, 0 },
	};
	struct cli_parse p;
	unsigned long long n;
	int id;

	o->secs = DURATION_DEFAULT;
	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_POD) {
			if (o->npods >= DROPS_PODS_MAX)
				return cli_usage(c, "at most %d --pod-ip", DROPS_PODS_MAX);
			if (parse_ip(p.arg, &o->pods[o->npods]) < 0)
				return cli_usage(c, "--pod-ip '%s' is not an IP address", p.arg);
			o->npods++;
		} else if (id == O_DURATION) {
			if (parse_uint(p.arg, 1, DURATION_MAX, &n) < 0)
				return cli_usage(c, "--duration '%s' is not a number of seconds (1-%d)", p.arg,
						DURATION_MAX);
			o->secs = (unsigned)n;
		} else if (id == O_PERF) {
			o->no_bpf = 1;
		}
	}
	if (p.npos)
		return cli_usage(c, "unexpected argument '%s' (pods are given with --pod-ip)", p.pos[0]);
	return EXIT_OK;
}

static int watch(struct cli *c, struct drops_cmd *d)
{
	struct drops_opts *o = &d->o;
	struct drops_report *r = &d->r;
	struct findings *fs = &d->fs;
	struct drops_watch *w;
	struct sigaction sa;
	struct jw jw;

	o->host_root = c->host_root;
	o->stop = &stop_flag;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;  /* no SA_RESTART: the wait wakes up at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	w = drops_begin(o, r);
	/* Said once the watch is attached: a script may start its traffic on this line. */
	fprintf(stderr, "netrescue: drops: watching (%s) for %u s%s\n", r->method, o->secs,
		c->stderr_tty ? ", Ctrl-C ends early" : "");
	drops_wait(w, o->secs, o->stop);
	drops_end(w, r);
	if (r->unwatched[0])
		cli_warn(c, "%s; counters only", r->unwatched);
	else if (!r->flows && r->noflows[0])
		cli_warn(c, "%s; reasons and locations only", r->noflows);
	findings_init(fs);
	drops_findings(r, NULL, 0, fs);
	findings_sort(fs);
	if (c->json) {
		cli_json_begin(c, &jw, "drops");
		drops_json(&jw, r);
		findings_json(&jw, fs);
		if (jw_end(&jw))
			return EXIT_CANNOT;
	} else {
		drops_text(stdout, r);
		if (fs->n) {
			fputc('\n', stdout);
			findings_text(stdout, fs);
		}
	}
	return fflush(stdout) == 0 ? findings_exit(fs) : EXIT_CANNOT;
}

static int run(struct cli *c, int argc, char **argv)
{
	struct drops_cmd *d = calloc(1, sizeof *d);
	int rc;

	if (!d)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "drops" });
	if ((rc = parse(c, argc, argv, &d->o)) == EXIT_OK && (rc = locate_pods(c, &d->o, &d->loc)) == EXIT_OK)
		rc = watch(c, d);
	free(d);
	return rc;
}

const struct cli_cmd cmd_drops = {
	"drops", "drops [--pod-ip IP]... [--duration S] [--perf]",
	"packets the kernel drops during a window: by reason, code location, flow and pod",
	"Watches every packet the kernel frees as dropped (the skb:kfree_skb tracepoint) for S\n"
	"seconds and counts them by drop reason (the names of the running kernel), by code location\n"
	"(/proc/kallsyms), and by flow: source and destination address and port, protocol, input\n"
	"interface, mapped to pods on this node. A small BPF program counts in the kernel (struct\n"
	"offsets from /sys/kernel/btf/vmlinux); without BPF or BTF, reasons and locations only; without\n"
	"the tracepoint or privileges, one line says so and the counters still come. Over the same\n"
	"window: per-interface rx/tx dropped and errors, /proc/net/snmp and netstat drop counters\n"
	"(node and each pod), softnet drops, conntrack per-CPU drop/insert_failed. Nothing stays\n"
	"attached or mounted afterwards, even when killed. Findings: drops-netfilter, drops-no-socket,\n"
	"drops-listen-overflow, drops-rp-filter, drops-neigh, drops-mtu, drops-other.\n\n"
	"options:\n"
	"  --pod-ip IP     only drops to or from this pod (repeatable; must be a pod on this node)\n"
	"  -d, --duration S  the window in seconds (1-3600, default 10); Ctrl-C ends it early\n"
	"  --perf          count through perf rings instead of BPF (reasons and locations only)\n\n"
	"exit: 0 no fail finding, 1 a fail finding (e.g. drops-netfilter), 2 usage, 3 could not.\n\n"
	"examples:\n"
	"  netrescue drops --pod-ip 10.4.0.5 --duration 30\n"
	"  netrescue --json drops -d 5\n",
	run,
};
