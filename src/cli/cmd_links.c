/* links [IFACE]: `ip address show` plus each veth's peer and the netns it lives in. */
#include <stdio.h>
#include <stdlib.h>

#include "checks/cni.h"
#include "checks/links.h"
#include "cli/cli.h"
#include "report/json.h"

/* The CNI that wires this node's pods, so a links listing says how to read the veths. */
static void cni_json(struct jw *w, const char *host_root)
{
	char name[CNI_NAMESZ], why[512];
	struct nr_err e;

	if (cni_detect(NULL, host_root, name, sizeof name, why, sizeof why, &e) < 0)
		return;
	jw_key(w, "cni");
	jw_obj(w);
	jw_kstr(w, "name", name);
	jw_kstr(w, "evidence", why);
	jw_obj_end(w);
}

static int run(struct cli *c, int argc, char **argv)
{
	struct links_report *r;
	struct cli_parse p;
	struct nr_err e;
	struct jw w;
	int id, rc;

	if ((id = cli_no_opts(&p, c, argc, argv)) != CLI_GO)
		return id;
	if (p.npos > 1)
		return cli_usage(c, "takes at most one interface name");
	/* The report is large (a thousand links with addresses): one allocation for the result. */
	r = calloc(1, sizeof *r);
	if (!r)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "links" });
	nr_err_clear(&e);
	if (links_collect(NULL, p.npos ? p.pos[0] : NULL, r, &e) < 0) {
		rc = cli_fail(c, &e);
		free(r);
		return rc;
	}
	if (c->json) {
		cli_json_begin(c, &w, "links");
		jw_kuint(&w, "netns", r->self_netns);
		cni_json(&w, c->host_root);
		links_json(&w, r);
		rc = cli_json_end(c, &w) ? EXIT_CANNOT : EXIT_OK;
	} else {
		links_text(stdout, r);
		rc = EXIT_OK;
	}
	free(r);
	return rc;
}

const struct cli_cmd cmd_links = {
	"links", "links [IFACE]",
	"links: state, MTU, kind, master, peer, addresses (ip address show)",
	"Lists every link of the node's network namespace (or only IFACE) with its operational\n"
	"state, MTU, kind (veth, bridge, vxlan, ...), master (the bridge a port belongs to), MAC,\n"
	"addresses, and for veths the peer: its ifindex and the network namespace it lives in\n"
	"(net:[INODE], as `readlink /proc/PID/ns/net` shows; compare with `netrescue ps`).\n"
	"Read through rtnetlink; nothing is changed.\n\n"
	"arguments:\n"
	"  IFACE     only this interface (exit 3 when it does not exist)\n\n"
	"JSON: \"cni\": {\"name\", \"evidence\"} (kubenet, gke-ptp, calico, cilium, flannel, weave,\n"
	"      unknown; from --host-root/etc/cni/net.d and the interfaces present),\n"
	"      \"links\": [{\"name\", \"ifindex\", \"state\", \"flags\", \"mtu\", \"kind\", \"master\",\n"
	"       \"mac\", \"addresses\": [\"IP/LEN\"], \"peer\": {\"ifindex\", \"netns\", \"netnsid\"} | null}]\n\n"
	"examples:\n"
	"  netrescue links\n"
	"  netrescue links cbr0\n"
	"  netrescue --json links | jq '.links[] | select(.kind == \"veth\") | {name, peer}'\n",
	run,
};
