/* conntrack: the connection-tracking table and the neighbour table of the node, with
 * kernel-log evidence; --fix raises nf_conntrack_max and persists it once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "checks/conntrack.h"
#include "checks/neigh_overflow.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

/* The command's state: the reports and findings are tens of KiB; one allocation. */
struct ct_cmd {
	struct conntrack_report r;
	struct neigh_overflow_report nr;
	struct findings fs;
};

static int check(struct cli *c, struct ct_cmd *k, struct conntrack_opts *o)
{
	struct findings *fs = &k->fs;
	struct nr_err e;
	struct jw w;
	int rc;

	o->host_root = c->host_root;
	findings_init(fs);
	nr_err_clear(&e);
	rc = check_conntrack_run(o, &k->r, fs, &e);
	check_neigh_overflow_run(NULL, o->since_secs, &k->nr, fs, NULL);
	findings_sort(fs);
	/* Reported before the document closes, so that its "error" says what was not done. */
	if (rc < 0)
		rc = cli_fail(c, &e);
	if (c->json) {
		cli_json_begin(c, &w, "conntrack");
		check_conntrack_json(&w, &k->r);
		jw_key(&w, "neighbour_table");
		jw_obj(&w);
		check_neigh_overflow_json(&w, &k->nr);
		jw_obj_end(&w);
		findings_json(&w, fs);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
	} else {
		check_conntrack_text(stdout, &k->r);
		check_neigh_overflow_text(stdout, &k->nr);
		findings_text(stdout, fs);
	}
	return rc ? rc : findings_exit(fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_FIX = 1, O_SINCE };
	static const struct cli_opt opts[] = {
		{ "fix", 0, CLI_ARG_NONE, O_FIX },
		{ "since", 0, CLI_ARG_REQUIRED, O_SINCE },
		{ 0, 0, 0, 0 },
	};
	struct conntrack_opts o = { 0, 0, NULL, NULL };
	struct cli_parse p;
	struct ct_cmd *k;
	int id, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_FIX)
			o.fix = 1;
		else if (parse_duration(p.arg, &o.since_secs) < 0 || !o.since_secs)
			return cli_usage(c, "bad --since '%s' (a duration: 90s, 15m, 2h, 1d, 1h30m)", p.arg);
	}
	if (cli_no_pos(&p, NULL))
		return EXIT_USAGE;
	if (!(k = calloc(1, sizeof *k)))
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "conntrack" });
	rc = check(c, k, &o);
	free(k);
	return rc;
}

const struct cli_cmd cmd_conntrack = {
	"conntrack", "conntrack [--fix] [--since DURATION]",
	"conntrack count, max, drops and kernel-log evidence; --fix raises the max",
	"Reads this network namespace's conntrack table: count, max, buckets, the per-CPU\n"
	"counters of /proc/net/stat/nf_conntrack summed (drop, early_drop, insert_failed, ...),\n"
	"the kernel log for 'nf_conntrack: table full, dropping packet', and whether NodeLocal\n"
	"DNSCache is present. Also the neighbour (ARP) table: gc_thresh1..3, the neighbour count\n"
	"and 'neighbour table overflow' in the kernel log. Findings: conntrack-near-full (warn,\n"
	">= 90 % used), conntrack-table-full (fail), neigh-table-overflow (fail),\n"
	"conntrack-insert-failed (info). Values it cannot read are named, never guessed.\n\n"
	"options:\n"
	"  --fix              raise net.netfilter.nf_conntrack_max to MemTotal(KiB)/32 (GKE's\n"
	"                     guidance; never lowers it) and persist it in\n"
	"                     HOST_ROOT/etc/sysctl.conf, replacing an existing line or adding one\n"
	"                     (never a duplicate; rerunning changes nothing). Each change is\n"
	"                     printed. Needs the node's initial netns and a writable /proc/sys:\n"
	"                     otherwise exit 3 and sysctl.conf is left untouched.\n"
	"                     On Container-Optimized OS /etc is rebuilt at boot: make it last\n"
	"                     with the node pool's sysctls (gcloud container node-pools update\n"
	"                     --system-config-from-file).\n"
	"  --since DURATION   kernel-log window for the evidence: 90s, 15m, 2h, 1d (default 1d)\n\n"
	"examples:\n"
	"  netrescue conntrack --since 2h\n"
	"  netrescue --host-root /host conntrack --fix\n",
	run,
};
