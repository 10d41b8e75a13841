/* help [COMMAND | findings [ID] | contract]: the product's own manual. `help findings` prints the
 * finding catalog (report/catalog.c), `help contract` what scripts may rely on. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/catalog.h"
#include "report/json.h"

/* The help texts (cli/cli.h): here rather than in main.c so the unit tests link them. */
const struct cli_cmd *cli_find(const char *name)
{
	int i;

	for (i = 0; cli_commands[i]; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

void cli_help(FILE *f, const struct cli_cmd *cmd)
{
	int i;

	if (cmd) {
		fprintf(f, "usage: netrescue [--json] [--host-root DIR] %s\n\n%s.\n", cmd->usage, cmd->summary);
		if (cmd->help && cmd->help[0])
			fprintf(f, "\n%s", cmd->help);
		return;
	}
	fputs("netrescue: a node network rescue kit in one static binary.\n\n"
	      "usage: netrescue [--json] [--host-root DIR] COMMAND [ARGS...]\n\n"
	      "global options:\n"
	      "  --json            print exactly one JSON document on stdout\n"
	      "  --host-root DIR   where the node's files are (default /; /host under kubectl debug)\n\n"
	      "commands:\n", f);
	for (i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fputs("\nexit codes: 0 done/no fail finding, 1 a fail finding, 2 usage error, 3 could not do it\n"
	      "'netrescue help COMMAND' or 'netrescue COMMAND --help' explains a command;\n"
	      "'netrescue help findings' every finding, 'netrescue help contract' what scripts rely on.\n"
	      "start with: netrescue diagnose --pod-ip POD_IP --port PORT\n", f);
}

int cli_help_out(struct cli *c, const struct cli_cmd *cmd)
{
	struct jw w;
	int i;

	if (!c->json) {
		cli_help(stdout, cmd);
		return EXIT_OK;
	}
	cli_json_begin(c, &w, "help");
	if (cmd) {
		jw_kstr(&w, "name", cmd->name);
		jw_kstr(&w, "usage", cmd->usage);
		jw_kstr(&w, "summary", cmd->summary);
		jw_kstr(&w, "help", cmd->help);
	} else {
		jw_key(&w, "commands");
		jw_arr(&w);
		for (i = 0; cli_commands[i]; i++) {
			jw_obj(&w);
			jw_kstr(&w, "name", cli_commands[i]->name);
			jw_kstr(&w, "usage", cli_commands[i]->usage);
			jw_kstr(&w, "summary", cli_commands[i]->summary);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
	}
	return cli_json_end(c, &w) ? EXIT_CANNOT : EXIT_OK;
}

/* WRAP_COLS: help text lines stay within a 80-column terminal (with the 4-space indent). */
#define WRAP_COLS 76

static const char contract_text[] =
"What scripts may rely on. Fields and finding IDs are only ever added, never renamed or\n"
"dropped; a script should ignore fields it does not know.\n"
"\n"
"INVOCATION\n"
"  netrescue [--json] [--host-root DIR] COMMAND [ARGS...]\n"
"  --json   exactly one JSON document on stdout (UTF-8, valid even when names hold odd bytes),\n"
"           also on errors; progress and warnings go to stderr only. --json and --host-root\n"
"           are accepted before or after the command.\n"
"  --host-root DIR  where the node's files are (default /; /host under kubectl debug); must be\n"
"           a directory. /proc, /sys and netlink are always the live kernel's.\n"
"  Nothing on the node changes unless --fix or --kill is given; each change is reported.\n"
"\n"
"COMMANDS (names fixed)\n"
"  diagnose locate links neigh bridge mtu conntrack ps sockets port kmsg capture upload\n"
"  version drops rules service flows probe dns health pause help\n"
"\n"
"EXIT CODES\n"
"  0  done; for checks: no finding of severity fail\n"
"  1  a check found at least one fail finding\n"
"  2  usage error (bad option, IP, filter, URL): one line on stderr, nothing done\n"
"  3  could not do what was asked (permission, missing interface, network, TLS, server\n"
"     refused, write error on stdout): one line on stderr saying what and why\n"
"\n"
"THE JSON DOCUMENT\n"
"  every document: \"tool\": \"netrescue\", \"version\", \"command\" (null when unknown).\n"
"  errors (exit 2 or 3): the same document with \"error\": {\"code\" (the exit code), \"message\",\n"
"    \"errno\", \"errno_name\" (\"EACCES\")}; a document begun before a failure carries it too.\n"
"  checks (diagnose locate bridge mtu conntrack port drops rules service flows probe dns\n"
"    health) exit 1 when a fail finding is present and carry \"findings\": [{\"id\",\n"
"    \"severity\" (\"fail\"|\"warn\"|\"info\"), \"subject\", \"message\", \"fix\"}]; fix is the\n"
"    commands that would mend it, one per line, each quoted for POSIX sh and runnable as\n"
"    printed, or null. IDs: netrescue help findings. Each finding also carries \"advice\"\n"
"    (prose: what else to do, naming the file; or null), \"pod_uid\" (or null), \"also\"[]\n"
"    (the IDs of findings merged into it: one fault, one finding); kernel-log findings add\n"
"    \"last_seen\" (RFC 3339) and \"age_seconds\". diagnose adds \"scope\" (\"asked\": about\n"
"    the --pod-ip pods or --port ports; \"node\": elsewhere) and orders findings asked first,\n"
"    then worst first; with --fix, \"fix_status\" (\"applied\"|\"refused\"|\"not attempted\")\n"
"    and \"fix_reason\" (why, or null).\n"
"\n"
"STABLE FIELDS PER COMMAND (more exist; these stay)\n"
"  diagnose  node {hostname, kernel, cni, uplink}, verdict, summary, findings,\n"
"            could_not_check[], changes[], checks {NAME: {status, detail, ms, ...}};\n"
"            --bundle FILE: a .tgz with report.json (this document) and report.txt.\n"
"            --summary-only: node, verdict, fail, warn, top {id, severity, subject, message}.\n"
"  locate    ip, host_interface, ifindex, netns (inode), pids, pod_uid (null when unknown),\n"
"            containers [{id, pids}], wiring, findings; several IPs: pods[].\n"
"  links     links [{name, ifindex, state, mtu, kind, master, mac, addresses (IP/LEN)}].\n"
"  neigh     neighbours [{ip, mac, dev, state}], fdb [{mac, dev, bridge, state, vlan}].\n"
"  bridge    bridges[], ports[], fdb[], changed[], findings.\n"
"  mtu       uplink {name, mtu}, interfaces [{name, mtu, pod_uid}], findings.\n"
"  conntrack count, max, recommended_max, drops, insert_failed, early_drop, findings.\n"
"  ps        processes [{pid, ppid, comm, netns, pod_uid, container_id}].\n"
"  sockets   netns, sockets [{proto, state, local, remote, pids}] (IP:PORT, [IPv6]:PORT).\n"
"  port      port, holders [{pid, comm, netns, pod_uid, container_id, stale, verdict}],\n"
"            findings.\n"
"  kmsg      records [{seq, time, monotonic_us, priority, level, facility, text}].\n"
"  capture   files, packets_captured, packets_dropped, interface, stop_reason.\n"
"  upload    bytes, http_status, provider (gcs|s3|azure|other), resumed.\n"
"  drops     duration, attribution (flows|reasons), reasons [{reason, count, locations\n"
"            [{symbol, count}], flows [{src, dst, proto, sport, dport, ifname, pod, count}]}],\n"
"            counters, findings.\n"
"  rules     backend, rules [{family, table, chain, position, match, target, comment,\n"
"            packets, bytes}].\n"
"  service   name, frontends [{ip, port, proto, kind}], endpoints [{ip, port, probability,\n"
"            local, pod, listening}], findings.\n"
"  flows     flows [{proto, state, unreplied, assured, orig {src, dst, sport, dport}, reply,\n"
"            mark, zone, timeout}], summary.\n"
"  probe     from, target, tcp {ok, ms, error}, tls {ok, version, cipher, subject,\n"
"            not_after, error}, http {status, ms}, path_mtu {mtu, largest_ok, smallest_lost,\n"
"            icmp_seen}, findings.\n"
"  dns       from, resolv_conf {nameservers, search, ndots}, queries [{server, transport,\n"
"            name, type, rcode, answers, ms, error}], findings.\n"
"  health    processes, zombies, zombie_pid_namespaces[], pods[], pid_max, oom_kills,\n"
"            runtimes[], orphans, runtime_crashes, watch_seconds (--watch), findings.\n"
"  version   version, libpcap, bearssl, commit, arch.\n"
"  help      commands[] {name, usage, summary}; help COMMAND: name, usage, summary, help;\n"
"            help findings: findings [{id, severities[], checks[], meaning, action}].\n"
"\n"
"SAFETY\n"
"  TLS certificates and host names are always verified. Signed-URL signatures and proxy\n"
"  passwords never appear in output, logs, reports or bundles. Output files are not\n"
"  overwritten unless --force and are opened without following symlinks.\n";

/* Prints prefix and s indented by 4, wrapped at WRAP_COLS on spaces. */
static void wrap(FILE *f, const char *prefix, const char *s)
{
	size_t col = 4 + strlen(prefix), len;
	int first = 1;

	fprintf(f, "    %s", prefix);
	for (s += strspn(s, " "); *s; s += strspn(s, " ")) {
		len = strcspn(s, " ");
		if (!first && col + 1 + len > WRAP_COLS) {
			fputs("\n    ", f);
			col = 4;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, len, f);
		col += len;
		s += len;
		first = 0;
	}
	fputc('\n', f);
}

static void entry_text(FILE *f, const struct catalog_entry *e)
{
	fprintf(f, "%s (%s), reported by: %s\n", e->id, e->severities, e->checks);
	wrap(f, "", e->meaning);
	wrap(f, "what to do: ", e->action);
}

/* A space- or '/'-separated list as a JSON array of strings. */
static void words(struct jw *w, const char *key, const char *s, const char *sep)
{
	size_t len;

	jw_key(w, key);
	jw_arr(w);
	while (*s) {
		len = strcspn(s, sep);
		if (len)
			jw_strn(w, s, len);
		s += len;
		s += strspn(s, sep);
	}
	jw_arr_end(w);
}

static int findings_out(struct cli *c, const char *id)
{
	const struct catalog_entry *one = NULL;
	struct jw w;
	int i;

	if (id && !(one = catalog_find(id)))
		return cli_usage(c, "unknown finding ID '%s' (see 'netrescue help findings')", id);
	if (!c->json) {
		if (!one)
			fputs("Every finding netrescue reports. fail: a fault that breaks traffic (exit 1);\n"
			      "warn: wrong or risky, may explain a symptom; info: context, not a fault.\n"
			      "A report's 'fix' line is a command that would mend it; netrescue itself changes\n"
			      "nothing unless --fix or --kill is given.\n", stdout);
		for (i = 0; i < catalog_n; i++)
			if (!one)
				printf("\n"), entry_text(stdout, &catalog[i]);
			else if (one == &catalog[i])
				entry_text(stdout, one);
		return fflush(stdout) ? EXIT_CANNOT : EXIT_OK;
	}
	cli_json_begin(c, &w, "help");
	jw_kstr(&w, "topic", "findings");
	jw_key(&w, "findings");
	jw_arr(&w);
	for (i = 0; i < catalog_n; i++) {
		if (one && one != &catalog[i])
			continue;
		jw_obj(&w);
		jw_kstr(&w, "id", catalog[i].id);
		words(&w, "severities", catalog[i].severities, "/");
		words(&w, "checks", catalog[i].checks, " ");
		jw_kstr(&w, "meaning", catalog[i].meaning);
		jw_kstr(&w, "action", catalog[i].action);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	return cli_json_end(c, &w) ? EXIT_CANNOT : EXIT_OK;
}

static int contract_out(struct cli *c)
{
	struct jw w;

	if (!c->json) {
		fputs(contract_text, stdout);
		return fflush(stdout) ? EXIT_CANNOT : EXIT_OK;
	}
	cli_json_begin(c, &w, "help");
	jw_kstr(&w, "topic", "contract");
	jw_kstr(&w, "name", "contract");
	jw_kstr(&w, "help", contract_text);
	return cli_json_end(c, &w) ? EXIT_CANNOT : EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	struct cli_parse p;
	int id;

	if ((id = cli_no_opts(&p, c, argc, argv)) != CLI_GO)
		return id;
	if (p.npos && !strcmp(p.pos[0], "findings")) {
		if (p.npos > 2)
			return cli_usage(c, "help findings takes at most one finding ID");
		return findings_out(c, p.npos == 2 ? p.pos[1] : NULL);
	}
	if (p.npos > 1)
		return cli_usage(c, "takes at most one COMMAND (see 'netrescue help')");
	if (!p.npos)
		return cli_help_out(c, NULL);
	if (!strcmp(p.pos[0], "contract"))
		return contract_out(c);
	cmd = cli_find(p.pos[0]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s' (see 'netrescue help')", p.pos[0]);
	return cli_help_out(c, cmd);
}

const struct cli_cmd cmd_help = {
	"help", "help [COMMAND | findings [ID] | contract]",
	"explain netrescue, one command, the findings, or the contract for scripts",
	"topics:\n"
	"  COMMAND        the command's options, with an example\n"
	"  findings [ID]  every finding ID (or one): severity, which commands report it, what it\n"
	"                 means and what to do; --json: findings [{id, severities, checks, meaning,\n"
	"                 action}]\n"
	"  contract       what scripts may rely on: exit codes, the JSON document, stable fields\n\n"
	"examples:\n  netrescue help capture\n  netrescue help findings mtu-mismatch\n"
	"  netrescue --json help findings | jq -r '.findings[].id'\n",
	run,
};
