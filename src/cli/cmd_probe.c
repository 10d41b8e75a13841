/* probe --from POD_IP TARGET[:PORT]: TCP, TLS, HTTP and path MTU as the pod sees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "cli/pod_from.h"
#include "dns/check.h"
#include "locate/locate.h"
#include "probe/probe.h"
#include "report/json.h"

enum { O_FROM = 1, O_TLS, O_SNI, O_INSECURE, O_CAFILE, O_HTTP, O_MTU, O_COUNT, O_TIMEOUT };

/* The command's state: the pod, the report, the findings and the trust anchors; one
 * allocation. */
struct probe_cmd {
	struct locate_report lr;
	struct probe_report r;
	struct findings fs;
	struct tls_anchors anchors;
};

static int check(struct cli *c, struct probe_cmd *k, struct probe_opts *o, const char *from, const char *ca_file)
{
	struct nr_err e;
	struct jw w;
	int fd, pid, rc;

	nr_err_clear(&e);
	if (o->tls && tls_anchors_init(&k->anchors, ca_file, &e))
		return cli_fail_doc(c, &e);
	o->anchors = &k->anchors;
	if ((rc = cli_pod_from(c, from, &k->lr, &fd, &pid)) != EXIT_OK)
		return rc;
	findings_init(&k->fs);
	memset(&k->r, 0, sizeof k->r);
	snprintf(k->r.from, sizeof k->r.from, "%s", from);
	k->r.netns = k->lr.netns;
	o->pod_if = k->lr.pod_if;
	if (parse_ip(o->host, &o->addr) && probe_resolve(fd, pid, from, o->host, &o->addr, &e)) {
		close(fd);
		return cli_fail_doc(c, &e);
	}
	addr_port_str(&o->addr, o->port, k->r.target, sizeof k->r.target);
	if (strcmp(o->host, k->r.addr))
		snprintf(k->r.target, sizeof k->r.target, "%s:%u", o->host, o->port);
	rc = probe_run(fd, o, &k->r, &k->fs, &e);
	close(fd);
	if (rc)
		return cli_fail_doc(c, &e);
	findings_sort(&k->fs);
	if (c->json) {
		cli_from_doc(c, &w, from, &k->lr);
		probe_json(&w, &k->r);
		findings_json(&w, &k->fs);
		if (jw_end(&w))
			return EXIT_CANNOT;
	} else {
		probe_text(stdout, &k->r);
		findings_text(stdout, &k->fs);
	}
	return findings_exit(&k->fs);
}

static int run_probe(struct cli *c, struct probe_opts *o, const char *from, const char *ca_file)
{
	struct probe_cmd *k = calloc(1, sizeof *k);
	int rc;

	if (!k)
		return cli_fail_doc(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "probe" });
	rc = check(c, k, o, from, ca_file);
	free(k);
	return rc;
}

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "from", 0, CLI_ARG_REQUIRED, O_FROM },
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_FROM },
		{ "tls", 0, CLI_ARG_NONE, O_TLS },
		{ "sni", 0, CLI_ARG_REQUIRED, O_SNI },
		{ "insecure", 'k', CLI_ARG_NONE, O_INSECURE },
		{ "ca-file", 0, CLI_ARG_REQUIRED, O_CAFILE },
		{ "http", 0, CLI_ARG_REQUIRED, O_HTTP },
		{ "mtu", 0, CLI_ARG_NONE, O_MTU },
		{ "count", 'c', CLI_ARG_REQUIRED, O_COUNT },
		{ "timeout", 0, CLI_ARG_REQUIRED, O_TIMEOUT },
		{ 0, 0, 0, 0 },
	};
	struct probe_opts o;
	struct cli_parse p;
	const char *from = NULL, *ca_file = NULL, *target, *after_tls = NULL;
	unsigned long long v;
	int id, has_port, ti = 0;

	memset(&o, 0, sizeof o);
	o.count = 3;
	o.timeout_ms = 5000;
	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return id == CLI_HELP ? cli_parse_end(&p, id) : (c->json ? cli_usage_doc(c, "bad option") : EXIT_USAGE);
		switch (id) {
		case O_FROM: from = p.arg; break;
		case O_TLS:
			o.tls = 1;
			after_tls = p.i < p.argc ? p.argv[p.i] : NULL;
			break;
		case O_SNI: o.sni = p.arg; o.tls = 1; break;
		case O_INSECURE: o.insecure = 1; break;
		case O_CAFILE: ca_file = p.arg; break;
		case O_HTTP:
			if (p.arg[0] != '/')
				return cli_usage_doc(c, "--http: '%s' must be a path starting with /", p.arg);
			o.http_path = p.arg;
			break;
		case O_MTU: o.mtu = 1; break;
		case O_COUNT:
			if (parse_uint(p.arg, 1, PROBE_COUNT_MAX, &v))
				return cli_usage_doc(c, "--count: '%s' is not a number from 1 to %d", p.arg, PROBE_COUNT_MAX);
			o.count = (int)v;
			break;
		case O_TIMEOUT:
			if (parse_uint(p.arg, 1, 60, &v))
				return cli_usage_doc(c, "--timeout: '%s' is not a number of seconds from 1 to 60", p.arg);
			o.timeout_ms = (unsigned)v * 1000;
			break;
		}
	}
	/* --tls [SNI]: a word right after --tls is the SNI when a TARGET follows besides it. */
	if (p.npos == 2 && after_tls && (p.pos[0] == after_tls || p.pos[1] == after_tls)) {
		o.sni = after_tls;
		ti = p.pos[0] == after_tls ? 1 : 0;
	} else if (p.npos != 1) {
		return cli_usage_doc(c, "needs exactly one TARGET[:PORT] (see 'netrescue help probe')");
	}
	if (!from)
		return cli_usage_doc(c, "needs --from POD_IP (the pod to probe from)");
	target = p.pos[ti];
	if (probe_target_parse(target, o.host, sizeof o.host, &o.port, &has_port))
		return cli_usage_doc(c, "'%s' is not TARGET[:PORT] with a port from 1 to 65535", target);
	if (!has_port)
		o.port = o.tls ? 443 : 80;
	return run_probe(c, &o, from, ca_file);
}

const struct cli_cmd cmd_probe = {
	"probe",
	"probe --from POD_IP TARGET[:PORT] [--tls [SNI]] [--insecure] [--ca-file F] [--http PATH] [--mtu] [--count N] [--timeout S]",
	"TCP connect, TLS handshake, HTTP request and path-MTU search from inside a pod",
	"Opens its sockets inside the network namespace of the pod that has POD_IP (on this node),\n"
	"so the pod's routes, network policies and conntrack apply as to the pod's own traffic;\n"
	"netrescue itself stays in the node's namespace and runs no program in the pod.\n"
	"TARGET is an IP or a name; a name is resolved through the pod's own resolv.conf and\n"
	"nameservers (as 'netrescue dns' does). PORT defaults to 443 with --tls, else 80.\n\n"
	"  --from POD_IP    the pod to probe from (also --pod-ip)\n"
	"  --count N        TCP connects (default 3, at most 20): time each, refused (RST) or\n"
	"                   timeout (tcp-refused / tcp-timeout findings)\n"
	"  --timeout S      per step, seconds (default 5)\n"
	"  --tls [SNI]      TLS 1.2 handshake (BearSSL) on a new connection, verified against the\n"
	"                   built-in roots (and --ca-file F); SNI defaults to TARGET when it is a\n"
	"                   name (also --sni NAME). Shows version, cipher, the server certificate's\n"
	"                   subject, issuer and expiry, and where a failed handshake stopped:\n"
	"                   \"no ServerHello after N s\" is the path-MTU black-hole symptom\n"
	"  --insecure, -k   do not verify the certificate: see how far the handshake gets\n"
	"  --http PATH      GET PATH (over TLS with --tls): status line, time to first byte, and\n"
	"                   whether the whole reply arrived (http-incomplete when it stalls)\n"
	"  --mtu            path-MTU search with DF ICMP echo probes (bisecting from the pod's MTU\n"
	"                   down to 576): \"fragmentation needed at N\" from a router, or sizes above\n"
	"                   N vanishing with no ICMP (pmtu-blackhole), next to the pod's interface\n"
	"                   MTU and the node's route MTU\n\n"
	"Probes go only to TARGET; counts and timeouts are bounded; nothing is left in the pod.\n"
	"--json: from {ip, netns, pod_uid}, target, address, port, tcp {ok, ms, error, attempts,\n"
	"connected}, attempts[] {ok, ms, error}, tls {ok, version, cipher, subject, issuer,\n"
	"not_after, stage, bytes_received, ms, error}, http {status, status_line, ms, total_ms, bytes,\n"
	"complete, error}, path_mtu {mtu, largest_ok, smallest_lost, icmp_seen, icmp_mtu, pod_mtu,\n"
	"node_mtu, method, probes, error}, findings[].\n\n"
	"examples:\n"
	"  netrescue probe --from 10.4.0.5 10.8.0.10:5432\n"
	"  netrescue probe --from 10.4.0.5 storage.googleapis.com --tls --http / --mtu\n"
	"  netrescue probe --from 10.4.0.5 10.8.0.20:8443 --tls api.internal --insecure\n",
	run,
};
