/* flows: conntrack entries of a pod (or of the node's netns) over ctnetlink, unreplied first. */
#include <stdio.h>
#include <stdlib.h>

#include "base/parse.h"
#include "checks/flows.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

/* With --json a failure is still one document: {"tool", ..., "error": {"message"}}. */
static int fail_doc(struct cli *c, const struct nr_err *e)
{
	char msg[NR_ERR_CTX + 512];
	struct jw w;

	if (c->json) {
		nr_err_text(e, msg, sizeof msg);
		cli_json_begin(c, &w, "flows");
		jw_key(&w, "error");
		jw_obj(&w);
		jw_kstr(&w, "message", msg);
		jw_obj_end(&w);
		jw_end(&w);
	}
	return cli_fail(c, e);
}

/* The command's state: FLOWS_KEEP entries (~100 KiB) and the findings; one allocation. */
struct flows_cmd {
	struct flows_report r;
	struct findings fs;
};

static int check(struct cli *c, struct flows_cmd *k, const struct nr_addr *pods, int npods, int limit)
{
	struct nr_err e;
	struct jw w;

	findings_init(&k->fs);
	nr_err_clear(&e);
	if (check_flows_run(pods, npods, &k->r, &k->fs, &e) < 0)
		return fail_doc(c, &e);
	findings_sort(&k->fs);
	if (c->json) {
		cli_json_begin(c, &w, "flows");
		check_flows_json(&w, &k->r);
		findings_json(&w, &k->fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		check_flows_text(stdout, &k->r, limit);
		findings_text(stdout, &k->fs);
	}
	return findings_exit(&k->fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_POD = 1, O_LIMIT };
	static const struct cli_opt opts[] = {
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_POD },
		{ "limit", 0, CLI_ARG_REQUIRED, O_LIMIT },
		{ 0, 0, 0, 0 },
	};
	struct nr_addr pods[FLOWS_PODS];
	unsigned long long limit = 200;
	struct cli_parse p;
	struct flows_cmd *k;
	int id, npods = 0, rc;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_POD) {
			if (npods >= FLOWS_PODS)
				return cli_usage(c, "at most %d --pod-ip", FLOWS_PODS);
			if (parse_ip(p.arg, &pods[npods++]) < 0)
				return cli_usage(c, "--pod-ip: '%s' is not an IP address", p.arg);
		} else if (parse_uint(p.arg, 0, FLOWS_KEEP, &limit) < 0) {
			return cli_usage(c, "--limit: '%s' is not a number from 0 to %d", p.arg, FLOWS_KEEP);
		}
	}
	if (cli_no_pos(&p, " (use --pod-ip IP)"))
		return EXIT_USAGE;
	if (!(k = calloc(1, sizeof *k)))
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "flows" });
	rc = check(c, k, pods, npods, (int)limit);
	free(k);
	return rc;
}

const struct cli_cmd cmd_flows = {
	"flows", "flows [--pod-ip IP]... [--limit N]",
	"conntrack entries of a pod (ctnetlink), unreplied first, with a summary",
	"Reads the conntrack table of this network namespace over ctnetlink (what `conntrack -L`\n"
	"shows) and prints a summary first (\"41 flows to 10.4.0.12:8080 (tcp), 39 unreplied\n"
	"SYN_SENT\"), then the flows, unreplied ones first, in `conntrack -L` form: protocol,\n"
	"timeout, TCP state, original and reply tuples, [UNREPLIED], [ASSURED], mark, zone.\n"
	"A pod's flows are those it opened (original source) or answers (reply source: also the\n"
	"flows a Service's DNAT sent to it); the kernel filters them (CTA_FILTER, Linux 5.9+),\n"
	"older kernels are filtered here. Finding: conntrack-unreplied (warn) when flows of an asked\n"
	"pod sit without a reply (dropped on the way, or nothing answers). A table that cannot be\n"
	"read is an error (exit 3), never \"no flows\".\n\n"
	"options:\n"
	"  --pod-ip IP   only this pod's flows (repeatable, up to 16)\n"
	"  --limit N     flows listed in the text form (default 200; --json lists up to 1024,\n"
	"                unreplied first; every flow is counted in the summary)\n\n"
	"--json: summary {text, flows, unreplied, assured, entries_read, filtered_in, listed,\n"
	"not_listed, destinations[] {pod, proto, dst, dport, flows, unreplied, assured,\n"
	"unreplied_state}}, flows[] {proto, state, unreplied, assured, orig {src, dst, sport, dport},\n"
	"reply {...}, mark, zone, timeout, id, pod}, findings[].\n\n"
	"examples:\n"
	"  netrescue flows --pod-ip 10.4.0.12\n"
	"  netrescue --json flows --pod-ip 10.4.0.12 | jq '.flows[] | select(.unreplied)'\n",
	run,
};
