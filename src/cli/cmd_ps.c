/* ps [--pod UID|NAMESPACE/NAME] [--tree]: processes with netns, pod and container. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "proc/psview.h"
#include "report/json.h"

enum { O_POD = 1, O_TREE, O_STATE };

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "pod", 0, CLI_ARG_REQUIRED, O_POD },
		{ "tree", 0, CLI_ARG_NONE, O_TREE },
		{ "state", 0, CLI_ARG_REQUIRED, O_STATE },
		{ 0, 0, 0, 0 },
	};
	struct cli_parse p;
	struct ps_list l;
	struct nr_err e;
	struct jw w;
	char uid[PROC_UID_MAX] = "";
	const char *pod = NULL, *states = NULL;
	int id, tree = 0, rc = EXIT_OK;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		if (id == O_POD)
			pod = p.arg;
		else if (id == O_STATE)
			states = p.arg;
		else
			tree = 1;
	}
	if (p.npos)
		return cli_usage(c, "unexpected argument '%s' (filter with --pod UID|NAMESPACE/NAME)", p.pos[0]);
	if (states && (!states[0] || strspn(states, "RSDZTtXxKWPI") != strlen(states)))
		return cli_usage(c, "--state '%s': letters of ps states (R S D Z T t X I)", states);
	if (pod && !pod[0])
		return cli_usage(c, "--pod needs a pod UID or NAMESPACE/NAME");
	nr_err_clear(&e);
	if (pod && ps_resolve_pod(c->host_root, pod, uid, sizeof uid, &e) < 0)
		return cli_fail(c, &e);
	if (ps_collect(&l, c->host_root, pod ? uid : NULL, &e) < 0) {
		ps_free(&l);
		return cli_fail(c, &e);
	}
	if (states)
		ps_filter_state(&l, states);
	if (tree)
		ps_tree(&l);
	if (c->json) {
		cli_json_begin(c, &w, "ps");
		if (pod)
			jw_kstr(&w, "pod_uid", uid);
		ps_json(&w, &l);
		if (cli_json_end(c, &w))
			rc = EXIT_CANNOT;
	} else {
		ps_text(stdout, &l);
	}
	ps_free(&l);
	return rc;
}

const struct cli_cmd cmd_ps = {
	"ps", "ps [--pod UID|NAMESPACE/NAME] [--tree] [--state LETTERS]",
	"processes with netns, pod UID/name and container ID/name",
	"Every process from /proc: pid, parent, state, wait channel, network namespace (inode, as\n"
	"readlink /proc/PID/ns/net shows it), pod (UID from its kubepods cgroup, namespace/name from\n"
	"/var/log/pods and containerd's task config) and container (ID from its cgroup scope, name\n"
	"from the runtime), command and arguments. Odd bytes in names are shown as \\xNN.\n\n"
	"options:\n"
	"  --pod P    only the processes of pod P: its UID (as in the kubepods cgroup) or\n"
	"             NAMESPACE/NAME (or a NAME unique across namespaces); a pod that matches\n"
	"             nothing is an error listing the closest known pods\n"
	"  --tree     parents before their children, commands indented by depth (like ps -H)\n"
	"  --state LETTERS  only processes in these states (Z zombies, D uninterruptible, ...); each\n"
	"             zombie's parent, the process that does not reap it, is listed too\n"
	"             (JSON zombie_parent: true) and named (parent_comm)\n\n"
	"examples:\n"
	"  netrescue ps --pod default/web-7d4b9 --tree\n"
	"  netrescue ps --state Z --tree\n"
	"  netrescue --json ps --pod 3f6c1e2a-0d4b-4c1e-9a52-6d0c1f2e3a4b\n",
	run,
};
