/* bridge [NAME] [--fix]: pod bridge health, ports, learned MACs; --fix sets a down bridge up. */
#include <stdio.h>
#include <stdlib.h>

#include "checks/bridge.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

/* The command's state: the report and the findings (~110 KB); one allocation. */
struct bridge_cmd {
	struct bridge_report r;
	struct findings fs;
};

static int print(struct cli *c, const struct bridge_report *r, struct findings *fs)
{
	struct jw w;

	findings_sort(fs);
	if (c->json) {
		cli_json_begin(c, &w, "bridge");
		findings_json(&w, fs);
		check_bridge_json(&w, r);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
	} else {
		check_bridge_text(stdout, r);
		if (fs->n) {
			putchar('\n');
			findings_text(stdout, fs);
		}
	}
	return findings_exit(fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_FIX = 1 };
	static const struct cli_opt opts[] = { { "fix", 0, CLI_ARG_NONE, O_FIX }, { 0, 0, 0, 0 } };
	struct bridge_cmd *b;
	struct cli_parse p;
	struct nr_err e;
	int id, rc, fix = 0;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		fix = 1;
	}
	if (p.npos > 1)
		return cli_usage(c, "takes at most one bridge name");
	b = calloc(1, sizeof *b);
	if (!b)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "bridge" });
	nr_err_clear(&e);
	findings_init(&b->fs);
	if (check_bridge_run_in(c->host_root, NULL, p.npos ? p.pos[0] : NULL, fix, &b->r, &b->fs, &e) < 0)
		rc = cli_fail(c, &e);
	else
		rc = print(c, &b->r, &b->fs);
	free(b);
	return rc;
}

const struct cli_cmd cmd_bridge = {
	"bridge", "bridge [NAME] [--fix]",
	"pod bridge health, ports and learned MACs; --fix sets a down bridge up",
	"Checks every Linux bridge of the node (or only NAME; kubenet's is cbr0): its state, its\n"
	"ports with the pod behind each (IP and MAC read inside the pod's netns) and whether the\n"
	"bridge learned that MAC (FDB) or the node has a neighbour entry for it. Only pod bridges\n"
	"are judged and fixed: those the CNI config names (\"bridge\": ..., cbr0, cni0) or that carry\n"
	"a pod's veth; docker0, libvirt's virbr0 or a test bridge are listed (\"pod_bridge\": false)\n"
	"and left alone.\n\n"
	"findings: bridge-down (fail; fix: netrescue bridge NAME --fix), link-down (fail: a pod's\n"
	"port is down), pod-mac-not-learned (warn: no FDB or neighbour entry for a pod's MAC).\n"
	"exit: 0 no fail finding, 1 a fail finding, 3 NAME missing/not a bridge or --fix refused.\n\n"
	"options:\n"
	"  --fix     set down pod bridges up through netlink (`ip link set NAME up`); idempotent: a\n"
	"            bridge that is up is left alone. Each change is listed (\"changed\" in JSON).\n"
	"            Needs CAP_NET_ADMIN: without it exit 3 and nothing changes.\n\n"
	"arguments:\n"
	"  NAME      only this bridge (exit 3 when it does not exist or is not a bridge)\n\n"
	"JSON: \"findings\", \"bridges\": [{\"name\", \"ifindex\", \"state\", \"up\", \"pod_bridge\", \"mtu\", \"mac\", \"ports\",\n"
	"      \"learned\"}], \"ports\": [{\"name\", \"bridge\", \"state\", \"stp_state\", \"learning\", \"peer\",\n"
	"      \"pod_ip\", \"pod_mac\", \"mac_learned\", \"neigh_known\"}], \"fdb\": [...], \"changed\": [...]\n\n"
	"examples:\n"
	"  netrescue bridge\n"
	"  netrescue bridge cbr0 --fix\n"
	"  netrescue --json bridge | jq '.findings[]'\n",
	run,
};
