/* service: a Service as kube-proxy's rules implement it on this node. */
#include <stdio.h>
#include <string.h>

#include "checks/service.h"
#include "cli/cli.h"
#include "cli/nfjson.h"
#include "netfilter/netfilter.h"
#include "report/findings.h"
#include "report/json.h"

static int run(struct cli *c, int argc, char **argv)
{
	/* static: the report and findings are hundreds of KiB. */
	static struct svc_report r;
	static struct findings fs;
	static struct nf_ruleset rs;
	struct svc_query q;
	struct cli_parse p;
	struct nr_err e;
	char why[256];
	struct jw w;
	int id, rc;

	if ((id = cli_no_opts(&p, c, argc, argv)) != CLI_GO)
		return id;
	if (p.npos != 1)
		return cli_nf_error(c, EXIT_USAGE, "needs one IP[:PORT] or NS/NAME (see 'netrescue help service')");
	if (service_parse(p.pos[0], &q, why, sizeof why) < 0)
		return cli_nf_error(c, EXIT_USAGE, "%s", why);
	findings_init(&fs);
	nf_init(&rs);
	rc = check_service_run(&q, &rs, &r, &fs, &e);
	nf_free(&rs);
	if (rc < 0)
		return cli_nf_fail(c, &e);
	findings_sort(&fs);
	if (c->json) {
		cli_json_begin(c, &w, "service");
		check_service_json(&w, &r);
		findings_json(&w, &fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		check_service_text(stdout, &r);
		findings_text(stdout, &fs);
	}
	return findings_exit(&fs);
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
