/* dns --from POD_IP NAME: the pod's own resolver configuration and every nameserver in it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/parse.h"
#include "checks/ct_insert.h"
#include "cli/cli.h"
#include "cli/pod_from.h"
#include "dns/check.h"
#include "locate/locate.h"
#include "probe/probe.h"
#include "report/json.h"

enum { O_FROM = 1, O_TYPE, O_TIMEOUT };

/* The command's state: the pod, the report (query buffers: ~2 MiB) and the findings; one
 * allocation. */
struct dns_cmd {
	struct locate_report lr;
	struct dns_report r;
	struct findings fs;
};

static int check(struct cli *c, struct dns_cmd *k, struct dns_opts *o, const char *from)
{
	struct nr_err e;
	struct jw w;
	char subj[80];
	int fd, rc;

	if ((rc = cli_pod_from(c, from, &k->lr, &fd, &o->pid)) != EXIT_OK)
		return rc;
	nr_err_clear(&e);
	snprintf(subj, sizeof subj, "pod %s", from);
	o->netns_fd = fd;
	o->subject = subj;
	o->insert_failed = check_ct_insert_failed;
	findings_init(&k->fs);
	rc = dns_check_run(o, &k->r, &k->fs, &e);
	close(fd);
	if (rc)
		return cli_fail_doc(c, &e);
	findings_sort(&k->fs);
	if (c->json) {
		cli_from_doc(c, &w, from, &k->lr);
		dns_check_json(&w, &k->r);
		findings_json(&w, &k->fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		dns_check_text(stdout, &k->r);
		findings_text(stdout, &k->fs);
	}
	return findings_exit(&k->fs);
}

static int run_dns(struct cli *c, struct dns_opts *o, const char *from)
{
	struct dns_cmd *k = calloc(1, sizeof *k);
	int rc;

	if (!k)
		return cli_fail_doc(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "dns" });
	rc = check(c, k, o, from);
	free(k);
	return rc;
}

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "from", 0, CLI_ARG_REQUIRED, O_FROM },
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_FROM },
		{ "type", 't', CLI_ARG_REQUIRED, O_TYPE },
		{ "timeout", 0, CLI_ARG_REQUIRED, O_TIMEOUT },
		{ 0, 0, 0, 0 },
	};
	struct dns_opts o;
	char ptr[DNS_NAME_MAX];
	struct cli_parse p;
	const char *from = NULL;
	unsigned long long v;
	int id;

	memset(&o, 0, sizeof o);
	o.type = DNS_T_A;
	o.timeout_ms = 2000;
	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return id == CLI_HELP ? cli_parse_end(&p, id) : (c->json ? cli_usage_doc(c, "bad option") : EXIT_USAGE);
		switch (id) {
		case O_FROM: from = p.arg; break;
		case O_TYPE:
			o.type = dns_type_parse(p.arg);
			if (!o.type)
				return cli_usage_doc(c, "--type: '%s' is not one of A, AAAA, SRV, PTR", p.arg);
			break;
		case O_TIMEOUT:
			if (parse_uint(p.arg, 1, 30, &v))
				return cli_usage_doc(c, "--timeout: '%s' is not a number of seconds from 1 to 30", p.arg);
			o.timeout_ms = (unsigned)v * 1000;
			break;
		}
	}
	if (p.npos != 1)
		return cli_usage_doc(c, "needs exactly one NAME (see 'netrescue help dns')");
	if (!from)
		return cli_usage_doc(c, "needs --from POD_IP (the pod whose resolver to use)");
	o.name = p.pos[0];
	{
		struct nr_addr a;
		unsigned char q[DNS_NAME_MAX + 32];

		if (o.type == DNS_T_PTR && !parse_ip(o.name, &a)) {
			dns_ptr_name(&a, ptr, sizeof ptr);
			o.name = ptr;
		}
		if (dns_query_build(q, sizeof q, 0, o.name, o.type) < 0)
			return cli_usage_doc(c, "'%s' is not a valid DNS name", o.name);
	}
	return run_dns(c, &o, from);
}

const struct cli_cmd cmd_dns = {
	"dns", "dns --from POD_IP NAME [--type A|AAAA|SRV|PTR] [--timeout S]",
	"the pod's resolv.conf, and every nameserver in it over UDP and TCP, from inside the pod",
	"Reads the resolv.conf the pod's resolver reads (/proc/PID/root/etc/resolv.conf of a\n"
	"process of the pod), applies search and ndots as glibc does (the candidate names, in\n"
	"order), and asks each nameserver the resolver uses (the first 3) from a socket inside\n"
	"the pod's network namespace:\n"
	"  - over UDP, A and AAAA in parallel from one socket (what glibc sends for getaddrinfo),\n"
	"    candidate by candidate until one answers; rcode, answers, latency, truncation;\n"
	"  - over TCP, the name that answered;\n"
	"  - when one of a parallel pair is lost, both again one at a time from fresh sockets:\n"
	"    if those answer, dns-parallel-loss (the conntrack insert race), with the node's\n"
	"    conntrack insert_failed delta.\n"
	"Names each nameserver's kind: nodelocal-dnscache (169.254.20.10), kube-dns (the\n"
	"cluster DNS Service, when the search list is a cluster's), or other.\n"
	"Findings: dns-timeout, dns-servfail (also REFUSED), dns-nxdomain, dns-parallel-loss,\n"
	"dns-tcp-failed.\n\n"
	"  --from POD_IP  the pod (also --pod-ip)\n"
	"  --type T       A (default; asked with AAAA as glibc does), AAAA, SRV, PTR (NAME may be an IP)\n"
	"  --timeout S    per query, seconds (default 2)\n\n"
	"--json: from {ip, netns, pod_uid}, name, type, pid, resolv_conf {nameservers, search, ndots,\n"
	"timeout, attempts, single_request_reopen, defaulted}, candidates[], nameservers[] {server,\n"
	"kind, answered, tcp_ok, resolved_as, parallel_loss, insert_failed_delta}, queries[] {server,\n"
	"transport, name, type, parallel, sequential, rcode, answers[] {name, type, ttl, data},\n"
	"truncated, ms, error, timeout}, findings[].\n\n"
	"examples:\n"
	"  netrescue dns --from 10.4.0.5 kubernetes.default\n"
	"  netrescue dns --from 10.4.0.5 _https._tcp.api.default.svc.cluster.local --type SRV\n",
	run,
};
