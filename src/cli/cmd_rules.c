/* rules: the node's netfilter rules (iptables-legacy and nf_tables), all of them as
 * `iptables-save -c` would print them, or those that can match one pod's traffic in the order
 * the kernel evaluates them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "cli/nfjson.h"
#include "netfilter/netfilter.h"
#include "report/json.h"

/* Errors go through the CLI's one path: a line on stderr, and with --json the one document
 * (cli_finish) with "error": {"code", "message"}. */
int cli_nf_error(struct cli *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cli_error(c, code, "%s", msg);
}

int cli_nf_fail(struct cli *c, const struct nr_err *e)
{
	return cli_fail(c, e);
}

struct view {
	struct cli *c;
	const struct nf_ruleset *rs;
	struct jw w;
	const char *table;
	unsigned long n;
	char line[2 * NF_TEXT + 512];
};

static const char *tkind(int t)
{
	static const char *const n[] = { "", "ACCEPT", "DROP", "REJECT", "RETURN", "jump", "goto", "DNAT",
		"SNAT", "MASQUERADE", "MARK", "LOG", "vmap", "QUEUE", "other" };

	return t >= 0 && t < (int)(sizeof n / sizeof n[0]) ? n[t] : "other";
}

static void rule_json(struct view *v, const struct nf_rule *r)
{
	const struct nf_ruleset *rs = v->rs;
	const struct nf_chain *c = &rs->chains[r->chain];
	const char *cm = nf_str(rs, r->comment);

	jw_obj(&v->w);
	jw_kstr(&v->w, "backend", nf_backend_name(r->backend));
	jw_kstr(&v->w, "family", nf_family_name(r->family));
	jw_kstr(&v->w, "table", nf_str(rs, c->table));
	jw_kstr(&v->w, "chain", nf_str(rs, c->name));
	jw_kuint(&v->w, "position", r->position);
	jw_kstr(&v->w, "match", nf_str(rs, r->match));
	jw_kstr(&v->w, "target", nf_str(rs, r->tgt));
	jw_kstr(&v->w, "verdict", tkind(r->target));
	if (*cm)
		jw_kstr(&v->w, "comment", cm);
	else
		jw_knull(&v->w, "comment");
	jw_kuint(&v->w, "packets", r->packets);
	jw_kuint(&v->w, "bytes", r->bytes);
	jw_obj_end(&v->w);
}

static int rule_out(const struct nf_rule *r, void *arg)
{
	struct view *v = arg;
	const struct nf_chain *c = &v->rs->chains[r->chain];

	v->n++;
	if (v->c->json) {
		rule_json(v, r);
		return 1;
	}
	nf_rule_line(v->rs, r, v->line, sizeof v->line);
	printf("%s %s %-6s %s #%u\n", nf_backend_name(r->backend), nf_family_name(r->family),
	       nf_str(v->rs, c->table), v->line, r->position);
	return 1;
}

/* Is chain i the first of its (backend, family, table) group? */
static int group_start(const struct nf_ruleset *rs, uint32_t i)
{
	const struct nf_chain *a, *b;

	if (!i)
		return 1;
	a = &rs->chains[i - 1], b = &rs->chains[i];
	return a->backend != b->backend || a->family != b->family ||
	       strcmp(nf_str(rs, a->table), nf_str(rs, b->table));
}

static void save_group(struct view *v, uint32_t from)
{
	const struct nf_ruleset *rs = v->rs;
	uint32_t i, k;

	if (!v->c->json)
		printf("# %s %s\n*%s\n", nf_backend_name(rs->chains[from].backend),
		       nf_family_name(rs->chains[from].family), nf_str(rs, rs->chains[from].table));
	for (i = from; i < rs->nchains && (i == from || !group_start(rs, i)); i++) {
		const struct nf_chain *c = &rs->chains[i];

		if (v->c->json)
			continue;
		printf(":%s %s [%llu:%llu]\n", nf_str(rs, c->name), c->hook >= 0 ? tkind(c->policy) : "-",
		       (unsigned long long)c->packets, (unsigned long long)c->bytes);
	}
	for (i = from; i < rs->nchains && (i == from || !group_start(rs, i)); i++)
		for (k = rs->chains[i].first; k < rs->chains[i].first + rs->chains[i].n; k++) {
			v->n++;
			if (v->c->json)
				rule_json(v, &rs->rules[k]);
			else {
				nf_rule_line(rs, &rs->rules[k], v->line, sizeof v->line);
				puts(v->line);
			}
		}
	if (!v->c->json)
		puts("COMMIT");
}

static void save_all(struct view *v)
{
	uint32_t i;

	for (i = 0; i < v->rs->nchains; i++)
		if (group_start(v->rs, i) && (!v->table || !strcmp(nf_str(v->rs, v->rs->chains[i].table), v->table)))
			save_group(v, i);
}

static const char *backend_word(unsigned b)
{
	return b == (NF_LEGACY | NF_NFT) ? "both" : b == NF_LEGACY ? "iptables-legacy" : b == NF_NFT ? "nf_tables" : "none";
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_POD = 1, O_PORT, O_TABLE };
	static const struct cli_opt opts[] = {
		{ "pod-ip", 0, CLI_ARG_REQUIRED, O_POD },
		{ "port", 0, CLI_ARG_REQUIRED, O_PORT },
		{ "table", 't', CLI_ARG_REQUIRED, O_TABLE },
		{ 0, 0, 0, 0 },
	};
	struct view v; /* ~2.6 KB: the stack is fine */
	struct nf_ruleset rs;
	struct nf_traffic t;
	struct cli_parse p;
	struct nr_err e;
	int id, have_pod = 0;
	char ip[64];

	memset(&t, 0, sizeof t);
	memset(&v, 0, sizeof v);
	v.c = c;
	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_POD) {
			if (parse_ip(p.arg, &t.pod) < 0)
				return cli_nf_error(c, EXIT_USAGE, "--pod-ip: '%s' is not an IP address", p.arg);
			have_pod = 1;
		} else if (id == O_PORT) {
			if (parse_port(p.arg, &t.port) < 0 || !t.port)
				return cli_nf_error(c, EXIT_USAGE, "--port: '%s' is not a port (1-65535)", p.arg);
		} else
			v.table = t.table = p.arg;
	}
	if (cli_no_pos(&p, " (see 'netrescue help rules')"))
		return EXIT_USAGE;
	if (t.port && !have_pod)
		return cli_nf_error(c, EXIT_USAGE, "--port needs --pod-ip");
	nf_init(&rs);
	v.rs = &rs;
	if (nf_read(&rs, NF_ALL, &e) < 0) {
		nf_free(&rs);
		return cli_nf_fail(c, &e);
	}
	if (c->json) {
		cli_json_begin(c, &v.w, "rules");
		jw_kstr(&v.w, "backend", backend_word(rs.backends));
		jw_key(&v.w, "backends");
		jw_arr(&v.w);
		if (rs.backends & NF_LEGACY)
			jw_str(&v.w, "iptables-legacy");
		if (rs.backends & NF_NFT)
			jw_str(&v.w, "nf_tables");
		jw_arr_end(&v.w);
		if (have_pod) {
			jw_kstr(&v.w, "pod_ip", addr_str(&t.pod, ip, sizeof ip));
			t.port ? jw_kuint(&v.w, "port", t.port) : jw_knull(&v.w, "port");
			jw_kstr(&v.w, "order", "evaluation");
		}
		jw_key(&v.w, "rules");
		jw_arr(&v.w);
	} else if (have_pod) {
		printf("# rules that can match traffic to %s", addr_str(&t.pod, ip, sizeof ip));
		if (t.port)
			printf(" port %u", t.port);
		printf(" and its replies, in evaluation order\n");
	}
	if (have_pod) {
		if (nf_walk_traffic(&rs, &t, rule_out, &v) < 0) {
			nr_fail(&e, NR_E_NOMEM, 0, "rules", NULL);
			nf_free(&rs);
			return cli_nf_fail(c, &e);
		}
	} else
		save_all(&v);
	if (c->json) {
		jw_arr_end(&v.w);
		jw_kuint(&v.w, "count", v.n);
		jw_kbool(&v.w, "truncated", rs.truncated);
		rs.truncated ? jw_kstr(&v.w, "truncated_why", rs.trunc_why) : jw_knull(&v.w, "truncated_why");
		rs.unread[0] ? jw_kstr(&v.w, "unread", rs.unread) : jw_knull(&v.w, "unread");
		jw_key(&v.w, "findings");
		jw_arr(&v.w);
		jw_arr_end(&v.w);
		jw_end(&v.w);
	} else {
		printf("# %lu rules (backend: %s)\n", v.n, backend_word(rs.backends));
		if (rs.truncated)
			printf("# TRUNCATED: %s: the rules above are not all of them\n", rs.trunc_why);
		if (rs.unread[0])
			printf("# could not read: %s\n", rs.unread);
	}
	if (rs.truncated)
		fprintf(stderr, "netrescue: rules: warning: truncated: %s\n", rs.trunc_why);
	nf_free(&rs);
	return EXIT_OK;
}

const struct cli_cmd cmd_rules = {
	"rules", "rules [--pod-ip IP [--port N]] [--table T]",
	"netfilter rules (iptables-legacy and nf_tables) with counters, or those a pod's traffic meets",
	"Reads every netfilter rule of this network namespace in-process: iptables-legacy tables\n"
	"through x_tables (getsockopt), nf_tables over netlink (including the rules iptables-nft\n"
	"writes, whose xt matches and targets are decoded too). Without --pod-ip it prints the\n"
	"whole ruleset like `iptables-save -c` (per table: chains with policy and counters, then\n"
	"\"[packets:bytes] -A CHAIN ...\"). With --pod-ip it lists, in evaluation order (PREROUTING,\n"
	"INPUT, FORWARD, OUTPUT, POSTROUTING; base chains by priority; jumps followed), the rules\n"
	"that can match traffic to the pod (destination the pod, destination port N) or its replies\n"
	"(source the pod, source port N; replies skip nat chains). Extensions it does not decode\n"
	"are shown by name. Huge rulesets are bounded (150,000 rules, 12 MiB of text): beyond\n"
	"that the output says it is truncated.\n\n"
	"options:\n"
	"  --pod-ip IP   only rules that can match that pod's traffic, in evaluation order\n"
	"  --port N      with --pod-ip: the pod's port (destination to it, source of replies)\n"
	"  --table T     only table T (filter, nat, mangle, raw, or an nft table such as kube-proxy)\n\n"
	"examples:\n"
	"  netrescue rules --pod-ip 10.4.0.5 --port 8080\n"
	"  netrescue --json rules --table nat\n",
	run,
};
