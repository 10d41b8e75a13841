#include "cli/cli.h"

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = { { 0, 0, 0, 0 } };
	const struct cli_cmd *cmd;
	struct cli_parse p;
	int id;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END)
		if (id < 0)
			return cli_parse_end(&p, id);
	if (p.npos > 1)
		return cli_usage(c, "takes at most one COMMAND (see 'netrescue help')");
	if (!p.npos)
		return cli_help_out(c, NULL);
	cmd = cli_find(p.pos[0]);
	if (!cmd)
		return cli_usage(c, "unknown command '%s' (see 'netrescue help')", p.pos[0]);
	return cli_help_out(c, cmd);
}

const struct cli_cmd cmd_help = {
	"help", "help [COMMAND]", "explain netrescue or one command",
	"example:\n  netrescue help capture\n", run,
};
