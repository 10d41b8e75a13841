/* Placeholder until the upload command lands. */
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

const struct cli_cmd cmd_upload = {
	"upload", "upload FILE URL",
	"HTTPS PUT of a file to a GCS/S3/Azure signed URL",
	"", run,
};
