/* service: a Service as kube-proxy's rules implement it on this node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/service.h"
#include "cli/cli.h"
#include "cli/nfjson.h"
#include "netfilter/netfilter.h"
#include "report/findings.h"
#include "report/json.h"

/* The command's state: the report, the rules and the findings are hundreds of KiB; one
 * allocation. */
struct svc_cmd {
	struct svc_report r;
	struct findings fs;
	struct nf_ruleset rs;
};

static int check(struct cli *c, struct svc_cmd *k, const struct svc_query *q)
{
	struct nr_err e;
	struct jw w;
	int rc;

	findings_init(&k->fs);
	nf_init(&k->rs);
	rc = check_service_run(q, &k->rs, &k->r, &k->fs, &e);
	nf_free(&k->rs);
	if (rc < 0)
		return cli_nf_fail(c, &e);
	findings_sort(&k->fs);
	if (c->json) {
		cli_json_begin(c, &w, "service");
		check_service_json(&w, &k->r);
		findings_json(&w, &k->fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		check_service_text(stdout, &k->r);
		findings_text(stdout, &k->fs);
	}
	return findings_exit(&k->fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	struct svc_query q;
	struct cli_parse p;
	struct svc_cmd *k;
	char why[256];
	int id, rc;

	if ((id = cli_no_opts(&p, c, argc, argv)) != CLI_GO)
		return id;
	if (p.npos != 1)
		return cli_nf_error(c, EXIT_USAGE, "needs one IP[:PORT] or NS/NAME (see 'netrescue help service')");
	if (service_parse(p.pos[0], &q, why, sizeof why) < 0)
		return cli_nf_error(c, EXIT_USAGE, "%s", why);
	if (!(k = calloc(1, sizeof *k)))
		return cli_nf_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "service" });
	rc = check(c, k, &q);
	free(k);
	return rc;
}

const struct cli_cmd cmd_service = {
	"service", "service IP[:PORT] | NS/NAME[:PORT]",
	"a Service's frontends and endpoints from kube-proxy's rules; local pods and their listeners",
	"Follows kube-proxy's rules on this node, read in-process: in iptables mode (either\n"
	"backend) KUBE-SERVICES -> KUBE-SVC-* (statistic probabilities) -> KUBE-SEP-* DNAT,\n"
	"KUBE-NODEPORTS, KUBE-EXT-*, and the filter table's \"has no endpoints\" REJECTs; in\n"
	"nftables mode the table kube-proxy: maps service-ips, service-nodeports,\n"
	"no-endpoint-services and the service-*/external-*/endpoint-* chains. Lists the\n"
	"frontends (cluster IP, external IPs, NodePort) and the endpoints with the share of new\n"
	"connections each gets, marks endpoints that are pods on this node and whether something\n"
	"listens on the target port in the pod's network namespace. Names come from kube-proxy's\n"
	"comments and chain names (namespace/name:port).\n"
	"Findings: service-no-endpoints (fail), service-endpoint-down (fail: a local endpoint does\n"
	"not listen on its port). A Service not in the rules: exit 3.\n\n"
	"examples:\n"
	"  netrescue service 10.96.0.10:53\n"
	"  netrescue service kube-system/kube-dns:dns-tcp\n"
	"  netrescue --json service default/web\n",
	run,
};
