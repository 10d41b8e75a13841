#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

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
	      "'netrescue help COMMAND' or 'netrescue COMMAND --help' explains a command.\n"
	      "start with: netrescue diagnose --pod-ip POD_IP --port PORT\n", f);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	const struct cli_cmd *cmd;
	int i = 1;

	cli_hide_secrets(argc, argv); /* before anything else: ps shows argv to every user */
	c.host_root = "/";
	c.stderr_tty = isatty(2);
	/* A closed pipe (netrescue ps | head) must end us quietly, not with EPIPE noise. */
	signal(SIGPIPE, SIG_DFL);

	/* Global options before the command; commands also accept them anywhere. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
		else if (!strcmp(argv[i], "--host-root") && i + 1 < argc)
			c.host_root = argv[++i];
		else if (!strncmp(argv[i], "--host-root=", 12))
			c.host_root = argv[i] + 12;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_help(stdout, NULL);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			argv[i] = (char *)"version";
			break;
		} else if (!strcmp(argv[i], "--host-root"))
			return cli_usage(&c, "option '--host-root' needs a directory");
		else
			return cli_usage(&c, "unknown option '%s' (see 'netrescue help')", argv[i]);
		i++;
	}
	if (i >= argc) {
		cli_help(stderr, NULL);
		return EXIT_USAGE;
	}
	cmd = cli_find(argv[i]);
	if (!cmd)
		return cli_usage(&c, "unknown command '%s' (see 'netrescue help')", argv[i]);
	c.cmd = cmd;
	if (cli_host_root_ok(&c, c.host_root) < 0)
		return EXIT_USAGE;
	return cmd->run(&c, argc - i, argv + i);
}
