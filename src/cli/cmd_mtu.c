/* mtu: every pod interface's MTU against the node uplink and the overlay overhead. */
#include <stdio.h>

#include "checks/mtu.h"
#include "cli/cli.h"
#include "report/findings.h"
#include "report/json.h"

static int run(struct cli *c, int argc, char **argv)
{
	/* static: hundreds of interfaces and findings, too big for the stack. */
	static struct mtu_report r;
	static struct findings fs;
	struct cli_parse p;
	struct nr_err e;
	struct jw w;
	int id;

	if ((id = cli_no_args(&p, c, argc, argv)) != CLI_GO)
		return id;
	findings_init(&fs);
	nr_err_clear(&e);
	if (check_mtu_run(&r, &fs, &e) < 0)
		return cli_fail(c, &e);
	findings_sort(&fs);
	if (c->json) {
		cli_json_begin(c, &w, "mtu");
		check_mtu_json(&w, &r);
		findings_json(&w, &fs);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
	} else {
		check_mtu_text(stdout, &r);
		findings_text(stdout, &fs);
	}
	return findings_exit(&fs);
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
