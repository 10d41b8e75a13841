/* locate IP [IP...]: pod IP -> host interface, netns, pids, pod UID, containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "locate/locate.h"
#include "report/findings.h"
#include "report/json.h"
#include "report/table.h"

/* The command's state (sockets with 32 KiB buffers, the netns map, one report, the findings):
 * one allocation for any number of IPs, so memory stays constant. */
struct loc {
	struct locate_ctx ctx;
	struct locate_report rep;
	struct findings fs;
	struct nr_addr ips[CLI_MAX_POS];
};

/* IP_TOKEN: the longest IPv6 text (45 bytes) with room; longer tokens are not IPs. */
#define IP_TOKEN 64

/* The next whitespace-separated token of f: 1, 0 at EOF, -1 when one is too long. */
static int next_token(FILE *f, char *tok, size_t cap)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
		;
	while (ch != EOF && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
		if (n + 1 >= cap)
			return -1;
		tok[n++] = (char)ch;
		ch = getc(f);
	}
	tok[n] = 0;
	return n > 0;
}

/* `locate -`: IPs from stdin, any number, one at a time (constant memory), as "pods". */
static int from_stdin(struct cli *c, struct loc *l, struct jw *w, struct tbl *t)
{
	char tok[IP_TOKEN];
	struct nr_addr ip;
	struct nr_err e;
	int rc;

	while ((rc = next_token(stdin, tok, sizeof tok)) > 0) {
		if (parse_ip(tok, &ip) < 0)
			return cli_usage(c, "'%s' (stdin) is not an IP address", tok);
		nr_err_clear(&e);
		if (locate_run(&l->ctx, &ip, &l->rep, &l->fs, &e) < 0)
			return cli_fail(c, &e);
		if (!c->json) {
			locate_text_add(t, &l->rep);
			continue;
		}
		jw_obj(w);
		locate_json(w, &l->rep);
		jw_obj_end(w);
	}
	return rc < 0 ? cli_usage(c, "a token on stdin is too long to be an IP address") : EXIT_OK;
}

static int parse_ips(struct cli *c, struct cli_parse *p, struct nr_addr *ips)
{
	int i;

	if (p->npos == 1 && !strcmp(p->pos[0], "-"))
		return 0;
	if (!p->npos)
		return cli_usage(c, "needs a pod IP (see 'netrescue help locate')");
	for (i = 0; i < p->npos; i++)
		if (parse_ip(p->pos[i], &ips[i]) < 0)
			return cli_usage(c, "'%s' is not an IP address", p->pos[i]);
	return 0;
}

static int each(struct cli *c, struct loc *l, int n, struct jw *w, struct tbl *t)
{
	struct nr_err e;
	int i;

	if (n < 0)
		return from_stdin(c, l, w, t);
	for (i = 0; i < n; i++) {
		nr_err_clear(&e);
		if (locate_run(&l->ctx, &l->ips[i], &l->rep, &l->fs, &e) < 0)
			return cli_fail(c, &e);
		if (!c->json) {
			locate_text_add(t, &l->rep);
		} else if (n == 1) {
			locate_json(w, &l->rep);
		} else {
			jw_obj(w);
			locate_json(w, &l->rep);
			jw_obj_end(w);
		}
	}
	return EXIT_OK;
}

static int report(struct cli *c, struct loc *l, int n)
{
	struct findings *fs = &l->fs;
	struct jw w;
	struct tbl t;
	int rc;

	findings_init(fs);
	if (c->json) {
		/* An error stops the walk (one line on stderr, exit 3), but the document is still
		 * closed so stdout stays valid JSON. */
		cli_json_begin(c, &w, "locate");
		if (n != 1) {
			jw_key(&w, "pods");
			jw_arr(&w);
		}
		rc = each(c, l, n, &w, NULL);
		if (n != 1)
			jw_arr_end(&w);
		findings_sort(fs);
		findings_json(&w, fs);
		if (cli_json_end(c, &w))
			return EXIT_CANNOT;
		return rc ? rc : findings_exit(fs);
	}
	locate_text_begin(&t);
	rc = each(c, l, n, NULL, &t);
	if (rc) {
		tbl_free(&t);
		return rc;
	}
	tbl_print(&t, stdout);
	if (fs->n) {
		findings_sort(fs);
		putchar('\n');
		findings_text(stdout, fs);
	}
	return findings_exit(fs);
}

static int run(struct cli *c, int argc, char **argv)
{
	struct cli_parse p;
	struct nr_err e;
	struct loc *l;
	int id, rc;

	if ((id = cli_no_opts(&p, c, argc, argv)) != CLI_GO)
		return id;
	if (!(l = calloc(1, sizeof *l)))
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "locate" });
	nr_err_clear(&e);
	if (parse_ips(c, &p, l->ips))
		rc = EXIT_USAGE;
	else if (locate_init(&l->ctx, &e) < 0)
		rc = cli_fail(c, &e);
	else {
		l->ctx.host_root = c->host_root;
		rc = report(c, l, p.npos == 1 && !strcmp(p.pos[0], "-") ? -1 : p.npos);
		locate_fini(&l->ctx);
	}
	free(l);
	return rc;
}

const struct cli_cmd cmd_locate = {
	"locate", "locate IP [IP...] | locate -",
	"find a pod from its IP: host interface, netns, pids, pod UID, containers",
	"Follows a pod IP the way the kernel does: the route lookup (RTM_GETROUTE) gives the host\n"
	"interface; on a bridge (kubenet cbr0, Flannel cni0) the neighbour entry gives the pod's MAC\n"
	"and the bridge's FDB the port; on routed wirings (GKE ptp gke*, Calico cali*, veth*) the\n"
	"route's device is the pod's veth; on GKE Dataplane V2 / Cilium (the pod CIDR via the router\n"
	"IP on cilium_host, no per-pod route, eBPF delivers) the pod whose netns holds the IP, behind\n"
	"its lxc* veth. The veth's peer gives the pod's network namespace, cross-checked from the pod\n"
	"side (its interface's iflink is the host ifindex); then every process in that namespace, with\n"
	"the pod UID and container IDs from cgroups. A netns no process holds any more is read\n"
	"through its bind mount (the CNI's /run/netns/cni-*, also under --host-root). Every pod\n"
	"netns is read once per run, whatever the number of IPs.\n\n"
	"findings: route-missing (fail) when no route leads to the pod (none, a blackhole, or only\n"
	"the default route off the node); pod-not-found (fail) when the route keeps the IP on the\n"
	"node (a bridge, cilium_host) but no pod here holds it; link-down (fail) when the pod's\n"
	"host-side interface is down; pod-sandbox-empty (warn) when only a bind mount holds the\n"
	"pod's netns (its sandbox died).\n"
	"exit: 0 found, 1 a fail finding, 2 a malformed IP, 3 could not look.\n\n"
	"arguments:\n"
	"  IP        a pod IP (IPv4 or IPv6); several IPs give \"pods\": [...] in JSON\n"
	"  -         read any number of IPs from stdin (whitespace-separated), as \"pods\"\n\n"
	"JSON: \"ip\", \"host_interface\", \"ifindex\", \"netns\", \"pids\", \"pod_uid\",\n"
	"      \"containers\": [{\"id\", \"pids\"}], \"wiring\", \"route_dev\", \"bridge\", \"mac\",\n"
	"      \"host_state\", \"pod_interface\", \"crosscheck\", \"pod_has_ip\", \"sandbox_empty\",\n"
	"      \"netns_path\", \"findings\"; wiring is routed, bridged, cilium, local or none\n\n"
	"examples:\n"
	"  netrescue locate 10.4.0.5\n"
	"  netrescue --json locate 10.4.0.5 | jq .pids\n"
	"  netrescue locate 10.4.0.5 10.4.1.7\n"
	"  printf '%s\\n' 10.4.0.5 10.4.1.7 | netrescue --json locate -\n",
	run,
};
