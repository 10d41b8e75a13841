/* Command-line parsing (cli/parse.c): long and short options, values in every spelling,
 * bundles, "--", the global options anywhere, --help, and the prologue helpers every command
 * without options or arguments uses. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "cli/cli.h"

enum { O_FIX = 1, O_WAIT, O_N, O_I };

static const struct cli_opt opts[] = {
	{ "fix", 0, CLI_ARG_NONE, O_FIX },
	{ "wait", 'w', CLI_ARG_REQUIRED, O_WAIT },
	{ 0, 'n', CLI_ARG_NONE, O_N },
	{ "iface", 'i', CLI_ARG_REQUIRED, O_I },
	{ 0, 0, 0, 0 },
};

static int dummy(struct cli *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	return 0;
}

static const struct cli_cmd cmd = { "test", "test [--fix]", "a test command", "help text of test\n", dummy };

static void init(struct cli *c)
{
	memset(c, 0, sizeof *c);
	c->host_root = "/";
	c->cmd = &cmd;
}

/* Runs the option loop over argv; the ids returned go to ids (with arg values in args). */
static int loop(struct cli *c, struct cli_parse *p, int argc, char **argv, int *ids, const char **args, int cap)
{
	int id, n = 0;

	cli_parse_init(p, c, argc, argv);
	while ((id = cli_next(p, opts)) != CLI_END) {
		if (id < 0)
			return id;
		if (n < cap) {
			ids[n] = id;
			args[n++] = p->arg;
		}
	}
	return n;
}

static void options(void)
{
	char *argv[] = { "test", "--fix", "--wait=5s", "--wait", "10s", "-nw3", "-i", "eth0", "-ieth1", "a",
			 "--json", "--host-root", "/tmp", "b", "--", "--fix", "-n", NULL };
	struct cli_parse p;
	const char *args[16];
	int ids[16], n;
	struct cli c;

	init(&c);
	n = loop(&c, &p, 17, argv, ids, args, 16);
	CHECK_INT(n, 7);
	CHECK_INT(ids[0], O_FIX);
	CHECK(args[0] == NULL);
	CHECK_INT(ids[1], O_WAIT);
	CHECK_STR(args[1], "5s");
	CHECK_STR(args[2], "10s");
	CHECK_INT(ids[3], O_N);
	CHECK_INT(ids[4], O_WAIT);
	CHECK_STR(args[4], "3");
	CHECK_STR(args[5], "eth0");
	CHECK_STR(args[6], "eth1");
	CHECK_INT(c.json, 1);
	CHECK_STR(c.host_root, "/tmp");
	/* positional: before and after options, and everything after "--" */
	CHECK_INT(p.npos, 4);
	CHECK_STR(p.pos[0], "a");
	CHECK_STR(p.pos[1], "b");
	CHECK_STR(p.pos[2], "--fix");
	CHECK_STR(p.pos[3], "-n");
}

static void errors(void)
{
	char *unknown[] = { "test", "--nope", NULL }, *noval[] = { "test", "--wait", NULL },
	     *extra[] = { "test", "--fix=1", NULL }, *shortv[] = { "test", "-i", NULL },
	     *ushort[] = { "test", "-z", NULL }, *badroot[] = { "test", "--host-root", "/nonexistent/x", NULL },
	     *help[] = { "test", "x", "--help", NULL }, *h[] = { "test", "-h", NULL };
	struct cli_parse p;
	const char *args[4];
	int ids[4];
	struct cli c;

	init(&c);
	CHECK_INT(loop(&c, &p, 2, unknown, ids, args, 4), CLI_ERROR);
	CHECK_INT(c.err_exit, EXIT_USAGE);
	CHECK(strstr(c.err_msg, "unknown option '--nope'") != NULL);
	init(&c);
	CHECK_INT(loop(&c, &p, 2, noval, ids, args, 4), CLI_ERROR);
	CHECK(strstr(c.err_msg, "needs a value") != NULL);
	init(&c);
	CHECK_INT(loop(&c, &p, 2, extra, ids, args, 4), CLI_ERROR);
	CHECK(strstr(c.err_msg, "takes no value") != NULL);
	init(&c);
	CHECK_INT(loop(&c, &p, 2, shortv, ids, args, 4), CLI_ERROR);
	init(&c);
	CHECK_INT(loop(&c, &p, 2, ushort, ids, args, 4), CLI_ERROR);
	init(&c);
	CHECK_INT(loop(&c, &p, 3, badroot, ids, args, 4), CLI_ERROR);
	CHECK(strstr(c.err_msg, "not a directory") != NULL);
	init(&c);
	CHECK_INT(loop(&c, &p, 3, help, ids, args, 4), CLI_HELP);
	init(&c);
	CHECK_INT(loop(&c, &p, 2, h, ids, args, 4), CLI_HELP);
}

/* The prologue helpers: go on, a usage error, or help (exit 0, printed). */
static void prologue(void)
{
	char *none[] = { "test", "--json", NULL }, *arg[] = { "test", "x", NULL }, *opt[] = { "test", "--fix", NULL },
	     *help[] = { "test", "--help", NULL };
	struct cli_parse p;
	struct cli c;
	int saved, devnull;

	init(&c);
	CHECK_INT(cli_no_args(&p, &c, 2, none), CLI_GO);
	CHECK_INT(c.json, 1);
	init(&c);
	CHECK_INT(cli_no_args(&p, &c, 2, arg), EXIT_USAGE);
	CHECK(strstr(c.err_msg, "takes no arguments") != NULL);
	init(&c);
	CHECK_INT(cli_no_opts(&p, &c, 2, arg), CLI_GO);
	CHECK_INT(p.npos, 1);
	init(&c);
	CHECK_INT(cli_no_opts(&p, &c, 2, opt), EXIT_USAGE);
	CHECK(strstr(c.err_msg, "unknown option '--fix'") != NULL);
	init(&c);
	cli_parse_init(&p, &c, 2, arg);
	p.npos = 1;
	CHECK_INT(cli_no_pos(&p, " (use --pod-ip IP)"), EXIT_USAGE);
	CHECK(strstr(c.err_msg, "takes no arguments (use --pod-ip IP)") != NULL);
	p.npos = 0;
	CHECK_INT(cli_no_pos(&p, NULL), EXIT_OK);
	/* --help prints the command's help on stdout (here: into /dev/null) and ends with 0. */
	init(&c);
	/* stdout is a const object in musl (the arm64 run): move fd 1, not the FILE. */
	fflush(stdout);
	saved = dup(1);
	devnull = open("/dev/null", O_WRONLY);
	CHECK(saved >= 0 && devnull >= 0);
	if (saved >= 0 && devnull >= 0 && dup2(devnull, 1) == 1) {
		CHECK_INT(cli_no_args(&p, &c, 2, help), EXIT_OK);
		fflush(stdout);
		dup2(saved, 1);
	}
	if (devnull >= 0)
		close(devnull);
	if (saved >= 0)
		close(saved);
	CHECK_INT(c.err_exit, 0);
}

int main(void)
{
	RUN(options);
	RUN(errors);
	RUN(prologue);
	return T_EXIT();
}
