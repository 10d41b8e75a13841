#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/json.h"

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

/* Descriptors 0-2 that the caller left closed would be handed to the next open(): a netlink
 * socket would become "stdin", a capture file would receive stderr's lines. /dev/null takes
 * their place; where even that is missing, an O_PATH descriptor (reads and writes fail). */
static void std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd && open("/", O_PATH) != fd)
			_exit(EXIT_CANNOT);
	}
}

static int run_global(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int i = 1;

	/* Global options before the command; commands also accept them anywhere. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else if (!strcmp(argv[i], "--host-root") && i + 1 < argc)
			c->host_root = argv[++i];
		else if (!strncmp(argv[i], "--host-root=", 12))
			c->host_root = argv[i] + 12;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cli_help_out(c, NULL);
		else if (!strcmp(argv[i], "--version")) {
			argv[i] = (char *)"version";
			break;
		} else if (!strcmp(argv[i], "--host-root"))
			return cli_usage(c, "option '--host-root' needs a directory");
		else
			return cli_usage(c, "unknown option '%s' (see 'netrescue help')", argv[i]);
		i++;
	}
	if (i >= argc) {
		if (!c->json)
			cli_help(stderr, NULL);
		return cli_usage(c, "no command given (see 'netrescue help')");
	}
	cmd = cli_find(argv[i]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s' (see 'netrescue help')", argv[i]);
	c->cmd = cmd;
	if (cli_host_root_ok(c, c->host_root) < 0)
		return EXIT_USAGE;
	return cmd->run(c, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int i;

	std_fds();
	cli_hide_secrets(argc, argv); /* before anything else: ps shows argv to every user */
	c.host_root = "/";
	c.stderr_tty = isatty(2);
	/* A closed pipe (netrescue ps | head) must end us quietly, not with EPIPE noise. */
	signal(SIGPIPE, SIG_DFL);
	/* --json anywhere on the line decides the shape of even the earliest usage error. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
	return cli_finish(&c, run_global(&c, argc, argv));
}
