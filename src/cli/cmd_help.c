#include "cli/cli.h"

static int run(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc < 2) {
		cli_help(stdout, NULL);
		return EXIT_OK;
	}
	cmd = cli_find(argv[1]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s' (see 'netrescue help')", argv[1]);
	cli_help(stdout, cmd);
	return EXIT_OK;
}

const struct cli_cmd cmd_help = {
	"help", "help [COMMAND]", "explain netrescue or one command",
	"example:\n  netrescue help capture\n", run,
};
