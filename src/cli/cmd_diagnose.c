/* Placeholder until the diagnose command lands. */
#include "cli/cli.h"

static int run(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = { { 0, 0, 0, 0 } };
	struct cli_parse p;
	int id;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END)
		if (id < 0)
			return cli_parse_end(&p, id);
	fprintf(stderr, "netrescue: %s: not implemented yet\n", c->cmd->name);
	return EXIT_CANNOT;
}

const struct cli_cmd cmd_diagnose = {
	"diagnose", "diagnose [--pod-ip IP]... [--port N]... [--capture SECONDS] [--bundle FILE] [--upload URL] [--fix]",
	"walk the whole investigation and report findings with evidence and fixes",
	"", run,
};
