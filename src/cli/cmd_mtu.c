/* mtu: every pod interface's MTU against the node uplink and the overlay overhead. */
#include <stdio.h>
#include <stdlib.h>

#include "checks/mtu.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

/* The command's state: hundreds of interfaces and the findings; one allocation. */
struct mtu_cmd {
	struct mtu_report r;
	struct findings fs;
};

static int check(struct cli *c, struct mtu_cmd *k)
{
	struct nr_err e;
	struct jw w;

	findings_init(&k->fs);
	nr_err_clear(&e);
	if (check_mtu_run(NULL, &k->r, &k->fs, &e) < 0)
		return cli_fail(c, &e);
	findings_sort(&k->fs);
	if (c->json) {
		cli_json_begin(c, &w, "mtu");
		check_mtu_json(&w, &k->r);
		findings_json(&w, &k->fs);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
	} else {
		check_mtu_text(stdout, &k->r);
		findings_text(stdout, &k->fs);
	}
	return findings_exit(&k->fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	struct cli_parse p;
	struct mtu_cmd *k;
	int rc;

	if ((rc = cli_no_args(&p, c, argc, argv)) != CLI_GO)
		return rc;
	if (!(k = calloc(1, sizeof *k)))
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "mtu" });
	rc = check(c, k);
	free(k);
	return rc;
}

const struct cli_cmd cmd_mtu = {
	"mtu", "mtu",
	"MTU of every pod interface vs the node uplink and overlay overhead",
	"Finds the uplink (the interface of the default route, whatever its name), the overlay\n"
	"devices present and their encapsulation overhead (VXLAN and flannel.1: 50 bytes, Geneve\n"
	"50, WireGuard 60, IP-in-IP 20, GRE 24, Weave fastdp 50), every pod's host-side veth and\n"
	"pod bridge, and, entering each pod's network namespace, the pod-side interface. A pod can\n"
	"use at most the uplink MTU minus the largest overhead; anything above is an mtu-mismatch\n"
	"(fail) finding with the commands that mend it (netrescue itself changes nothing). An\n"
	"overlay device whose MTU leaves no room for its own headers is flagged too (not the\n"
	"flow-based ones, cilium_vxlan, vxlan_sys_*, genev_sys_*, Weave's vxlan-6784: their MTU\n"
	"comes from routes).\n"
	"Without root the pod side of each interface is named unknown.\n\n"
	"options: none besides the global --json.\n\n"
	"--json: uplink {name, mtu, ifindex}, pod_max_mtu, overlays[] {name, kind, mtu, overhead,\n"
	"flow_based, max_mtu}, interfaces[] {name, mtu, pod_uid, role, kind, pod_mtu, pod_ifname, netns, pid},\n"
	"findings[].\n\n"
	"examples:\n"
	"  netrescue mtu\n"
	"  netrescue --json mtu | jq '.interfaces[] | select(.pod_mtu > 1460)'\n",
	run,
};
